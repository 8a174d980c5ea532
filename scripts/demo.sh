#!/usr/bin/env bash
# The README's first command: runs examples/demo-project end to end.
#   1. builds the example's wheel with the importspy hook (and hatch-importspy's own wheel);
#   2. installs both into a fresh virtual environment;
#   3. runs `python -m importspy verify` there: compliant, exit 0;
#   4. tampers with the install (removes a function from an installed module, drops an unowned
#      .pth file with an import line) and runs verify again: the findings, and exit 1.
# Everything lands in build/demo (re-created on each run), so it is safe to re-run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python="${PYTHON:-python3}"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
  || { echo "scripts/demo.sh: $python is older than Python 3.10" >&2; exit 2; }

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

work=build/demo
rm -rf "$work"
mkdir -p "$work/dist"

step "build environment: hatchling, build and hatch-importspy (.venv-demo)"
if [ ! -x .venv-demo/bin/python ]; then
  "$python" -m venv .venv-demo
fi
.venv-demo/bin/python -m pip install --quiet --disable-pip-version-check build .

step "build examples/demo-project with the importspy hook"
.venv-demo/bin/python -m build --wheel --no-isolation --outdir "$work/dist" examples/demo-project
.venv-demo/bin/python -m build --wheel --no-isolation --outdir "$work/dist" .
ls "$work/dist"

step "install both wheels into a fresh virtual environment ($work/venv)"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$work"/dist/*.whl
site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

step "the manifest the hook embedded (python -m importspy show acme-inventory, first lines)"
"$work/venv/bin/python" -m importspy show acme-inventory | head -n 25
echo "..."

step "python -m importspy verify (expect: compliant, exit 0)"
"$work/venv/bin/python" -m importspy verify

step "tamper: remove quote_later() from acme_inventory/pricing.py, drop an unowned .pth"
"$work/venv/bin/python" - "$site/acme_inventory/pricing.py" <<'PY'
import ast
import sys
from pathlib import Path

path = Path(sys.argv[1])
lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
node = next(
    node for node in ast.parse("".join(lines)).body
    if isinstance(node, ast.AsyncFunctionDef) and node.name == "quote_later"
)
del lines[node.lineno - 1 : node.end_lineno]
path.write_text("".join(lines), encoding="utf-8")
print(f"removed lines {node.lineno}-{node.end_lineno} of {path.name}")
PY
printf 'import os; os.environ.setdefault("DEMO_PAYLOAD", "ran at every interpreter start")\n' \
  > "$site/zz_demo_payload.pth"
echo "wrote $site/zz_demo_payload.pth"

step "python -m importspy verify (expect: the findings, exit 1)"
status=0
"$work/venv/bin/python" -m importspy verify || status=$?
echo "exit status: $status"
if [ "$status" -ne 1 ]; then
  echo "scripts/demo.sh: expected verify to exit 1 after tampering, got $status" >&2
  exit 1
fi
step "demo finished: verify caught the tampering"
