#!/usr/bin/env bash
# The whole test suite, as the README's second command runs it: creates .venv-test (once),
# installs hatch-importspy editable with its dev extra, then runs ruff, ruff format --check,
# mypy --strict (configured in pyproject.toml), `mkdocs build --strict` (the documentation site,
# built into a temporary directory that is removed afterwards) and pytest.  Safe to re-run.
# Extra arguments go to pytest, e.g. the fast loop `bash scripts/test.sh -m "not e2e"` (leaves out
# the tests that build wheels, make venvs or run the CLI; CI runs them all) or `-k verify -x`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python="${PYTHON:-python3}"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
  || { echo "scripts/test.sh: $python is older than Python 3.10" >&2; exit 2; }

venv=.venv-test
if [ ! -x "$venv/bin/python" ] && [ ! -x "$venv/Scripts/python.exe" ]; then
  "$python" -m venv "$venv"
fi
bin="$venv/bin"
if [ -d "$venv/Scripts" ]; then bin="$venv/Scripts"; fi  # Windows (Git Bash in CI)
"$bin/python" -m pip install --quiet --disable-pip-version-check -e '.[dev]'

echo "== ruff check"
"$bin/ruff" check .
echo "== ruff format --check"
"$bin/ruff" format --check .
echo "== mypy --strict"
"$bin/mypy"
echo "== mkdocs build --strict"
site="$(mktemp -d)"
trap 'rm -rf "$site"' EXIT
NO_MKDOCS_2_WARNING=1 "$bin/python" -m mkdocs build --strict --site-dir "$site"
rm -rf "$site"
echo "== pytest"
"$bin/python" -m pytest "$@"
