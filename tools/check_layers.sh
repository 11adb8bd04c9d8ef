#!/bin/sh
# tools/check_layers.sh: fails when a pipeline stage includes a header of a later stage
# (docs/architecture.md gives the order). Reads every `#include "stage/..."` in src/<stage>/*.c
# and *.h; src/main.c may include anything. Usage: sh tools/check_layers.sh [ROOT].
# SPDX-License-Identifier: MIT
set -eu
ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
# Earlier stages first; a stage may include its own headers and those of stages before it.
ORDER="core input decode event sources detect correlate triage output run cli"
cd "$ROOT/src"
rc=0
for dir in */; do
    stage=${dir%/}
    case " $ORDER " in
        *" $stage "*) ;;
        *)
            echo "check_layers: src/$stage/ is not a stage of the order ($ORDER):" \
                "add it to tools/check_layers.sh" >&2
            rc=1
            ;;
    esac
done
files=$(find . -mindepth 2 -name '*.[ch]' | sed 's|^\./||' | sort)
[ -n "$files" ] || exit "$rc"
# shellcheck disable=SC2086
awk -v order="$ORDER" '
BEGIN { n = split(order, o, " "); for (i = 1; i <= n; i++) rank[o[i]] = i }
/^[ \t]*#[ \t]*include[ \t]*"[a-z_0-9]+\// {
    split(FILENAME, p, "/"); from = p[1]
    s = $0; sub(/^[^"]*"/, "", s); to = s; sub(/\/.*/, "", to); sub(/".*/, "", s)
    if (!(from in rank)) next
    if (!(to in rank)) {
        printf "src/%s:%d: includes \"%s\" of \"%s\", which is no stage\n", FILENAME, FNR, s, to
        bad = 1
    } else if (rank[to] > rank[from]) {
        printf "src/%s:%d: stage %s includes \"%s\" of the later stage %s\n", FILENAME, FNR,
            from, s, to
        bad = 1
    }
}
END { exit bad }' $files >&2 || rc=1
if [ "$rc" -ne 0 ]; then
    echo "check_layers: stages include only their own headers and those of earlier stages:" \
        "$ORDER" >&2
fi
exit "$rc"
