#!/bin/sh
# Runs one golden CLI case: tests/e2e/<case>/cmd holds the arguments after the binary (one
# line, shell quoting allowed); the case passes when stdout, stderr and the exit status equal
# expected.stdout, expected.stderr (absent: empty) and expected.exit (absent: 0).
# A file named `stdin` in the case is fed to standard input. A file named `setup` makes the case
# run in a scratch copy of its directory, after `sh setup` there: for inputs that cannot be
# committed, such as file names with control characters, or to copy real exports from the
# samples folder (MW_SAMPLES_DIR, exported to setup): a setup that exits 77 skips the case with
# the message it printed (e.g. when the samples folder is absent).
# Usage: run_golden.sh CASE_DIR MAILWARD_BINARY   (UPDATE=1 rewrites the expected files)
set -u
case_dir=$(cd "$1" && pwd) || exit 2
bin=$2
case $bin in /*) ;; *) bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" ;; esac
cd "$case_dir" || exit 2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ -f setup ]; then
    cp -R "$case_dir/." "$out/case" && cd "$out/case" || { echo "setup failed"; exit 2; }
    MW_SAMPLES_DIR=${MW_SAMPLES_DIR:-} sh ./setup
    rc=$?
    [ $rc -eq 77 ] && exit 77
    [ $rc -eq 0 ] || { echo "setup failed"; exit 2; }
fi
args=$(cat cmd)
stdin=/dev/null
[ -f stdin ] && stdin=stdin
LC_ALL=C TZ=UTC NO_COLOR=1 MW_TEST=1 sh -c "exec \"\$0\" $args" "$bin" <"$stdin" >"$out/stdout" 2>"$out/stderr"
echo $? >"$out/exit"
if [ "${UPDATE:-0}" = 1 ]; then
    cp "$out/stdout" "$case_dir/expected.stdout"
    if [ -s "$out/stderr" ]; then cp "$out/stderr" "$case_dir/expected.stderr"; else rm -f "$case_dir/expected.stderr"; fi
    if [ "$(cat "$out/exit")" != 0 ]; then cp "$out/exit" "$case_dir/expected.exit"; else rm -f "$case_dir/expected.exit"; fi
    exit 0
fi
[ -f expected.stderr ] || : >"$out/expected.stderr.empty"
exp_err=expected.stderr
[ -f expected.stderr ] || exp_err="$out/expected.stderr.empty"
exp_exit=0
[ -f expected.exit ] && exp_exit=$(cat expected.exit)
fail=0
if ! cmp -s expected.stdout "$out/stdout"; then
    echo "stdout differs:"; diff -u expected.stdout "$out/stdout" | head -60; fail=1
fi
if ! cmp -s "$exp_err" "$out/stderr"; then
    echo "stderr differs:"; diff -u "$exp_err" "$out/stderr" | head -40; fail=1
fi
if [ "$(cat "$out/exit")" != "$exp_exit" ]; then
    echo "exit status $(cat "$out/exit"), expected $exp_exit"; fail=1
fi
exit $fail
