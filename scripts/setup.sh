#!/usr/bin/env bash
# The README's first command: install what is missing, build, run the flagship example
# (Llama 3.1 405B on 16,384 H100, as in the Llama 3 paper's Table 4).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
scripts/install-python.sh
echo
echo "$ build/colossim estimate examples/llama3-405b.yaml"
build/colossim estimate examples/llama3-405b.yaml
