#!/usr/bin/env bash
# Sanitizer job: clang-14 ASan + UBSan build (CUDA off, perf off) into ${SAN_BUILD_DIR:-build-san},
# then the whole ctest suite. UBSan findings abort (-fno-sanitize-recover); LeakSanitizer reports
# only third-party leaks suppressed by name in scripts/lsan.supp. Prints the wall time of each step.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${SAN_BUILD_DIR:-build-san}
t0=$(date +%s)
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
      -DCMAKE_CXX_FLAGS="$SAN" -DCMAKE_C_FLAGS="$SAN" \
      -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
      -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
      -DDNN_RETINANET_WITH_CUDA=OFF -DDNN_RETINANET_BUILD_PERF=OFF "$@" >/dev/null
nice -n 10 cmake --build "$B" -j"$(nproc)"
t1=$(date +%s)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/scripts/lsan.supp:print_suppressions=0
(cd "$B" && ctest --output-on-failure -j"$(nproc)")
t2=$(date +%s)
echo "sanitize.sh: build $((t1 - t0)) s, tests $((t2 - t1)) s"
