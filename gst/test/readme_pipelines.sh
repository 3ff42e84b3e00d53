#!/usr/bin/env bash
# Runs the GStreamer pipelines of README.md ("GStreamer") on the committed clip and on a test
# pattern, from the build tree's plugin, and checks what they write:
#   1. file -> retinanetdetect -> retinanetoverlay -> x264enc -> MP4 (60 frames)
#   2. videotestsrc -> detect -> overlay -> jpegenc -> AVI (30 frames)
#   3. a tee: annotated MP4 on one branch, JSON lines on the other (60 lines, detections in each;
#      equal to retinanet_video --json reading the same GStreamer decode, when the sample is built)
#   4. two streams in one pipeline, one detection element (one model) each
#   5. interval=5 (12 forward passes for 60 lines)
#   6. a live source (videotestsrc is-live=true, standing in for a camera) behind
#      queue leaky=downstream max-size-buffers=1: frames dropped while the network runs
# The pipelines are not copies: each is read from README.md, the ```sh block right after the line
# "<!-- gst-pipeline N -->", and run as it stands there with one substitution, out/gst/ -> OUT_DIR/
# (README's output folder). So README's pipelines are exactly the ones tested. doc/gstreamer.md
# shows some of them under the same markers: those must be identical to README's (checked here).
# usage: gst/test/readme_pipelines.sh [BUILD_DIR] [OUT_DIR]    (exit 77: an element is missing: skipped)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=$(realpath "${1:-build}")
OUT=${2:-$(mktemp -d "${TMPDIR:-/tmp}/retinanet_gst_readme_XXXXXX")}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
export GST_PLUGIN_PATH="$BUILD/gst"
for e in retinanetdetect retinanetoverlay retinanetjson filesrc decodebin avidemux jpegdec videoconvert \
         videotestsrc x264enc mp4mux qtdemux jpegenc avimux tee queue fakesink; do
  if ! gst-inspect-1.0 "$e" >/dev/null 2>&1; then
    echo "SKIP: GStreamer element '$e' is not installed (scripts/install_deps.sh)"
    exit 77
  fi
done
fail() { echo "FAIL: $*" >&2; exit 1; }
GST_LAUNCH=$(command -v gst-launch-1.0) || { echo "SKIP: gst-launch-1.0 not found (gstreamer1.0-tools)"; exit 77; }
# every pipeline gets 5 minutes (a pipeline that stalls fails instead of hanging the test)
gst-launch-1.0() { timeout 300 "$GST_LAUNCH" "$@" || fail "gst-launch-1.0 exited with $? (124: timed out)"; }

# pipeline_text N [FILE]: the ```sh block right after "<!-- gst-pipeline N -->" in FILE (README.md)
pipeline_text() {
  awk -v m="<!-- gst-pipeline $1 -->" '
    $0 == m { want = 1; next }
    want == 1 { if ($0 != "```sh") exit; want = 2; next }
    want == 2 { if ($0 == "```") exit; print }' "${2:-README.md}"
}
# run_pipeline N: README's pipeline N, printed and run with out/gst/ -> $OUT/
QOUT=$(printf '%q' "$OUT")
run_pipeline() {
  local text doc
  text=$(pipeline_text "$1")
  [[ $text == "gst-launch-1.0 "* && $text != *$'\n'[!\ ]* ]] ||
    fail "README.md: no pipeline $1 (one gst-launch-1.0 command in a \`\`\`sh block right after <!-- gst-pipeline $1 -->)"
  if grep -qxF "<!-- gst-pipeline $1 -->" doc/gstreamer.md 2>/dev/null; then
    doc=$(pipeline_text "$1" doc/gstreamer.md)
    [[ $doc == "$text" ]] || fail "doc/gstreamer.md's pipeline $1 is not README.md's:"$'\n'"$doc"$'\n'"README.md:"$'\n'"$text"
  fi
  echo "--- README pipeline $1:"
  echo "$text"
  eval "${text//out\/gst\//$QOUT/}"
}
# samples demuxed from a container, without decoding them
count_samples() {  # file demuxer
  gst-launch-1.0 -v filesrc location="$1" ! "$2" ! fakesink silent=false 2>/dev/null | grep -c "last-message = chain" || true
}
json_lines() { wc -l < "$1" | tr -d ' '; }

# --- 1. file -> annotated MP4
run_pipeline 1
n=$(count_samples "$OUT/out.mp4" qtdemux)
[[ "$n" == 60 ]] || fail "out.mp4 has $n frames, expected 60"
echo "1. file -> detect -> overlay -> x264enc ! mp4mux: $OUT/out.mp4, $n frames"

# --- 2. a test pattern
run_pipeline 2
n=$(count_samples "$OUT/testsrc.avi" avidemux)
[[ "$n" == 30 ]] || fail "testsrc.avi has $n frames, expected 30"
echo "2. videotestsrc -> detect -> overlay -> jpegenc ! avimux: $OUT/testsrc.avi, $n frames"

# --- 3. tee: annotated video + JSON lines
run_pipeline 3
n=$(count_samples "$OUT/tee.mp4" qtdemux)
[[ "$n" == 60 ]] || fail "tee.mp4 has $n frames, expected 60"
[[ $(json_lines "$OUT/detections.jsonl") == 60 ]] || fail "detections.jsonl: $(json_lines "$OUT/detections.jsonl") lines"
python3 - "$OUT/detections.jsonl" <<'PY' || fail "detections.jsonl"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["frame"] for l in lines] == list(range(60)), "frame indices"
assert all(abs(l["pts_ms"] - i * 1000 / 15) < 0.01 for i, l in enumerate(lines)), "pts_ms"
assert all(l["width"] == 320 and l["height"] == 256 for l in lines), "size"
assert all(l["detections"] for l in lines), "a frame without detections"
d = lines[0]["detections"][0]
assert set(d) == {"class_id", "class", "score", "box"} and len(d["box"]) == 4, d
PY
echo "3. tee: $OUT/tee.mp4 ($n frames) + $OUT/detections.jsonl (60 lines)"
if [[ -x "$BUILD/bin/retinanet_video" ]]; then
  # the video sample reading the same GStreamer decode through cv::VideoCapture: the same detections
  "$BUILD/bin/retinanet_video" --show=false --json --sequential \
    --input="filesrc location=data/video/synth_test.avi ! decodebin ! videoconvert ! video/x-raw,format=BGR ! appsink" \
    2>/dev/null > "$OUT/sample.jsonl"
  python3 - "$OUT/detections.jsonl" "$OUT/sample.jsonl" <<'PY' || fail "plugin and retinanet_video differ"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == len(b) == 60, (len(a), len(b))
for x, y in zip(a, b):
    assert x["frame"] == y["frame"] and x["detections"] == y["detections"], x["frame"]
PY
  echo "   = retinanet_video --json on the same decode, all 60 frames"
fi

# --- 4. two streams, one retinanetdetect (one model) each
run_pipeline 4
[[ $(json_lines "$OUT/a.jsonl") == 60 && $(json_lines "$OUT/b.jsonl") == 60 ]] || fail "two streams: line counts"
cmp -s "$OUT/a.jsonl" "$OUT/detections.jsonl" || fail "two streams: stream a differs"
echo "4. two streams: $OUT/a.jsonl (= the single-stream run), $OUT/b.jsonl"

# --- 5. inference on every 5th frame
run_pipeline 5
python3 - "$OUT/interval5.jsonl" "$OUT/detections.jsonl" <<'PY' || fail "interval=5"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == 60
for i, x in enumerate(a):
    assert x["detections"] == b[i // 5 * 5]["detections"], i
PY
echo "5. interval=5: $OUT/interval5.jsonl, frame i carries frame i - i % 5"

# --- 6. a live source behind a leaky queue (what a camera or RTSP source needs)
run_pipeline 6
python3 - "$OUT/live.jsonl" <<'PY' || fail "live.jsonl"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert 1 <= len(lines) <= 90, len(lines)
pts = [l["pts_ms"] for l in lines]
assert all(b > a for a, b in zip(pts, pts[1:])), "timestamps not increasing"
assert all(l["width"] == 320 and l["height"] == 240 for l in lines), "size"
print("6. live source + queue leaky=downstream: %d of 90 frames reached the detector (%d dropped by the queue)"
      % (len(lines), 90 - len(lines)))
PY
echo "all README pipelines OK (outputs in $OUT)"
