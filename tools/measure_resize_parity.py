#!/usr/bin/python3
"""Measure how far the module's resizing is from each framework's on real photos.

The module resizes with cv::resize (INTER_LINEAR unless preprocess.interpolation says otherwise);
this prints, per photo and framework, the difference between the framework's resized network
input and the module's, at the size the framework's keep-ratio rule gives:

  pil        detectron2 (ResizeTransform) and ODTK (odtk/data.py) resize the uint8 image with PIL
             BILINEAR, which is a convolution (antialiased when shrinking) with 8-bit fixed-point
             weights and an 8-bit intermediate: compared with cv2 INTER_LINEAR on the uint8 image
             (what preprocess.resize_input: uint8 does) and, for shrinking, INTER_AREA.
  torch      torchvision interpolates the normalised float tensor (F.interpolate bilinear); the
             module resizes the float image, then normalises: compared in normalised units.
  mean-first Detectron1 (float32) and AP-loss (float64) subtract the mean, then cv2.resize(fx=s);
             the module resizes the float32 image, then subtracts: compared in 0..255 units.
  uint8      mmdetection (dsize) and keras-retinanet 1.0.0 (fx=s) call cv2.resize INTER_LINEAR on
             the uint8 image, as the module does with resize_input uint8: 0 expected.

Differences are in 0..255 pixel levels (the network input of detectron2 / ODTK before /std) unless
noted; "frac>0" is the fraction of values that differ at all.

    /usr/bin/python3 tools/measure_resize_parity.py [--photos DIR]   # Debian's opencv-doc photos

(tested with Pillow 9.4, OpenCV 4.6, torch 1.13 from Debian 12.)
"""

import argparse
import os

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

PHOTOS = ["messi5.jpg", "home.jpg", "fruits.jpg", "board.jpg", "baboon.jpg", "leuvenA.jpg", "building.jpg",
          "aloeL.jpg"]


def detectron2_size(h, w, mn, mx):
    # ResizeShortestEdge (detectron2/data/transforms/augmentation_impl.py)
    scale = mn * 1.0 / min(h, w)
    newh, neww = (mn, scale * w) if h < w else (scale * h, mn)
    if max(newh, neww) > mx:
        scale = mx * 1.0 / max(newh, neww)
        newh, neww = newh * scale, neww * scale
    return int(newh + 0.5), int(neww + 0.5)


def odtk_size(h, w, mn, mx):
    # odtk/data.py CocoDataset.__getitem__
    ratio = mn / min(w, h)
    if ratio * max(w, h) > mx:
        ratio = mx / max(w, h)
    return int(ratio * h), int(ratio * w)


def stats(a, b):
    d = np.abs(a.astype(np.float64) - b.astype(np.float64))
    return d.max(), d.mean(), (d > 0).mean()


def fmt(s, digits=2):
    return "%.*f / %.*f / %.1f%%" % (digits, s[0], digits + 1, s[1], 100 * s[2])


def pil_rows(img_bgr, name, settings):
    rgb = np.ascontiguousarray(img_bgr[:, :, ::-1])
    h, w = rgb.shape[:2]
    rows = []
    for fw, size_fn in (("detectron2", detectron2_size), ("odtk", odtk_size)):
        for mn, mx in settings:
            nh, nw = size_fn(h, w, mn, mx)
            pil = np.asarray(Image.fromarray(rgb).resize((nw, nh), Image.BILINEAR))
            lin = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_LINEAR)
            area = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA) if nh < h else None
            rows.append((name, "%dx%d" % (h, w), fw, "%d/%d" % (mn, mx), "%dx%d" % (nh, nw),
                         fmt(stats(pil, lin)), fmt(stats(pil, area)) if area is not None else "(upscale)"))
    return rows


def float_rows(img_bgr, name):
    h, w = img_bgr.shape[:2]
    out = []
    # torchvision: normalise, then interpolate (transform.py); module: resize 0..255 float, then normalise
    mean = np.array([0.485, 0.456, 0.406], np.float32)
    std = np.array([0.229, 0.224, 0.225], np.float32)
    s = float(torch.min(800.0 / torch.tensor(float(min(h, w))), 1333.0 / torch.tensor(float(max(h, w)))).item())
    nh, nw = int(np.floor(h * s)), int(np.floor(w * s))
    rgb = img_bgr[:, :, ::-1].astype(np.float32)
    t = (torch.from_numpy(rgb.copy()).permute(2, 0, 1) / 255.0 - torch.from_numpy(mean)[:, None, None]) / \
        torch.from_numpy(std)[:, None, None]
    tv = F.interpolate(t[None], scale_factor=s, mode="bilinear", recompute_scale_factor=True,
                       align_corners=False)[0].permute(1, 2, 0).numpy()
    mod = (cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_LINEAR) * np.float32(1 / 255.0) - mean) / std
    assert tv.shape == mod.shape
    out.append((name, "torchvision (normalised units)", fmt(stats(tv, mod), 7)))
    # Detectron1: float32 image minus the means, then cv2.resize(fx=s) (detectron/utils/blob.py)
    dmean = np.array([102.9801, 115.9465, 122.7717], np.float32)
    f = img_bgr.astype(np.float32)
    s = 800.0 / min(h, w)
    if np.round(s * max(h, w)) > 1333:
        s = 1333.0 / max(h, w)
    det = cv2.resize(f - dmean, None, fx=s, fy=s)
    mod = cv2.resize(f, None, fx=s, fy=s) - dmean
    out.append((name, "Detectron1 (0..255 units)", fmt(stats(det, mod), 7)))
    # AP-loss: float32 image minus float64 means (a float64 image), then cv2.resize(fx=s) at 500/833
    s = 500.0 / min(h, w)
    if max(h, w) * s > 833:
        s = 833.0 / max(h, w)
    ap = cv2.resize(f - dmean.astype(np.float64), None, fx=s, fy=s)
    mod = cv2.resize(f, None, fx=s, fy=s) - dmean
    out.append((name, "AP-loss (0..255 units)", fmt(stats(ap, mod), 7)))
    # mmdetection (dsize) and keras-retinanet 1.0.0 (fx): cv2 INTER_LINEAR on the uint8 image, the
    # same call as the module's resize_input uint8
    sf = min(1333 / max(h, w), 800 / min(h, w))
    size = (int(w * sf + 0.5), int(h * sf + 0.5))
    a = cv2.resize(img_bgr, size, interpolation=cv2.INTER_LINEAR)
    out.append((name, "mmdetection (uint8, same call)", fmt(stats(a, a.copy()))))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", default="/usr/share/doc/opencv-doc/examples/data")
    args = ap.parse_args()
    pil, flt = [], []
    for name in PHOTOS:
        img = cv2.imread(os.path.join(args.photos, name), cv2.IMREAD_COLOR)
        if img is None:
            print("skipped (not found):", name)
            continue
        pil += pil_rows(img, name, [(800, 1333), (320, 512)])
        flt += float_rows(img, name)
    print("PIL BILINEAR vs cv2 on uint8, max / mean |diff| (levels) / fraction differing")
    print("| photo | HxW | framework | min/max | resized | vs INTER_LINEAR | vs INTER_AREA |")
    print("|---|---|---|---|---|---|---|")
    for r in pil:
        print("| " + " | ".join(r) + " |")
    print()
    print("float paths and mmdetection, max / mean |diff| / fraction differing")
    print("| photo | framework | module vs framework |")
    print("|---|---|---|")
    for r in flt:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
