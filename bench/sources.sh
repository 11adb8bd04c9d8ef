#!/bin/sh
# bench/sources.sh -- throughput and peak RSS of the sources of issue 6, part 1 (entra_signin in
# its SigninLogs JSON Lines and Graph download shapes, entra_audit, exchange_admin_audit CSV), and
# of Dovecot's and Postfix's syslog lines (issue 9, sources part 2: the dovecot and postfix
# applications of syslog), on
# generated files of BENCH_SIZE each: `mailward scan` and `mailward parse`, the median of
# BENCH_RUNS runs by CPU time (user + system), MB/s and peak RSS from /usr/bin/time -v; for the
# JSON files jq's time on a comparable filter, as a ratio; and a check that the scan's alerts
# per rule equal the counts the generator planted. Builds nothing (see bench/README.md).
# Env: MAILWARD (binary), BENCH_SIZE (default 1G), BENCH_SEED (default 1114), BENCH_RUNS
#      (default 3), BENCH_PARSE_RUNS (default 1), BENCH_NICE (default 19), BENCH_JQ=0 (skip jq),
#      BENCH_JQ_ARRAY_MAX (default 300000000: larger Graph arrays are not given to jq, which
#      holds them whole in memory), BENCH_KINDS (default all).
# SPDX-License-Identifier: MIT
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
OUT=$BENCH/out
RES=$OUT/results
SIZE=${BENCH_SIZE:-1G}
SEED=${BENCH_SEED:-1114}
RUNS=${BENCH_RUNS:-3}
NICE=${BENCH_NICE:-19}
KINDS=${BENCH_KINDS:-entra_signin entra_signin_graph entra_audit exchange_admin_audit dovecot postfix auditd}
RULES=$BENCH/rules/legacy_signin_failure.yml
mkdir -p "$RES"

say() { printf '%s\n' "bench: $*" >&2; }
die() { say "error: $*"; exit 2; }

[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"
command -v jq >/dev/null 2>&1 || die "jq is needed (apt-get install jq)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed for the corpus generator"
MW=${MAILWARD:-}
if [ -z "$MW" ]; then
    for c in "$ROOT/build/bench/mailward" "$ROOT/build/release/mailward"; do
        if [ -x "$c" ]; then MW=$c; break; fi
    done
fi
[ -n "$MW" ] && [ -x "$MW" ] || die "no mailward binary (build/bench, build/release or MAILWARD)"

ext() { # kind -> file extension
    case $1 in
        exchange_admin_audit) echo csv ;;
        dovecot | postfix | auditd) echo log ;;
        entra_signin_graph) echo json ;;
        *) echo jsonl ;;
    esac
}

# jq's filter for a kind: the records the planted counts are about, as near to the rule as jq
# gets (JSON kinds only; empty for CSV).
jq_filter() {
    case $1 in
        entra_signin) echo 'select((.ClientAppUsed | IN("IMAP4", "POP3", "Authenticated SMTP",
            "Exchange ActiveSync", "Other clients")) and ((.ResultType // "0") | IN("0", "50074",
            "50140") | not))' ;;
        entra_signin_graph) echo '.[] | select((.clientAppUsed | IN("IMAP4", "POP3",
            "Authenticated SMTP", "Exchange ActiveSync", "Other clients")) and
            ((.status.errorCode // 0) | IN(0, 50074, 50140) | not))' ;;
        entra_audit) echo 'select((.OperationName | IN("Add delegated permission grant",
            "Add app role assignment to service principal")) and .Result == "success")
            | select([.TargetResources | fromjson | .[].modifiedProperties[]
                      | select(.displayName | IN("DelegatedPermissionGrant.Scope", "AppRole.Value"))
                      | [(.newValue // "\"\"" | fromjson | split(" ") | map(select(. != ""))),
                         (.oldValue // "\"\"" | fromjson | split(" ") | map(select(. != "")))]
                      | .[0] - .[1] | .[]
                      | select(IN("Mail.Read", "Mail.ReadWrite", "Mail.Read.Shared",
                          "Mail.ReadWrite.Shared", "Mail.ReadBasic", "Mail.ReadBasic.All",
                          "Mail.ReadBasic.Shared", "EWS.AccessAsUser.All", "full_access_as_app",
                          "IMAP.AccessAsUser.All", "POP.AccessAsUser.All"))] | length > 0)' ;;
        *) echo "" ;;
    esac
}

# timed NAME CMD...: stdout to $RES/NAME.out (to /dev/null with TIMED_NULL=1); sets CPU (user +
# system, s), WALL (s), RSS (KiB), RC
timed() {
    name=$1
    shift
    RC=0
    outf=$RES/$name.out
    [ "${TIMED_NULL:-0}" = 1 ] && outf=/dev/null
    /usr/bin/time -v -o "$RES/$name.time" nice -n "$NICE" "$@" >"$outf" \
        2>"$RES/$name.err" || RC=$?
    WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
        for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$RES/$name.time")
    RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$RES/$name.time")
    CPU=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 }
        END { printf "%.2f", u + s }' "$RES/$name.time")
}

# median of the CPU seconds in file $1 (one "cpu wall rss" line per run): "cpu wall maxrss"
median() {
    sort -n "$1" | awk '{ c[NR] = $1; w[NR] = $2; if ($3 > r) r = $3 }
        END { m = int((NR + 1) / 2); printf "%.2f %.2f %d\n", c[m], w[m], r }'
}

# the scan's alerts per rule id, as {"id": n} sorted like the generator writes them
alert_counts() {
    jq -s -c 'map(select(.kind == "alert")) | group_by(.rule.id)
              | map({key: .[0].rule.id, value: length}) | from_entries' "$1"
}

status=0
TABLE=$RES/sources.md
{
    echo "| source (shape) | file MB | command | runs, CPU s | CPU s (median) | wall s (median) | MB/s (CPU) | peak RSS MB | jq CPU s | jq / mailward |"
    echo "|---|---:|---|---|---:|---:|---:|---:|---:|---:|"
} >"$TABLE"

for kind in $KINDS; do
    f=$OUT/$kind-$SIZE.$(ext "$kind")
    if [ ! -s "$f" ] || [ ! -s "$f.expected.json" ]; then
        say "generating $f ($SIZE)"
        nice -n "$NICE" python3 "$BENCH/gen_corpus.py" --kind "$kind" --size "$SIZE" --seed "$SEED" \
            --out "$f" >/dev/null
    fi
    mb=$(awk -v b="$(wc -c <"$f")" 'BEGIN { printf "%.1f", b / 1e6 }')
    cat "$f" >/dev/null # warm the page cache
    jqcpu=""
    filter=$(jq_filter "$kind")
    if [ "$kind" = entra_signin_graph ] && [ "$(wc -c <"$f")" -gt "${BENCH_JQ_ARRAY_MAX:-300000000}" ]; then
        # jq holds a top-level array whole in memory (several times the file): run it on the
        # JSON Lines shape of the same records only, or on a smaller file
        say "$kind: jq skipped (a top-level array over BENCH_JQ_ARRAY_MAX bytes)"
        filter=""
    fi
    if [ -n "$filter" ] && [ "${BENCH_JQ:-1}" != 0 ]; then
        say "$kind: jq"
        timed "$kind.jq" jq -c "$filter" "$f"
        [ "$RC" -eq 0 ] || die "jq failed on $f (see $RES/$kind.jq.err)"
        jqcpu=$CPU
        want=$(jq -c '[.findings[]] | add' "$f.expected.json")
        got=$(wc -l <"$RES/$kind.jq.out")
        if [ "$got" -ne "$want" ]; then
            say "  $kind: jq found $got records, planted $want"
            status=1
        fi
    fi
    for cmd in scan parse; do
        : >"$RES/$kind.$cmd.runs"
        n=$RUNS
        [ "$cmd" = parse ] && n=${BENCH_PARSE_RUNS:-1}
        i=0
        while [ "$i" -lt "$n" ]; do
            say "$kind: mailward $cmd, run $((i + 1)) of $n (load $(cut -d' ' -f1-3 /proc/loadavg))"
            if [ "$cmd" = scan ]; then
                timed "$kind.$cmd" "$MW" scan --format jsonl --no-summary --rules "$RULES" "$f"
            else
                TIMED_NULL=1 timed "$kind.$cmd" "$MW" parse "$f"
            fi
            [ "$RC" -le 1 ] || die "mailward $cmd failed on $f (exit $RC, see $RES/$kind.$cmd.err)"
            echo "$CPU $WALL $RSS" >>"$RES/$kind.$cmd.runs"
            i=$((i + 1))
        done
        if [ "$cmd" = scan ]; then
            got=$(alert_counts "$RES/$kind.scan.out")
            want=$(jq -c '.findings' "$f.expected.json")
            if [ "$kind" = dovecot ] || [ "$kind" = postfix ]; then
                # the history rules (baseline, new address) also judge the planted sessions:
                # their alerts are listed, the planted rules' counts compared
                say "  $kind: alerts per rule $got"
                got=$(printf '%s' "$got" | jq -c --argjson w "$want" \
                    'with_entries(select(.key as $k | $w | has($k)))')
            fi
            if [ "$got" = "$want" ]; then
                say "  $kind: alerts per rule equal the planted counts $want"
            else
                say "  $kind: MISMATCH: alerts per rule $got, planted $want"
                status=1
            fi
        fi
        all=$(awk '{ printf "%s%s", s, $1; s = " " }' "$RES/$kind.$cmd.runs")
        set -- $(median "$RES/$kind.$cmd.runs")
        awk -v k="$kind" -v mb="$mb" -v c="$cmd" -v all="$all" -v cpu="$1" -v wall="$2" \
            -v rss="$3" -v jq="$jqcpu" 'BEGIN {
            printf "| %s | %.0f | %s | %s | %.2f | %.2f | %.0f | %.1f | %s | %s |\n", k, mb, c,
                   all, cpu, wall, (cpu > 0 ? mb / cpu : 0), rss / 1024,
                   (c == "scan" && jq != "" ? jq : "-"),
                   (c == "scan" && jq != "" && cpu > 0 ? sprintf("%.1fx", jq / cpu) : "-") }' \
            >>"$TABLE"
    done
done

echo
cat "$TABLE"
echo
echo "target: >= 300 MB/s on one thread and peak RSS < 64 MB per source (issue 6)"
echo "(machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(uname -m);" \
     "mailward $MW; results in $RES)"
exit "$status"
