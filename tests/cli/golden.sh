#!/usr/bin/env bash
# Golden tests of the real binary: each golden/NAME.cmd holds the arguments (one line), golden/NAME.out the
# expected stdout; the exit code must be 0 and stderr empty. UPDATE=1 rewrites the .out files.
set -u
bin=$1 dir=$2 fail=0 n=0
for cmd in "$dir"/*.cmd; do
  name=$(basename "$cmd" .cmd)
  n=$((n + 1))
  read -r args < "$cmd"
  eval "set -- $args"
  out=$("$bin" "$@" 2>/tmp/golden_err.$$; echo "rc=$?")
  if [ "${UPDATE:-0}" = 1 ]; then printf '%s\n' "$out" > "$dir/$name.out"; continue; fi
  if [ "$out" != "$(cat "$dir/$name.out")" ] || [ -s /tmp/golden_err.$$ ]; then
    echo "FAIL $name: numscope $args"; diff <(printf '%s\n' "$out") "$dir/$name.out" | head -20; cat /tmp/golden_err.$$
    fail=$((fail + 1))
  fi
done
rm -f /tmp/golden_err.$$
echo "golden: $((n - fail)) passed, $fail failed"
[ "$fail" = 0 ]
