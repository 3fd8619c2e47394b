#!/usr/bin/env bash
# Installs the Debian 12 packages wbe builds and tests with. Safe to re-run: apt-get skips what
# is already there. Needs root (or sudo).
set -euo pipefail

packages=(
  cmake g++ make
  libeigen3-dev libceres-dev libhdf5-dev hdf5-tools libpoco-dev
  nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-jsonschema python3-numpy python3-scipy python3-statsmodels
  clang libclang-rt-14-dev
  curl jq
  chromium fonts-noto-cjk
)
# The dashboard's charting library comes from npm: Node.js and npm, unless the machine has them
# already (some ship Node.js from elsewhere, whose npm Debian's package would clash with).
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
