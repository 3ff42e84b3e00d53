#!/usr/bin/env bash
# Builds the module folder ALONE inside Debian 12's OpenCV 4.6 source, as an opencv_contrib module
# (OPENCV_EXTRA_MODULES_PATH), then runs its C++ tests (opencv_test_dnn_retinanet) and its Python
# test (misc/python/test/test_dnn_retinanet.py, OpenCV's contrib convention) with that build's cv2.
#
# Usage: scripts/build_in_opencv.sh [WORK_DIR]     (default /tmp/ocv46; about 40 min on 2 cores)
#   WORK_DIR/src           OpenCV 4.6.0+dfsg-12 source (apt-get source, Debian's patches applied)
#   WORK_DIR/contrib/modules/dnn_retinanet   a copy of modules/dnn_retinanet only
#   WORK_DIR/build         the OpenCV build; logs in WORK_DIR/*.log
# Environment: JOBS (default 2), NICE (default 19), SKIP_BUILD=1 (only rerun the tests).
# Needs: deb.debian.org reachable (or WORK_DIR/src already there), dpkg-dev, cmake, g++,
# protobuf-compiler libprotobuf-dev python3-dev python3-numpy (installed below when missing).
# Doc: doc/opencv_in_tree.md.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-/tmp/ocv46}
JOBS=${JOBS:-2}
NICE=${NICE:-19}
mkdir -p "$W"
W=$(cd "$W" && pwd)
case "$W/" in "$REPO"/*) echo "WORK_DIR must be outside the repository" >&2; exit 2 ;; esac

need=()
for p in dpkg-dev protobuf-compiler libprotobuf-dev python3-dev python3-numpy; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then apt-get install -y "${need[@]}"; fi

# 1. Debian's OpenCV 4.6 source: a private deb-src list, so the system's apt sources stay as they are.
if [ ! -f "$W/src/CMakeLists.txt" ]; then
  mirror=$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  mirror=${mirror:-http://deb.debian.org/debian}
  mkdir -p "$W/apt/lists/partial"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main" > "$W/apt/sources.list"
  A=(-o Dir::Etc::sourcelist="$W/apt/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$W/apt/lists")
  apt-get "${A[@]}" update
  (cd "$W" && apt-get "${A[@]}" source --download-only opencv=4.6.0+dfsg-12)
  (cd "$W" && dpkg-source -x opencv_4.6.0+dfsg-12.dsc src)   # unpacks and applies debian/patches
fi

# 2. Only the module folder, as in opencv_contrib/modules/<name>.
rm -rf "$W/contrib" && mkdir -p "$W/contrib/modules"
cp -a "$REPO/modules/dnn_retinanet" "$W/contrib/modules/dnn_retinanet"

# 3. Configure and build. The +dfsg tarball has no 3rdparty/ (protobuf, libpng, ...): system
# protobuf and image libraries, and everything optional off. videoio and highgui only because
# ocv_add_samples() requires them for the module's samples; ts for ocv_add_accuracy_tests();
# python_tests writes opencv_python_tests.cfg, the list of misc/python/test folders that OpenCV's
# runner (modules/python/test/test.py) discovers (BUILD_LIST turns off every module that is neither
# listed nor required by a listed one).
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cmake -S "$W/src" -B "$W/build" -DCMAKE_BUILD_TYPE=Release \
    -DOPENCV_EXTRA_MODULES_PATH="$W/contrib/modules" \
    -DBUILD_LIST=core,imgproc,imgcodecs,videoio,highgui,dnn,python3,python_tests,ts,dnn_retinanet \
    -DBUILD_TESTS=ON -DBUILD_PERF_TESTS=OFF -DBUILD_EXAMPLES=ON -DBUILD_opencv_apps=OFF \
    -DBUILD_DOCS=OFF -DBUILD_JAVA=OFF -DBUILD_opencv_python2=OFF -DPYTHON3_EXECUTABLE=/usr/bin/python3 \
    -DWITH_CUDA=OFF -DWITH_OPENCL=OFF -DWITH_IPP=OFF -DWITH_ITT=OFF -DWITH_OPENJPEG=OFF -DWITH_JASPER=OFF \
    -DWITH_OPENEXR=OFF -DWITH_WEBP=OFF -DWITH_TIFF=OFF -DWITH_FLATBUFFERS=OFF -DWITH_FFMPEG=OFF \
    -DWITH_GSTREAMER=OFF -DWITH_V4L=OFF -DWITH_GTK=OFF -DWITH_QT=OFF -DWITH_VTK=OFF -DWITH_LAPACK=OFF \
    -DWITH_EIGEN=OFF -DWITH_OPENMP=OFF -DWITH_ADE=OFF -DWITH_QUIRC=OFF -DWITH_PROTOBUF=ON -DBUILD_PROTOBUF=OFF \
    -DPROTOBUF_UPDATE_FILES=ON -DBUILD_ZLIB=OFF -DBUILD_PNG=OFF -DBUILD_JPEG=OFF -DBUILD_TIFF=OFF \
    -DCV_TRACE=OFF -DOPENCV_GENERATE_PKGCONFIG=OFF \
    2>&1 | tee "$W/configure.log"
  # Only what the checks need (the module, its tests and samples, cv2), not every module's tests.
  brc=0
  nice -n "$NICE" cmake --build "$W/build" -j"$JOBS" \
    --target opencv_test_dnn_retinanet opencv_samples_dnn_retinanet opencv_python3 > "$W/build.log" 2>&1 || brc=$?
  grep -E "error:|warning:.*dnn_retinanet|Linking.*dnn_retinanet" "$W/build.log" | tail -40 || true
  if [ "$brc" != 0 ]; then echo "OpenCV build failed (rc=$brc): $W/build.log" >&2; exit 1; fi
fi

# 4. Tests: C++ and Python, their data found as OpenCV's contrib tests find opencv_extra's:
# $OPENCV_TEST_DATA_PATH/dnn_retinanet (a link to the repository's data/).
mkdir -p "$W/testdata" && ln -sfn "$REPO/data" "$W/testdata/dnn_retinanet"
export OPENCV_TEST_DATA_PATH="$W/testdata"
unset DNN_RETINANET_TEST_DATA
export LD_LIBRARY_PATH="$W/build/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
rc=0
"$W/build/bin/opencv_test_dnn_retinanet" 2>&1 | tee "$W/test_cpp.log" | tail -5 || rc=1   # CUDA tests skip without CUDA
# OpenCV's runner, from the build folder (it reads opencv_python_tests.cfg there), this module's tests only.
(cd "$W/build" && OPENCV_PYTEST_FILTER=test_dnn_retinanet PYTHONPATH="$W/build/python_loader" \
  /usr/bin/python3 "$W/src/modules/python/test/test.py" --repo "$W/src" -v) 2>&1 | tee "$W/test_python.log" | tail -14 || rc=1
PYTHONPATH="$W/build/python_loader" /usr/bin/python3 -c \
  "import cv2; print(cv2.__file__, cv2.__version__); print(cv2.dnn_retinanet.RetinaNetDetectionModel)" || rc=1
# The module's sample as ocv_add_samples() built it, on the shipped model.
"$W/build/bin/example_dnn_retinanet_retinanet_detect" --data="$REPO/data" --input="$REPO/data/images/demo/demo_00.png" \
  2>&1 | tee "$W/sample.log" | tail -4 || rc=1
exit $rc
