#!/usr/bin/env bash
# Makes the kit that scripts/gpu_check.sh builds against on the GPU machine (which has no OpenCV
# C++ libraries and reaches no package registry): the shared OpenCV kit (core, imgproc, dnn and
# GoogleTest, ../shared/device/make-opencv-kit.sh) plus Google Benchmark, which the perf programs
# (perf/*.cpp) need and the shared kit lacks. About 37 MB; carry it as `.kit`.
#   scripts/make_gpu_kit.sh [OUTDIR]          (default .kit; /.kit/ is in .gitignore)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.kit}
shared=${DEVICE_SHARED_DIR:-../shared/device}
"$shared/make-opencv-kit.sh" "$out"
if ! dpkg -s libbenchmark-dev >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libbenchmark-dev >/dev/null
fi
# Debian's package is relocatable: its CMake files find the library four folders above themselves.
multi=/usr/lib/x86_64-linux-gnu
lib="$out/lib/x86_64-linux-gnu"
cp -a /usr/include/benchmark "$out/include/"
cp -a "$multi"/libbenchmark.so* "$multi"/libbenchmark_main.a "$lib/"
cp -a "$multi/cmake/benchmark" "$lib/cmake/"
du -sh "$out"
