#!/usr/bin/env bash
# Puts the colossim Python package built in build/python on the system python3's path: a
# colossim.pth file in its site directory (/usr/local/lib/python3.X/dist-packages, which
# Debian's python3 reads), so that `import colossim` works from any directory. Run as root,
# after scripts/build.sh. Without root, use PYTHONPATH=build/python instead.
set -euo pipefail
cd "$(dirname "$0")/.."
built="$(pwd)/build/python"
if ! ls "$built"/colossim/_core*.so >/dev/null 2>&1; then
  echo "install-python: no module in $built (scripts/build.sh builds it when python3-dev and pybind11-dev are there)" >&2
  exit 1
fi
site="$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')"
mkdir -p "$site"
echo "$built" > "$site/colossim.pth"
/usr/bin/python3 -c "import colossim; print('install-python: colossim importable from', colossim.__file__)"
