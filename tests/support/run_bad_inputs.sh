#!/bin/sh
# Bad input never crashes, hangs or disappears silently. Builds hostile files on the fly (a 50 MB
# line, JSON nested 100000 deep, invalid UTF-8, binary junk, 200 KB of junk or a line of 200,000
# '[' before the records, an executable, a truncated .zst) with one good
# forwarding-rule record after each bad part, and checks that mailward reports every bad record
# with file:line, still finds the good ones, and keeps memory bounded.
# Usage: run_bad_inputs.sh MAILWARD_BINARY
set -u
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
good='{"CreationTime":"2025-03-04T09:15:22","Id":"ID","Operation":"New-InboxRule","RecordType":1,"ResultStatus":"True","Workload":"Exchange","ClientIP":"203.0.113.45","UserId":"alice@example.org","Parameters":[{"Name":"ForwardTo","Value":"drop@attacker.example"}]}'
fail=0
check() { # name expected-alerts expected-exit
    out="$dir/$1.out"; err="$dir/$1.err"
    MW_TEST=1 MW_ALLOC_STATS=1 timeout 120 "$bin" scan --format jsonl "$dir/$1" >"$out" 2>"$err"
    rc=$?
    n=$(grep -c '^{"schema_version":[0-9]*,"kind":"alert"' "$out")
    if [ "$rc" -ne "$3" ] || [ "$n" -ne "$2" ]; then
        echo "FAIL $1: exit $rc (want $3), $n alerts (want $2)"; cat "$err"; fail=1
    fi
    peak=$(sed -n 's/^mailward: peak heap \([0-9]*\) bytes$/\1/p' "$err")
    if [ -z "$peak" ] || [ "$peak" -gt 67108864 ]; then
        echo "FAIL $1: peak heap '${peak}' bytes is not under 64 MiB"; fail=1
    fi
}
line() { echo "$good" | sed "s/ID/$1/"; }
# Deterministic junk bytes: junk SEED COUNT (the same bytes on every run).
junk() { python3 -c 'import random,sys; r=random.Random(int(sys.argv[1])); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(int(sys.argv[2]))))' "$1" "$2"; }

# 1. a 50 MB line between two good records
{ line a1; printf '{"CreationTime":"2025-03-04T09:15:22","Junk":"'; head -c 52428800 /dev/zero | tr '\0' 'x'; printf '"}\n'; line a2; } >"$dir/bigline.jsonl"
check bigline.jsonl 2 1
grep -q 'bigline.jsonl:2: .*record cap' "$dir/bigline.jsonl.err" || { echo "FAIL bigline: no file:line message"; cat "$dir/bigline.jsonl.err"; fail=1; }

# 2. JSON nested 100000 deep
{ line b1; python3 -c 'print("{\"a\":" + "[" * 100000 + "]" * 100000 + "}")'; line b2; } >"$dir/nested.jsonl"
check nested.jsonl 2 1
grep -q 'nested.jsonl:2:' "$dir/nested.jsonl.err" || { echo "FAIL nested: no file:line message"; cat "$dir/nested.jsonl.err"; fail=1; }

# 3. invalid UTF-8 inside strings is data, not a crash; output stays valid JSON (in the
#    forwarding address, which lands in summary, destinations and evidence; in the account it
#    would make two accounts forwarding to one address, which the fan-in rule reports)
{ line c1 | sed 's/drop@/dr\xff\xfeop@/'; line c2; } >"$dir/utf8.jsonl"
check utf8.jsonl 2 1
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]' "$dir/utf8.jsonl.out" || { echo "FAIL utf8: output is not valid UTF-8 JSON"; fail=1; }

# 4. binary junk lines between good records
{ line d1; junk 1 4096 | tr -d '\n{'; echo; line d2; } >"$dir/junk.jsonl"
check junk.jsonl 2 1
grep -q 'junk.jsonl:2:' "$dir/junk.jsonl.err" || { echo "FAIL junk: no file:line message"; cat "$dir/junk.jsonl.err"; fail=1; }

# 5. files that are binary junk from the first byte, also when it looks like JSON: reported,
#    exit 2, never "No alerts" and a clean exit
junk 2 65536 >"$dir/random.bin"
check random.bin 0 2
{ printf '{'; junk 3 65536; } >"$dir/brace.bin"
check brace.bin 0 2
{ printf '['; junk 4 65536; } >"$dir/bracket.bin"
check bracket.bin 0 2

# 7. issue 5, at full size: a good record after each of 200 KB of binary junk, a first line of
#    200,000 '[', a first line cut after a comma, and a leading NUL byte (two records)
{ junk 6 204800; echo; line f1; } >"$dir/junk200k.jsonl"
check junk200k.jsonl 1 1
grep -q 'junk200k.jsonl:1:' "$dir/junk200k.jsonl.err" || { echo "FAIL junk200k: no file:line message"; cat "$dir/junk200k.jsonl.err"; fail=1; }
{ python3 -c 'print("[" * 200000)'; line f2; } >"$dir/brackets.jsonl"
check brackets.jsonl 1 1
{ line f3 | cut -c1-100 | sed 's/,"[A-Za-z]*$/,/'; line f4; } >"$dir/cutfirst.jsonl"
check cutfirst.jsonl 1 1
grep -q 'cutfirst.jsonl:1:' "$dir/cutfirst.jsonl.err" || { echo "FAIL cutfirst: no file:line message"; cat "$dir/cutfirst.jsonl.err"; fail=1; }
{ printf '\000'; line f5; line f6; } >"$dir/nul.jsonl"
check nul.jsonl 2 1
# an executable is binary content: exit 2, and the message names the file
cp "$(command -v sh)" "$dir/exe.bin"
check exe.bin 0 2
grep -q 'exe.bin: binary content' "$dir/exe.bin.err" || { echo "FAIL exe.bin: no binary message"; cat "$dir/exe.bin.err"; fail=1; }

# 6. truncated zstd: the records before the cut are scanned, the cut is reported, exit 2
for i in $(seq 1 5000); do line "e$i"; done | zstd -q -c >"$dir/cut.full.zst"
head -c $(( $(wc -c <"$dir/cut.full.zst") - 20 )) "$dir/cut.full.zst" >"$dir/cut.jsonl.zst"
MW_TEST=1 "$bin" scan --format jsonl "$dir/cut.jsonl.zst" >"$dir/cut.out" 2>"$dir/cut.err"
rc=$?
if [ "$rc" -ne 2 ] || ! grep -q 'truncated zstd' "$dir/cut.err" || [ "$(grep -c alert "$dir/cut.out")" -lt 1 ]; then
    echo "FAIL cut.zst: exit $rc"; cat "$dir/cut.err"; fail=1
fi
[ $fail -eq 0 ] && echo "bad inputs: all handled"
exit $fail
