#!/usr/bin/env bash
# The install test: `cmake --install` into a temporary prefix, then what a user and a consumer project do with it:
# the installed layout, a project built with find_package(numscope CONFIG) and one built with pkg-config, the
# installed program, and the man page and completions against --help (sync_check.py).
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" > "$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }
# The tree is relocatable: nothing in it names the build or source tree, so it works after a move.
mv "$prefix" "$tmp/moved" && prefix=$tmp/moved

libdir=$(cd "$prefix" && ls -d lib*/pkgconfig | head -1 | xargs dirname)
for f in bin/numscope include/numscope/support/result.h include/numscope/formats/engine.h \
         include/numscope/formats/fast/convert.h include/numscope/memory/options.h include/numscope/api/store.h \
         "$libdir"/libnumscope_formats.a "$libdir"/libnumscope_api.a "$libdir"/cmake/numscope/numscopeConfig.cmake \
         "$libdir"/cmake/numscope/numscopeConfigVersion.cmake "$libdir"/pkgconfig/numscope.pc \
         share/man/man1/numscope.1 share/bash-completion/completions/numscope share/zsh/site-functions/_numscope; do
  [ -e "$prefix/$f" ] || fail "the installed tree has no $f"
done
if grep -rlF -e "$src" -e "$build" "$prefix/$libdir/cmake" "$prefix/$libdir/pkgconfig" "$prefix/include"; then
  fail "installed files name the source or build tree (above)"
fi
[ -z "$(find "$prefix/include" -type f ! -name '*.h')" ] || fail "non-header files under include/"

# The installed program runs from anywhere.
out=$(cd "$tmp" && "$prefix/bin/numscope" store 123456.789 --formats bf16 -o csv) || fail "installed numscope store"
[[ $out == *",123392,"* ]] || fail "installed numscope store printed: $out"

# The consumer is compiled as this build tree was (a sanitizer build's libraries need the same flags).
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
cxxflags=$(cache CMAKE_CXX_FLAGS) ldflags=$(cache CMAKE_EXE_LINKER_FLAGS) cxx=$(cache CMAKE_CXX_COMPILER)

# What the consumer must print: two constants from the specs and numscope's own CSV line.
expected=$(cat "$here/expected.txt"; "$prefix/bin/numscope" store 0.1 --formats fp16 -o csv)

# 1. CMake: find_package(numscope CONFIG) with components, numscope::api.
cmake -S "$here/consumer" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="$cxxflags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags" \
  > "$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log"; fail "configuring the consumer with find_package"; }
cmake --build "$tmp/cmake-build" > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "building the consumer"; }
got=$("$tmp/cmake-build/consumer") || fail "the consumer (CMake) failed"
[ "$got" = "$expected" ] || { diff <(echo "$expected") <(echo "$got"); fail "the consumer (CMake) printed otherwise"; }

# A component that does not exist is refused by find_package.
mkdir -p "$tmp/bad"
printf 'cmake_minimum_required(VERSION 3.20)\nproject(bad LANGUAGES CXX)\nfind_package(numscope CONFIG REQUIRED COMPONENTS nosuch)\n' \
  > "$tmp/bad/CMakeLists.txt"
if cmake -S "$tmp/bad" -B "$tmp/bad-build" -DCMAKE_PREFIX_PATH="$prefix" > /dev/null 2>&1; then
  fail "find_package(numscope COMPONENTS nosuch) succeeded"
fi

# 2. pkg-config: one compiler line.
if command -v pkg-config > /dev/null; then
  flags=$(PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig" pkg-config --cflags --libs numscope) || fail "pkg-config numscope"
  # shellcheck disable=SC2086  # the flags are words, as pkg-config prints them
  "$cxx" $cxxflags -O1 "$here/consumer/main.cpp" -o "$tmp/consumer-pc" $flags $ldflags \
    || fail "compiling with pkg-config's flags: $flags"
  got=$("$tmp/consumer-pc") || fail "the consumer (pkg-config) failed"
  [ "$got" = "$expected" ] || { diff <(echo "$expected") <(echo "$got"); fail "the consumer (pkg-config) printed otherwise"; }
else
  echo "note: no pkg-config here, its part skipped"
fi

# 3. The man page renders without a warning, and it and the completions say what --help says.
if command -v groff > /dev/null; then
  warnings=$(groff -man -ww -z "$prefix/share/man/man1/numscope.1" 2>&1) || true
  [ -z "$warnings" ] || fail "groff warns about the man page: $warnings"
fi
python3 "$here/sync_check.py" "$prefix" || fail "man page or completions out of sync with --help"
echo "install: ok ($prefix)"
