#!/usr/bin/env bash
# The web stage of `bash scripts/quickstart.sh test` (docs/web.md): installs what the page and its browser test
# need (Debian's emscripten, chromium and chromium-driver; Selenium, pinned in requirements-test.txt, into
# .venv), builds the page (scripts/build-web.sh into build-web/) and runs tests/web against build/bin/numscope.
# Prints its time.
#   bash scripts/test-web.sh      (after the native build: the test compares the page with the CLI)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

packages="emscripten chromium chromium-driver"
bash scripts/debian_packages.sh $packages
# The project's virtual environment .venv/ with requirements-test.txt (selenium among them): quick when the
# Python stage has made it already.
bash scripts/python_env.sh
setup=$(( $(date +%s) - start ))

build_start=$(date +%s)
bash scripts/build-web.sh build-web
build=$(( $(date +%s) - build_start ))

test_start=$(date +%s)
status=0
NUMSCOPE_CLI=$PWD/build/bin/numscope NUMSCOPE_WEB=$PWD/build-web NUMSCOPE_WEB_ARTEFACTS=$PWD/build-web/screenshots \
  .venv/bin/python -m pytest -q -p no:cacheprovider tests/web || status=$?
echo "web stage: $(( $(date +%s) - start )) s (install $setup s, wasm build $build s," \
     "browser test $(( $(date +%s) - test_start )) s); screenshots in build-web/screenshots/"
exit $status
