#!/bin/sh
# Runs one rule case: tests/rules/<case>/rule holds the rule id; every file named match.* must
# make that rule fire (at least one alert of it), every file named nomatch.* must not.
# When a file <name>.count exists beside match file <name>, exactly that many alerts of the rule
# must come out (one per matching record for detections, one per window for correlations).
# When a file <name>.levels exists beside match file <name>, the levels of the rule's alerts,
# one per line (informational, low, medium, high, critical), sorted, must equal its sorted lines.
# Scans run with `--min-level informational` (so informational findings count) unless the
# `options` file (extra scan options, one line) gives its own --min-level.
# A match.* or nomatch.* may be a directory (match.d/): its files are scanned together, for
# correlations whose records come from several logs (a .count or .levels sits beside it:
# match.count for match.d).
# Every run is checked whole: the rule id must be one `mailward rules list` shows, a match file
# must exit 1 (alerts) and a nomatch file 0 (no alerts), with nothing on stderr (a crash, an
# error, a malformed or unreadable record all fail the case; the log-quality notice, which says
# what the fixture's logs could not show, e.g. no MailItemsAccessed among its audit records, is
# left out), and every alert must be of the rule.
# Usage: run_rule_case.sh CASE_DIR MAILWARD_BINARY
set -u
case_dir=$1
bin=$2
case $bin in /*) ;; *) bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" ;; esac
cd "$case_dir" || exit 2
rule=$(tr -d ' \n' <rule)
opts=""
[ -f options ] && opts=$(cat options)
case " $opts " in *" --min-level"*) ;; *) opts="--min-level informational $opts" ;; esac
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
fail=0
LC_ALL=C TZ=UTC "$bin" rules list >"$tmp/list" 2>"$tmp/err"
st=$?
if [ "$st" -ne 0 ] || [ -s "$tmp/err" ]; then
    echo "FAIL: rules list exited $st"; cat "$tmp/err"; exit 1
fi
if ! grep -q "^$rule " "$tmp/list"; then
    echo "FAIL: no loaded rule has the id '$rule' (tests/rules/$(basename "$case_dir")/rule)"; exit 1
fi
ran=0
for f in match.* nomatch.*; do
    [ -f "$f" ] || [ -d "$f" ] || continue
    case $f in *.count | *.levels) continue ;; esac
    ran=$((ran + 1))
    LC_ALL=C TZ=UTC sh -c "exec \"\$0\" scan --no-summary --format jsonl --rule \"$rule\" $opts \"$f\"" \
        "$bin" >"$tmp/out" 2>"$tmp/err.all"
    st=$?
    # the "Log quality:" notice and its indented lines (docs/schema.md, warnings)
    awk '/^Log quality: /{q=1; next} q && /^  /{next} {q=0; print}' "$tmp/err.all" >"$tmp/err"
    case $f in match.*) want=1 ;; *) want=0 ;; esac
    if [ "$st" -ne "$want" ]; then
        echo "FAIL: $f: exit status $st, expected $want"; fail=1
    fi
    if [ -s "$tmp/err" ]; then
        echo "FAIL: $f: unexpected stderr:"; head -n 20 "$tmp/err"; fail=1
    fi
    n=$(grep -c '^{"schema_version":[0-9]*,"kind":"alert"' "$tmp/out")
    mine=$(grep '^{"schema_version":[0-9]*,"kind":"alert"' "$tmp/out" | grep -c "\"rule\":{\"id\":\"$rule\"")
    if [ "$mine" -ne "$n" ]; then
        echo "FAIL: $f: $((n - mine)) alert(s) of another rule"; fail=1
    fi
    case $f in
        match.*)
            if [ "$n" -lt 1 ]; then echo "FAIL: $f did not fire rule $rule"; fail=1; fi
            c="${f%.*}.count"
            if [ -f "$c" ] && [ "$n" -ne "$(cat "$c")" ]; then
                echo "FAIL: $f fired rule $rule $n time(s), expected $(cat "$c")"; fail=1
            fi
            l="${f%.*}.levels"
            if [ -f "$l" ]; then
                grep '^{"schema_version":[0-9]*,"kind":"alert"' "$tmp/out" | sed -n 's/.*,"level":"\([a-z]*\)".*/\1/p' \
                    | sort >"$tmp/got"
                sort "$l" | grep -v '^$' >"$tmp/want"
                if ! cmp -s "$tmp/got" "$tmp/want"; then
                    echo "FAIL: $f: levels of the alerts differ from $l (expected, then got):"
                    tr '\n' ' ' <"$tmp/want"; echo; tr '\n' ' ' <"$tmp/got"; echo; fail=1
                fi
            fi ;;
        nomatch.*) if [ "$n" -ne 0 ]; then echo "FAIL: $f fired rule $rule $n time(s)"; fail=1; fi ;;
    esac
done
if [ "$ran" -eq 0 ]; then
    echo "FAIL: no match.* or nomatch.* file in $case_dir"; fail=1
fi
exit $fail
