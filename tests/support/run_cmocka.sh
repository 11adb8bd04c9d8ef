#!/bin/sh
# Runs one cmocka test program and passes its output and exit status through, except that a
# program that passed but skipped a test (cmocka prints "[  SKIPPED ]") exits 77, which ctest
# (SKIP_RETURN_CODE 77) reports as "Skipped" instead of "Passed".
# Usage: run_cmocka.sh PROGRAM [ARGS...]
out=$("$@" 2>&1)
st=$?
printf '%s\n' "$out"
[ "$st" -ne 0 ] && exit "$st"
case $out in
    *"[  SKIPPED ]"*)
        echo "run_cmocka: a test was skipped; reporting the program as skipped (exit 77)"
        exit 77 ;;
esac
exit 0
