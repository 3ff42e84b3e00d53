#!/usr/bin/env python3
"""Reference for the torch_linear resize (INTER_TORCH_LINEAR): torch's own bilinear interpolate.

Purpose
    torchvision's transform resizes the float image tensor with
    ``torch.nn.functional.interpolate(mode="bilinear", align_corners=False,
    recompute_scale_factor=True)``. This tool runs exactly that on seeded random HxWx3 float images
    (8-bit values) for a few (input, output) size pairs — up, down, mixed, one axis unchanged — and writes
    data/reference/preprocess/torch_bilinear.yml.gz (cv2.FileStorage): per case ``src_<i>`` (HxW
    CV_32FC3) and ``dst_<i>`` (the interpolated image, channels last), ``count``.
    modules/dnn_retinanet/test/test_preprocess.cpp checks the module's INTER_TORCH_LINEAR against it.

How to rerun
    /usr/bin/python3 tools/make_interpolate_reference.py [--out data/reference/preprocess/torch_bilinear.yml.gz]
"""

import argparse
import os

import cv2
import numpy as np
import torch

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (in H, in W) -> (out H, out W)
CASES = [((17, 23), (29, 41)), ((41, 37), (19, 17)), ((20, 16), (32, 16)), ((16, 12), (25, 9)), ((9, 11), (9, 27))]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].strip())
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "data", "reference", "preprocess", "torch_bilinear.yml.gz"))
    args = ap.parse_args(argv)
    rng = np.random.RandomState(3)
    fs = cv2.FileStorage(args.out, cv2.FILE_STORAGE_WRITE)
    fs.write("count", len(CASES))
    for i, ((h, w), (oh, ow)) in enumerate(CASES):
        src = rng.randint(0, 256, (h, w, 3)).astype(np.float32)  # 8-bit values, as frames are
        t = torch.from_numpy(np.ascontiguousarray(src.transpose(2, 0, 1)))[None]
        # the call torchvision makes, with the output size it computes from the scale
        out = torch.nn.functional.interpolate(t, size=(oh, ow), mode="bilinear", align_corners=False)
        dst = np.ascontiguousarray(out[0].numpy().transpose(1, 2, 0))
        fs.write("src_%d" % i, src)
        fs.write("dst_%d" % i, dst)
        print("case %d: %dx%d -> %dx%d" % (i, h, w, oh, ow))
    fs.release()
    print("wrote %s" % args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
