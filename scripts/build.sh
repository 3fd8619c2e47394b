#!/usr/bin/env bash
# Configures and builds wbe in ./build (Release, all cores). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${WBE_BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DWERROR_ENABLED=ON "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
