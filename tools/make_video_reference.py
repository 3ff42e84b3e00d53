#!/usr/bin/python3
"""Per-frame expectations for data/video/synth_test.avi from the PyTorch model the shipped ONNX was
exported from (torchvision's full model: transform + backbone + head + postprocess).

    /usr/bin/python3 tools/make_video_reference.py --ckpt build_data/ckpt/model_final.pth

Writes data/reference/video/synth_test_expected.yml: frame_count, then frame_<i>_count and, when
non-zero, frame_<i>_boxes (x1 y1 x2 y2, frame pixels), frame_<i>_scores, frame_<i>_labels.
"""
import argparse
import os
import sys

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default="build_data/ckpt/model_final.pth")
    ap.add_argument("--video", default="data/video/synth_test.avi")
    ap.add_argument("--out", default="data/reference/video/synth_test_expected.yml")
    args = ap.parse_args()
    model, _ = train.load_model(args.ckpt)
    cap = cv2.VideoCapture(args.video)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    fs = cv2.FileStorage(args.out, cv2.FILE_STORAGE_WRITE)
    n = 0
    with torch.no_grad():
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            x = torch.from_numpy(np.ascontiguousarray(rgb, dtype=np.float32).transpose(2, 0, 1) / 255.0)
            det = model([x])[0]
            fs.write("frame_%d_count" % n, int(det["boxes"].shape[0]))
            if det["boxes"].shape[0]:
                fs.write("frame_%d_boxes" % n, det["boxes"].numpy().astype(np.float32))
                fs.write("frame_%d_scores" % n, det["scores"].numpy().astype(np.float32).reshape(-1, 1))
                fs.write("frame_%d_labels" % n, det["labels"].numpy().astype(np.int32).reshape(-1, 1))
            n += 1
    fs.write("frame_count", n)
    fs.release()
    print("wrote %s (%d frames)" % (args.out, n))


if __name__ == "__main__":
    main()
