#!/bin/sh
# Checks run_rule_case.sh itself on the cases in rule_case_selftest/: a good case passes; a
# misspelt rule id, alert levels other than match.levels says, an unreadable nomatch file and a binary that crashes each fail the case
# (the runner used to count alerts only, so all three passed).
# Usage: test_rule_case_runner.sh MAILWARD_BINARY
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
case $bin in /*) ;; *) bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" ;; esac
cases=$here/rule_case_selftest
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
fail=0

# expect CASE BINARY STATUS MESSAGE: the runner exits STATUS and prints MESSAGE (if given)
expect() {
    sh "$here/run_rule_case.sh" "$cases/$1" "$2" >"$tmp/out" 2>&1
    st=$?
    if [ "$st" -ne "$3" ]; then
        echo "FAIL: case $1: runner exited $st, expected $3"; cat "$tmp/out"; fail=1
    elif [ -n "$4" ] && ! grep -q "$4" "$tmp/out"; then
        echo "FAIL: case $1: runner did not say '$4':"; cat "$tmp/out"; fail=1
    fi
}

cat >"$tmp/crashing" <<EOF2
#!/bin/sh
[ "\$1" = scan ] && kill -SEGV \$\$
exec "$bin" "\$@"
EOF2
chmod +x "$tmp/crashing"

expect good "$bin" 0 ""
expect wrong-levels "$bin" 1 "levels of the alerts differ from match.levels"
expect misspelt-id "$bin" 1 "no loaded rule has the id"
expect garbage-nomatch "$bin" 1 "nomatch.jsonl: \(exit status\|unexpected stderr\)"
expect crash "$tmp/crashing" 1 "nomatch.jsonl: exit status 139, expected 0"
exit $fail
