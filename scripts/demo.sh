#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing, builds, and runs the detection sample
# with the shipped model on the demo images (boxes with a score >= 0.3, every detection printed).
# Annotated images go to ${OUT:-out/demo}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
OUT=${OUT:-out/demo}
./"${BUILD_DIR:-build}"/bin/retinanet_detect shipped --input=data/images/demo --output="$OUT" --thr=0.3 --verbose "$@"
