#!/bin/sh
# tests/support/run_report_markdown.sh: the Markdown report rendered by cmark-gfm with raw HTML
# allowed (--unsafe, the most permissive renderer) and the GFM table, autolink and strikethrough
# extensions; the HTML it gives is checked by check_report_dom.py as the browser's DOM is: the
# hostile strings of tests/data/report/hostile.jsonl are text, no element they could inject
# exists, the account, the four answers and the timeline rows are there; and those of
# tests/data/report/exposed.jsonl (What was exposed, from an incident's `exposed` object).
# Skips (exit 77) only when cmark-gfm is not installed, and says so.
# Usage: run_report_markdown.sh MAILWARD_BINARY SOURCE_DIR
# SPDX-License-Identifier: MIT
set -u
bin=$1
root=$2
if ! command -v cmark-gfm >/dev/null 2>&1; then
    echo "skipped: cmark-gfm is not installed (Debian package cmark-gfm; sh scripts/install-deps.sh installs it)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in hostile alerts-only exposed; do
    MW_TEST=1 "$bin" report -f md -o "$tmp/$f.md" "$root/tests/data/report/$f.jsonl" 2>"$tmp/err" ||
        { echo "FAIL: mailward report -f md $f.jsonl: $(cat "$tmp/err")"; exit 1; }
    cmark-gfm --unsafe -e table -e autolink -e strikethrough "$tmp/$f.md" >"$tmp/$f.html" ||
        { echo "FAIL: cmark-gfm failed on $f.md"; exit 1; }
done
python3 "$root/tests/support/check_report_dom.py" --markdown --incident "$tmp/hostile.html" || exit 1
python3 "$root/tests/support/check_report_dom.py" --markdown "$tmp/alerts-only.html" || exit 1
python3 "$root/tests/support/check_report_dom.py" --markdown --exposed "$tmp/exposed.html" || exit 1
