#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang-14 (-fsanitize=fuzzer,address,undefined) into
# ${FUZZ_BUILD_DIR:-build-fuzz} and runs each for N seconds (default 60) on a copy of its seed
# corpus (fuzz/corpus/<target>). A crash, leak, timeout (-timeout=10 s per input) or sanitizer
# report fails the script; the reproducer is left in the build dir (crash-*, timeout-*).
# Needs: clang-14, libclang-rt-14-dev, libopencv-dev (core).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
B=${FUZZ_BUILD_DIR:-build-fuzz}
CXX=${CXX_FUZZ:-clang++-14}
mkdir -p "$B"
printf '%s\n' 'include(modules/dnn_retinanet/cmake/embed_presets.cmake)' \
       'dnn_retinanet_embed_presets("${DIR}" "${OUT}")' > "$B/embed.cmake"
cmake -DOUT="$B/dnn_retinanet_presets.inc" -DDIR="$PWD/modules/dnn_retinanet/presets" -P "$B/embed.cmake"
FLAGS="-g -O1 -std=c++17 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
INC="-Imodules/dnn_retinanet/include -Imodules/dnn_retinanet/src -I$B $(pkg-config --cflags opencv4)"
SRC_CONFIG="modules/dnn_retinanet/src/config/config_scan.cpp modules/dnn_retinanet/src/config/config_io.cpp
            modules/dnn_retinanet/src/config/config.cpp modules/dnn_retinanet/src/config/presets.cpp"
build() { # target sources...
  local t=$1; shift
  [ "$B/$t" -nt "fuzz/$t.cpp" ] && [ -z "${FUZZ_REBUILD:-}" ] || \
    nice -n 10 $CXX $FLAGS $INC "fuzz/$t.cpp" "$@" -o "$B/$t" -lopencv_dnn -lopencv_imgproc -lopencv_core
}
build fuzz_config $SRC_CONFIG
rc=0
for t in fuzz_config; do
  rm -rf "$B/corpus_$t" && mkdir -p "$B/corpus_$t" && cp fuzz/corpus/${t#fuzz_}/* "$B/corpus_$t/"
  # Reproducers of past findings (fuzz/regressions/<target>_*) must pass first.
  regs=$(ls fuzz/regressions/${t#fuzz_}_* 2>/dev/null || true)
  [ -z "$regs" ] || "$B/$t" -timeout=10 $regs >/dev/null 2>&1 || { echo "$t: a regression input fails"; rc=1; }
  echo "== $t: ${SECONDS_PER_TARGET}s"
  (cd "$B" && ./$t -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
       -print_final_stats=1 "corpus_$t" 2>&1 | tail -25) || rc=1
done
exit $rc
