#!/usr/bin/env bash
# Run the whole test suite on each Python version the README claims, each in its own venv.
#
#   bash .ci/pythons.sh                 # 3.10 3.11 3.12 (the claimed versions)
#   GOVRULES_PYTHONS="3.13" bash .ci/pythons.sh   # try another one
#
# durable-rules 2.0.28 has no wheels: it is built from source (a C compiler is needed).
# On 3.13 the C API it calls (PyEval_CallObject…) is gone; the build maps it onto the
# surviving calls through CC (setup.py overwrites CFLAGS), and the package is installed
# with --ignore-requires-python because pyproject does not claim 3.13.
# A version whose interpreter is not on this machine is reported as skipped, not failed.
# Venvs are kept in $GOVRULES_PY_VENVS (default /tmp/govrules-pythons) so reruns are quick.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venvs="${GOVRULES_PY_VENVS:-/tmp/govrules-pythons}"
versions="${GOVRULES_PYTHONS:-3.10 3.11 3.12}"
mkdir -p "$venvs"

find_python() {
  local v="$1" p
  for p in "$(command -v "python$v" 2>/dev/null)" /root/.pyenv/versions/"$v".*/bin/python /usr/bin/python"$v"; do
    if [ -n "$p" ] && [ -x "$p" ] && "$p" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$v'" 2>/dev/null; then
      echo "$p"; return 0
    fi
  done
  return 1
}

declare -A result
for v in $versions; do
  py="$(find_python "$v")" || { echo "== $v: no interpreter here, skipped"; result[$v]=skipped; continue; }
  venv="$venvs/$v"
  echo "== $v: $py -> $venv"
  if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv" || { result[$v]="venv failed"; continue; }
  fi
  pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check)
  if ! "$venv/bin/python" -c "import durable_rules_engine" 2>/dev/null; then
    if [ "$v" = "3.13" ] || [ "${v#3.}" -ge 13 ] 2>/dev/null; then
      CC="gcc -DPyEval_CallObject=PyObject_CallObject -DPyEval_CallObjectWithKeywords=PyObject_Call" \
        "${pip[@]}" --no-binary durable-rules durable-rules==2.0.28 || { result[$v]="durable-rules build failed"; continue; }
    fi
  fi
  # Test a copy of the working tree, installed editable with its test extras (the
  # dependencies come from pyproject.toml, listed once), so nothing is written into the checkout.
  work="$(mktemp -d)"
  tar -C "$here" --exclude=./.venv --exclude=./.git --exclude='*.egg-info' --exclude=__pycache__ -cf - . | tar -C "$work" -xf -
  "${pip[@]}" --ignore-requires-python -e "$work[test]" >/dev/null \
    || { result[$v]="install failed"; rm -rf "$work"; continue; }
  (cd "$work" && "$venv/bin/python" -m pytest -q -p no:cacheprovider >"$work/.log" 2>&1)
  code=$?
  tail -1 "$work/.log"
  [ $code -eq 0 ] && result[$v]=passed || { result[$v]="FAILED (pytest exit $code)"; tail -30 "$work/.log"; }
  rm -rf "$work"
done

echo
status=0
for v in $versions; do
  echo "python $v: ${result[$v]}"
  case "${result[$v]}" in passed|skipped) ;; *) status=1 ;; esac
done
exit $status
