#!/bin/sh
# tools/top_complexity.sh: fails when a function under src/ passes the complexity or length budget
# (pmccabe's modified McCabe complexity > 20, or > 100 lines) and is not named in
# tools/complexity-allow.txt, or when an allowed function has come back under the budget (so the
# list only shrinks). Usage: sh tools/top_complexity.sh [ROOT]. Needs pmccabe (scripts/install-deps.sh).
# SPDX-License-Identifier: MIT
set -eu
ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
ALLOW=$ROOT/tools/complexity-allow.txt
MAX_CC=20
MAX_LINES=100
if ! command -v pmccabe >/dev/null 2>&1; then
    echo "top_complexity: pmccabe is not installed (run scripts/install-deps.sh)" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$ROOT"
# pmccabe: complexity, traditional complexity, statements, first line, lines, file(line): name
find src -name '*.c' | sort | xargs pmccabe >"$tmp/all"
awk -v cc="$MAX_CC" -v len="$MAX_LINES" '$1 > cc || $5 > len {
    split($6, f, "("); printf "%s %s %d %d\n", f[1], $7, $1, $5 }' "$tmp/all" | sort >"$tmp/over"
grep -v '^#' "$ALLOW" | awk 'NF >= 2 { print $1, $2 }' | sort >"$tmp/allowed"
awk '{ print $1, $2 }' "$tmp/over" | sort >"$tmp/over_names"
rc=0
comm -23 "$tmp/over_names" "$tmp/allowed" >"$tmp/new"
while read -r file fn; do
    line=$(grep -F "$file $fn " "$tmp/over" | head -n 1)
    set -- $line
    echo "top_complexity: $file: $fn has complexity $3 and $4 lines (budget $MAX_CC and" \
        "$MAX_LINES): split it, or add it to tools/complexity-allow.txt with the reason" >&2
    rc=1
done <"$tmp/new"
comm -13 "$tmp/over_names" "$tmp/allowed" >"$tmp/stale"
while read -r file fn; do
    echo "top_complexity: $file: $fn is within the budget now (or gone): remove it from" \
        "tools/complexity-allow.txt" >&2
    rc=1
done <"$tmp/stale"
[ "$rc" -eq 0 ] && echo "top_complexity: $(wc -l <"$tmp/over") function(s) over the budget, all allowed"
exit "$rc"
