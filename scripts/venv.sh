# Sourced by scripts/demo.sh and scripts/test.sh (from the repository root): the project's
# own virtual environment .venv/. Debian 12's python3 refuses `pip install` outside one
# (PEP 668, "externally-managed-environment"), and a venv keeps mailbot's packages apart
# from the system's on any machine.
#   $PYTHON   the interpreter for a new .venv (default python3); naming one that differs
#             from the existing .venv's makes it anew
#   VENV      the venv's absolute path, set here

VENV=$PWD/.venv
PY=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

# The interpreter's own facts, one per line: version, base prefix, and the Debian package
# that brings its `venv` module (ensurepip), or "-" when it is not Debian's python.
python_facts() {
  "$1" - <<'EOF'
import os, sys
v = "%d.%d" % sys.version_info[:2]
exe = os.path.realpath(sys.executable)
print(v)
print(sys.base_prefix)
if exe == os.path.realpath("/usr/bin/python3"):
    print("python3-venv")
elif exe.startswith("/usr/bin/"):
    print(f"python{v}-venv")
else:
    print("-")
EOF
}

# The Debian package `venv` needs for $PY when it lacks one (nothing when it has it).
missing_venv_package() {
  "$PY" -c 'import venv; from ensurepip import bootstrap' 2>/dev/null && return 0
  local facts
  mapfile -t facts < <(python_facts "$PY")
  echo "${facts[2]}"
}

ensure_venv() {
  local facts want have
  if ! mapfile -t facts < <(python_facts "$PY") || ((${#facts[@]} < 3)); then
    echo "mailbot: cannot run $PY; set PYTHON to a Python 3.11 or newer" >&2
    return 1
  fi
  if [[ $(printf '%s\n' 3.11 "${facts[0]}" | sort -V | head -n1) != 3.11 ]]; then
    echo "mailbot: needs Python 3.11 or newer; $PY is ${facts[0]} (Debian 12's python3 is" \
      "3.11): set PYTHON to another interpreter" >&2
    return 1
  fi
  if [[ -n ${PYTHON:-} && -x $VENV/bin/python ]]; then
    want="${facts[0]} ${facts[1]}"
    have=$("$VENV/bin/python" -c \
      'import sys; print("%d.%d" % sys.version_info[:2], sys.base_prefix)' 2>/dev/null || true)
    if [[ $have != "$want" ]]; then
      echo "mailbot: .venv was made with another Python (${have:-broken}); making it anew" \
        "with $PYTHON"
      rm -rf "$VENV"
    fi
  fi
  if "$VENV/bin/python" -c '' 2>/dev/null; then
    return 0
  fi
  if ! "$PY" -c 'import venv; from ensurepip import bootstrap' 2>/dev/null; then
    if [[ ${facts[2]} == - ]]; then
      echo "mailbot: $PY has no venv module (ensurepip); set PYTHON to another Python" >&2
    else
      echo "mailbot: $PY cannot make a virtual environment: the Debian package" \
        "${facts[2]} is missing. As root: apt-get install -y ${facts[2]}" >&2
    fi
    return 1
  fi
  echo "mailbot: making the virtual environment .venv with $PY (${facts[0]})"
  rm -rf "$VENV"
  if ! "$PY" -m venv "$VENV"; then
    rm -rf "$VENV"  # half made: the next run starts clean
    return 1
  fi
}

# venv_install NAME PIP-ARGS...: pip install into .venv, skipped when the same NAME was
# installed from the same pyproject.toml already (a rerun takes no time).
venv_install() {
  local name=$1
  if venv_current "$@"; then
    echo "mailbot: .venv is up to date ($name)"
    return 0
  fi
  shift
  "$VENV/bin/python" -m pip install -q "$@" || return 1
  _venv_key "$@" >"$VENV/.installed-$name"
}

venv_current() {  # venv_current NAME PIP-ARGS...: that install is done and still current
  local name=$1
  shift
  [[ -f $VENV/.installed-$name && $(<"$VENV/.installed-$name") == "$(_venv_key "$@")" ]]
}

_venv_key() { echo "$*|$(sha256sum pyproject.toml | cut -d' ' -f1)"; }

# How to call mailbot from a new shell, where .venv is not active.
how_to_call() {
  cat <<EOF

mailbot is installed in $VENV ($("$VENV/bin/python" -V 2>&1)).
In a new shell, activate it and mailbot is on PATH:
  source $VENV/bin/activate
  mailbot ${1:---help}
or call it by its path without activating:
  $VENV/bin/mailbot ${1:---help}
EOF
}
