#!/usr/bin/env bash
# Configures build-fuzz/: clang with address + undefined sanitizers, the libFuzzer targets
# and the tests (scripts/fuzz.sh and scripts/check-sanitizers.sh build from it).
set -euo pipefail
cd "$(dirname "$0")/.."
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOLOSSIM_FUZZ=ON \
  -DCOLOSSIM_TESTS=ON -DCOLOSSIM_BENCH=OFF -DCOLOSSIM_PYTHON=OFF >/dev/null
