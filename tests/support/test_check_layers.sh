#!/bin/sh
# tests/support/test_check_layers.sh: proves tools/check_layers.sh on the fixture trees in
# tests/layers/: the good tree passes, the bad one fails naming file, line and both stages.
# Usage: sh test_check_layers.sh ROOT. SPDX-License-Identifier: MIT
set -u
ROOT=$1
CHECK=$ROOT/tools/check_layers.sh
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail=0
if ! sh "$CHECK" "$ROOT/tests/layers/good" >"$out" 2>&1; then
    echo "test_check_layers: the good tree failed:" >&2
    cat "$out" >&2
    fail=1
fi
sh "$CHECK" "$ROOT/tests/layers/bad" >"$out" 2>&1
rc=$?
if [ "$rc" -ne 1 ]; then
    echo "test_check_layers: the bad tree gave exit status $rc, not 1" >&2
    fail=1
fi
want='src/detect/fx_late.c:3: stage detect includes "correlate/fx_corr.h" of the later stage correlate'
if ! grep -qxF "$want" "$out"; then
    echo "test_check_layers: the bad tree's message is missing: $want; got:" >&2
    cat "$out" >&2
    fail=1
fi
exit "$fail"
