#!/usr/bin/env bash
# The one entry point for a developer or CI, from a fresh clone:
#
#   bash provisioning/quickstart.sh demo    set up, then serve the demo shop on port ${PORT:-8000}
#   bash provisioning/quickstart.sh test    set up, then run the whole test suite (extra arguments go to pytest)
#
# "Set up" means: the Debian packages the mode needs (installed when run as root, otherwise only reported), a
# virtualenv in .venv, uv inside it, and the locked dependencies (uv.lock, dev group included). Everything comes from
# the package registries through pip, uv and apt; nothing else is downloaded. A second run only checks, and is quick.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv

say() { printf 'quickstart: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
    cat >&2 <<'EOF'
usage: bash provisioning/quickstart.sh demo [minimarket demo options]
       bash provisioning/quickstart.sh test [pytest arguments]

  demo   sets everything up and serves the demo shop on http://127.0.0.1:${PORT:-8000}
         (data in ${MINIMARKET_DEMO_DIR:-./demo-data})
  test   sets everything up and runs the test suite; pytest's exit code is returned unchanged
EOF
    exit 2
}

[[ $# -ge 1 ]] || usage
mode=$1
shift
case "$mode" in
    demo | test) ;;
    -h | --help | help) usage ;;
    *) say "unknown command: $mode"; usage ;;
esac

# --- Python ------------------------------------------------------------------------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found: install Python 3.11 or newer (Debian: apt-get install python3)"
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    die "Python 3.11 or newer is required, $PYTHON is $("$PYTHON" -c 'import platform; print(platform.python_version())')"
fi

venv_works() { "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; }

# --- Debian packages ---------------------------------------------------------------------------------------------
installed() { dpkg -s "$1" >/dev/null 2>&1; }

missing=()
if command -v dpkg >/dev/null 2>&1; then
    if [[ ! -x $VENV/bin/python ]] && ! venv_works && ! installed python3-venv; then
        missing+=(python3-venv)
    fi
    # libpango: WeasyPrint renders the documents' PDFs with it (demo and tests alike).
    for package in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
        installed "$package" || missing+=("$package")
    done
    # evdev (the box's keyboard-wedge scanner) has no wheel for Debian's Python: uv builds it, with a C compiler,
    # Python's headers and the kernel's input headers. Needed only until the virtualenv has it.
    if ! "$VENV/bin/python" -c 'import evdev' >/dev/null 2>&1; then
        command -v cc >/dev/null 2>&1 || missing+=(gcc)
        [[ -e /usr/include/linux/input-event-codes.h ]] || missing+=(libc6-dev)
        "$PYTHON" -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(sysconfig.get_paths()["include"] + "/Python.h"))' \
            || missing+=(python3-dev)
    fi
    if [[ $mode == test ]]; then
        # chromium: the browser tests drive Debian's Chromium through Playwright; xmlsec1: the independent verifier
        # of signed SII documents; webkit2gtk-driver and xvfb: the tablet screens also run in WebKit, Safari's engine.
        # poppler-utils: pdftoppm turns the documents' PDFs into pictures the tests look at.
        for package in chromium xmlsec1 webkit2gtk-driver xvfb poppler-utils; do
            installed "$package" || missing+=("$package")
        done
    fi
fi

if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        say "installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        say "note: missing Debian packages: ${missing[*]}"
        say "note: install them with: sudo apt-get install ${missing[*]}"
        say "note: going on without them; whatever needs them will fail"
    fi
fi

# --- virtualenv, uv, locked dependencies -------------------------------------------------------------------------
if [[ -e $VENV ]] && ! "$VENV/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    >/dev/null 2>&1; then
    say "$VENV is broken or too old; creating it again"
    rm -rf "$VENV"
fi
if [[ ! -e $VENV ]]; then
    venv_works || die "'$PYTHON -m venv' is not available (Debian: apt-get install python3-venv, as root)"
    say "creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi

if [[ ! -x $VENV/bin/uv ]]; then
    if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
        "$VENV/bin/python" -m ensurepip --default-pip >/dev/null \
            || die "$VENV has no pip and ensurepip failed: remove $VENV and run again"
    fi
    say "installing uv into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check uv
fi

# uv must use the virtualenv's own interpreter and never fetch a Python build of its own.
export UV_PYTHON_DOWNLOADS=never
export UV_PYTHON="$PWD/$VENV/bin/python"
export UV_PROJECT_ENVIRONMENT="$PWD/$VENV"
# --frozen: exactly uv.lock, never re-resolved; --inexact: keep uv (not in the lock) installed in the venv.
"$VENV/bin/uv" sync --frozen --inexact

# --- run ---------------------------------------------------------------------------------------------------------
case "$mode" in
    demo)
        exec "$VENV/bin/minimarket" demo --data-dir "${MINIMARKET_DEMO_DIR:-$PWD/demo-data}" \
            --host 0.0.0.0 --port "${PORT:-8000}" "$@"
        ;;
    test)
        exec "$VENV/bin/pytest" "$@"
        ;;
esac
