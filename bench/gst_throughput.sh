#!/usr/bin/env bash
# Throughput of the GStreamer plugin vs the project's own video application on the same file, the
# same model and the same outputs (JSON lines + annotated MJPG/AVI, boxes with score >= 0.3 drawn),
# runs interleaved, median of $RUNS:
#
#   gst        filesrc ! decodebin ! videoconvert ! retinanetdetect ! retinanetjson ! retinanetoverlay
#              ! videoconvert ! jpegenc ! avimux ! filesink            (the README's pipeline shape)
#   gst+queue  the same with a queue before retinanetdetect (decode and inference on two threads)
#   app        build/bin/retinanet_video --output=...avi --json-file=... (pipelined, 4 threads)
#   app-seq    the same with --sequential (one loop)
#
#   bench/gst_throughput.sh                  # RUNS=3, both inputs
#   RUNS=5 INPUTS=small bench/gst_throughput.sh
#
# Inputs (made once with tools/make_test_video.py, Debian's /usr/bin/python3 + python3-opencv):
# small = 320x256, 300 frames (the committed clip's size); hd = 1280x720, 300 frames.
# fps = frames / wall time of the whole process (start to exit: plugin registry / model loading
# included for both); the app's own figure (model loaded before its clock starts) is printed too.
# CPU ms/frame = user + system CPU time of the process (all its threads) / frames: the work each
# variant does, much less sensitive than wall time to other jobs sharing the cores.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(realpath "${BUILD_DIR:-build}")
BIN=$BUILD/bin/retinanet_video
OUT=${OUT:-$BUILD/bench/gst_throughput}
RUNS=${RUNS:-3}
INPUTS=${INPUTS:-"small hd"}
MODEL=data/models/synth_retinanet/model.onnx
CONFIG=data/models/synth_retinanet/config.yml
export GST_PLUGIN_PATH=$BUILD/gst
[[ -x "$BIN" ]] || { echo "build first: $BIN not found" >&2; exit 1; }
gst-inspect-1.0 retinanetdetect >/dev/null 2>&1 || { echo "the plugin is not in $GST_PLUGIN_PATH" >&2; exit 1; }
mkdir -p "$OUT"

PY=${PYTHON:-/usr/bin/python3}
make_input() {  # name size
  local f="$OUT/$1.avi"
  if [[ ! -s "$f" ]]; then
    echo "generating $f ($2, 300 frames) ..." >&2
    "$PY" tools/make_test_video.py --out "$f" --size "$2" --frames 300 --fps 15 --seed 1 >/dev/null
  fi
  echo "$f"
}

now() { date +%s.%N; }
# run VARIANT INPUT -> prints "<fps wall> <fps app-reported or -> <CPU ms per frame>"
# (run is called in a command substitution: a fresh subshell whose cutime + cstime, fields 16 and
# 17 of /proc/<pid>/stat, are then the CPU time of the commands it waited for)
run() {
  local v=$1 in=$2 log="$OUT/last_$1.log" t0 t1 frames
  rm -f "$OUT/out_$v.avi" "$OUT/out_$v.jsonl"
  t0=$(now)
  case $v in
    gst|gst+queue)
      local q=""
      [[ $v == gst+queue ]] && q="queue max-size-buffers=4 !"
      # shellcheck disable=SC2086
      gst-launch-1.0 -q filesrc location="$in" ! decodebin ! videoconvert ! $q \
        retinanetdetect model=$MODEL config=$CONFIG ! retinanetjson location="$OUT/out_$v.jsonl" ! \
        retinanetoverlay min-score=0.3 ! videoconvert ! jpegenc ! avimux ! filesink location="$OUT/out_$v.avi" \
        >"$log" 2>&1 || { cat "$log" >&2; exit 1; } ;;
    app|app-seq)
      local flag=""
      [[ $v == app-seq ]] && flag=--sequential
      "$BIN" --model=$MODEL --retinanet_config=$CONFIG --input="$in" --show=false --no-overlay $flag \
        --output="$OUT/out_$v.avi" --json-file="$OUT/out_$v.jsonl" >"$log" 2>&1 || { cat "$log" >&2; exit 1; } ;;
  esac
  t1=$(now)
  local st
  read -r -a st < "/proc/$BASHPID/stat"
  local ticks=$((st[15] + st[16])) hz
  hz=$(getconf CLK_TCK)
  frames=$(wc -l < "$OUT/out_$v.jsonl")
  [[ $frames == 300 ]] || { echo "$v wrote $frames JSON lines, expected 300" >&2; exit 1; }
  local app="-"
  [[ $v == app* ]] && app=$(sed -n 's/^throughput: \([0-9.]*\) fps.*/\1/p' "$log")
  awk -v n="$frames" -v a="$t0" -v b="$t1" -v app="$app" -v c="$ticks" -v hz="$hz" \
    'BEGIN { printf "%.2f %s %.1f\n", n / (b - a), app, c * 1000 / hz / n }'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "machine: $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
variants=(gst gst+queue app app-seq)
for name in $INPUTS; do
  case $name in small) size=320x256 ;; hd) size=1280x720 ;; *) echo "unknown input $name" >&2; exit 1 ;; esac
  in=$(make_input "$name" "$size")
  declare -A wall=() own=() cpu=()
  for v in "${variants[@]}"; do run "$v" "$in" >/dev/null; done   # warm the page cache and the model files
  for ((i = 0; i < RUNS; i++)); do
    for v in "${variants[@]}"; do
      res=$(run "$v" "$in")
      read -r w a c <<<"$res"
      wall[$v]+="$w "; own[$v]+="$a "; cpu[$v]+="$c "
    done
  done
  echo
  echo "== $name: $in ($size, 300 frames), $RUNS runs interleaved, load average now $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-10s %-24s %-8s %-11s %-24s %s\n' variant "fps (process wall time)" median "app fps" \
    "CPU ms/frame" "median"
  for v in "${variants[@]}"; do
    # shellcheck disable=SC2086
    m=$(median ${wall[$v]})
    o="-"
    # shellcheck disable=SC2086
    [[ $v == app* ]] && o=$(median ${own[$v]})
    # shellcheck disable=SC2086
    mc=$(median ${cpu[$v]})
    printf '%-10s %-24s %-8s %-11s %-24s %s\n' "$v" "${wall[$v]}" "$m" "$o" "${cpu[$v]}" "$mc"
    eval "med_${v//[+-]/_}=$m"
    eval "cpu_${v//[+-]/_}=$mc"
  done
  # shellcheck disable=SC2154
  awk -v g="$med_gst" -v q="$med_gst_queue" -v a="$med_app" -v s="$med_app_seq" \
    'BEGIN { printf "ratios: gst / app %.2fx, gst+queue / app %.2fx, gst / app-seq %.2fx\n", g / a, q / a, g / s }'
  # shellcheck disable=SC2154
  awk -v g="$cpu_gst" -v q="$cpu_gst_queue" -v a="$cpu_app" -v s="$cpu_app_seq" \
    'BEGIN { printf "CPU per frame: gst / app %.2fx, gst+queue / app %.2fx, gst / app-seq %.2fx\n", g / a, q / a, g / s }'
  # the detections are the same computation: same JSON lines from the plugin with and without queue
  cmp -s "$OUT/out_gst.jsonl" "$OUT/out_gst+queue.jsonl" || echo "warning: gst and gst+queue JSON differ" >&2
  unset wall own cpu
done
rm -f "$OUT"/out_*.avi "$OUT"/out_*.jsonl
echo
echo "machine after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
