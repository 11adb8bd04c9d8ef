#!/bin/sh
# Checks run_cmocka.sh: a pass stays 0, a failure keeps its status (even with a skip), and a
# pass with a skipped test becomes 77 (ctest "Skipped").
here=$(cd "$(dirname "$0")" && pwd)
fail=0
check() {
    want=$1
    shift
    sh "$here/run_cmocka.sh" sh -c "$@" >/dev/null 2>&1
    st=$?
    if [ "$st" -ne "$want" ]; then echo "FAIL: '$*' gave $st, expected $want"; fail=1; fi
}
check 0 'echo "[  PASSED  ] 2 test(s)."'
check 77 'echo "[  SKIPPED ] test_x"; echo "[  PASSED  ] 1 test(s)."'
check 1 'echo "[  SKIPPED ] test_x"; echo "[  FAILED  ] test_y"; exit 1'
check 134 'kill -ABRT $$'
exit $fail
