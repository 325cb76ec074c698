#!/usr/bin/env bash
# Bad input against the real binary: every line of the case file is the arguments of one run that must exit 2,
# print exactly one line on stderr starting with "numscope: ", and print nothing on stdout.
set -u
bin=$1 cases=$2 fail=0 n=0
root=$(cd "$(dirname "$cases")/../.." && pwd)  # the source tree: cases name fixture files as $root/tests/...
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  n=$((n + 1))
  eval "set -- $line"
  out=$(timeout 20 "$bin" "$@" 2>/tmp/bad_err.$$ </dev/null); rc=$?
  lines=$(wc -l < /tmp/bad_err.$$)
  if [ "$rc" != 2 ] || [ "$lines" != 1 ] || [ -n "$out" ] || ! grep -q '^numscope: ' /tmp/bad_err.$$; then
    echo "FAIL: numscope $line -> rc=$rc, stderr lines=$lines, stdout bytes=${#out}"; cat /tmp/bad_err.$$
    fail=$((fail + 1))
  fi
done < "$cases"
# An environment variable that names no instruction set is refused too, whatever the command.
n=$((n + 1))
out=$(NUMSCOPE_ISA=sse9 timeout 20 "$bin" formats 2>/tmp/bad_err.$$ </dev/null); rc=$?
if [ "$rc" != 2 ] || [ "$(wc -l < /tmp/bad_err.$$)" != 1 ] || [ -n "$out" ] || ! grep -q 'NUMSCOPE_ISA' /tmp/bad_err.$$; then
  echo "FAIL: NUMSCOPE_ISA=sse9 numscope formats -> rc=$rc"; cat /tmp/bad_err.$$
  fail=$((fail + 1))
fi
rm -f /tmp/bad_err.$$
echo "bad input: $((n - fail)) passed, $fail failed"
[ "$fail" = 0 ]
