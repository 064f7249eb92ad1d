#!/usr/bin/env bash
# The README's second command: build and run every test — unit, CLI and validation tests
# (ctest), a build without MPI, the suite again under ASan + UBSan, then each parser's fuzz
# target for a short run (libFuzzer, clang; the same sanitized build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
(cd build && ctest --output-on-failure -j 2)
scripts/check-without-mpi.sh
scripts/check-sanitizers.sh
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
