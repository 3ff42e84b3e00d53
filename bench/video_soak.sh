#!/usr/bin/env bash
# Soak test of the video path: >= 10,000 frames through retinanet_video (the test clip replayed
# with --loop, pipelined), resident memory (VmRSS) logged every 500 frames. Two phases:
#   lib    capture + detect + annotate + JSON lines (file): must be flat after the warm-up
#   writer the same + the annotated MJPG/AVI video. The AVI muxer keeps its frame index in memory
#          until the file is closed (FFmpeg: ~12-20 bytes a frame, also with cv2.VideoWriter alone),
#          so this phase grows by that much and no more.
#
#   bench/video_soak.sh                      # both phases, 10,020 frames each
#   PHASES=lib FRAMES=20000 bench/video_soak.sh --batch=4
#   VIDEO=other.avi OUT=/tmp/soak bench/video_soak.sh --sequential
#
# Extra arguments go to the sample (default model: the shipped one, see modules/dnn_retinanet/samples/sample_common.hpp).
# Writes $OUT/rss_<phase>.csv (frames,rss_kb,elapsed_s) and $OUT/soak_<phase>.log; the video and the
# JSON lines are deleted at the end unless KEEP=1. Exit 2 when the lib phase grows.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BUILD_DIR:-build}/bin/retinanet_video
VIDEO=${VIDEO:-data/video/synth_test.avi}
FRAMES=${FRAMES:-10020}
OUT=${OUT:-${BUILD_DIR:-build}/bench/video_soak}
EVERY=${EVERY:-500}
WARMUP=${WARMUP:-1000}   # rows before this frame count are the warm-up
PHASES=${PHASES:-lib writer}
[[ -x "$BIN" ]] || { echo "build first: $BIN not found" >&2; exit 1; }
mkdir -p "$OUT"

# analyse CSV -> prints the RSS table, the spread after the warm-up and two least-squares slopes
# (KiB / 1000 frames): after the warm-up, and over the second half of the run. Allocator arenas
# grow in steps during the first thousands of frames (a frame with more detections than any before);
# a per-frame leak shows as a slope in the second half too. Leaves the second-half slope in CSV.slope.
analyse() {
  local csv=$1
  echo "frames   rss_kb   elapsed_s"
  tail -n +2 "$csv" | awk -F, '{ printf "%6d %8d %9.1f\n", $1, $2, $3 }'
  tail -n +2 "$csv" | awk -F, -v w="$WARMUP" '
    function slope(lo,   i, n, sx, sy, sxx, sxy) {
      for (i = 1; i <= N; i++) if (f[i] >= lo) { n++; sx += f[i]; sy += r[i]; sxx += f[i] * f[i]; sxy += f[i] * r[i] }
      return n < 2 ? 0 : (n * sxy - sx * sy) / (n * sxx - sx * sx) * 1000
    }
    { N++; f[N] = $1; r[N] = $2 }
    END {
      for (i = 1; i <= N; i++) if (f[i] >= w) { if (!seen) first = r[i]; seen = 1; if (r[i] > mx) mx = r[i]; if (!mn || r[i] < mn) mn = r[i] }
      if (!seen) { print "not enough rows after the warm-up"; exit 1 }
      half = (w + f[N]) / 2
      s1 = slope(w); s2 = slope(half)
      printf "after %d frames: RSS %d..%d KiB (first %d, last %d, spread %d KiB); slope %.2f KiB / 1000 frames, " \
             "second half (>= %d frames) %.2f KiB / 1000 frames\n", w, mn, mx, first, r[N], mx - mn, s1, half, s2
      print s2 > "/dev/stderr"
    }' 2>"$csv.slope"
}

status=0
for phase in $PHASES; do
  extra=()
  [[ "$phase" == writer ]] && extra=(--output="$OUT/soak.avi")
  echo "== soak ($phase): $FRAMES frames of $VIDEO, RSS every $EVERY frames -> $OUT/rss_$phase.csv"
  start=$(date +%s)
  "$BIN" --input="$VIDEO" --loop=1000000 --max-frames="$FRAMES" --show=false --json-file="$OUT/soak.jsonl" \
    --rss-log="$OUT/rss_$phase.csv" --rss-every="$EVERY" "${extra[@]}" "$@" >"$OUT/soak_$phase.log" 2>&1 || {
    echo "retinanet_video failed (exit $?), log:" >&2; cat "$OUT/soak_$phase.log" >&2; exit 1; }
  end=$(date +%s)
  lines=$(wc -l <"$OUT/soak.jsonl")
  grep -E "^(mode|frames|throughput|latency|RSS)" "$OUT/soak_$phase.log" || true
  echo "JSON lines: $lines, wall $((end - start)) s"
  [[ "$lines" -eq "$FRAMES" ]] || { echo "FAIL: $lines JSON lines for $FRAMES frames" >&2; exit 1; }
  if [[ "${KEEP:-0}" != 1 ]]; then rm -f "$OUT/soak.avi" "$OUT/soak.jsonl"; fi
  analyse "$OUT/rss_$phase.csv"
  slope=$(cat "$OUT/rss_$phase.csv.slope"); rm -f "$OUT/rss_$phase.csv.slope"
  if [[ "$phase" == lib ]]; then
    # flat: the second half grows by less than 2 KiB per 1000 frames (2 bytes a frame)
    if awk -v s="$slope" 'BEGIN { exit !(s < 2.0) }'; then echo "lib: RSS flat, no per-frame growth"
    else echo "lib: RSS GROWS"; status=2; fi
  else
    awk -v s="$slope" 'BEGIN { printf "writer: %.1f bytes a frame in the second half (the AVI index held by the muxer until release)\n", s * 1.024 }'
  fi
  echo
done
exit $status
