#!/usr/bin/env bash
# Golden tests of the real binary: each golden/NAME.cmd holds the arguments (one line), golden/NAME.out the
# expected stdout followed by a line rc=EXIT_CODE; stderr must be empty unless golden/NAME.err holds what it must
# be (a refusal, a failed check). UPDATE=1 rewrites the .out files (and the .err files that exist).
set -u
bin=$1 dir=$2 fail=0 n=0
cd "$dir" || exit 1  # file arguments name fixtures relative to the golden folder (fixtures/...)
for cmd in "$dir"/*.cmd; do
  name=$(basename "$cmd" .cmd)
  n=$((n + 1))
  read -r args < "$cmd"
  eval "set -- $args"
  out=$("$bin" "$@" 2>/tmp/golden_err.$$; echo "rc=$?")
  if [ "${UPDATE:-0}" = 1 ]; then
    printf '%s\n' "$out" > "$dir/$name.out"
    if [ -e "$dir/$name.err" ]; then cp /tmp/golden_err.$$ "$dir/$name.err"; fi
    continue
  fi
  if [ -e "$dir/$name.err" ]; then err_ok=$(cmp -s /tmp/golden_err.$$ "$dir/$name.err" && echo 1 || echo 0)
  else err_ok=$([ -s /tmp/golden_err.$$ ] && echo 0 || echo 1); fi
  if [ "$out" != "$(cat "$dir/$name.out")" ] || [ "$err_ok" != 1 ]; then
    echo "FAIL $name: numscope $args"; diff <(printf '%s\n' "$out") "$dir/$name.out" | head -20
    echo "stderr:"; cat /tmp/golden_err.$$; [ -e "$dir/$name.err" ] && { echo "expected stderr:"; cat "$dir/$name.err"; }
    fail=$((fail + 1))
  fi
done
rm -f /tmp/golden_err.$$
echo "golden: $((n - fail)) passed, $fail failed"
[ "$fail" = 0 ]
