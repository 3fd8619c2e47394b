#!/usr/bin/env bash
# Quick start 1: install, build, and run `wbe demo` on the built-in demo city.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
./build/pipeline/wbe demo --out demo-out "$@"
