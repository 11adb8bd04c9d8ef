#!/bin/sh
# bench/run.sh -- the benchmark driver: generates the corpora, times mailward, jq and DuckDB on
# them in one run (wall seconds and peak RSS from /usr/bin/time -v), prints MB/s and the ratios,
# and checks that every tool reports the same findings. Builds nothing (see `make bench`).
# Env: MAILWARD (binary), BENCH_SIZE (default 1G), BENCH_SEED, BENCH_THREADS (default 1),
#      BENCH_NICE (default 10), BENCH_SKIP_VALIDATE=1 (skip the 50 MB agreement check),
#      BENCH_ORDER=0 (skip order.sh: the order property and the spill benchmark).
# SPDX-License-Identifier: MIT
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
OUT=$BENCH/out
SIZE=${BENCH_SIZE:-1G}
SEED=${BENCH_SEED:-1114}
THREADS=${BENCH_THREADS:-1}
NICE=${BENCH_NICE:-10}
mkdir -p "$OUT/results"

say() { printf '%s\n' "bench: $*" >&2; }
die() { say "error: $*"; exit 2; }

# ---- tools --------------------------------------------------------------------------------
install_debs() {
    SUDO=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO=sudo
    say "installing Debian packages: $*"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}
missing=""
[ -x /usr/bin/time ] || missing="$missing time"
command -v jq >/dev/null 2>&1 || missing="$missing jq"
# shellcheck disable=SC2086
[ -z "$missing" ] || install_debs $missing
command -v python3 >/dev/null 2>&1 || die "python3 is needed for the corpus generator"

HAVE_DUCKDB=0
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    if [ ! -d "$BENCH/node_modules/@duckdb/node-api" ]; then
        say "installing @duckdb/node-api into bench/node_modules"
        (cd "$BENCH" && npm install --no-audit --no-fund --loglevel=error) || true
    fi
    [ -d "$BENCH/node_modules/@duckdb/node-api" ] && HAVE_DUCKDB=1
fi
[ "$HAVE_DUCKDB" -eq 1 ] || say "warning: node/npm or @duckdb/node-api unavailable; DuckDB skipped"

MW=${MAILWARD:-}
if [ -z "$MW" ]; then
    for c in "$ROOT/build/bench/mailward" "$ROOT/build/release/mailward"; do
        if [ -x "$c" ]; then MW=$c; break; fi
    done
fi
if [ -n "$MW" ] && [ ! -x "$MW" ]; then die "MAILWARD=$MW is not executable"; fi
[ -n "$MW" ] || say "warning: no mailward binary (build/bench or build/release, or MAILWARD); mailward skipped"
MW_ARGS="scan --format jsonl --no-summary"
if [ -n "$MW" ] && "$MW" scan --help 2>&1 | grep -q -- '--threads'; then
    MW_ARGS="$MW_ARGS --threads $THREADS"
fi

# ---- helpers ------------------------------------------------------------------------------
gen() { # kind size file
    if [ ! -s "$3" ] || [ ! -s "$3.expected.json" ]; then
        say "generating $3 ($2)"
        nice -n "$NICE" python3 "$BENCH/gen_corpus.py" --kind "$1" --size "$2" --seed "$SEED" \
            --out "$3" >/dev/null
    fi
}

# timed NAME OUTFILE CMD...: runs CMD with stdout to OUTFILE; sets WALL and CPU (user + system,
# all threads) in seconds and RSS (peak, KiB). CPU time is the robust figure on a busy machine.
timed() {
    name=$1; outf=$2; shift 2
    rc=0
    /usr/bin/time -v -o "$OUT/results/$name.time" nice -n "$NICE" "$@" >"$outf" \
        2>"$OUT/results/$name.err" || rc=$?
    WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
        for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$OUT/results/$name.time")
    RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$OUT/results/$name.time")
    CPU=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 }
        END { printf "%.2f", u + s }' "$OUT/results/$name.time")
    RC=$rc
}

keys() { jq -r '"\(.detection)\t\(.key)"' "$1" | LC_ALL=C sort; }
norm() { jq -r -f "$BENCH/normalize.jq" "$1" | grep -v '^unmapped' | LC_ALL=C sort || true; }

# check_expected FINDINGS EXPECTED_JSON LABEL: per-detection counts equal the planted counts.
check_expected() {
    got=$(jq -s -c 'group_by(.detection) | map({key: (.[0].detection | tostring), value: length})
                    | from_entries' "$1")
    want=$(jq -c '.findings' "$2")
    if [ "$got" = "$want" ]; then
        say "  $3: planted counts match $want"
        return 0
    fi
    say "  $3: MISMATCH: got $got, planted $want"
    return 1
}

run_refs() { # file tag -> results/<tag>.jq.jsonl, results/<tag>.duckdb.jsonl
    timed "$2.jq" "$OUT/results/$2.jq.jsonl" jq -c -f "$BENCH/reference.jq" "$1"
    [ "$RC" -eq 0 ] || die "jq failed on $1 (see $OUT/results/$2.jq.err)"
    JQ_WALL=$WALL; JQ_RSS=$RSS; JQ_CPU=$CPU
    DK_WALL=""; DK_RSS=""; DK_CPU=""
    if [ "$HAVE_DUCKDB" -eq 1 ]; then
        timed "$2.duckdb" "$OUT/results/$2.duckdb.jsonl" \
            env DUCKDB_THREADS="$THREADS" node "$BENCH/reference_duckdb.mjs" "$1"
        [ "$RC" -eq 0 ] || die "DuckDB failed on $1 (see $OUT/results/$2.duckdb.err)"
        DK_WALL=$WALL; DK_RSS=$RSS; DK_CPU=$CPU
    fi
}

status=0

# ---- 1. the two references agree with each other and with the planted counts (50 MB) --------
if [ "${BENCH_SKIP_VALIDATE:-0}" != 1 ]; then
    say "validating the references on 50 MB corpora"
    for kind in defender office; do
        f=$OUT/$kind-50M.jsonl
        gen "$kind" 50M "$f"
        run_refs "$f" "$kind-50M"
        check_expected "$OUT/results/$kind-50M.jq.jsonl" "$f.expected.json" "jq $kind" || status=1
        if [ "$HAVE_DUCKDB" -eq 1 ]; then
            check_expected "$OUT/results/$kind-50M.duckdb.jsonl" "$f.expected.json" "duckdb $kind" \
                || status=1
            if keys "$OUT/results/$kind-50M.jq.jsonl" >"$OUT/results/a.keys" &&
               keys "$OUT/results/$kind-50M.duckdb.jsonl" >"$OUT/results/b.keys" &&
               cmp -s "$OUT/results/a.keys" "$OUT/results/b.keys"; then
                say "  jq and DuckDB agree on $kind ($(wc -l <"$OUT/results/a.keys") findings)"
            else
                say "  jq and DuckDB DISAGREE on $kind:"
                diff "$OUT/results/a.keys" "$OUT/results/b.keys" | head -20 >&2 || true
                status=1
            fi
        fi
    done
    [ "$status" -eq 0 ] || die "the references disagree; fix them before measuring"
fi

# ---- 2. the measurement -----------------------------------------------------------------------
TABLE=$OUT/results/table.md
{
    echo "| file | size MB | tool | wall s | CPU s | MB/s (wall) | MB/s (CPU) | peak RSS MB | findings |"
    echo "|---|---:|---|---:|---:|---:|---:|---:|---:|"
} >"$TABLE"
RATIOS=$OUT/results/ratios.txt
: >"$RATIOS"

row() { # file mb tool wall cpu rss findings
    if [ -z "$4" ]; then
        awk -v f="$1" -v mb="$2" -v t="$3" 'BEGIN {
            printf "| %s | %.0f | %s | - | - | - | - | - | - |\n", f, mb, t }' >>"$TABLE"
        return
    fi
    awk -v f="$1" -v mb="$2" -v t="$3" -v w="$4" -v c="$5" -v r="$6" -v n="$7" 'BEGIN {
        printf "| %s | %.0f | %s | %.2f | %.2f | %.1f | %.1f | %.1f | %s |\n", f, mb, t, w, c,
               (w > 0 ? mb / w : 0), (c > 0 ? mb / c : 0), r / 1024, n }' >>"$TABLE"
}

for kind in defender office; do
    f=$OUT/$kind-$SIZE.jsonl
    gen "$kind" "$SIZE" "$f"
    bytes=$(wc -c <"$f")
    mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
    tag=$kind-$SIZE
    cat "$f" >/dev/null # warm the page cache so that no tool pays for the first read
    say "measuring $tag ($mb MB, threads=$THREADS)"
    run_refs "$f" "$tag"
    check_expected "$OUT/results/$tag.jq.jsonl" "$f.expected.json" "jq $tag" || status=1
    row "$kind" "$mb" "$(jq --version)" "$JQ_WALL" "$JQ_CPU" "$JQ_RSS" "$(wc -l <"$OUT/results/$tag.jq.jsonl")"
    if [ "$HAVE_DUCKDB" -eq 1 ]; then
        row "$kind" "$mb" "DuckDB (node-api, $THREADS thread)" "$DK_WALL" "$DK_CPU" "$DK_RSS" \
            "$(wc -l <"$OUT/results/$tag.duckdb.jsonl")"
    fi
    if [ -n "$MW" ]; then
        # shellcheck disable=SC2086
        timed "$tag.mailward" "$OUT/results/$tag.mailward.jsonl" "$MW" $MW_ARGS "$f"
        if [ "$RC" -gt 1 ]; then
            say "  mailward failed (exit $RC, see $OUT/results/$tag.mailward.err)"
            status=1
            row "$kind" "$mb" "mailward (failed)" "" "" "" ""
        else
            nal=$(jq -c 'select(.kind == "alert")' "$OUT/results/$tag.mailward.jsonl" | wc -l)
            row "$kind" "$mb" "mailward" "$WALL" "$CPU" "$RSS" "$nal"
            awk -v k="$kind" -v m="$WALL" -v j="$JQ_WALL" -v d="$DK_WALL" -v mc="$CPU" \
                -v jc="$JQ_CPU" -v dc="$DK_CPU" -v r="$RSS" 'BEGIN {
                printf "%s: mailward/jq speed %.1fx wall, %.1fx CPU", k, (m > 0 ? j / m : 0),
                       (mc > 0 ? jc / mc : 0);
                if (d != "") printf "; mailward/DuckDB %.1fx wall, %.1fx CPU", (m > 0 ? d / m : 0),
                                    (mc > 0 ? dc / mc : 0);
                printf "; mailward peak RSS %.1f MB\n", r / 1024 }' >>"$RATIOS"
            # findings: mailward equals the reference, after normalisation
            norm "$OUT/results/$tag.jq.jsonl" >"$OUT/results/$tag.ref.norm"
            norm "$OUT/results/$tag.mailward.jsonl" >"$OUT/results/$tag.mw.norm"
            unm=$(jq -r -f "$BENCH/normalize.jq" "$OUT/results/$tag.mailward.jsonl" |
                  grep -c '^unmapped' || true)
            if cmp -s "$OUT/results/$tag.ref.norm" "$OUT/results/$tag.mw.norm"; then
                say "  mailward findings equal the references ($(wc -l <"$OUT/results/$tag.ref.norm")," \
                    "plus $unm alerts of other rules)"
            else
                say "  mailward findings DIFFER from the references (< reference only, > mailward only):"
                diff "$OUT/results/$tag.ref.norm" "$OUT/results/$tag.mw.norm" |
                    grep '^[<>]' | cut -f1 | sort | uniq -c >&2 || true
                diff "$OUT/results/$tag.ref.norm" "$OUT/results/$tag.mw.norm" | grep '^[<>]' |
                    head -10 >&2 || true
                status=1
            fi
        fi
    else
        row "$kind" "$mb" "mailward (pending: no binary)" "" "" "" ""
    fi
done

# ---- 3. the order property and the spill benchmark on the OfficeActivity corpus (order.sh) ----
rm -f "$OUT/results/order.txt" # never print an earlier run's table as this run's
if [ -n "$MW" ] && [ "${BENCH_ORDER:-1}" != 0 ]; then
    MAILWARD=$MW BENCH_NICE=$NICE BENCH_THREADS=$THREADS sh "$BENCH/order.sh" \
        "$OUT/office-$SIZE.jsonl" >"$OUT/results/order.txt" || status=1
fi

echo
cat "$TABLE"
echo
[ -s "$RATIOS" ] && cat "$RATIOS"
[ -s "$OUT/results/order.txt" ] && { echo; cat "$OUT/results/order.txt"; }
echo "targets: >= 500 MB/s per file single-threaded, >= 15x jq, peak RSS < 64 MB"
echo "(machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo);" \
     "$(uname -m); results in $OUT/results)"
exit "$status"
