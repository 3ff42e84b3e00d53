#!/usr/bin/env python3
"""Short synthetic video with MOVING objects for the video sample's tests and benchmarks.

The frames are drawn with the synthetic dataset's code (tools/synth_dataset.py): its textured
background (gradient, colour blobs, lines, hatching/dots), its class shapes (circle, square, ...,
striped_rect, ellipse), fills (solid, gradient, stripes) and anti-aliased compositing. Every object
moves on a straight line from a start to an end position (linear interpolation over the clip),
grows or shrinks a little and spins slowly when its shape allows it; a few thin lines drift over
the background. Everything is deterministic from ``--seed``.

    /usr/bin/python3 tools/make_test_video.py                      # data/video/synth_test.avi
    /usr/bin/python3 tools/make_test_video.py --out /tmp/long.avi --size 1280x720 --frames 300

The committed test video is the default: 60 frames of 320x256, MJPG, 15 fps, seed 0.
``--annotations FILE`` also writes the ground truth boxes per frame (JSON, COCO-style
[x, y, w, h], category ids 1..8 in synth_dataset.CLASSES order).
"""
import argparse
import json
import math
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth_dataset as sd  # noqa: E402  (the colleague's generator: imported, never edited)


def parse_size(s):
    w, h = s.lower().split("x")
    return int(w), int(h)


def make_track(rng, H, W, frames, size):
    """One moving object: its class, unit contours and a per-frame pose (centre, scale, angle)."""
    name, cont = sd.sample_object(rng, H, W, size)        # contours placed somewhere in the frame
    allp = np.concatenate(cont)
    c0 = (allp.min(0) + allp.max(0)) / 2.0
    local = [p - c0 for p in cont]                          # centred on the box centre
    spin = 0.0 if name in ("circle",) else rng.uniform(-0.6, 0.6)   # radians over the clip
    if name in sd.STRETCHABLE:                               # keep the box aspect in range
        spin = float(np.clip(spin, -math.radians(15), math.radians(15)))
    s1 = math.exp(rng.uniform(math.log(0.8), math.log(1.25)))
    # end position: anywhere the object fits; speed bounded so that it stays recognisable
    ext = (allp.max(0) - allp.min(0)) * max(1.0, s1) * 1.45 / 2.0   # rotated half-extent bound
    lo = np.minimum(ext, [W / 2.0, H / 2.0])
    hi = np.maximum([W, H] - ext, lo)
    c_start = np.clip(c0, lo, hi)
    c_end = np.array([rng.uniform(lo[0], hi[0]), rng.uniform(lo[1], hi[1])])
    travel = c_end - c_start
    max_travel = 0.6 * min(W, H)
    n = float(np.linalg.norm(travel))
    if n > max_travel:
        c_end = c_start + travel * (max_travel / n)
    return {"name": name, "local": local, "c0": c_start, "c1": c_end, "s1": s1, "spin": spin}


def pose(track, t):
    c = track["c0"] * (1 - t) + track["c1"] * t
    s = 1.0 + (track["s1"] - 1.0) * t
    a = track["spin"] * t
    cs, sn = math.cos(a), math.sin(a)
    R = np.array([[cs, -sn], [sn, cs]])
    return [(p * s) @ R.T + c for p in track["local"]]


def make_fill(rng, img, cont, name):
    c0 = sd.contrast_color(rng, img, cont)
    if name == "striped_rect":
        c1 = sd.contrast_color(rng, img, cont, 0)
        while np.abs(c1 - c0).sum() < 90:
            c1 = sd.obj_color(rng)
        allp = np.concatenate(cont)
        short = float(np.min(allp.max(0) - allp.min(0)))
        return ("stripes", c0, c1, rng.uniform(0, np.pi), float(np.clip(short / 4, 3, 12)))
    if rng.random() < 0.35:
        return ("grad", c0, sd.obj_color(rng), rng.uniform(0, 2 * np.pi))
    return ("solid", c0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "data", "video", "synth_test.avi"))
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--size", default="320x256", help="WxH")
    ap.add_argument("--fps", type=float, default=15.0)
    ap.add_argument("--objects", default="8-14", help="objects per clip, N or A-B")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quality", type=int, default=90, help="MJPG quality (0..100)")
    ap.add_argument("--annotations", default="", help="also write per-frame ground truth (JSON)")
    args = ap.parse_args()
    W, H = parse_size(args.size)
    lo_n, hi_n = (int(v) for v in (args.objects.split("-") if "-" in args.objects else [args.objects] * 2))

    rng = np.random.default_rng([args.seed, 77])
    background = sd.make_background(rng, H, W)             # float32 BGR, textured
    m = min(H, W)
    n = int(rng.integers(lo_n, hi_n + 1))
    sizes = np.sort([math.exp(rng.uniform(math.log(0.09 * m), math.log(0.45 * m))) for _ in range(n)])[::-1]
    tracks = [make_track(rng, H, W, args.frames, float(s)) for s in sizes]   # big first: small ones on top
    for tr in tracks:
        tr["fill"] = make_fill(rng, background, pose(tr, 0.0), tr["name"])
    drift = [(rng.uniform(0, W), rng.uniform(0, H), rng.uniform(0, np.pi), rng.uniform(-1, 1),
              sd.bg_color(rng).tolist()) for _ in range(3)]

    os.makedirs(os.path.dirname(os.path.abspath(args.out)) or ".", exist_ok=True)
    ext = os.path.splitext(args.out)[1].lower()
    fourcc = cv2.VideoWriter_fourcc(*("mp4v" if ext in (".mp4", ".m4v", ".mov") else "MJPG"))
    vw = cv2.VideoWriter(args.out, fourcc, args.fps, (W, H))
    if not vw.isOpened():
        sys.exit(f"cannot open {args.out} for writing")
    if ext == ".avi":
        vw.set(cv2.VIDEOWRITER_PROP_QUALITY, args.quality)
    gt = []
    for f in range(args.frames):
        t = f / max(1, args.frames - 1)
        img = background.copy()
        for x, y, a, v, col in drift:                        # slowly drifting thin lines
            a2 = a + v * t
            d = np.array([math.cos(a2), math.sin(a2)]) * (W + H)
            cv2.line(img, (int(x - d[0]), int(y - d[1])), (int(x + d[0]), int(y + d[1])), col, 1, cv2.LINE_AA)
        idmap = np.zeros((H, W), np.int32)
        full, conts = [], []
        for i, tr in enumerate(tracks):
            cont = pose(tr, t)
            conts.append(cont)
            full.append(sd.paint(img, idmap, cont, tr["fill"], i + 1))
        frame = np.clip(img + 0.5, 0, 255).astype(np.uint8)
        vw.write(frame)
        visible = np.bincount(idmap.ravel(), minlength=len(tracks) + 1)
        anns = []
        for i, (tr, cont) in enumerate(zip(tracks, conts)):
            if full[i] <= 0 or visible[i + 1] < sd.MIN_VISIBLE * full[i]:
                continue
            allp = np.concatenate(cont)
            x0, y0 = np.clip(allp.min(0) + 0.5, 0, [W, H])
            x1, y1 = np.clip(allp.max(0) + 0.5, 0, [W, H])
            anns.append({"category_id": sd.CLASSES.index(tr["name"]) + 1,
                         "bbox": [round(float(x0), 2), round(float(y0), 2),
                                  round(float(x1 - x0), 2), round(float(y1 - y0), 2)]})
        gt.append({"frame": f, "annotations": anns})
    vw.release()
    if args.annotations:
        with open(args.annotations, "w") as fh:
            json.dump({"classes": sd.CLASSES, "width": W, "height": H, "frames": gt}, fh, separators=(",", ":"))
    print(f"[video] {args.frames} frames {W}x{H} @ {args.fps} fps, {len(tracks)} moving objects -> {args.out} "
          f"({os.path.getsize(args.out) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
