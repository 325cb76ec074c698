#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang-14 (ASan + UBSan) into build-fuzz and runs each one for a
# bounded time from its checked-in seed corpus; any finding (crash, sanitizer report, broken property, leak,
# timeout, out-of-memory) fails the run and leaves the input in build-fuzz/findings/.
#   bash scripts/fuzz.sh                         # every target 20 s, and one of them 120 s more (CI: about 5 minutes)
#   NUMSCOPE_FUZZ_SECONDS=300 bash scripts/fuzz.sh fuzz_number   # one target, longer
#   NUMSCOPE_FUZZ_SECONDS=0 bash scripts/fuzz.sh  # only replay the seed corpora (regression inputs)
# The target that runs longer is chosen by the commit (NUMSCOPE_FUZZ_LONG overrides it; 0 turns it off), so
# successive commits spread the deeper runs over every target while the whole stage stays within about
# 10 · 20 + 120 = 320 seconds of fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${NUMSCOPE_FUZZ_SECONDS:-20}
long_extra=${NUMSCOPE_FUZZ_LONG_SECONDS:-120}
jobs=${NUMSCOPE_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
build=${NUMSCOPE_FUZZ_BUILD:-build-fuzz}

# clang-14 and its runtime (libFuzzer, sanitizers) from Debian 12.
bash scripts/debian_packages.sh clang-14 libclang-rt-14-dev

targets=(fuzz_number fuzz_npy fuzz_safetensors fuzz_gguf fuzz_config fuzz_cli fuzz_units)
[ -f tests/fuzz/fuzz_claims.cpp ] && targets+=(fuzz_claims fuzz_markdown fuzz_arith)
[ $# -gt 0 ] && targets=("$@")
# The longer run: the target at (the commit hash mod the number of targets), unless one target was asked for.
long=""
if [ $# -eq 0 ] && [ "$seconds" != 0 ]; then
  hash=$(git rev-parse --short=8 HEAD 2>/dev/null || echo 0)
  long=${NUMSCOPE_FUZZ_LONG:-${targets[$((16#$hash % ${#targets[@]}))]}}
  [ "$long" = 0 ] && long=""
fi

cmake -S tests/fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$build/findings"
failed=()
for t in "${targets[@]}"; do
  seeds=tests/fuzz/corpus/${t#fuzz_}
  work="$build/corpus/${t#fuzz_}"  # inputs found in this run; the checked-in corpus is never modified
  mkdir -p "$work"
  log="$build/$t.log"
  t_seconds=$seconds
  [ "$t" = "$long" ] && t_seconds=$((seconds + long_extra))
  if [ "$seconds" = 0 ]; then
    args=(-runs=0)
  else
    args=(-max_total_time="$t_seconds")
  fi
  echo "== $t (${t_seconds}s)"
  if "$build/bin/$t" "${args[@]}" -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 \
       -artifact_prefix="$build/findings/$t-" "$work" "$seeds" >"$log" 2>&1; then
    grep -E '^(#[0-9]+ *DONE|Done [0-9]+ runs|stat::number_of_executed_units)' "$log" | tail -2 || true
  else
    echo "FINDING in $t (log: $log, input: $build/findings/$t-*):"
    grep -vE '^(#[0-9]+|INFO:)' "$log" | tail -40
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, no finding"
