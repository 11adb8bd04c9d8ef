#!/bin/sh
# bench/order.sh -- the order property and the spill benchmark on a bench corpus: scans the
# OfficeActivity JSON Lines corpus sorted, newest first, shuffled and shuffled into several files,
# each also with a small --max-memory that forces spilling; checks every run's alerts equal the
# sorted run's (tests/property/run_order.py --compare) and times each (/usr/bin/time -v).
# Usage: sh bench/order.sh [CORPUS.jsonl]   (default bench/out/office-$BENCH_SIZE.jsonl)
# Env: MAILWARD, BENCH_SIZE (default 1G), BENCH_SEED, BENCH_NICE (default 10), BENCH_THREADS,
#      BENCH_SPILL_MEMORY (default 8M: the --max-memory of the spilling runs),
#      BENCH_ORDER_PARTS (default 4: files of the split runs).
# SPDX-License-Identifier: MIT
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
OUT=$BENCH/out
RES=$OUT/results/order
SIZE=${BENCH_SIZE:-1G}
SEED=${BENCH_SEED:-1114}
NICE=${BENCH_NICE:-10}
THREADS=${BENCH_THREADS:-1}
SPILL=${BENCH_SPILL_MEMORY:-8M}
PARTS=${BENCH_ORDER_PARTS:-4}
COMPARE="python3 $ROOT/tests/property/run_order.py --compare"

say() { printf '%s\n' "bench/order: $*" >&2; }
die() { say "error: $*"; exit 2; }

CORPUS=${1:-$OUT/office-$SIZE.jsonl}
MW=${MAILWARD:-}
if [ -z "$MW" ]; then
    for c in "$ROOT/build/bench/mailward" "$ROOT/build/release/mailward"; do
        if [ -x "$c" ]; then MW=$c; break; fi
    done
fi
if [ -z "$MW" ] || [ ! -x "$MW" ]; then
    die "no mailward binary (set MAILWARD or build the bench preset)"
fi
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time; bench/run.sh does it)"
for t in shuf split tac python3; do
    command -v "$t" >/dev/null 2>&1 || die "$t is needed"
done
if [ ! -s "$CORPUS" ]; then
    say "generating $CORPUS ($SIZE)"
    mkdir -p "$OUT"
    nice -n "$NICE" python3 "$BENCH/gen_corpus.py" --kind office --size "$SIZE" --seed "$SEED" \
        --out "$CORPUS" >/dev/null
fi
case $CORPUS in
*.jsonl) ;;
*) die "$CORPUS: only JSON Lines corpora can be reordered line by line (a CSV record may span lines)" ;;
esac
rm -rf "$RES"
mkdir -p "$RES/in"

MW_ARGS="scan --format jsonl"
if "$MW" scan --help 2>&1 | grep -q -- '--threads'; then MW_ARGS="$MW_ARGS --threads $THREADS"; fi
HAVE_SPILL=0
if "$MW" scan --help 2>&1 | grep -q -- '--max-memory'; then HAVE_SPILL=1; fi
[ "$HAVE_SPILL" -eq 1 ] || say "warning: $MW has no --max-memory; the spilling runs are skipped"

# ---- the inputs (shuf reads its whole input into memory: about the corpus size) ------------------
# The corpus file itself is the random source, so every run shuffles the same way.
say "preparing reordered copies of $CORPUS"
nice -n "$NICE" tac "$CORPUS" >"$RES/in/newest-first.jsonl"
nice -n "$NICE" shuf --random-source="$CORPUS" "$CORPUS" >"$RES/in/shuffled.jsonl"
# split: the shuffled records in $PARTS files (line boundaries kept), given newest name first
mkdir -p "$RES/in/split"
(cd "$RES/in/split" && nice -n "$NICE" split -n "l/$PARTS" -d --additional-suffix=.jsonl \
    "$RES/in/shuffled.jsonl" part-)
SPLIT_FILES=$(for f in "$RES/in/split"/part-*.jsonl; do echo "$f"; done | sort -r | tr '\n' ' ')
bytes=$(wc -c <"$CORPUS")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')

TABLE=$RES/table.md
{
    echo "| input | --max-memory | spilled | wall s | CPU s | MB/s (wall) | MB/s (CPU) | peak RSS MB | CPU vs sorted | alerts | equal to sorted |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
} >"$TABLE"

status=0
REF_CPU=""
# measure TAG NAME MAXMEM FILES...: one timed scan; appends a row; compares with the sorted run.
measure() {
    tag=$1${3:+-spill}; name=$2; mem=$3; shift 3
    extra=""
    [ -n "$mem" ] && extra="--max-memory $mem"
    rc=0
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$RES/$tag.time" nice -n "$NICE" "$MW" $MW_ARGS $extra "$@" \
        >"$RES/$tag.jsonl" 2>"$RES/$tag.err" || rc=$?
    if [ "$rc" -gt 1 ]; then
        say "  $tag: mailward exited $rc (see $RES/$tag.err)"
        status=1
        echo "| $name | ${mem:--} | - | - | - | - | - | - | - | - | failed (exit $rc) |" >>"$TABLE"
        return 0
    fi
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
        for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$RES/$tag.time")
    cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 }
        END { printf "%.2f", u + s }' "$RES/$tag.time")
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$RES/$tag.time")
    nal=$(grep -c '^{"schema_version":[0-9]*,"kind":"alert"' "$RES/$tag.jsonl" || true)
    [ -n "$REF_CPU" ] || REF_CPU=$cpu
    if [ "$tag" = sorted ]; then
        eq="(reference)"
    elif $COMPARE "$RES/sorted.jsonl" "$RES/sorted.err" "$RES/$tag.jsonl" "$RES/$tag.err" \
        >"$RES/$tag.cmp" 2>&1; then
        eq=yes
    else
        eq=NO
        status=1
        say "  $tag: alerts DIFFER from the sorted run:"
        sed 's/^/    /' "$RES/$tag.cmp" >&2
    fi
    # Did it spill? The same scan with $TMPDIR missing exits 2 at its first spill (and only
    # then), so this costs little.
    sp=no
    rc=0
    # shellcheck disable=SC2086
    TMPDIR=$RES/no-such-dir nice -n "$NICE" "$MW" $MW_ARGS $extra "$@" >/dev/null 2>&1 || rc=$?
    [ "$rc" -ne 2 ] || sp=yes
    awk -v n="$name" -v m="${mem:--}" -v sp="$sp" -v w="$wall" -v c="$cpu" -v r="$rss" \
        -v mb="$mb" -v rc="$REF_CPU" -v a="$nal" -v e="$eq" 'BEGIN {
        printf "| %s | %s | %s | %.2f | %.2f | %.1f | %.1f | %.1f | %.2fx | %s | %s |\n", n, m, sp,
               w, c, (w > 0 ? mb / w : 0), (c > 0 ? mb / c : 0), r / 1024, (rc > 0 ? c / rc : 0),
               a, e
    }' >>"$TABLE"
    say "  $tag: ${wall}s wall, ${cpu}s CPU, $((rss / 1024)) MB peak RSS, $nal alerts, equal: $eq, spilled: $sp"
}

cat "$CORPUS" "$RES/in/shuffled.jsonl" >/dev/null # warm the page cache
say "scanning $CORPUS ($mb MB) in each order"
measure sorted sorted "" "$CORPUS"
measure newest-first "newest first" "" "$RES/in/newest-first.jsonl"
measure shuffled shuffled "" "$RES/in/shuffled.jsonl"
# shellcheck disable=SC2086
measure split "shuffled, $PARTS files" "" $SPLIT_FILES
if [ "$HAVE_SPILL" -eq 1 ]; then
    measure sorted sorted "$SPILL" "$CORPUS"
    measure shuffled shuffled "$SPILL" "$RES/in/shuffled.jsonl"
    # shellcheck disable=SC2086
    measure split "shuffled, $PARTS files" "$SPILL" $SPLIT_FILES
fi
echo
echo "Order property and spill benchmark, $(basename "$CORPUS") ($mb MB), one thread:"
cat "$TABLE"
rm -rf "$RES/in"
exit "$status"
