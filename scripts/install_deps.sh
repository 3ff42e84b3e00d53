#!/usr/bin/env bash
# Installs what building and testing need, from Debian's packages, when missing.
#   scripts/install_deps.sh            C++ build + tests, the Python module (pybind11) and its tests
#   scripts/install_deps.sh --python   also the Python tools' packages (export, training, references)
#   scripts/install_deps.sh --sanitize also clang-14 and its sanitizer / libFuzzer runtime (sanitize.sh, fuzz.sh)
set -euo pipefail
pkgs=(cmake g++ make pkg-config libopencv-dev libgtest-dev libbenchmark-dev opencv-doc
      python3-dev python3-numpy pybind11-dev python3-pytest python3-opencv)
# the GStreamer plugin (gst/) and its tests: headers, gst-launch-1.0 / gst-inspect-1.0, and the
# elements the tests and README pipelines use (decodebin, videoconvert, appsink: base; avidemux,
# jpegdec, jpegenc, mp4mux, qtdemux: good; x264enc: ugly)
pkgs+=(libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools gstreamer1.0-plugins-base
       gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly)
for arg in "$@"; do
  case "$arg" in
    --python) pkgs+=(python3-torch python3-torchvision python3-onnx) ;;
    --sanitize) pkgs+=(clang-14 libclang-rt-14-dev) ;;
    *) echo "install_deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
