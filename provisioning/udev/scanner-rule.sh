#!/usr/bin/env bash
# Gives one USB barcode scanner model (keyboard/HID mode) to the minimarket service.
#
#   sudo bash provisioning/udev/scanner-rule.sh 0c2e 0b61          # vendor and product id, from `lsusb`
#   sudo bash provisioning/udev/scanner-rule.sh --remove 0c2e 0b61
#
# Then set the lane's scanner to evdev:/dev/input/by-id/usb-…-event-kbd (the settings page lists it).
set -euo pipefail

APP_USER=${APP_USER:-minimarket}
RULES_DIR=${RULES_DIR:-/etc/udev/rules.d}
TEMPLATE="$(dirname "${BASH_SOURCE[0]}")/73-minimarket-scanner.rules.in"

die() { printf 'scanner-rule: error: %s\n' "$*" >&2; exit 1; }

remove=no
if [[ ${1:-} == --remove ]]; then remove=yes; shift; fi
[[ $# -eq 2 ]] || die "usage: $0 [--remove] VENDOR PRODUCT (4-digit hexadecimal ids, e.g. 0c2e 0b61)"
vendor=${1,,} product=${2,,}
[[ $vendor =~ ^[0-9a-f]{4}$ && $product =~ ^[0-9a-f]{4}$ ]] || die "ids are 4 hexadecimal digits: '$1' '$2'"
[[ $(id -u) -eq 0 || -w $RULES_DIR ]] || die "run as root"
target="$RULES_DIR/73-minimarket-scanner-$vendor-$product.rules"

if [[ $remove == yes ]]; then
    rm -f "$target"
else
    [[ -f $TEMPLATE ]] || die "template $TEMPLATE not found"
    sed -e "s/@VENDOR@/$vendor/g" -e "s/@PRODUCT@/$product/g" -e "s/@USER@/$APP_USER/g" "$TEMPLATE" >"$target.tmp"
    chmod 0644 "$target.tmp"
    mv "$target.tmp" "$target"
fi
if command -v udevadm >/dev/null 2>&1 && [[ -d /run/udev ]]; then
    udevadm control --reload
    udevadm trigger --subsystem-match=input --action=change
fi
printf '%s\n' "${target}$([[ $remove == yes ]] && echo ' removed')"
