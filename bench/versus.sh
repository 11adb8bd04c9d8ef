#!/bin/sh
# bench/versus.sh -- head to head of two mailward binaries on the same files in one run: each
# file is scanned RUNS times by each binary, the runs interleaved (A, B, A, B, ...) so that a
# machine whose speed drifts slows both alike; prints the CPU seconds (user + system) of every
# run, the minimum and median per binary, B's median over A's, and the peak RSS. Used for the
# issue's "within 10 % of the version that landed before" check: build that version with the
# `bench` preset into another directory and pass it as A.
# Usage: sh bench/versus.sh A_BINARY B_BINARY FILE...
# Env: RUNS (default 9), BENCH_NICE (default 10), VERSUS_OPTS (extra scan options, both).
# SPDX-License-Identifier: MIT
set -eu

[ $# -ge 3 ] || { echo "usage: sh bench/versus.sh A_BINARY B_BINARY FILE..." >&2; exit 2; }
A=$1
B=$2
shift 2
RUNS=${RUNS:-9}
NICE=${BENCH_NICE:-10}
OPTS=${VERSUS_OPTS:-}
[ -x /usr/bin/time ] || { echo "bench/versus: /usr/bin/time is needed (apt install time)" >&2; exit 2; }
for bin in "$A" "$B"; do
    [ -x "$bin" ] || { echo "bench/versus: $bin is not an executable" >&2; exit 2; }
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# One scan: appends "cpu_seconds rss_kb" to $TMP/<label>; the scan's exit status must be 0 or 1.
one() {
    label=$1
    bin=$2
    file=$3
    rc=0
    # shellcheck disable=SC2086
    nice -n "$NICE" /usr/bin/time -f '%U %S %M' -o "$TMP/time" "$bin" scan --quiet $OPTS \
        "$file" >/dev/null 2>"$TMP/err" || rc=$?
    if [ "$rc" -gt 1 ]; then
        echo "bench/versus: $bin scan $file exited $rc:" >&2
        cat "$TMP/err" >&2
        exit 2
    fi
    # the last line: time(1) writes "Command exited with non-zero status 1" first on exit 1
    tail -n 1 "$TMP/time" | awk '{ printf "%.2f %d\n", $1 + $2, $3 }' >>"$TMP/$label"
}

# min, median and max RSS of a result file
stats() {
    sort -n "$1" | awk '{ t[NR] = $1; if ($2 > rss) rss = $2 }
        END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2;
              printf "%.2f %.2f %.1f", t[1], m, rss / 1024 }'
}

printf '| file | MB | binary | CPU s, every run | min | median | median B/A | peak RSS MB |\n'
printf '|---|---:|---|---|---:|---:|---:|---:|\n'
for file in "$@"; do
    [ -f "$file" ] || { echo "bench/versus: $file is not a file" >&2; exit 2; }
    rm -f "$TMP/a" "$TMP/b"
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        one a "$A" "$file"
        one b "$B" "$file"
        i=$((i + 1))
    done
    mb=$(($(wc -c <"$file") / 1000000))
    sa=$(stats "$TMP/a")
    sb=$(stats "$TMP/b")
    ratio=$(echo "$sa $sb" | awk '{ if ($2 > 0) printf "%.3f", $5 / $2; else printf "-" }')
    for side in a b; do
        bin=$A
        st=$sa
        r=""
        if [ "$side" = b ]; then
            bin=$B
            st=$sb
            r=$ratio
        fi
        all=$(awk '{ printf "%s%s", sep, $1; sep = " " }' "$TMP/$side")
        echo "$st" | awk -v f="$(basename "$file")" -v mb="$mb" -v bin="$bin" -v all="$all" \
            -v r="$r" '{ printf "| %s | %d | %s | %s | %s | %s | %s | %s |\n", f, mb, bin, all,
                         $1, $2, r, $3 }'
    done
done
