#!/bin/sh
# tools/fuzz_campaign.sh: builds the fuzz preset (clang, libFuzzer, ASan+UBSan) and runs every
# tests/fuzz/fuzz_*.c target for a set budget, FUZZ_JOBS targets at a time (default 2, one per
# core). New coverage is kept in a work corpus; every crasher, leak, timeout or OOM input is
# copied into tests/fuzz/corpus/<target>/ (so the ctest replay fails until it is fixed); the
# work corpus is minimised into tests/fuzz/corpus/<target>/ with -merge=1 (only inputs that
# add coverage to what is already kept). Prints executions, coverage (cov/ft), wall time and
# CPU time per target and exits 1 when any target failed.
#
# Budget per target, whichever comes first (environment):
#   FUZZ_TIME=480       seconds of wall time (libFuzzer -max_total_time)
#   FUZZ_RUNS=10000000  executions (libFuzzer -runs)
#   FUZZ_CPU=           seconds of CPU time (user + system; unset: no CPU cap). A watchdog
#                       interrupts the fuzzer (SIGINT: it prints its stats and exits 72) when it
#                       has used that much, so a busy machine still gives each target the same
#                       work: FUZZ_CPU=3600 FUZZ_TIME=100000 is "one CPU-hour per target".
# A timeout (FUZZ_TIMEOUT=25 wall seconds for one input) is kept only when the input alone times
# out again; one that runs in time alone was a stall of a busy machine (status STALLED: the run
# stopped early, nothing kept). Other knobs: FUZZ_JOBS=2, FUZZ_TARGETS="csv time" (default: all), FUZZ_WORK=build/fuzz-campaign,
#   FUZZ_MERGE=1 (0: keep the work corpus only), FUZZ_MAX_LEN (libFuzzer -max_len, default its own),
#   FUZZ_SKIP_BUILD=1 (use the existing build/fuzz).
# Run it at idle priority on a shared machine: nice -n 19 make fuzz-campaign
# SPDX-License-Identifier: MIT
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FUZZ_TIME=${FUZZ_TIME:-480}
FUZZ_RUNS=${FUZZ_RUNS:-10000000}
FUZZ_JOBS=${FUZZ_JOBS:-2}
FUZZ_WORK=${FUZZ_WORK:-$ROOT/build/fuzz-campaign}
FUZZ_MERGE=${FUZZ_MERGE:-1}
FUZZ_MAX_LEN=${FUZZ_MAX_LEN:-}
FUZZ_CPU=${FUZZ_CPU:-}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-25}
BUILD=$ROOT/build/fuzz

# Interrupts process $1 once it has used $2 CPU seconds (polls /proc every 5 s); touches $3 first.
watch_cpu() {
    hz=$(getconf CLK_TCK)
    while kill -0 "$1" 2>/dev/null; do
        ticks=$(awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0)
        if [ "$ticks" -ge $(($2 * hz)) ]; then
            : >"$3"
            kill -INT "$1" 2>/dev/null || true
            return 0
        fi
        sleep 5
    done
}

# One target: fuzz_campaign.sh --one NAME (used through xargs -P below).
run_one() {
    name=$1
    bin=$BUILD/tests/fuzz_$name
    seeds=$ROOT/tests/fuzz/corpus/$name
    work=$FUZZ_WORK/$name
    mkdir -p "$work/corpus" "$work/artifacts" "$seeds"
    rm -f "$work/artifacts"/* "$work/result.tsv"
    maxlen=""
    [ -n "$FUZZ_MAX_LEN" ] && maxlen="-max_len=$FUZZ_MAX_LEN"
    start=$(date +%s)
    status=ok
    rm -f "$work/cpu_stop"
    # shellcheck disable=SC2086
    "$bin" -runs="$FUZZ_RUNS" -max_total_time="$FUZZ_TIME" -detect_leaks=1 -timeout="$FUZZ_TIMEOUT" \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/" $maxlen \
        "$work/corpus" "$seeds" >"$work/fuzz.log" 2>&1 &
    fpid=$!
    wpid=""
    if [ -n "$FUZZ_CPU" ]; then
        watch_cpu "$fpid" "$FUZZ_CPU" "$work/cpu_stop" &
        wpid=$!
    fi
    rc=0
    wait "$fpid" || rc=$?
    [ -n "$wpid" ] && { kill "$wpid" 2>/dev/null || true; wait "$wpid" 2>/dev/null || true; }
    # 72: libFuzzer's exit status after the watchdog's SIGINT (the CPU budget is used up)
    if [ "$rc" -ne 0 ] && ! { [ "$rc" -eq 72 ] && [ -f "$work/cpu_stop" ]; }; then
        status=FAILED
    fi
    secs=$(($(date +%s) - start))
    times >"$work/times" # user and system CPU seconds of the fuzzer (this shell's children)
    cpu=$(awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, b, "m"); sub("s", "", b[2]);
        s += b[1] * 60 + b[2] } printf "%.0f", s }' "$work/times")
    crashes=0
    for a in "$work/artifacts"/crash-* "$work/artifacts"/leak-* "$work/artifacts"/timeout-* \
        "$work/artifacts"/oom-*; do
        [ -f "$a" ] || continue
        case $(basename "$a") in
            timeout-*)
                # The timeout is wall time: on a busy machine an idle-priority fuzzer can wait
                # longer than that for a core. Keep only a timeout that the input alone repeats.
                if "$bin" -timeout="$FUZZ_TIMEOUT" "$a" >"$work/recheck.log" 2>&1; then
                    echo "fuzz-campaign: $name: $(basename "$a") ran in time alone:" \
                        "a stall of the busy machine, not kept (the run stopped there)" >&2
                    status=STALLED
                    continue
                fi
                ;;
        esac
        cp "$a" "$seeds/"
        crashes=$((crashes + 1))
        echo "fuzz-campaign: $name: kept $(basename "$a") in tests/fuzz/corpus/$name/" >&2
    done
    [ "$crashes" -gt 0 ] && status=FAILED
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -n 1)
    covline=$(grep -E '^#[0-9]+.*cov: ' "$work/fuzz.log" | tail -n 1 || true)
    cov=$(printf '%s\n' "$covline" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(printf '%s\n' "$covline" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    added=0
    if [ "$status" = ok ] && [ "$FUZZ_MERGE" = 1 ]; then
        before=$(find "$seeds" -type f | wc -l)
        "$bin" -merge=1 -detect_leaks=1 -timeout="$FUZZ_TIMEOUT" $maxlen "$seeds" "$work/corpus" \
            >"$work/merge.log" 2>&1 || status=FAILED
        added=$(($(find "$seeds" -type f | wc -l) - before))
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
        "$secs" "${cpu:-?}" "$crashes" "$added" >"$work/result.tsv"
    [ "$status" = ok ] || [ "$status" = STALLED ] || tail -n 40 "$work/fuzz.log" >&2
    echo "fuzz-campaign: $name: $status, ${execs:-?} execs, cov ${cov:-?} ft ${ft:-?}," \
        "${secs}s (${cpu:-?} CPU s), $crashes crash(es), $added corpus file(s) added" >&2
    [ "$status" = ok ]
}

if [ "${1:-}" = "--one" ]; then
    run_one "$2"
    exit $?
fi

if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
    cmake --preset fuzz >/dev/null
    cmake --build --preset fuzz
fi
targets=${FUZZ_TARGETS:-$(for f in "$ROOT"/tests/fuzz/fuzz_*.c; do
    basename "$f" .c | sed 's/^fuzz_//'
done)}
mkdir -p "$FUZZ_WORK"
echo "fuzz-campaign: budget ${FUZZ_RUNS} runs or ${FUZZ_TIME}s${FUZZ_CPU:+ or ${FUZZ_CPU} CPU s} per target, $FUZZ_JOBS at a time" >&2
rc=0
# shellcheck disable=SC2086
printf '%s\n' $targets | xargs -P "$FUZZ_JOBS" -I{} sh "$0" --one {} || rc=1
printf '%-14s %12s %7s %8s %7s %7s %8s %6s\n' target execs cov ft secs cpu_s crashes added
for t in $targets; do
    if [ -f "$FUZZ_WORK/$t/result.tsv" ]; then
        awk -F'\t' '{ printf "%-14s %12s %7s %8s %7s %7s %8s %6s\n", $1, $2, $3, $4, $5, $6, $7, $8 }' \
            "$FUZZ_WORK/$t/result.tsv"
    else
        printf '%-14s (no result)\n' "$t"
        rc=1
    fi
done
exit $rc
