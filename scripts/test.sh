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
# 12 s a target keeps the whole run inside CI's 25 minutes (1,518 s at 20 s a target, 2026-12-08);
# FUZZ_SECONDS=300 scripts/test.sh fuzzes longer.
scripts/fuzz.sh "${FUZZ_SECONDS:-12}"
