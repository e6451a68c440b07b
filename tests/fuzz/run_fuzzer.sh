#!/bin/sh
# Runs one fuzz target for a fixed time from its checked-in seeds; exit status non-zero on
# any finding. Everything it writes (new corpus entries, crash inputs, the log) goes under
# WORK, never into the source tree.
#   run_fuzzer.sh BINARY SECONDS FUZZ_SOURCE_DIR WORK
set -u
bin=$1 seconds=$2 src=$3 work=$4
name=$(basename "$bin")
rm -rf "$work" && mkdir -p "$work/corpus" "$work/tmp" || exit 1
# the targets' private directories (g_dir_make_tmp) go here too: a crashed or killed run
# cannot remove its own
export TMPDIR="$work/tmp"
dict=""
[ -f "$src/dict/$name.dict" ] && dict="-dict=$src/dict/$name.dict"
# shellcheck disable=SC2086
"$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$work/" $dict "$work/corpus" "$src/corpus/$name" \
  >"$work/log" 2>&1
rc=$?
grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)|#[0-9]+.*DONE" "$work/log" | tail -4
if [ $rc -ne 0 ]; then
  echo "$name: finding (exit $rc); input and log under $work"
  tail -n 60 "$work/log"
fi
exit $rc
