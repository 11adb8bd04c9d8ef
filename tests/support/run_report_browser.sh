#!/bin/sh
# tests/support/run_report_browser.sh: the HTML report opened in headless Chromium. The report of
# tests/data/report/hostile.jsonl (every log string hostile) is rendered and its DOM checked by
# check_report_dom.py: the incident's account, the four answers and the timeline rows are there,
# the hostile strings are text, and no element they could inject exists. The report of a scan
# without incidents (tests/data/report/alerts-only.jsonl) is checked for injected elements too,
# The report of tests/data/report/exposed.jsonl (an incident's `exposed` object with a hostile
# folder path and message ids) is checked with --exposed. The incident report must print to a
# non-empty PDF.
# Skips (exit 77) only when Chromium is not installed, and says so.
# Usage: run_report_browser.sh MAILWARD_BINARY SOURCE_DIR
# SPDX-License-Identifier: MIT
set -u
bin=$1
root=$2
browser=""
for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
if [ -z "$browser" ]; then
    echo "skipped: headless Chromium is not installed (Debian package chromium; sh scripts/install-deps.sh installs it)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
browse() {
    # no sandbox: tests may run as root in containers; a profile of its own, nothing shared
    "$browser" --headless --disable-gpu --no-sandbox --no-first-run --user-data-dir="$tmp/profile" \
        "$@" 2>>"$tmp/chromium.err"
}
fail() { echo "FAIL: $*"; [ -s "$tmp/chromium.err" ] && tail -5 "$tmp/chromium.err"; exit 1; }

MW_TEST=1 "$bin" report -o "$tmp/incident.html" "$root/tests/data/report/hostile.jsonl" 2>"$tmp/err" ||
    fail "mailward report failed: $(cat "$tmp/err")"
browse --dump-dom "file://$tmp/incident.html" >"$tmp/incident.dom" || fail "chromium --dump-dom failed"
[ -s "$tmp/incident.dom" ] || fail "chromium rendered nothing"
python3 "$root/tests/support/check_report_dom.py" --incident "$tmp/incident.dom" || exit 1

MW_TEST=1 "$bin" report -o "$tmp/alerts.html" "$root/tests/data/report/alerts-only.jsonl" 2>"$tmp/err" ||
    fail "mailward report (alerts only) failed: $(cat "$tmp/err")"
browse --dump-dom "file://$tmp/alerts.html" >"$tmp/alerts.dom" || fail "chromium --dump-dom failed"
grep -q "frank@contoso.example" "$tmp/alerts.dom" || fail "alerts-only report: account missing"
python3 "$root/tests/support/check_report_dom.py" "$tmp/alerts.dom" || exit 1

MW_TEST=1 "$bin" report -o "$tmp/exposed.html" "$root/tests/data/report/exposed.jsonl" 2>"$tmp/err" ||
    fail "mailward report (exposed) failed: $(cat "$tmp/err")"
browse --dump-dom "file://$tmp/exposed.html" >"$tmp/exposed.dom" || fail "chromium --dump-dom failed"
python3 "$root/tests/support/check_report_dom.py" --exposed "$tmp/exposed.dom" || exit 1

browse --print-to-pdf="$tmp/incident.pdf" --no-pdf-header-footer "file://$tmp/incident.html" >/dev/null ||
    fail "chromium --print-to-pdf failed"
[ "$(head -c 5 "$tmp/incident.pdf" 2>/dev/null)" = "%PDF-" ] || fail "no PDF printed"
size=$(wc -c <"$tmp/incident.pdf")
[ "$size" -gt 10000 ] || fail "printed PDF is only $size bytes"
echo "ok: rendered DOM checked (incident, exposure and alerts-only reports); printed to a $size-byte PDF"
