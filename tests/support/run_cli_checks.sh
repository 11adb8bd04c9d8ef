#!/bin/sh
# A scan that could not do what was asked says so: checks built in a temporary directory
# because they write files or need symlinks, a full disk or a closed pipe. --output naming an
# input (by device and inode) exits 2 and leaves the input untouched; `-o -` is standard output;
# every command exits 2 with a message when its output is /dev/full; with SIGPIPE ignored a
# closed pipe stops the scan at once with one message; symlinks out of the directory given or
# in a loop are skipped and named, never followed; `parse` and `scan` agree on exit status;
# `parse --explain` lists at most 10,000 unreadable records of a file and counts the rest.
# Usage: run_cli_checks.sh MAILWARD_BINARY
set -u
bin=$1
case $bin in /*) ;; *) bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" ;; esac
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 2
export MW_TEST=1 LC_ALL=C
fail=0
bad() { echo "FAIL $*"; fail=1; }
good='{"CreationTime":"2025-03-04T09:15:22","Id":"ID","Operation":"New-InboxRule","RecordType":1,"ResultStatus":"True","Workload":"Exchange","ClientIP":"203.0.113.45","UserId":"alice@example.org","Parameters":[{"Name":"ForwardTo","Value":"drop@attacker.example"}]}'
line() { echo "$good" | sed "s/ID/$1/"; }
expect() { # what want-exit got-exit
    [ "$2" -eq "$3" ] || bad "$1: exit $3, want $2"
}

# 1. --output naming an input: by name, through another name (hard link), inside a directory,
#    as standard input. The input keeps its bytes.
mkdir logs
line o1 >logs/ual.jsonl
cp logs/ual.jsonl keep.jsonl
ln logs/ual.jsonl hard.jsonl
for args in "-o logs/ual.jsonl logs/ual.jsonl" "-o hard.jsonl logs/ual.jsonl" "-o logs/ual.jsonl logs"; do
    "$bin" scan $args >out 2>err
    expect "scan $args" 2 $?
    grep -q 'is the input' err || bad "scan $args: no message: $(cat err)"
    cmp -s keep.jsonl logs/ual.jsonl || bad "scan $args: the input was overwritten"
done
"$bin" scan -o logs/ual.jsonl - <logs/ual.jsonl >out 2>err
expect "scan -o input -" 2 $?
cmp -s keep.jsonl logs/ual.jsonl || bad "scan -o input -: the input was overwritten"

# 2. `-o -` is standard output; a new --output file inside an input directory is not read back
"$bin" scan -q --format jsonl -o - logs >out 2>err
expect "scan -o -" 1 $?
[ -e ./- ] && bad "scan -o -: wrote a file named '-'"
grep -q '^{"schema_version":[0-9]*,"kind":"alert"' out || bad "scan -o -: no alert on standard output"
"$bin" scan --format jsonl -o logs/alerts.jsonl logs >out 2>err
expect "scan -o logs/alerts.jsonl logs" 1 $?
grep -q 'logs/alerts.jsonl: the --output file' err || bad "new output file in the tree: not named as skipped: $(cat err)"
rm -f logs/alerts.jsonl

# 3. a full disk: every command exits 2 with a message
for args in "rules list" "parse logs/ual.jsonl" "--help" "--version" "scan --help" "parse --help" \
    "rules --help" "scan -q logs/ual.jsonl" "scan -q --format jsonl logs/ual.jsonl" \
    "scan -q --format csv logs/ual.jsonl" "search --help" "search -f jsonl 1 logs/ual.jsonl"; do
    "$bin" $args >/dev/full 2>err
    expect "$args >/dev/full" 2 $?
    grep -q 'error writing .*No space left on device' err || bad "$args >/dev/full: no message: $(cat err)"
done
"$bin" scan -q -o /dev/full logs/ual.jsonl 2>err
expect "scan -o /dev/full" 2 $?
grep -q 'error writing' err || bad "scan -o /dev/full: no message"

# 4. SIGPIPE ignored, output closed after one line: the run stops at once with one message
awk -v g="$good" 'BEGIN { for (i = 1; i <= 40000; i++) { s = g; sub(/"ID"/, "\"id" i "\"", s); print s } }' >big.jsonl
for cmd in "scan -q --format jsonl" "parse"; do
    sh -c "trap '' PIPE; \"$bin\" $cmd big.jsonl 2>err; echo \$? >rc" | head -1 >/dev/null
    expect "$cmd | head -1" 2 "$(cat rc)"
    n=$(grep -c 'error writing' err)
    [ "$n" -eq 1 ] || bad "$cmd | head -1: $n write-error lines, want 1: $(head -3 err)"
    grep -q 'Broken pipe' err || bad "$cmd | head -1: no 'Broken pipe': $(head -3 err)"
done
# (domains given: with inferred ones, forwarding alerts wait for the end of the input)
sh -c "trap '' PIPE; \"$bin\" scan --format jsonl --internal-domains example.org big.jsonl 2>err" | head -1 >/dev/null
events=$(sed -n 's/^  m365_audit: 1 file, \([0-9]*\) records.*/\1/p' err)
[ -n "$events" ] && [ "$events" -lt 40000 ] || bad "closed pipe: the scan read on ($events records)"

# 5. symlinks: out of the directory given, a loop and a link back up are skipped and named;
#    a link inside the tree is followed; nothing hangs
mkdir -p tree/sub outside
line s1 >tree/sub/a.jsonl
line s2 >outside/b.jsonl
ln -s ../../outside/b.jsonl tree/sub/out.jsonl
ln -s ../outside tree/outdir
ln -s . tree/sub/self
ln -s .. tree/sub/up
ln -s loop2 tree/loop1
ln -s loop1 tree/loop2
ln -s sub/a.jsonl tree/in.jsonl
timeout 20 "$bin" scan --verbose --format jsonl tree >out 2>err
expect "scan tree" 1 $?
for want in "tree/sub/out.jsonl: symlink to outside the directory given" \
    "tree/outdir: symlink to outside the directory given" "tree/loop1: symlink loop" \
    "tree/loop2: symlink loop" "tree/sub/self: symlink to a directory already walked" \
    "tree/sub/up: symlink to a directory already walked"; do
    grep -q "mailward: skipped $want" err || bad "symlinks: '$want' not named: $(cat err)"
done
grep -q 'drop@attacker.example' out || bad "symlinks: the alert inside the tree is missing"
timeout 20 "$bin" parse tree >out 2>err
expect "parse tree" 0 $?
grep -q '^  tree/loop1: symlink loop$' err || bad "parse tree: skipped files not named: $(cat err)"
grep -q 'skipped tree/in.jsonl' err && bad "symlinks: a link inside the tree was not followed"
grep -q '"file":"tree/outdir\|"file":"tree/sub/out' out && bad "symlinks: a file outside the tree was read"

# 6. parse and scan agree on the exit status of the same input
printf '{"a":\n{"b"\n' >malformed-only.jsonl
printf 'hello,world\n1,2\n' >unknown.csv
line g1 | gzip -c | head -c 40 >cut.jsonl.gz
: >empty.jsonl
for args in malformed-only.jsonl unknown.csv cut.jsonl.gz missing.jsonl empty.jsonl \
    "--source defender logs/ual.jsonl" "--source m365_audit unknown.csv" logs/ual.jsonl; do
    "$bin" scan -q $args >/dev/null 2>&1
    s=$?
    "$bin" parse $args >/dev/null 2>&1
    p=$?
    [ $s -eq 1 ] && s=0 # alerts found: a successful read
    [ $s -eq $p ] || bad "$args: scan exits $s, parse $p"
    case $args in logs/ual.jsonl) want=0 ;; *) want=2 ;; esac
    [ $p -eq $want ] || bad "$args: parse exits $p, want $want"
done

# 7. parse --explain lists the first 10,000 unreadable records of a file and counts the rest
{
    line e1
    i=0
    while [ $i -lt 10003 ]; do
        echo '{"CreationTime":'
        i=$((i + 1))
    done
} >many-bad.jsonl
"$bin" parse --explain many-bad.jsonl >out 2>err
expect "parse --explain many-bad.jsonl" 0 $?
n=$(grep -c '^    many-bad.jsonl:[0-9]*: ' out)
[ "$n" -eq 10000 ] || bad "parse --explain: $n unreadable records listed, want 10000"
grep -q '^    \.\.\. and 3 more, not listed (the first 10000 are)$' out ||
    bad "parse --explain: no line for the 3 records past the list: $(tail -n 3 out)"
grep -q '^  records: 10004 read, 1 events, 10003 unreadable$' out ||
    bad "parse --explain: counts: $(tail -n 1 out)"

[ $fail -eq 0 ] && echo "cli checks: all pass"
exit $fail
