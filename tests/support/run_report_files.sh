#!/bin/sh
# tests/support/run_report_files.sh: `mailward report` writing files: the format inferred from
# --output's extension, --markdown writing the same Markdown as -f md next to the HTML, an
# --output naming an input refused (exit 2, the input intact), log paths scanned through the run
# layer, and the HTML checked without a browser too (Python's HTML parser, check_report_dom.py),
# so the escaping is tested where Chromium is not installed.
# Usage: run_report_files.sh MAILWARD_BINARY SOURCE_DIR
# SPDX-License-Identifier: MIT
set -u
bin=$1
root=$2
data=$root/tests/data/report
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export MW_TEST=1

"$bin" report -o "$tmp/r.md" "$data/hostile.jsonl" 2>/dev/null || fail "-o r.md"
head -c 18 "$tmp/r.md" | grep -q "^# mailward report" || fail "-o r.md did not write Markdown"
"$bin" report -o "$tmp/r.markdown" "$data/alerts-only.jsonl" || fail "-o r.markdown"
head -c 2 "$tmp/r.markdown" | grep -q "^# " || fail "-o r.markdown did not write Markdown"
"$bin" report -o "$tmp/r.html" --markdown "$tmp/both.md" "$data/hostile.jsonl" 2>/dev/null ||
    fail "--markdown"
head -c 15 "$tmp/r.html" | grep -q "^<!DOCTYPE html>" || fail "-o r.html did not write HTML"
"$bin" report -f md "$data/hostile.jsonl" >"$tmp/stdout.md" 2>/dev/null || fail "-f md"
cmp -s "$tmp/both.md" "$tmp/stdout.md" || fail "--markdown differs from -f md"
"$bin" report -f html -o "$tmp/forced.md" "$data/alerts-only.jsonl" || fail "-f html -o x.md"
head -c 15 "$tmp/forced.md" | grep -q "^<!DOCTYPE html>" || fail "-f html did not win over .md"

python3 "$root/tests/support/check_report_dom.py" --incident "$tmp/r.html" || fail "raw HTML check"
grep -q "<script" "$tmp/r.html" && fail "a <script in the HTML"
grep -q "<img" "$tmp/r.html" && fail "an <img in the HTML"

cp "$data/alerts-only.jsonl" "$tmp/in.jsonl"
"$bin" report -o "$tmp/in.jsonl" "$tmp/in.jsonl" 2>"$tmp/err"
[ $? -eq 2 ] || fail "--output naming the input was not refused"
grep -q "is one of the inputs" "$tmp/err" || fail "no message for --output naming the input"
cmp -s "$data/alerts-only.jsonl" "$tmp/in.jsonl" || fail "the input was changed"

"$bin" report -q -f md "$root/examples/t1114.002-bulk-mail-access" >"$tmp/logs.md" ||
    fail "report on a log directory"
grep -q "frank@contoso.example" "$tmp/logs.md" || fail "log directory: account missing"
: >"$tmp/empty.jsonl"
"$bin" report -f md "$tmp/empty.jsonl" >"$tmp/empty.md" || fail "an empty JSON Lines file (a scan without alerts)"
grep -q "No alerts and no incidents" "$tmp/empty.md" || fail "empty JSON Lines: no 'No alerts' sentence"
printf 'not a log\n' >"$tmp/junk.txt"
"$bin" report -q -f md "$tmp/junk.txt" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "a file that is neither JSON Lines nor a log must fail"
echo "ok"
