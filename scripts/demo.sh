#!/usr/bin/env bash
# Install mailbot (editable) into the current Python ($PYTHON, default python3) and run
# `mailbot demo`; extra arguments go to it: scripts/demo.sh --help
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
"$PY" -m pip install -q -e .
# the interpreter's own scripts dir: a fresh console script is not on PATH under pyenv
# until `pyenv rehash`
exec "$("$PY" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/mailbot" demo "$@"
