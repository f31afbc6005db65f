#!/usr/bin/env bash
# The one command that sets everything up and runs the checks, on a fresh Debian 12 machine
# with Python and pip (as root), on a developer's machine, and in CI (.ci/run):
#   1. apt-get install what the integration tests need, only when it is missing
#      (dovecot-imapd, openssl, PostgreSQL server binaries, chromium): reruns skip apt;
#   2. pip install -e '.[test]' into the current Python ($PYTHON, default python3; no venv:
#      CI and the developers' machines are throwaway, one interpreter each);
#   3. ruff check .
#   4. lint-imports: the layers, the pure core and no import cycles ([tool.importlinter]);
#   5. python -m pytest -q "$@"   (exit code 5, "no tests collected", counts as a failure)
# Extra arguments go to pytest: scripts/test.sh tests/integration -x -k dovecot
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

now_us() { echo "${EPOCHREALTIME/[.,]/}"; }  # bash 5: microseconds, no bc/date needed
secs() { printf '%d.%d' $(($1 / 1000000)) $(($1 % 1000000 / 100000)); }
T0=$(now_us)
TIMES=()
step() {  # step NAME COMMAND...: run it, remember how long it took
  local name=$1 t rc=0
  shift
  t=$(now_us)
  echo "==> $name" >&2
  "$@" || rc=$?
  TIMES+=("$(printf '%-7s %7s s' "$name" "$(secs $(($(now_us) - t)))")")
  return $rc
}
report() {
  local rc=$?
  printf '%s\n' "--- timing" "${TIMES[@]}" >&2
  printf '%-7s %7s s (exit %d)\n' total "$(secs $(($(now_us) - T0)))" "$rc" >&2
}
trap report EXIT

# --- 1. system packages -------------------------------------------------------------------
system_packages() {
  local missing=()
  command -v dovecot >/dev/null || [[ -x /usr/sbin/dovecot ]] || missing+=(dovecot-imapd)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v runuser >/dev/null || missing+=(util-linux)
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)  # the console's browser tests
  if ! command -v pg_ctl >/dev/null && ! compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null
  then
    missing+=(postgresql)
  fi
  if ((${#missing[@]} == 0)); then
    echo "dovecot, openssl, PostgreSQL: already installed"
    return 0
  fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing: ${missing[*]}; as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || return 1
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
step apt system_packages

# --- 2. Python packages -------------------------------------------------------------------
step pip "$PY" -m pip install -q -e '.[test]'

# --- 3. lint ------------------------------------------------------------------------------
step ruff "$PY" -m ruff check .
# import-linter has no `python -m` entry: its script, from the interpreter's own scripts dir
# (not on PATH under pyenv until `pyenv rehash`)
step imports "$("$PY" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/lint-imports"

# --- 5. tests -----------------------------------------------------------------------------
rc=0
step pytest "$PY" -m pytest -q "$@" || rc=$?
if ((rc == 5)); then
  echo "pytest collected no tests: failing (a run that tests nothing must not pass)" >&2
  exit 1
fi
exit "$rc"
