#!/usr/bin/env bash
# Builds the web page (web/, docs/web.md) with Debian's emscripten: the numscope libraries and web/bindings.cpp
# compiled to WebAssembly, embedded in one JS file (-sSINGLE_FILE, so the page opens from file:// too) that also
# carries the page's script, beside index.html:
#   bash scripts/build-web.sh [OUT_DIR]     (default build-web/; then open OUT_DIR/index.html)
# Needs: apt-get install -y emscripten (brings clang 14, node and Debian's acorn); ninja-build. Incremental: a
# generated build.ninja recompiles only what changed. The first run also builds emscripten's system libraries
# into its cache (a few minutes, once per machine).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$root/build-web}" && cd "${1:-$root/build-web}" && pwd -P)
for tool in em++ emar node ninja cmake; do
  if ! command -v "$tool" >/dev/null; then
    echo "build-web: $tool is needed: apt-get install -y emscripten ninja-build cmake" >&2
    exit 2
  fi
done
# emscripten's JS optimizer needs acorn; Debian installs it in /usr/share/nodejs, which a node not from Debian
# (nodesource's, say) does not search by itself.
export NODE_PATH=${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs
start=$(date +%s)

# The include tree as the installed headers have it (numscope/<layer>), and only the header-only dependencies
# from Debian's /usr/include (Boost.Multiprecision, nlohmann/json, fmt): never glibc's own headers.
layers=(support formats io memory api)
mkdir -p "$out/include/numscope" "$out/deps" "$out/gen/numscope/memory/generated"
for layer in "${layers[@]}"; do ln -sfn "$root/$layer" "$out/include/numscope/$layer"; done
for dep in boost nlohmann fmt; do ln -sfn "/usr/include/$dep" "$out/deps/$dep"; done

# memory/'s generated sources, made as memory/CMakeLists.txt makes them: the presets' config.json files and the
# GPU catalog embedded.
cmake -DDIR="$root/memory/presets" -DOUT="$out/gen/numscope/memory/generated/preset_configs.inc" \
  -P "$root/memory/embed_presets.cmake"
cat >"$out/gen/gpus.cmake" <<EOF
file(READ "$root/memory/gpus.json" NUMSCOPE_GPUS_JSON)
configure_file("$root/memory/gpus_json.cpp.in" "$out/gen/gpus_json.cpp" @ONLY)
EOF
cmake -P "$out/gen/gpus.cmake"

# -fexceptions: InputError is how bad input is reported (em++ aborts on a throw without it). fmt is header-only
# (no libfmt.a for wasm). No -pthread: support/parallel.cpp runs everything on the caller's thread in such a
# build, and the format kernels take the portable path.
cflags="-std=c++20 -O2 -fexceptions -DFMT_HEADER_ONLY -Wall -Wextra -Wno-unused-parameter -I$out/include -I$out/gen -I$out/deps"
# Only the api functions the page calls; the layer libraries are archives, so the linker takes what they need.
api_sources=(common formats store explain values memory)
{
  echo "cflags = $cflags"
  echo "rule cxx"
  echo "  command = em++ \$cflags -MMD -MF \$out.d -c \$in -o \$out"
  echo "  depfile = \$out.d"
  echo "  deps = gcc"
  echo "  description = em++ \$in"
  echo "rule ar"
  echo "  command = rm -f \$out && emar rcs \$out \$in"
  echo "rule link"
  echo "  command = em++ \$cflags \$in -o \$out \$ldflags"
  echo "  description = link \$out"
  libs=()
  for layer in support formats io memory; do
    objs=()
    while IFS= read -r src; do
      obj="${src#"$root"/}"; obj="obj/${obj#"$out"/}"; obj="${obj%.cpp}.o"  # obj/memory/x.o, obj/gen/gpus_json.o
      echo "build $obj: cxx $src"
      objs+=("$obj")
    done < <(find "$root/$layer" -name '*.cpp' | sort; [ "$layer" = memory ] && echo "$out/gen/gpus_json.cpp")
    echo "build lib/libnumscope_$layer.a: ar ${objs[*]}"
    libs=("lib/libnumscope_$layer.a" "${libs[@]}")
  done
  objs=()
  for name in "${api_sources[@]}"; do echo "build obj/api/$name.o: cxx $root/api/$name.cpp"; objs+=("obj/api/$name.o"); done
  echo "build obj/web/bindings.o: cxx $root/web/bindings.cpp"
  # -sMODULARIZE: createNumscope() resolves to the module; the wasm is embedded as base64 (-sSINGLE_FILE).
  echo "build numscope-core.js: link obj/web/bindings.o ${objs[*]} ${libs[*]}"
  echo "  ldflags = -sSINGLE_FILE=1 -sMODULARIZE=1 -sEXPORT_NAME=createNumscope -sALLOW_MEMORY_GROWTH=1" \
       "-sENVIRONMENT=web,node -sEXPORTED_FUNCTIONS=_numscope_run,_numscope_gguf,_malloc,_free" \
       "-sEXPORTED_RUNTIME_METHODS=ccall,FS,HEAPU8"
} >"$out/build.ninja.new"
cmp -s "$out/build.ninja.new" "$out/build.ninja" 2>/dev/null || mv "$out/build.ninja.new" "$out/build.ninja"
rm -f "$out/build.ninja.new"
ninja -C "$out" -j "${JOBS:-$(nproc 2>/dev/null || echo 2)}" numscope-core.js

# The page: index.html, and one script (the engine, then the page's code).
cp "$root/web/index.html" "$out/index.html"
cat "$out/numscope-core.js" "$root/web/app.js" >"$out/numscope.js"
echo "build-web: $out/index.html and numscope.js ($(( $(stat -c %s "$out/numscope.js") / 1024 )) KiB) in" \
     "$(( $(date +%s) - start )) s"
