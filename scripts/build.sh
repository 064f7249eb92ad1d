#!/usr/bin/env bash
# Configures and builds colossim in build/ (Ninja, 2 jobs: the machines have 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
ninja -C build -j "${JOBS:-2}"
