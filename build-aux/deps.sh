#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs, only those missing.
set -euo pipefail
pkgs=(
  meson ninja-build pkg-config gcc clang libclang-rt-14-dev gettext
  libglib2.0-dev libgtk-4-dev libadwaita-1-dev libsoup-3.0-dev libjson-glib-dev libepoxy-dev
  libsqlite3-dev sqlite3 libssl-dev libshumate-dev libxlsxwriter-dev glib-networking
  xvfb xauth dbus dbus-x11 at-spi2-core imagemagick desktop-file-utils appstream
  valgrind openssl fonts-noto-core adwaita-icon-theme locales curl
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing packages: ${missing[*]} (run as root or install them)" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
