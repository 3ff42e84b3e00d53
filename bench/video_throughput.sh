#!/usr/bin/env bash
# Throughput of retinanet_video: pipelined (4 threads, bounded queues) vs --sequential (one loop),
# same input, same outputs (annotated MJPG video + JSON lines), runs interleaved, median of $RUNS.
#
#   bench/video_throughput.sh                 # the test clip (x5 loop) and a generated 1280x720 clip
#   RUNS=5 bench/video_throughput.sh --batch=4
#
# Inputs: data/video/synth_test.avi (320x256, 60 frames, replayed --loop=$LOOP times) and
# $OUT/long_1280x720.avi (300 frames, made once with tools/make_test_video.py; needs python3 + cv2).
# Extra arguments go to both modes. Throughput = frames written / wall time of the processing
# (the model is loaded before the clock starts), as printed by the sample.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BUILD_DIR:-build}/bin/retinanet_video
OUT=${OUT:-${BUILD_DIR:-build}/bench/video_throughput}
RUNS=${RUNS:-3}
LOOP=${LOOP:-5}
[[ -x "$BIN" ]] || { echo "build first: $BIN not found" >&2; exit 1; }
mkdir -p "$OUT"

PY=${PYTHON:-python3}
"$PY" -c "import cv2" 2>/dev/null || PY=/usr/bin/python3
LONG="$OUT/long_1280x720.avi"
if [[ ! -s "$LONG" ]]; then
  echo "generating $LONG ..."
  "$PY" tools/make_test_video.py --out "$LONG" --size 1280x720 --frames 300 --fps 30 --seed 1 >/dev/null
fi

# run MODE INPUT LOOP EXTRA... -> prints the fps; keeps the log as $OUT/last_<mode>.log
run() {
  local mode=$1 input=$2 loop=$3; shift 3
  local flag=""
  [[ "$mode" == sequential ]] && flag="--sequential"
  "$BIN" --input="$input" --loop="$loop" --show=false $flag --output="$OUT/out_$mode.avi" \
    --json-file="$OUT/out_$mode.jsonl" "$@" >"$OUT/last_$mode.log" 2>&1 || {
    echo "retinanet_video failed:" >&2; cat "$OUT/last_$mode.log" >&2; exit 1; }
  sed -n 's/^throughput: \([0-9.]*\) fps.*/\1/p' "$OUT/last_$mode.log"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for spec in "data/video/synth_test.avi:$LOOP" "$LONG:1"; do
  input=${spec%:*}; loop=${spec##*:}
  pipe=(); seq=()
  run pipelined "$input" 1 --max-frames=10 "$@" >/dev/null   # warm the page cache and the model files
  for ((i = 0; i < RUNS; i++)); do
    pipe+=("$(run pipelined "$input" "$loop" "$@")")
    seq+=("$(run sequential "$input" "$loop" "$@")")
  done
  mp=$(median "${pipe[@]}"); ms=$(median "${seq[@]}")
  echo
  echo "== $input (loop $loop): $(sed -n 's/^input: [^,]*, \(.*\)/\1/p' "$OUT/last_pipelined.log" | head -1)"
  echo "pipelined  fps: ${pipe[*]}  -> median $mp"
  echo "sequential fps: ${seq[*]}  -> median $ms"
  awk -v p="$mp" -v s="$ms" 'BEGIN { printf "ratio pipelined / sequential: %.2fx\n", p / s }'
  echo "-- stages (last pipelined run):"
  sed -n '/^stage /,/^model per frame/p' "$OUT/last_pipelined.log"
  grep -E "^latency" "$OUT/last_pipelined.log" | sed 's/^/pipelined  /'
  grep -E "^latency" "$OUT/last_sequential.log" | sed 's/^/sequential /'
done
rm -f "$OUT"/out_*.avi "$OUT"/out_*.jsonl
echo
echo "machine after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
