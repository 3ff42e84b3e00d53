#!/usr/bin/env bash
# The one-shot GPU check of the CUDA decoder (issue 18): build, CUDA equality tests, benchmarks.
#
# Run from the repository root on the GPU machine (device tool, kind nvidia-h200), with the kit
# that scripts/make_gpu_kit.sh makes carried as .kit (OpenCV 4.6 core/imgproc/dnn, GoogleTest and
# Google Benchmark: that machine has no OpenCV C++ libraries and reaches no registry). The exact
# `run` invocation is in doc/cuda.md. Stages, each under its own `timeout`:
#   1. env       GPU, driver, nvcc, CPU, compiler, torch, commit                     -> env.txt
#   2. build     library + opencv_test_dnn_retinanet + opencv_perf_dnn_retinanet only
#                (no samples, no integration tests), CUDA archs = the device's        -> build.log
#   3. tests     the CUDA equality tests (gtest filter *DnnRetinaNet_Cuda*)            -> tests.log
#   4. bench     BM_CudaDecode / BM_CudaCopyDecode: 800x1216, K 91 and 80, sparsity
#                1e-4, 1e-3, 1e-2, worst, batch 1 and 8                               -> bench_cuda.json
#   5. torch     torchvision postprocess_detections on CUDA tensors, same cases       -> torchvision.json
#   6. cpu       the CPU decoder (BM_Decode) and one streaming read, batch 1          -> bench_cpu.json
#   7. report    the results table against the targets (scripts/gpu_check_report.py) -> results.md
# Console output of stages 4-6 goes to bench.log: 8 files in all under $OUT (the tool's limit).
#
# Environment (all optional):
#   OUT=./out/gpu_check   where the files go        KIT=./.kit         the kit
#   BUILD_DIR=build-gpu   build folder              JOBS=$(nproc)      build parallelism
#   CUDA_ARCHS=90         CMAKE_CUDA_ARCHITECTURES (default: nvidia-smi's compute_cap, else 90)
#   REPS=5                benchmark repetitions (medians reported); TV_REPS=20 torchvision runs
#   COMMIT=<hash>         recorded in env.txt when the copy has no .git
#   GPU_CHECK_ALL_STAGES=1  run stages 4-7 even without a CUDA device (to test this script)
# Exit status: 0 all stages ran and the CUDA tests passed; 1 configure or build failed;
#   2 a CUDA test failed, or a test/benchmark stage failed or timed out; 3 no CUDA device: everything
#   was built and the CUDA tests skipped, nothing was measured.
#
# Time. The clean build (configure + 37 steps, CUDA arch 90 only) measured on the 2-core
# development machine, shared with other builds (load ~10): 442 s wall (Ninja) / 314 s (Make), for
# ~200 s of CPU in all; the longest step is nvcc on src/cuda/decode_kernels.cu (~25 s of CPU).
# On 16 cores expect ~1 min (that step, then the test program's objects and two links), under
# 2 min at worst. Tests + benchmarks: ~2-3 min expected (CUDA ~1 min, torchvision ~0.5 min,
# CPU ~0.5 min), so ~3-4 min in all. Every stage is capped (T_* below) and the whole script
# ends by DEADLINE (450 s) with its report written: give `run` timeout_s=540.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
OUT=${OUT:-$ROOT/out/gpu_check}
KIT=$(cd "${KIT:-$ROOT/.kit}" 2>/dev/null && pwd) || { echo "gpu_check: no kit at ${KIT:-.kit} (scripts/make_gpu_kit.sh)"; exit 1; }
BUILD_DIR=${BUILD_DIR:-build-gpu}
JOBS=${JOBS:-$(nproc)}
REPS=${REPS:-5}
TV_REPS=${TV_REPS:-20}
# Per-stage wall-clock limits, seconds, and a deadline for the whole script: a stage gets at most
# what is left before DEADLINE (less 15 s for the report), so one hung stage cannot eat the budget.
T_CONFIGURE=${T_CONFIGURE:-60} T_BUILD=${T_BUILD:-240} T_TESTS=${T_TESTS:-60}
T_BENCH_CUDA=${T_BENCH_CUDA:-60} T_TORCH=${T_TORCH:-90} T_CPU=${T_CPU:-60}
DEADLINE=${DEADLINE:-450}
mkdir -p "$OUT"
export LD_LIBRARY_PATH="$KIT/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONUNBUFFERED=1
T0=$SECONDS
say() { printf '[gpu_check %3ds] %s\n' $((SECONDS - T0)) "$*"; }
# limited SECONDS LOG CMD...: runs CMD with its output appended to LOG; 124 when it timed out
# (or was not started: the deadline had passed).
limited() {
  local limit=$1 log=$2; shift 2
  local left=$((DEADLINE - 15 - (SECONDS - T0)))
  ((left < limit)) && limit=$left
  if ((limit < 5)); then say "SKIPPED (${limit}s left of its limit or of DEADLINE=${DEADLINE}s): $*"; echo "SKIPPED: no time left" >>"$log"; return 124; fi
  timeout -k 10 "$limit" "$@" >>"$log" 2>&1
  local rc=$?
  [[ $rc -eq 124 || $rc -eq 137 ]] && { say "TIMED OUT after ${limit}s: $*"; echo "TIMED OUT after ${limit}s" >>"$log"; rc=124; }
  return $rc
}
status=0

# ---------------------------------------------------------------- 1. environment
have_smi=0
nvidia-smi -L >/dev/null 2>&1 && have_smi=1
if [[ -z "${CUDA_ARCHS:-}" ]]; then
  CUDA_ARCHS=$( ((have_smi)) && nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. ')
  [[ "$CUDA_ARCHS" =~ ^[0-9]+$ ]] || CUDA_ARCHS=90
fi
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "commit: ${COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}$(git status --porcelain -uno 2>/dev/null | grep -q . && echo ' (+ local changes)')"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores; $(grep -m1 MemTotal /proc/meminfo)"
  echo "flags: $(grep -m1 -ow -e avx512f -e avx2 /proc/cpuinfo | sort -u | tr '\n' ' ')"
  echo "cuda archs built: $CUDA_ARCHS"
  if ((have_smi)); then
    nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total,clocks.max.sm,clocks.max.mem --format=csv
    nvidia-smi | head -4 | tail -2
  else echo "nvidia-smi: none, or it sees no GPU"; fi
  "$NVCC" --version 2>&1 | tail -2
  cmake --version | head -1; { c++ --version || g++ --version; } 2>/dev/null | head -1
  python3 -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1 | tail -1
} >"$OUT/env.txt" 2>&1
say "$(grep -m1 '^commit:' "$OUT/env.txt"); GPU: $( ((have_smi)) && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1 || echo none)"
say "$(grep -m1 '^cpu:' "$OUT/env.txt"); $(grep -m1 'release' "$OUT/env.txt")"

# ---------------------------------------------------------------- 2. build (only what the check runs)
[[ -d "$KIT/lib/x86_64-linux-gnu/cmake/benchmark" ]] || say "WARNING: the kit has no Google Benchmark: no benchmarks (make it with scripts/make_gpu_kit.sh)"
say "configure + build into $BUILD_DIR (-j$JOBS, CUDA archs $CUDA_ARCHS)"
# Ninja (in the GPU machine's image) compiles the tests' objects while the library's still build.
GEN=()
command -v ninja >/dev/null && [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]] && GEN=(-G Ninja)
tb=$SECONDS
limited "$T_CONFIGURE" "$OUT/build.log" cmake -S . -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$KIT" -DDNN_RETINANET_WITH_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCHS" \
    -DDNN_RETINANET_BUILD_SAMPLES=OFF -DDNN_RETINANET_BUILD_TESTS=ON -DDNN_RETINANET_BUILD_PERF=ON &&
  limited "$T_BUILD" "$OUT/build.log" cmake --build "$BUILD_DIR" -j"$JOBS" \
    --target opencv_test_dnn_retinanet opencv_perf_dnn_retinanet
rc=$?
say "build: rc $rc, $((SECONDS - tb)) s"
if ((rc)); then tail -n 40 "$OUT/build.log"; exit 1; fi
BIN=$BUILD_DIR/modules/dnn_retinanet

# ---------------------------------------------------------------- 3. CUDA equality tests
say "CUDA tests"
limited "$T_TESTS" "$OUT/tests.log" "$BIN/opencv_test_dnn_retinanet" --gtest_filter='*DnnRetinaNet_Cuda*' --gtest_color=no
rc=$?
# the totals, and the failed tests by name
grep -E '^\[==========\] .* ran|^\[ *(PASSED|SKIPPED) *\] [0-9]+ test|^\[ *FAILED *\]' "$OUT/tests.log" | head -30
no_device=0
grep -q 'no CUDA device' "$OUT/tests.log" && no_device=1
if ((rc)); then say "CUDA tests: FAILED (rc $rc), see tests.log"; status=2; fi
if ((no_device)); then
  say "no CUDA device: everything is built; the CUDA tests skipped ($(grep -m1 -o 'no CUDA device:.*' "$OUT/tests.log"))"
  ((have_smi)) && say "(nvidia-smi does list a GPU: the CUDA runtime does not see it, see env.txt)"
  if [[ "${GPU_CHECK_ALL_STAGES:-0}" != 1 ]]; then
    python3 scripts/gpu_check_report.py "$OUT" --no-device >"$OUT/results.md"
    say "done: no CUDA device (exit 3); files in $OUT: $(ls "$OUT" | tr '\n' ' ')"; exit 3
  fi
fi

# ---------------------------------------------------------------- 4-6. benchmarks
# Google Benchmark: REPS repetitions of >= 0.1 s each, medians kept. BM_CudaDecode first (the
# main result), then the host entry point (upload + decode), each in its own limited run.
GB=(--benchmark_repetitions="$REPS" --benchmark_min_time=0.1 --benchmark_report_aggregates_only=true
    --benchmark_counters_tabular=true)
rm -f "$BUILD_DIR"/bench_Cuda*.json   # never merge an earlier run's results
for b in CudaDecode CudaCopyDecode; do
  say "benchmark BM_$b"
  limited "$T_BENCH_CUDA" "$OUT/bench.log" "$BIN/opencv_perf_dnn_retinanet" --benchmark_filter="^BM_$b/" "${GB[@]}" \
      --benchmark_out="$BUILD_DIR/bench_$b.json" --benchmark_out_format=json || status=2
done
python3 scripts/gpu_check_report.py --merge "$OUT/bench_cuda.json" "$BUILD_DIR"/bench_Cuda*.json

say "torchvision postprocess_detections on CUDA tensors"
limited "$T_TORCH" "$OUT/bench.log" python3 bench/torchvision_cuda_postprocess.py --reps "$TV_REPS" \
    --json-out "$OUT/torchvision.json" || status=2

say "CPU decoder (BM_Decode, BM_StreamingRead)"
limited "$T_CPU" "$OUT/bench.log" "$BIN/opencv_perf_dnn_retinanet" --benchmark_filter='^BM_(Decode|StreamingRead)/' \
    "${GB[@]}" --benchmark_out="$OUT/bench_cpu.json" --benchmark_out_format=json || status=2

# ---------------------------------------------------------------- 7. results table
python3 scripts/gpu_check_report.py "$OUT" >"$OUT/results.md" 2>>"$OUT/bench.log" || status=2
cat "$OUT/results.md"
((no_device)) && status=3
say "done: exit $status (0 ok, 2 a stage failed or timed out, 3 no CUDA device); files in $OUT: $(ls "$OUT" | tr '\n' ' ')"
exit $status
