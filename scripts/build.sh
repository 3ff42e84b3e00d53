#!/usr/bin/env bash
# Configures and builds everything (library, tests, benchmarks, samples) into ${BUILD_DIR:-build}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"

# The Python module (<build>/python/dnn_retinanet.*.so): `import dnn_retinanet` works for this user's
# /usr/bin/python3 without PYTHONPATH, through a .pth file in the user site folder
# (~/.local/lib/python3.X/site-packages/dnn_retinanet_build.pth) naming <build>/python, as
# `pip install -e` does; it follows rebuilds. DNN_RETINANET_PYTHON_LINK=0 skips it; a system-wide
# copy instead: cmake --install build --component python (/usr/local/lib/python3.X/dist-packages).
if [[ "${DNN_RETINANET_PYTHON_LINK:-1}" != 0 ]] && compgen -G "$BUILD_DIR/python/dnn_retinanet*.so" >/dev/null; then
  site=$(/usr/bin/python3 -m site --user-site)
  mkdir -p "$site"
  (cd "$BUILD_DIR/python" && pwd) > "$site/dnn_retinanet_build.pth"
  echo "Python module: import dnn_retinanet -> $(cat "$site/dnn_retinanet_build.pth") (via $site/dnn_retinanet_build.pth)"
fi
