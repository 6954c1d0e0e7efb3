#!/usr/bin/env bash
# Run the whole test suite on each Python version the README claims, each in a fresh venv.
#
#   bash .ci/pythons.sh                           # 3.10 3.11 3.12 (the claimed versions)
#   GOVRULES_PYTHONS="3.13" bash .ci/pythons.sh   # try another one
#
# Every install honours each dependency's requires-python, so pip picks releases that
# support the leg's Python and that have wheels for it (a release that dropped a Python,
# like python-dateutil 4 or a hypothesis built from Rust sources, is never chosen for it).
# The venvs are new on every run: a venv kept from an earlier run would hide a dependency
# that no longer resolves on a clean machine (issue #17). Run with PIP_NO_CACHE_DIR=1 (as
# .ci/run does) to resolve exactly as a clean machine would.
#
# durable-rules 2.0.28 has no wheels: it is built from source (a C compiler is needed).
# On 3.13 the C API it calls (PyEval_CallObject…) is gone; the build maps it onto the
# surviving calls through CC (setup.py overwrites CFLAGS). pyproject does not claim 3.13, so
# there — and only there, and only for govrules itself — requires-python is overridden.
# A version whose interpreter is not on this machine is reported as absent, not failed.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
versions="${GOVRULES_PYTHONS:-3.10 3.11 3.12}"

find_python() {
  local v="$1" p
  for p in "$(command -v "python$v" 2>/dev/null)" /root/.pyenv/versions/"$v".*/bin/python /usr/bin/python"$v"; do
    if [ -n "$p" ] && [ -x "$p" ] && "$p" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$v'" 2>/dev/null; then
      echo "$p"; return 0
    fi
  done
  return 1
}

# Runs pip, keeping its output; on failure prints the last lines, so a failed leg says why.
pip_or_explain() {
  local log="$1"; shift
  if ! "$@" >"$log" 2>&1; then
    echo "   pip failed; its last lines:"
    grep -v "is ignored: it is neither a file nor a directory" "$log" | tail -15 | sed 's/^/   | /'
    return 1
  fi
}

declare -A result
for v in $versions; do
  py="$(find_python "$v")" || { echo "== $v: no interpreter here, absent"; result[$v]=absent; continue; }
  work="$(mktemp -d)"
  venv="$work/.venv-$v"
  echo "== $v: $py -> $venv"
  "$py" -m venv "$venv" || { result[$v]="venv failed"; rm -rf "$work"; continue; }
  pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check --prefer-binary)
  # Test a copy of the working tree, installed editable with its test extras (the
  # dependencies come from pyproject.toml, listed once), so nothing is written into the checkout.
  src="$work/src"
  mkdir -p "$src"
  tar -C "$here" --exclude=./.venv --exclude=./.git --exclude='*.egg-info' --exclude=__pycache__ -cf - . | tar -C "$src" -xf -
  if [ "${v#3.}" -ge 13 ] 2>/dev/null; then
    CC="gcc -DPyEval_CallObject=PyObject_CallObject -DPyEval_CallObjectWithKeywords=PyObject_Call" \
      pip_or_explain "$work/pip.log" "${pip[@]}" --no-binary durable-rules durable-rules==2.0.28 \
      || { result[$v]="durable-rules build failed"; rm -rf "$work"; continue; }
    # The dependencies, resolved honouring their own requires-python; then govrules alone
    # with the override.
    deps="$("$venv/bin/python" -c 'import tomllib,sys; p=tomllib.load(open(sys.argv[1],"rb"))["project"]; print("\n".join(p["dependencies"]+p["optional-dependencies"]["test"]))' "$src/pyproject.toml")"
    mapfile -t deplist <<<"$deps"
    pip_or_explain "$work/pip.log" "${pip[@]}" "${deplist[@]}" \
      && pip_or_explain "$work/pip.log" "${pip[@]}" --no-deps --ignore-requires-python -e "$src" \
      || { result[$v]="install failed"; rm -rf "$work"; continue; }
  else
    pip_or_explain "$work/pip.log" "${pip[@]}" -e "$src[test]" \
      || { result[$v]="install failed"; rm -rf "$work"; continue; }
  fi
  (cd "$src" && "$venv/bin/python" -m pytest -q -p no:cacheprovider >"$work/pytest.log" 2>&1)
  code=$?
  echo "   $(tail -1 "$work/pytest.log")"
  [ $code -eq 0 ] && result[$v]=passed || { result[$v]="FAILED (pytest exit $code)"; tail -30 "$work/pytest.log"; }
  rm -rf "$work"
done

echo
status=0
for v in $versions; do
  echo "python $v: ${result[$v]}"
  case "${result[$v]}" in passed|absent) ;; *) status=1 ;; esac
done
exit $status
