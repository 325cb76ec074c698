#!/usr/bin/env bash
# Makes the virtual environment .venv/ (git-ignored) that the Python package is built and tested in, with the
# pinned requirements-test.txt. Where the interpreter lacks venv or its C headers (Debian's python3 without
# python3-venv / python3-dev), installs those Debian packages first.
#   bash scripts/python_env.sh    # idempotent: a second run only checks the pins
set -euo pipefail
cd "$(dirname "$0")/.."
python=${NUMSCOPE_PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "numscope's Python package needs Python 3.11 or later as $python (set NUMSCOPE_PYTHON)" >&2
  exit 2
fi
has_venv() { "$python" -c 'import ensurepip, venv' 2>/dev/null; }
has_headers() {
  "$python" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(sysconfig.get_paths()["include"] + "/Python.h"))'
}
if ! has_venv || ! has_headers; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  minor=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  echo "installing python$minor-venv python$minor-dev"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "python$minor-venv" "python$minor-dev"
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
# Pins that already match cost a second; a changed pin reinstalls just that package.
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
