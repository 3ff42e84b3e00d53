#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang-14 (-fsanitize=fuzzer,address,undefined) into
# ${FUZZ_BUILD_DIR:-build-fuzz} and runs each for N seconds (default 60) on a copy of its seed
# corpus (fuzz/corpus/<name>), after replaying its past findings (fuzz/regressions/<name>_*).
# A crash, leak, timeout (-timeout=10 s per input), out-of-memory (-rss_limit_mb=2048) or sanitizer
# report fails the script; the reproducer is left in the build dir (crash-*, timeout-*, oom-*).
#   scripts/fuzz.sh [seconds per target] [targets...]      (targets: config onnx decoder)
#   JOBS=2 scripts/fuzz.sh 3600 decoder                      (libFuzzer -jobs/-workers)
# Needs: clang-14, libclang-rt-14-dev, libopencv-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh --sanitize
SECONDS_PER_TARGET=${1:-60}
shift || true
TARGETS=${*:-config onnx decoder}
B=${FUZZ_BUILD_DIR:-build-fuzz}
CXX=${CXX_FUZZ:-clang++-14}
JOBS=${JOBS:-1}
mkdir -p "$B/obj"
printf '%s\n' 'include(modules/dnn_retinanet/cmake/embed_presets.cmake)' \
       'dnn_retinanet_embed_presets("${DIR}" "${OUT}")' > "$B/embed.cmake"
cmake -DOUT="$B/dnn_retinanet_presets.inc" -DDIR="$PWD/modules/dnn_retinanet/presets" -P "$B/embed.cmake"
SAN="-g -O1 -std=c++17 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
INC="-Imodules/dnn_retinanet/include -Imodules/dnn_retinanet/src -I$B $(pkg-config --cflags opencv4)"
LIBS="-lopencv_dnn -lopencv_imgproc -lopencv_core"

# The module's sources (CUDA aside), instrumented for coverage (fuzzer-no-link), once.
objs=()
for src in $(find modules/dnn_retinanet/src -name '*.cpp' -not -path '*/cuda/*' | sort); do
  o="$B/obj/$(echo "${src#modules/dnn_retinanet/src/}" | tr / _).o"
  if [[ ! "$o" -nt "$src" || -n "${FUZZ_REBUILD:-}" ]]; then
    echo "compiling $src" >&2
    nice -n 10 $CXX $SAN -fsanitize=fuzzer-no-link $INC -c "$src" -o "$o" &
    (( $(jobs -r | wc -l) >= $(nproc) )) && wait -n
  fi
  objs+=("$o")
done
wait
for t in $TARGETS; do
  nice -n 10 $CXX $SAN -fsanitize=fuzzer $INC "fuzz/fuzz_$t.cpp" "${objs[@]}" -o "$B/fuzz_$t" $LIBS
done

rc=0
for t in $TARGETS; do
  rm -rf "$B/corpus_$t" && mkdir -p "$B/corpus_$t" && cp fuzz/corpus/$t/* "$B/corpus_$t/"
  regs=$(ls fuzz/regressions/${t}_* 2>/dev/null || true)
  [ -z "$regs" ] || "$B/fuzz_$t" -timeout=10 $regs >/dev/null 2>&1 || { echo "fuzz_$t: a regression input fails"; rc=1; }
  echo "== fuzz_$t: ${SECONDS_PER_TARGET}s"
  extra=()
  (( JOBS > 1 )) && extra=(-jobs="$JOBS" -workers="$JOBS")
  (cd "$B" && ./fuzz_$t -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
       -print_final_stats=1 "${extra[@]}" "corpus_$t" 2>&1 | grep -E "^stat::|ERROR|SUMMARY|Done|crash-|timeout-|oom-|#[0-9]+ *DONE" | tail -25
   exit "${PIPESTATUS[0]}") || { echo "fuzz_$t: FAILED"; rc=1; }
done
exit $rc
