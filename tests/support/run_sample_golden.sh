#!/bin/sh
# Runs one golden case over the real exports of the samples folder (MW_SAMPLES_DIR): the case's
# `setup` copies what it needs from "$MW_SAMPLES" into its scratch directory, then run_golden.sh
# compares as for tests/e2e. Skips (exit 77) with a message when the folder is absent.
# Usage: run_sample_golden.sh SAMPLES_DIR CASE_DIR MAILWARD_BINARY
set -u
dir=$1
case_dir=$2
bin=$3
if [ ! -d "$dir" ]; then
    echo "SKIP: no samples folder at $dir"
    exit 77
fi
MW_SAMPLES=$(cd "$dir" && pwd) || exit 2
export MW_SAMPLES
exec sh "$(dirname "$0")/run_golden.sh" "$case_dir" "$bin"
