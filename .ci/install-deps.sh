#!/bin/sh
# Installs everything the build, the tests and the demo need on Debian 12,
# and what .ci/hardening.sh adds: valgrind, and clang with its libFuzzer and
# sanitizer runtimes (libclang-rt-14-dev).
set -eu

packages="
  build-essential pkg-config meson ninja-build
  libglib2.0-dev libglib2.0-bin libglib2.0-doc
  gobject-introspection libgirepository1.0-dev
  gtk-doc-tools python3-gi gjs gettext
  obfs4proxy valgrind clang
  libclang-rt-14-dev
"

if [ "$(id -u)" -eq 0 ]; then
  sudo=""
else
  sudo="sudo"
fi

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

if [ -n "$missing" ]; then
  echo "Installing:$missing"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
fi
