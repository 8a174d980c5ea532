#!/usr/bin/env bash
# Build hatch-importspy's own wheel from this checkout into dist/, for every front end to find
# until the package is on the package index (docs/installation.md says how each one is pointed
# at it).  Needs Python 3.10 or newer with pip (`python3`, or set PYTHON=...) and access to the
# package index for hatchling, which pip fetches into an isolated build environment.
# Prints the path of the wheel on its last line.  Safe to re-run: an older wheel of the same
# version is replaced.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python="${PYTHON:-python3}"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
  || { echo "scripts/build-wheel.sh: $python is older than Python 3.10" >&2; exit 2; }

mkdir -p dist
rm -f dist/hatch_importspy-*.whl
# pip wheel builds in an isolated environment (hatchling from the index) and never installs.
"$python" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir dist .
ls dist/hatch_importspy-*.whl
