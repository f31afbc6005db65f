#!/usr/bin/env bash
# The one command that sets everything up and runs the checks, on a fresh Debian 12 machine
# (as root), on a developer's machine, and in CI (.ci/run):
#   1. apt-get install what is missing, only that (a rerun skips apt entirely): the
#      integration tests' servers (dovecot-imapd, PostgreSQL, openssl), Debian's chromium
#      for the browser tests, and the `venv` package of $PYTHON (python3-venv);
#   2. the project's virtual environment .venv/ (scripts/venv.sh; $PYTHON, default
#      python3, makes it) and pip install -e '.[test]' into it, skipped when pyproject.toml
#      did not change since the last install;
#   3. ruff check . and ruff format --check . (the code as the formatter writes it);
#   4. lint-imports: the layers, the pure core and no import cycles ([tool.importlinter]);
#   5. python -m pytest -q "$@"   (exit code 5, "no tests collected", counts as a failure)
# Extra arguments go to pytest: scripts/test.sh tests/integration -x -k dovecot
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/venv.sh

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
  local missing=() venv_pkg
  command -v dovecot >/dev/null || [[ -x /usr/sbin/dovecot ]] || missing+=(dovecot-imapd)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v runuser >/dev/null || missing+=(util-linux)
  if ! command -v pg_ctl >/dev/null && ! compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null
  then
    missing+=(postgresql)
  fi
  command -v chromium >/dev/null || missing+=(chromium)
  venv_pkg=$(missing_venv_package)
  [[ -n $venv_pkg && $venv_pkg != - ]] && missing+=("$venv_pkg")
  if ((${#missing[@]} == 0)); then
    echo "dovecot, openssl, PostgreSQL, chromium, venv: already installed"
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

# --- 2. Python packages, in .venv ---------------------------------------------------------
step venv ensure_venv
step pip venv_install test -e '.[test]'

# --- 3, 4. lint and the import contracts ---------------------------------------------
step ruff "$VENV/bin/python" -m ruff check .
step format "$VENV/bin/python" -m ruff format --check --quiet .
step imports "$VENV/bin/lint-imports"

# --- 5. tests -----------------------------------------------------------------------------
rc=0
step pytest "$VENV/bin/python" -m pytest -q "$@" || rc=$?
how_to_call
if ((rc == 5)); then
  echo "pytest collected no tests: failing (a run that tests nothing must not pass)" >&2
  exit 1
fi
exit "$rc"
