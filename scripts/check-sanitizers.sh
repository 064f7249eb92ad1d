#!/usr/bin/env bash
# The suite under AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer: a
# second build in build-asan/ (no benchmarks, no Python module: a sanitized extension
# cannot load into an unsanitized python3), every ctest test, stopping at the first report.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOLOSSIM_SANITIZE=ON \
  -DCOLOSSIM_BENCH=OFF -DCOLOSSIM_PYTHON=OFF >/dev/null
ninja -C build-asan -j "${JOBS:-2}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
(cd build-asan && ctest --output-on-failure -j 2)
echo "sanitizers: every test ran clean under ASan, LSan and UBSan"
