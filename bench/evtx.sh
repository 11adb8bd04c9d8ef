#!/bin/sh
# bench/evtx.sh: EVTX throughput of mailward against evtxexport (Debian libevtx-utils) on the same
# generated file (bench/README.md, "EVTX against evtxexport"). The file is written by
# tests/support/gen_evtx.py from tests/e2e/windows-event-evtx/events.jsonl (Sysmon 1 and 11,
# Security 4663 and 1102, a PowerShell 4104 block split in two, MSExchange Management 1),
# repeated up to BENCH_SIZE bytes. Each tool runs BENCH_RUNS times under /usr/bin/time -v; the
# script prints user+sys CPU seconds, wall seconds, MB per CPU second and peak RSS of each run.
#   mailward parse: every event mapped and written as JSON Lines (to /dev/null)
#   mailward scan:  every event mapped and matched against the built-in rules
#   evtxexport -f xml / -f text: every record rendered (to /dev/null)
# Environment: MAILWARD (default build/bench/mailward, then build/release/mailward),
# BENCH_SIZE (bytes, default 1100000000), BENCH_RUNS (default 3), BENCH_NICE (default 10),
# BENCH_OUT (default bench/out), EVTX_TEXT (default 1; 0 leaves out evtxexport -f text),
# EVTX_EXPORT (default 1; 0 leaves out evtxexport altogether, e.g. to measure mailward again).
# The load average is printed before and after: the machine may be shared.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
size=${BENCH_SIZE:-1100000000}
runs=${BENCH_RUNS:-3}
nice=${BENCH_NICE:-10}
out=${BENCH_OUT:-$here/out}
bin=${MAILWARD:-}
[ -n "$bin" ] || for b in "$root/build/bench/mailward" "$root/build/release/mailward"; do
    [ -x "$b" ] && { bin=$b; break; }
done
[ -n "$bin" ] || { echo "bench/evtx.sh: no mailward binary (set MAILWARD)" >&2; exit 2; }
command -v evtxexport >/dev/null || { echo "bench/evtx.sh: evtxexport missing (apt-get install libevtx-utils)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/evtx.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
mkdir -p "$out"
file=$out/evtx-$size.evtx
if [ ! -f "$file" ]; then
    python3 "$root/tests/support/gen_evtx.py" "$root/tests/e2e/windows-event-evtx/events.jsonl" \
        "$file" --bench "$size"
fi
bytes=$(wc -c <"$file")
echo "file: $file ($bytes bytes); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
measure() {
    name=$1
    shift
    i=0
    while [ "$i" -lt "$runs" ]; do
        nice -n "$nice" /usr/bin/time -v "$@" >/dev/null 2>"$out/evtx-time.txt" || true
        awk -v name="$name" -v bytes="$bytes" '
            /User time/ { u = $NF } /System time/ { s = $NF }
            /Elapsed \(wall clock\)/ { n = split($NF, t, ":"); w = 0; for (k = 1; k <= n; k++) w = w * 60 + t[k] }
            /Maximum resident/ { r = $NF }
            END { cpu = u + s; printf "%-22s cpu %7.2f s  wall %7.2f s  %7.1f MB/cpu-s  peak RSS %6.1f MB\n",
                  name, cpu, w, bytes / 1e6 / (cpu > 0 ? cpu : 1), r / 1024 }' "$out/evtx-time.txt"
        i=$((i + 1))
    done
}
measure "mailward parse" "$bin" parse "$file"
measure "mailward scan" "$bin" scan --no-summary --format jsonl "$file"
if [ "${EVTX_EXPORT:-1}" != 0 ]; then
    measure "evtxexport -f xml" evtxexport -f xml "$file"
    [ "${EVTX_TEXT:-1}" = 0 ] || measure "evtxexport -f text" evtxexport -f text "$file"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
