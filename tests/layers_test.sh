#!/usr/bin/env bash
# The layer order of docs/design.md, enforced: every #include "numscope/<layer>/..." in a layer's sources names
# that layer or one below it, peers never include each other, and no source includes a path without the
# numscope/ prefix (the form the installed headers have).
#   bash tests/layers_test.sh SOURCE_DIR
set -euo pipefail
root=${1:-.}
cd "$root"
# rank of each layer; equal ranks are peers that must not include each other
declare -A rank=([support]=0 [formats]=1 [io]=2 [memory]=3 [quantize]=3 [check]=4 [api]=5 [tools]=6 [python]=6 [web]=6)
fail=0
for layer in "${!rank[@]}"; do
  [ -d "$layer" ] || continue
  while IFS= read -r -d '' file; do
    while IFS= read -r line; do
      inc=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1/' <<<"$line")
      case "$inc" in
        numscope/*)
          target=$(cut -d/ -f2 <<<"$inc")
          if [ -z "${rank[$target]+x}" ]; then
            echo "$file: includes $inc: no layer named '$target'"; fail=1
          elif [ "$target" != "$layer" ] && [ "${rank[$target]}" -ge "${rank[$layer]}" ]; then
            echo "$file: includes $inc: layer '$layer' may include only layers below it"; fail=1
          elif [[ "$inc" == numscope/*/generated/* ]]; then
            :  # written into the build tree by the layer's CMakeLists.txt (memory/presets/*.json embedded)
          elif [ ! -f "$target/${inc#numscope/$target/}" ]; then
            echo "$file: includes $inc: no such header"; fail=1
          fi ;;
        *)
          echo "$file: includes \"$inc\": our headers are included as \"numscope/<layer>/...\""; fail=1 ;;
      esac
    done < <(grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" || true)
  done < <(find "$layer" -type f \( -name '*.h' -o -name '*.cpp' -o -name '*.hpp' \) -print0)
done
if [ "$fail" = 0 ]; then echo "layers: every include follows support < formats < io < memory|quantize < check < api < tools|python|web"; fi
exit $fail
