#!/usr/bin/env bash
# Installs the Debian packages named on the command line that are not installed yet (one apt-get run; sudo
# when not root). Used by every set-up script: quickstart.sh, test-web.sh, fuzz.sh.
#   bash scripts/debian_packages.sh PACKAGE...
set -euo pipefail
missing=""
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -n "$missing" ] || exit 0
echo "installing:$missing"
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq
# shellcheck disable=SC2086  # one word a package
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
