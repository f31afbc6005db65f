#!/usr/bin/env bash
# Install mailbot into the project's virtual environment .venv/ (made with $PYTHON, default
# python3, when missing) and run `mailbot demo`; extra arguments go to it:
#   bash scripts/demo.sh --keep-running
#   PYTHON=/usr/bin/python3 bash scripts/demo.sh     # Debian's own Python
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/venv.sh

ensure_venv
# the test extras include everything the demo needs: no second install after test.sh
venv_current test -e '.[test]' || venv_install demo -e .
rc=0
"$VENV/bin/mailbot" demo "$@" || rc=$?
how_to_call "tickets list --config $PWD/demo-data/config.toml"
exit "$rc"
