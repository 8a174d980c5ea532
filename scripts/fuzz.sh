#!/bin/sh
# The longer fuzz run: the property tests of every reader of untrusted input
# (tests/test_fuzz_readers.py) with the "long" hypothesis profile, plus the hostile-input cases.
# Usage: scripts/fuzz.sh [pytest options]   (HATCH_IMPORTSPY_FUZZ picks another profile)
set -eu
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv-test/bin/python}"
HATCH_IMPORTSPY_FUZZ="${HATCH_IMPORTSPY_FUZZ:-long}" exec "$python" -m pytest -q -p no:cacheprovider \
  tests/test_fuzz_readers.py tests/test_hostile_input.py "$@"
