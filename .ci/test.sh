#!/bin/sh
# The full test suite on a fresh Debian 12 machine: installs what it needs,
# builds from scratch with warnings as errors, runs every test.
set -eu
cd "$(dirname "$0")/.."

.ci/install-deps.sh

rm -rf _build-test
meson setup _build-test -Dwerror=true
meson compile -C _build-test
meson test -C _build-test --print-errorlogs --num-processes "$(nproc)"
