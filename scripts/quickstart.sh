#!/usr/bin/env bash
# Sets numscope up on Debian 12 (installs missing packages, builds), then runs `numscope tour` or the test suite.
#   bash scripts/quickstart.sh tour   # install, build the numscope program only, run the tour
#   bash scripts/quickstart.sh test   # install, build everything, run every test: ctest, then the Python package (the CI
#                                     # command): a virtual environment .venv/ with requirements-test.txt, the
#                                     # extension built in the same tree as the CLI, pytest, the notebooks;
#                                     # then the web page built and tested in headless chromium (test-web.sh)
# NUMSCOPE_WERROR=ON (set by .ci/run) turns warnings in numscope's own code into errors.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-tour}
case "$what" in tour|test) ;; *) echo "usage: bash scripts/quickstart.sh tour|test" >&2; exit 2 ;; esac

packages="build-essential cmake ninja-build python3 libboost-dev libeigen3-dev libfmt-dev nlohmann-json3-dev catch2 libbenchmark-dev"
bash scripts/debian_packages.sh $packages

jobs=$(nproc 2>/dev/null || echo 2)
launcher=""  # ccache, where a developer has it, makes rebuilds cheap; CI builds without it
command -v ccache >/dev/null && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
python_flags=""
if [ "$what" = test ]; then
  # The Python package is built in the same tree as the CLI (the layer libraries compile once), with the
  # interpreter of a virtual environment that holds the pinned build and test requirements.
  py_start=$(date +%s)
  bash scripts/python_env.sh
  python_flags="-DNUMSCOPE_BUILD_PYTHON=ON -DPython_EXECUTABLE=$PWD/.venv/bin/python"
  py_setup=$(( $(date +%s) - py_start ))
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DNUMSCOPE_WERROR="${NUMSCOPE_WERROR:-OFF}" $launcher \
  $python_flags >/dev/null

if [ "$what" = tour ]; then
  # The tour needs the program only (its libraries), not the tests and benchmarks.
  cmake --build build -j "$jobs" --target numscope
  echo "numscope is build/bin/numscope; install it with: cmake --install build --prefix ~/.local (docs/install.md)" >&2
  exec build/bin/numscope tour
fi
cmake --build build -j "$jobs"
status=0
(cd build && ctest --output-on-failure -j "$jobs") || status=$?

# The Python stage: install the package from the tree just built (pip reuses it: nothing compiles again),
# run pytest, then execute the notebooks and compare their saved outputs.
py_start=$(date +%s)
.venv/bin/pip install --quiet --no-build-isolation --no-deps -C build-dir=build . || status=1
NUMSCOPE_CLI=$PWD/build/bin/numscope .venv/bin/python -m pytest -q tests/python || status=1
.venv/bin/python scripts/notebooks.py check 2>&1 | grep -v "Kernel is running over TCP" || status=1
echo "python stage: $(( $(date +%s) - py_start + py_setup )) s (environment $py_setup s)"

# The web page (docs/web.md): Debian's emscripten builds it, headless chromium tests it against the CLI.
bash scripts/test-web.sh || status=1
exit $status
