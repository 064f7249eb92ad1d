#!/usr/bin/env bash
# The test suite under AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer.
# It shares build-fuzz/ with scripts/fuzz.sh (clang, -fsanitize=address,undefined), so that
# one instrumented build of the library serves both; no benchmarks and no Python module (a
# sanitized extension cannot load into an unsanitized python3). Any report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/configure-sanitized.sh
ninja -C build-fuzz -j "${JOBS:-2}" colossim_tests colossim_cli
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# Left out: the collective closed form's 5% grid (about a minute normally, many under the
# sanitizers): it checks numbers, and its code runs here through
# CollectiveClosedForm.TheIssuesRingOn512H100 and the collective and network tests; and the
# web server's load test, which measures throughput (its server code runs here under
# web.api and web.chromium).
(cd build-fuzz && ctest --output-on-failure -j 2 -E 'CollectiveClosedForm.MatchesTheSimulationForEveryKindAndAlgorithm|web.load|readme.outputs')
echo "sanitizers: every test but the collective grid, the load test and the README check ran clean under ASan, LSan and UBSan"
