#!/usr/bin/python3
"""RetinaNet on video: a camera index, a video file, an image sequence or a URL -> window and/or
annotated video, detections as JSON lines.

    PYTHONPATH=build/python /usr/bin/python3 modules/dnn_retinanet/samples/python/retinanet_video.py --input=data/video/synth_test.avi --output=out.avi
    ... retinanet_video.py --input 0 --show          # camera 0

Frames are read on a second thread while the main thread detects: detect() releases the GIL, so
decoding the next frame overlaps inference (the C++ sample build/bin/retinanet_video has the full
multi-stage pipeline).
"""
import json
import queue
import sys
import threading
import time

import cv2

import dnn_retinanet as dr
from retinanet_common import draw, make_model, parser, to_json


def reader(cap, frames, max_frames, stop):
    n = 0
    while not stop.is_set() and (max_frames <= 0 or n < max_frames):
        ok, frame = cap.read()
        if not ok:
            break
        frames.put(frame)
        n += 1
    frames.put(None)


def main():
    p = parser("RetinaNet object detection on video (dnn_retinanet)")
    p.add_argument("-i", "--input", required=True, help="camera index, video file, image sequence (frames/%%04d.png) or URL")
    p.add_argument("-o", "--output", help="annotated video (.avi: MJPG, else mp4v)")
    p.add_argument("--json", action="store_true", help="per-frame detections as JSON lines on stdout")
    p.add_argument("--show", action="store_true", help="show a window ('q' or Esc quits)")
    p.add_argument("--max-frames", type=int, default=0, help="stop after N frames (0: until the end)")
    args = p.parse_args()
    log = sys.stderr if args.json else sys.stdout
    try:
        model, names = make_model(args, log)
    except dr.error as e:
        print(f"error: {e.err}", file=sys.stderr)
        return 2
    cap = cv2.VideoCapture(int(args.input) if args.input.isdigit() else args.input)
    if not cap.isOpened():
        print(f"error: cannot open '{args.input}'", file=sys.stderr)
        return 2
    fps = cap.get(cv2.CAP_PROP_FPS) or 25
    frames, stop = queue.Queue(maxsize=2), threading.Event()
    thread = threading.Thread(target=reader, args=(cap, frames, args.max_frames, stop), daemon=True)
    thread.start()
    writer, count, start = None, 0, time.perf_counter()
    try:
        while (frame := frames.get()) is not None:
            dets = model.detectAll(frame)
            count += 1
            if args.json:
                # the C++ sample's fields (pts_ms: the position in the source, here frame index / fps)
                print(json.dumps({"frame": count - 1, "pts_ms": round((count - 1) * 1000.0 / fps, 3),
                                  "width": frame.shape[1], "height": frame.shape[0],
                                  "detections": to_json(dets, names)}))
            draw(frame, dets, names)
            if args.output:
                if writer is None:
                    fourcc = cv2.VideoWriter_fourcc(*("MJPG" if args.output.lower().endswith(".avi") else "mp4v"))
                    writer = cv2.VideoWriter(args.output, fourcc, fps, (frame.shape[1], frame.shape[0]))
                    if not writer.isOpened():
                        print(f"error: cannot write '{args.output}'", file=sys.stderr)
                        return 2
                writer.write(frame)
            if args.show:
                cv2.imshow("RetinaNet", frame)
                if cv2.waitKey(1) in (ord("q"), 27):
                    break
    except dr.error as e:
        print(f"error: {e.err}", file=sys.stderr)
        return 3
    finally:
        stop.set()
        while thread.is_alive():  # unblock the reader if it waits on a full queue
            try:
                frames.get_nowait()
            except queue.Empty:
                thread.join(0.05)
        if writer is not None:
            writer.release()
    elapsed = time.perf_counter() - start
    print(f"{count} frame(s) in {elapsed:.1f} s ({count / max(elapsed, 1e-9):.1f} FPS)", file=log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
