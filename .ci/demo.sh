#!/bin/sh
# The main job: a real obfs4 tunnel on loopback with data through it.
# Installs what it needs and builds first.
set -eu
cd "$(dirname "$0")/.."

.ci/install-deps.sh

if [ ! -f _build-demo/build.ninja ]; then
  meson setup _build-demo -Dtests=false
fi
meson compile -C _build-demo
exec ./_build-demo/examples/obfs4-tunnel "$@"
