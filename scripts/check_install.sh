#!/usr/bin/env bash
# Checks that the library installs and is used as a user would (run by .ci/run after the tests):
#  1. `cmake --install` into a temporary prefix; test/downstream built against it with
#     find_package(dnn_retinanet) and, separately, with `pkg-config dnn_retinanet`; both detect on a
#     demo image with the installed shipped model; the installed Python module imports and detects;
#     gst-inspect-1.0 finds the installed plugin;
#  2. `cpack -G DEB`: both packages install with dpkg on this Debian, the downstream project builds
#     against /usr with no hint, python3 imports the module from /usr/lib/python3/dist-packages,
#     gst-inspect-1.0 finds the plugin in GStreamer's own folder; then the packages are purged.
# The build folder (${BUILD_DIR:-build}) is reconfigured with CMAKE_INSTALL_PREFIX=/usr (a Debian
# package's prefix) and relinked. Step 2 needs root or sudo; CHECK_DEB=0 skips it.
#   scripts/check_install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=$(realpath "${BUILD_DIR:-build}")
IMG=$ROOT/data/images/demo/demo_00.png
[[ -f "$B/CMakeCache.txt" ]] || { echo "check_install: build first ($B has no CMakeCache.txt)" >&2; exit 1; }
TMP=$(mktemp -d /tmp/dnn_retinanet_install.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
step() { echo "== check_install: $*"; }
expect_detections() {  # output of downstream: "<n> detections, best: ..."
  local out="$1"
  echo "   $out"
  [[ "$out" =~ ^[1-9][0-9]*\ detections ]] || { echo "check_install: FAILED: expected detections" >&2; exit 1; }
}

step "configure $B with CMAKE_INSTALL_PREFIX=/usr and build"
cmake -S . -B "$B" -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$B" -j"$(nproc)" >/dev/null

# ------------------------------------------------------------------ 1. a temporary prefix
P=$TMP/prefix
step "cmake --install $B --prefix $P"
cmake --install "$B" --prefix "$P" >"$TMP/install.log"
LIBDIR=$(cmake -LA -N "$B" | sed -n 's/^CMAKE_INSTALL_LIBDIR:[A-Z]*=//p')
for f in "include/opencv4/opencv2/dnn_retinanet.hpp" "$LIBDIR/libopencv_dnn_retinanet.so" \
         "$LIBDIR/cmake/dnn_retinanet/dnn_retinanetConfig.cmake" "$LIBDIR/pkgconfig/dnn_retinanet.pc" \
         "share/dnn_retinanet/models/synth_retinanet/model.onnx" "share/dnn_retinanet/presets/torchvision.yml" \
         "share/doc/dnn_retinanet/LICENSE"; do
  [[ -e "$P/$f" ]] || { echo "check_install: FAILED: $P/$f not installed" >&2; exit 1; }
done
soname=$(objdump -p "$P/$LIBDIR/libopencv_dnn_retinanet.so" | awk '/SONAME/ {print $2}')
echo "   SONAME $soname"
[[ "$soname" =~ ^libopencv_dnn_retinanet\.so\.[0-9]+\.[0-9]+$ ]] || { echo "check_install: FAILED: SONAME" >&2; exit 1; }

step "downstream project: find_package(dnn_retinanet) with CMAKE_PREFIX_PATH=$P"
cmake -S test/downstream -B "$TMP/ds" -DCMAKE_PREFIX_PATH="$P" >/dev/null
cmake --build "$TMP/ds" >/dev/null
expect_detections "$("$TMP/ds/downstream" "$IMG")"

step "downstream main.cpp with pkg-config dnn_retinanet"
export PKG_CONFIG_PATH="$P/$LIBDIR/pkgconfig"
model_dir=$(pkg-config --variable=modeldir dnn_retinanet)
# shellcheck disable=SC2046
g++ -std=c++17 test/downstream/main.cpp -o "$TMP/pc" $(pkg-config --cflags --libs dnn_retinanet)
expect_detections "$(LD_LIBRARY_PATH="$P/$LIBDIR" "$TMP/pc" "$IMG" "$model_dir")"
unset PKG_CONFIG_PATH

if compgen -G "$B/python/dnn_retinanet*.so" >/dev/null; then
  step "python: the installed module"
  pymod=$(find "$P" -name 'dnn_retinanet*.so' -path '*-packages*' | head -1)
  [[ -n "$pymod" ]] || { echo "check_install: FAILED: the Python module was not installed" >&2; exit 1; }
  PYTHONPATH=$(dirname "$pymod") LD_LIBRARY_PATH="$P/$LIBDIR" /usr/bin/python3 -s -c "
import dnn_retinanet, cv2, sys
assert dnn_retinanet.__file__.startswith('$P'), dnn_retinanet.__file__
m = dnn_retinanet.RetinaNetDetectionModel('$model_dir/model.onnx', '$model_dir/config.yml')
ids, scores, boxes = m.detect(cv2.imread('$IMG'), 0.5)
print('   python:', len(ids), 'detections from', dnn_retinanet.__file__)
sys.exit(0 if len(ids) else 1)"
fi
if [[ -f "$B/gst/libgstretinanet.so" ]]; then
  step "gstreamer: the installed plugin"
  plugin=$(find "$P" -name libgstretinanet.so | head -1)
  # (the whole output first: `| grep -q` would close the pipe early and pipefail fail on SIGPIPE)
  inspect=$(GST_REGISTRY="$TMP/registry.bin" GST_PLUGIN_PATH=$(dirname "$plugin") LD_LIBRARY_PATH="$P/$LIBDIR" \
            gst-inspect-1.0 retinanetdetect || true)
  [[ "$inspect" == *"$plugin"* ]] || { echo "check_install: FAILED: gst-inspect-1.0 does not find $plugin" >&2; exit 1; }
  echo "   gst-inspect-1.0 retinanetdetect: $plugin"
fi

# ------------------------------------------------------------------ 2. Debian packages
if [[ "${CHECK_DEB:-1}" == 0 ]]; then
  step "CHECK_DEB=0: .deb not checked"; exit 0
fi
step "cpack -G DEB"
rm -f "$B"/*.deb
(cd "$B" && cpack -G DEB >"$TMP/cpack.log" 2>&1) || { cat "$TMP/cpack.log"; exit 1; }
debs=("$B"/*.deb)
for d in "${debs[@]}"; do
  echo "   $(basename "$d"): $(dpkg-deb -f "$d" Depends)"
done
pkgs=$(for d in "${debs[@]}"; do dpkg-deb -f "$d" Package; done)
# shellcheck disable=SC2086
cleanup_debs() { $SUDO dpkg -P $pkgs >/dev/null 2>&1 || true; rm -rf "$TMP"; }
trap cleanup_debs EXIT
step "dpkg -i ${debs[*]##*/}"
$SUDO dpkg -i "${debs[@]}" >"$TMP/dpkg.log" 2>&1 || { cat "$TMP/dpkg.log"; exit 1; }

step "downstream project against /usr (no CMAKE_PREFIX_PATH)"
cmake -S test/downstream -B "$TMP/ds_usr" >/dev/null
cmake --build "$TMP/ds_usr" >/dev/null
grep -q "dnn_retinanet_DIR:PATH=/usr/" "$TMP/ds_usr/CMakeCache.txt" \
  || { echo "check_install: FAILED: the package was not found under /usr" >&2; exit 1; }
expect_detections "$("$TMP/ds_usr/downstream" "$IMG")"
# shellcheck disable=SC2086
dpkg -L $pkgs >"$TMP/files"
if grep -q 'dist-packages/dnn_retinanet' "$TMP/files"; then
  (cd /tmp && /usr/bin/python3 -s -c "import dnn_retinanet; assert dnn_retinanet.__file__.startswith('/usr/lib/python3/dist-packages'), dnn_retinanet.__file__; print('   python: import dnn_retinanet ->', dnn_retinanet.__file__)")
fi
if grep -q 'libgstretinanet.so' "$TMP/files"; then
  # (merged /usr: GStreamer may name it /lib/...; the real paths are compared)
  found=$(env -u GST_PLUGIN_PATH GST_REGISTRY="$TMP/registry_usr.bin" gst-inspect-1.0 retinanetdetect \
          | awk '/Filename/ {print $2}')
  want=$(pkg-config --variable=pluginsdir gstreamer-1.0)/libgstretinanet.so
  [[ -n "$found" && "$(realpath "$found")" == "$(realpath "$want")" ]] \
    || { echo "check_install: FAILED: gst-inspect-1.0 finds '$found', not $want" >&2; exit 1; }
  echo "   gst-inspect-1.0 retinanetdetect: $found"
fi
step "dpkg -P $(echo $pkgs)"
# shellcheck disable=SC2086
$SUDO dpkg -P $pkgs >/dev/null
[[ ! -e /usr/include/opencv4/opencv2/dnn_retinanet.hpp ]] || { echo "check_install: FAILED: files left after purge" >&2; exit 1; }
echo "check_install: OK"
