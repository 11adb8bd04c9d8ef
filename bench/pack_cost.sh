#!/bin/sh
# bench/pack_cost.sh -- what a source costs on its own and with the built-in rule pack: for each
# FILE, `mailward scan` with the built-in pack ("pack") and with only a rule that matches nothing
# ("source": reading, framing, mapping and joins, the pipeline running), BENCH_RUNS runs each,
# interleaved; the median and the least CPU seconds (user + system, the SHA-256 thread
# included), MB/s over each, the median elapsed (wall) seconds and MB/s over them, and the peak
# RSS. Reading, framing, mapping, detection and the context reading run on one thread; the
# SHA-256 digest of each file runs on a second one, so on an idle machine with two cores or more
# the elapsed time is that one thread's. "less digest" takes off each run's CPU the median CPU of
# `openssl dgst -sha256 FILE` (BENCH_RUNS runs, the same reading and digest the second thread
# does), which leaves the one thread's CPU. On a shared virtual machine the same binary's runs
# can differ by half: the least is the run least disturbed. With BASE set to a second binary,
# the same rows for it, runs interleaved with the first, for a before/after in one sitting.
# Builds nothing.
# Usage: sh bench/pack_cost.sh FILE...
# Env: MAILWARD (binary; default build/release/mailward), BASE (a second binary), BENCH_RUNS
#      (default 3), BENCH_YEAR (default 2025: the --year of syslog files), BENCH_MODES (default
#      "pack source").
# SPDX-License-Identifier: MIT
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
MW=${MAILWARD:-$ROOT/build/release/mailward}
RUNS=${BENCH_RUNS:-3}
YEAR=${BENCH_YEAR:-2025}
MODES=${BENCH_MODES:-pack source}
RULE=$BENCH/rules/legacy_signin_failure.yml
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

die() { printf 'bench: error: %s\n' "$*" >&2; exit 2; }
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"
command -v openssl >/dev/null 2>&1 || die "openssl is needed for the digest's CPU (apt-get install openssl)"
[ -x "$MW" ] || die "no mailward binary at $MW (build it, or set MAILWARD)"
[ -z "${BASE:-}" ] || [ -x "$BASE" ] || die "BASE=$BASE is not an executable"
[ "$#" -gt 0 ] || die "usage: sh bench/pack_cost.sh FILE..."

echo "| file | binary | rules | CPU s per run | CPU s (median) | MB/s (median) | CPU s (least) | MB/s (least) | wall s (median) | MB/s wall | digest CPU s | MB/s less digest (median) | peak RSS MB |"
echo "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for f in "$@"; do
    [ -s "$f" ] || die "$f: no such file"
    cat "$f" >/dev/null # warm the page cache
    mb=$(awk -v b="$(wc -c <"$f")" 'BEGIN { printf "%.1f", b / 1e6 }')
    bins="new"
    [ -n "${BASE:-}" ] && bins="base new"
    for b in $bins; do
        for m in $MODES; do : >"$TMP/$b.$m"; done
    done
    : >"$TMP/digest"
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        /usr/bin/time -f '%U %S' -o "$TMP/t" openssl dgst -sha256 "$f" >/dev/null ||
            die "openssl dgst -sha256 $f failed"
        tail -n 1 "$TMP/t" | awk '{ printf "%.2f\n", $1 + $2 }' >>"$TMP/digest"
        i=$((i + 1))
    done
    digest=$(sort -n "$TMP/digest" | awk '{ d[NR] = $1 } END { print d[int((NR + 1) / 2)] }')
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        for m in $MODES; do
            for b in $bins; do
                bin=$MW
                [ "$b" = base ] && bin=$BASE
                set -- --year "$YEAR" -q --format jsonl -o /dev/null
                [ "$m" = source ] && set -- "$@" --no-builtin-rules --rules "$RULE"
                rc=0
                /usr/bin/time -f '%U %S %M %e' -o "$TMP/t" "$bin" scan "$@" "$f" 2>"$TMP/err" || rc=$?
                [ "$rc" -le 1 ] || die "$bin scan failed on $f (exit $rc): $(head -c 300 "$TMP/err")"
                tail -n 1 "$TMP/t" | awk '{ printf "%.2f %d %.2f\n", $1 + $2, $3, $4 }' >>"$TMP/$b.$m"
            done
        done
        i=$((i + 1))
    done
    for m in $MODES; do
        for b in $bins; do
            wall=$(awk '{ print $3 }' "$TMP/$b.$m" | sort -n |
                awk '{ w[NR] = $1 } END { print w[int((NR + 1) / 2)] }')
            sort -n "$TMP/$b.$m" | awk -v f="$(basename "$f")" -v b="$b" -v m="$m" -v mb="$mb" \
                -v wall="$wall" -v digest="$digest" \
                -v all="$(awk '{ printf "%s%s", s, $1; s = " " }' "$TMP/$b.$m")" '
                { c[NR] = $1; if ($2 > r) r = $2 }
                END { k = int((NR + 1) / 2);
                      one = c[k] - digest
                      printf "| %s | %s | %s | %s | %.2f | %.0f | %.2f | %.0f | %.2f | %.0f | %.2f | %.0f | %.1f |\n",
                             f, b, m, all, c[k], (c[k] > 0 ? mb / c[k] : 0), c[1],
                             (c[1] > 0 ? mb / c[1] : 0), wall, (wall > 0 ? mb / wall : 0), digest,
                             (one > 0 ? mb / one : 0), r / 1024 }'
        done
    done
done
echo
echo "(machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the end; mailward $MW${BASE:+, base $BASE})"
