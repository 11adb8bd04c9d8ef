#!/bin/sh
# Runs one rule case: tests/rules/<case>/rule holds the rule id; every file named match.* must
# make that rule fire (at least one alert of it), every file named nomatch.* must not.
# When a file <name>.count exists beside match file <name>, exactly that many alerts of the rule
# must come out (one per matching record for detections, one per window for correlations).
# Extra scan options may be given in a file named `options` (one line).
# Usage: run_rule_case.sh CASE_DIR MAILWARD_BINARY
set -u
case_dir=$1
bin=$2
case $bin in /*) ;; *) bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" ;; esac
cd "$case_dir" || exit 2
rule=$(tr -d ' \n' <rule)
opts=""
[ -f options ] && opts=$(cat options)
fail=0
for f in match.* nomatch.*; do
    [ -f "$f" ] || continue
    case $f in *.count) continue ;; esac
    n=$(LC_ALL=C TZ=UTC sh -c "exec \"\$0\" scan --no-summary --format jsonl --rule \"$rule\" $opts \"$f\"" "$bin" | grep -c '"kind":"alert"')
    case $f in
        match.*)
            if [ "$n" -lt 1 ]; then echo "FAIL: $f did not fire rule $rule"; fail=1; fi
            c="${f%.*}.count"
            if [ -f "$c" ] && [ "$n" -ne "$(cat "$c")" ]; then
                echo "FAIL: $f fired rule $rule $n time(s), expected $(cat "$c")"; fail=1
            fi ;;
        nomatch.*) if [ "$n" -ne 0 ]; then echo "FAIL: $f fired rule $rule $n time(s)"; fail=1; fi ;;
    esac
done
exit $fail
