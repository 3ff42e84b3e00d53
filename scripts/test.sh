#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit + integration) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh --python   # the real-model and Python checks run the frameworks
scripts/build.sh "$@"
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j"$(nproc)"
