#!/usr/bin/env bash
# Installs what colossim needs to build, test and fuzz, from Debian 12 packages only.
# Idempotent: does nothing when everything is already there. Run as root.
set -euo pipefail
packages=(cmake ninja-build g++ clang libclang-rt-14-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
          libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev libopenmpi-dev openmpi-bin
          python3 python3-dev pybind11-dev python3-pandas python3-matplotlib
          libcpp-httplib-dev libjs-chart.js chromium chromium-driver python3-selenium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
