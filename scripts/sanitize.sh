#!/usr/bin/env bash
# Builds numscope and its tests with AddressSanitizer + UndefinedBehaviorSanitizer (GCC) into build-asan and runs
# every ctest entry except the `slow` label; any sanitizer report fails the run.
#   bash scripts/sanitize.sh            # configure, build, test
#   NUMSCOPE_SAN_JOBS=4 bash scripts/sanitize.sh
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${NUMSCOPE_SAN_JOBS:-$(nproc 2>/dev/null || echo 2)}
build=${NUMSCOPE_SAN_BUILD:-build-asan}

# -O1 -g1 keep the instrumented build and suite fast (stack traces keep file:line); -fno-sanitize-recover turns
# every UBSan report into a failure. The build type "Sanitize" adds no flags of its own and keeps assert() on.
flags="-O1 -g1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DNUMSCOPE_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build" -j "$jobs"

# detect_leaks: a leak is a finding too; halt_on_error: the first report ends the test with a failure.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The instrumented binary runs 2-5x slower: the robustness suite's per-run limit (20 s) grows to match.
export NUMSCOPE_ROBUSTNESS_TIMEOUT=${NUMSCOPE_ROBUSTNESS_TIMEOUT:-120}
cd "$build"
ctest --output-on-failure -j "$jobs" -LE slow
