#!/usr/bin/python3
"""RetinaNet on images: a file, a folder or a glob -> annotated images + detections as text or JSON.

    PYTHONPATH=build/python /usr/bin/python3 modules/dnn_retinanet/samples/python/retinanet_detect.py --input=data/images/demo --output=out/py
    ... retinanet_detect.py -m model.onnx --retinanet_config torchvision --input "photos/*.jpg" --json --thr 0.3

The Python twin of the C++ sample (build/bin/retinanet_detect), same keys and same detections.
"""
import glob
import json
import os
import sys

import cv2

import dnn_retinanet as dr
from retinanet_common import draw, make_model, parser, class_name, to_json

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def list_inputs(pattern):
    if os.path.isdir(pattern):
        return sorted(os.path.join(pattern, f) for f in os.listdir(pattern) if f.lower().endswith(EXTENSIONS))
    if any(c in pattern for c in "*?["):
        return sorted(glob.glob(pattern))
    return [pattern]


def main():
    p = parser("RetinaNet object detection on images (dnn_retinanet)")
    p.add_argument("-i", "--input", required=True, help="image file, folder or glob (quote it)")
    p.add_argument("-o", "--output", help="folder for the annotated images (created); default: none written")
    p.add_argument("--json", action="store_true", help="print detections as JSON lines instead of text")
    p.add_argument("-v", "--verbose", action="store_true", help="print every detection and the time per stage")
    args = p.parse_args()
    log = sys.stderr if args.json else sys.stdout
    try:
        model, names = make_model(args, log)
        files = list_inputs(args.input)
        if not files:
            raise SystemExit(f"no images match '{args.input}'")
        if args.output:
            os.makedirs(args.output, exist_ok=True)
        stages = ("preprocess", "network", "decode", "postprocess")
        totals, processed = dict.fromkeys(stages, 0.0), 0
        for file in files:
            img = cv2.imread(file, cv2.IMREAD_COLOR)
            if img is None:
                print(f"skipping unreadable image: {file}", file=sys.stderr)
                continue
            dets = model.detectAll(img)  # (classIds, scores, boxes x1 y1 x2 y2), best first
            t = model.getLastTimings()  # dr.Timings, milliseconds
            for k in stages:
                totals[k] += getattr(t, k)
            processed += 1
            if args.json:
                print(json.dumps({"image": file, "width": img.shape[1], "height": img.shape[0],
                                  "detections": to_json(dets, names)}))
            else:
                thr = args.thr if args.thr >= 0 else model.getConfig().selection.scoreThreshold
                print(f"{file}: {len(dets[0])} detections (>= {thr:g}) in {t.total:.1f} ms")
            if args.verbose and not args.json:
                print("  " + ", ".join(f"{k} {getattr(t, k):.2f} ms" for k in stages))
                for k, s, b in zip(*dets):
                    print(f"  {class_name(names, k):<12} {s:.3f}  [{b[0]:.1f}, {b[1]:.1f}, {b[2]:.1f}, {b[3]:.1f}]")
            if args.output:
                out = os.path.join(args.output, os.path.splitext(os.path.basename(file))[0] + "_detections.png")
                if not cv2.imwrite(out, draw(img, dets, names)):
                    raise SystemExit(f"cannot write '{out}'")
                if args.verbose:
                    print(f"  written: {out}", file=log)
        if not processed:
            raise SystemExit("no readable image among the inputs")
        print(f"{processed} image(s); mean per image: "
              + ", ".join(f"{k} {totals[k] / processed:.2f} ms" for k in stages), file=log)
    except dr.error as e:
        print(f"error: {e.err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
