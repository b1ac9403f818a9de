#!/usr/bin/env bash
# Installs the minimarket appliance on Debian 12 / Raspberry Pi OS from this repository checkout.
#
#   sudo bash provisioning/install.sh
#
# What it does (each step is skipped when already done, so running it again upgrades in place):
#   1. the Debian packages it needs (python3-venv; libusb-1.0-0, which pyusb loads to drive USB receipt printers;
#      Pango for the PDFs; a C compiler and headers to build evdev);
#   2. the `minimarket` system user, and the hardware groups the service joins (see systemd/minimarket.service);
#   3. /opt/minimarket/.venv: the locked dependencies (uv.lock, without the dev group, hash-checked) and this checkout;
#   4. /var/lib/minimarket (0750) with secrets/ (0700), owned by `minimarket`, and `minimarket db upgrade` as that user
#      (every upgrade first snapshots the database into backups/ and restores it if the upgrade fails);
#      then the udev rules (printers, serial devices, GPIO) and the polkit rule for the shutdown button;
#   5. the systemd unit, enabled and (re)started; then it prints the address to open.
# Everything comes from the package registries through apt and pip; nothing else is downloaded.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$PWD

APP_USER=minimarket
PREFIX=/opt/minimarket
VENV=$PREFIX/.venv
DATA_DIR=/var/lib/minimarket
UNIT=minimarket.service
UNIT_DIR=/etc/systemd/system
HARDWARE_GROUPS=(dialout lp plugdev gpio)
# The system's Python, not one from somebody's home: the service user must be able to run it.
PYTHON=${PYTHON:-/usr/bin/python3}

say() { printf 'install: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root: sudo bash provisioning/install.sh"
[[ -f $SRC/pyproject.toml && -f $SRC/uv.lock && -f $SRC/systemd/$UNIT ]] || die "$SRC is not a minimarket checkout"

# --- 1. Debian packages ------------------------------------------------------------------------------------------
packages=()
"$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 || packages+=(python3-venv)
# pyusb finds libusb the way this does; without it a USB printer shows "Falta la biblioteca libusb" and prints nothing.
"$PYTHON" -c 'import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library("usb-1.0") else 1)' \
    || packages+=(libusb-1.0-0)
# WeasyPrint draws the documents' PDFs (the back office's downloads) with Pango.
for package in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
    dpkg -s "$package" >/dev/null 2>&1 || packages+=("$package")
done
# evdev (the keyboard-wedge scanner) has no wheel for the Pi's Python: it is built with a C compiler, Python's
# headers and the kernel's input headers.
command -v cc >/dev/null 2>&1 || packages+=(gcc)
[[ -e /usr/include/linux/input-event-codes.h ]] || packages+=(libc6-dev)
"$PYTHON" -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(sysconfig.get_paths()["include"] + "/Python.h"))' \
    || packages+=(python3-dev)
if ((${#packages[@]})); then
    if command -v apt-get >/dev/null 2>&1; then
        say "installing ${packages[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    elif [[ " ${packages[*]} " == *" python3-venv "* ]]; then
        die "'$PYTHON -m venv' is unavailable and there is no apt-get"
    else
        say "note: libusb-1.0 is not installed and there is no apt-get; USB printers will not work until it is"
    fi
fi
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    || die "Python 3.11 or newer is required ($PYTHON is $("$PYTHON" -V 2>&1))"

# --- 2. user and groups ------------------------------------------------------------------------------------------
for group in "${HARDWARE_GROUPS[@]}"; do
    getent group "$group" >/dev/null || { say "creating group $group"; groupadd --system "$group"; }
done
if ! id -u "$APP_USER" >/dev/null 2>&1; then
    say "creating system user $APP_USER"
    useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin \
        --comment "minimarket appliance" "$APP_USER"
fi

# --- 3. the application ------------------------------------------------------------------------------------------
was_running=no
if [[ -d /run/systemd/system ]] && systemctl is-active --quiet "$UNIT"; then
    # One writer: the service must not run while its code and schema change under it.
    say "stopping $UNIT for the upgrade"
    systemctl stop "$UNIT"
    systemctl stop litestream.service 2>/dev/null || true
    was_running=yes
fi

install -d -m 0755 -o root -g root "$PREFIX"
if [[ ! -x $VENV/bin/python ]]; then
    say "creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
pip=("$VENV/bin/python" -m pip --disable-pip-version-check --quiet)
[[ -x $VENV/bin/uv ]] || "${pip[@]}" install uv

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say "installing the locked dependencies"
(cd "$SRC" && UV_PYTHON_DOWNLOADS=never "$VENV/bin/uv" export --frozen --no-dev --no-emit-project \
    --format requirements-txt --quiet --output-file "$work/requirements.txt")
"${pip[@]}" install --require-hashes -r "$work/requirements.txt"
say "installing minimarket from $SRC"
"${pip[@]}" install --no-deps --force-reinstall "$SRC"
if git -C "$SRC" rev-parse HEAD >/dev/null 2>&1; then
    git -C "$SRC" describe --always --dirty >"$PREFIX/REVISION"
fi

# --- 4. data directory and database ------------------------------------------------------------------------------
install -d -m 0750 -o "$APP_USER" -g "$APP_USER" "$DATA_DIR"
install -d -m 0700 -o "$APP_USER" -g "$APP_USER" "$DATA_DIR/secrets"
say "migrating the database in $DATA_DIR"
runuser -u "$APP_USER" -- "$VENV/bin/minimarket" db upgrade --data-dir "$DATA_DIR"

# --- 4b. device permissions -------------------------------------------------------------------------------------
# udev rules give printers (lp), serial scales and scanners (dialout) and the GPIO (gpio) to the groups the service
# joins; a keyboard-mode scanner is given to the service per model with provisioning/udev/scanner-rule.sh. polkit
# lets the service user power the box off (the GPIO shutdown button).
install -d -m 0755 /etc/udev/rules.d "$PREFIX/udev"
for rules in "$SRC"/provisioning/udev/*.rules; do
    install -m 0644 -o root -g root "$rules" /etc/udev/rules.d/
done
install -m 0644 "$SRC/provisioning/udev/73-minimarket-scanner.rules.in" "$PREFIX/udev/"
install -m 0755 "$SRC/provisioning/udev/scanner-rule.sh" "$PREFIX/udev/"
if command -v udevadm >/dev/null 2>&1 && [[ -d /run/udev ]]; then
    udevadm control --reload
    udevadm trigger --action=change --subsystem-match=usb --subsystem-match=usbmisc --subsystem-match=tty \
        --subsystem-match=gpio --subsystem-match=input || say "note: udevadm trigger failed; replug the devices"
fi
if [[ -d /etc/polkit-1 || -d /usr/share/polkit-1 ]]; then
    install -d -m 0755 /etc/polkit-1/rules.d
    install -m 0644 -o root -g root "$SRC/provisioning/polkit/50-minimarket-poweroff.rules" /etc/polkit-1/rules.d/
else
    say "note: polkit is not installed; the GPIO shutdown button cannot power the box off"
fi

# --- 5. systemd --------------------------------------------------------------------------------------------------
install -m 0644 -o root -g root "$SRC/systemd/$UNIT" "$UNIT_DIR/$UNIT"
# Litestream streams the database off-site as its own service; the app then leaves it to systemd.
install -m 0644 -o root -g root "$SRC/systemd/litestream.service" "$UNIT_DIR/litestream.service"
if [[ -d /run/systemd/system ]]; then
    systemctl daemon-reload
    systemctl enable --quiet litestream.service
    systemctl restart litestream.service
    systemctl enable --quiet "$UNIT"
    systemctl restart "$UNIT"
    if ! "$VENV/bin/python" - <<'EOF'; then
import time, urllib.request
for _ in range(60):
    try:
        with urllib.request.urlopen("http://127.0.0.1/salud", timeout=2) as response:
            raise SystemExit(0 if response.status == 200 else 1)
    except OSError:
        time.sleep(0.5)
raise SystemExit(1)
EOF
        die "$UNIT did not answer on port 80: see journalctl -u $UNIT"
    fi
else
    say "note: systemd is not running here; $UNIT_DIR/$UNIT is installed but not enabled or started"
fi
[[ $was_running == no ]] || say "$UNIT was stopped for the upgrade and is running again"

address=$(hostname -I 2>/dev/null | awk '{print $1}') || true
say "installed $(cat "$PREFIX/REVISION" 2>/dev/null || echo "from $SRC")"
echo "The minimarket is at http://${address:-$(hostname)}/ (and http://$(hostname).local/ where mDNS works)."
if ! runuser -u "$APP_USER" -- "$VENV/bin/python" - "$DATA_DIR/minimarket.sqlite" <<'EOF'; then
import sqlite3, sys
with sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True) as db:
    raise SystemExit(0 if db.execute("SELECT count(*) FROM users").fetchone()[0] else 1)
EOF
    echo "No users yet. Create the first administrator with:"
    echo "  sudo -u $APP_USER $VENV/bin/minimarket user add admin --role administrador --data-dir $DATA_DIR"
fi
