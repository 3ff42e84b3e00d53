#!/usr/bin/env bash
# Runs the GStreamer pipelines shown in README.md ("GStreamer") and doc/gstreamer.md on the committed
# clip and on a test pattern, from the build tree's plugin, and checks what they write:
#   1. file -> retinanetdetect -> retinanetoverlay -> x264enc -> MP4 (60 frames)
#   2. videotestsrc -> detect -> overlay -> jpegenc -> AVI (30 frames)
#   3. a tee: annotated MP4 on one branch, JSON lines on the other (60 lines, detections in each;
#      equal to retinanet_video --json reading the same GStreamer decode, when the sample is built)
#   4. two streams in one pipeline, one detection element (one model) each
#   5. interval=5 (12 forward passes for 60 lines)
# usage: gst/test/readme_pipelines.sh [BUILD_DIR] [OUT_DIR]    (exit 77: an element is missing: skipped)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=$(realpath "${1:-build}")
OUT=${2:-$(mktemp -d "${TMPDIR:-/tmp}/retinanet_gst_readme_XXXXXX")}
mkdir -p "$OUT"
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
# samples demuxed from a container, without decoding them
count_samples() {  # file demuxer
  gst-launch-1.0 -v filesrc location="$1" ! "$2" ! fakesink silent=false 2>/dev/null | grep -c "last-message = chain" || true
}
json_lines() { wc -l < "$1" | tr -d ' '; }

# --- 1. the README's first pipeline
gst-launch-1.0 -q filesrc location=data/video/synth_test.avi ! decodebin ! videoconvert ! \
  retinanetdetect model=data/models/synth_retinanet/model.onnx config=data/models/synth_retinanet/config.yml ! \
  retinanetoverlay ! videoconvert ! x264enc ! mp4mux ! filesink location="$OUT/out.mp4"
n=$(count_samples "$OUT/out.mp4" qtdemux)
[[ "$n" == 60 ]] || fail "out.mp4 has $n frames, expected 60"
echo "1. file -> detect -> overlay -> x264enc ! mp4mux: $OUT/out.mp4, $n frames"

# --- 2. a test pattern
gst-launch-1.0 -q videotestsrc num-buffers=30 pattern=ball ! video/x-raw,width=320,height=240 ! videoconvert ! \
  retinanetdetect model=data/models/synth_retinanet/model.onnx ! retinanetoverlay ! videoconvert ! \
  jpegenc ! avimux ! filesink location="$OUT/testsrc.avi"
n=$(count_samples "$OUT/testsrc.avi" avidemux)
[[ "$n" == 30 ]] || fail "testsrc.avi has $n frames, expected 30"
echo "2. videotestsrc -> detect -> overlay -> jpegenc ! avimux: $OUT/testsrc.avi, $n frames"

# --- 3. tee: annotated video + JSON lines
gst-launch-1.0 -q filesrc location=data/video/synth_test.avi ! decodebin ! videoconvert ! \
  retinanetdetect model=data/models/synth_retinanet/model.onnx ! tee name=t \
  t. ! queue ! retinanetoverlay ! videoconvert ! x264enc tune=zerolatency ! mp4mux ! filesink location="$OUT/tee.mp4" \
  t. ! queue ! retinanetjson location="$OUT/detections.jsonl" ! fakesink
n=$(count_samples "$OUT/tee.mp4" qtdemux)
[[ "$n" == 60 ]] || fail "tee.mp4 has $n frames, expected 60"
[[ $(json_lines "$OUT/detections.jsonl") == 60 ]] || fail "detections.jsonl: $(json_lines "$OUT/detections.jsonl") lines"
python3 - "$OUT/detections.jsonl" <<'EOF' || fail "detections.jsonl"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["frame"] for l in lines] == list(range(60)), "frame indices"
assert all(abs(l["pts_ms"] - i * 1000 / 15) < 0.01 for i, l in enumerate(lines)), "pts_ms"
assert all(l["width"] == 320 and l["height"] == 256 for l in lines), "size"
assert all(l["detections"] for l in lines), "a frame without detections"
d = lines[0]["detections"][0]
assert set(d) == {"class_id", "class", "score", "box"} and len(d["box"]) == 4, d
EOF
echo "3. tee: $OUT/tee.mp4 ($n frames) + $OUT/detections.jsonl (60 lines)"
if [[ -x "$BUILD/bin/retinanet_video" ]]; then
  # the video sample reading the same GStreamer decode through cv::VideoCapture: the same detections
  "$BUILD/bin/retinanet_video" --show=false --json --sequential \
    --input="filesrc location=data/video/synth_test.avi ! decodebin ! videoconvert ! video/x-raw,format=BGR ! appsink" \
    2>/dev/null > "$OUT/sample.jsonl"
  python3 - "$OUT/detections.jsonl" "$OUT/sample.jsonl" <<'EOF' || fail "plugin and retinanet_video differ"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == len(b) == 60, (len(a), len(b))
for x, y in zip(a, b):
    assert x["frame"] == y["frame"] and x["detections"] == y["detections"], x["frame"]
EOF
  echo "   = retinanet_video --json on the same decode, all 60 frames"
fi

# --- 4. two streams, one retinanetdetect (one model) each
gst-launch-1.0 -q \
  filesrc location=data/video/synth_test.avi ! decodebin ! videoconvert ! \
    retinanetdetect model=data/models/synth_retinanet/model.onnx ! retinanetjson location="$OUT/a.jsonl" ! fakesink \
  videotestsrc num-buffers=60 pattern=ball ! video/x-raw,width=320,height=240 ! videoconvert ! \
    retinanetdetect model=data/models/synth_retinanet/model.onnx ! retinanetjson location="$OUT/b.jsonl" ! fakesink
[[ $(json_lines "$OUT/a.jsonl") == 60 && $(json_lines "$OUT/b.jsonl") == 60 ]] || fail "two streams: line counts"
cmp -s "$OUT/a.jsonl" "$OUT/detections.jsonl" || fail "two streams: stream a differs"
echo "4. two streams: $OUT/a.jsonl (= the single-stream run), $OUT/b.jsonl"

# --- 5. inference on every 5th frame
gst-launch-1.0 -q filesrc location=data/video/synth_test.avi ! decodebin ! videoconvert ! \
  retinanetdetect model=data/models/synth_retinanet/model.onnx interval=5 ! \
  retinanetjson location="$OUT/interval5.jsonl" ! fakesink
python3 - "$OUT/interval5.jsonl" "$OUT/detections.jsonl" <<'EOF' || fail "interval=5"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == 60
for i, x in enumerate(a):
    assert x["detections"] == b[i // 5 * 5]["detections"], i
EOF
echo "5. interval=5: $OUT/interval5.jsonl, frame i carries frame i - i % 5"
echo "all README pipelines OK (outputs in $OUT)"
