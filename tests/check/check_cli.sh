#!/usr/bin/env bash
# numscope check against the real binary: exit codes 0 / 1 / 2 and the text that explains them (cases file).
set -u
bin=$1 cases=$2 fail=0 n=0
F=$(cd "$(dirname "$cases")/fixtures" && pwd)
tmp=$(mktemp)
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  n=$((n + 1))
  want=${line%%|*}; rest=${line#*|}
  text=${rest%|*}; args=${rest##*|}
  eval "set -- $args"
  timeout 20 "$bin" "$@" >"$tmp" 2>&1 </dev/null; rc=$?
  if [ "$rc" != "$want" ] || ! grep -qF -- "$text" "$tmp"; then
    echo "FAIL: numscope $args -> rc=$rc (want $want), looking for: $text"; head -20 "$tmp"
    fail=$((fail + 1))
  fi
done < "$cases"
rm -f "$tmp"
echo "check cli: $((n - fail)) passed, $fail failed"
[ "$fail" = 0 ]
