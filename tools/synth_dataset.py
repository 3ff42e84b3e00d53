#!/usr/bin/env python3
"""Synthetic dense-scene object detection dataset in COCO format.

Everything is generated locally and deterministically from ``--seed`` (each image
has its own RNG seeded with ``(seed, split, index)``, so the output does not depend
on ``--workers``).

Scenes
------
* 8 object classes defined by *shape* (and, for ``striped_rect``, by texture), never
  by colour: every instance gets its own random colour / gradient.
* 10..60 drawn objects per image, sizes ~12 px .. ~300 px (clamped to the image),
  aspect ratios 1:3 .. 3:1 for the shapes that can stretch, painted in (roughly)
  descending size order so small objects occlude big ones.
* Occlusion rule: an object whose visible area (pixels still showing it after all
  later objects / distractors were painted) is < 50 % of its full area is kept in
  the picture but dropped from the annotations.
* Clutter: gradient + low-frequency colour blobs + random lines / hatching / dots in
  the background, plus 2..7 hard-negative distractors (hexagon outlines, random jagged
  polygons, text, arcs, thick strokes) at random depths.
* Colour: objects and distractors are saturated (HSV s >= 0.55, v >= 0.45), the
  background clutter is muted (s <= 0.35): busy, but quieter than the things to find,
  as in photographs.  (The first version drew the background as saturated as the
  objects; a 2-core CPU could not learn it from scratch: mAP 0.006 after
  55 minutes.)
* Boxes are amodal (the full object, even if partly covered), in COCO continuous
  pixel coordinates ``[x, y, w, h]`` (pixel i spans [i, i+1)); ``area = w * h``.

Layout written to ``--out DIR``::

    DIR/<split>/annotations.json   COCO json, file_name relative to DIR/<split>/
    DIR/<split>/000000.png ...
    DIR/stats.json                 objects/image, classes, pyramid-level histogram

Category ids are 1..8 (``CLASSES`` order); the trainer uses ``label == category_id``
with ``num_classes = 9`` (index 0 unused), like torchvision's COCO models.

Examples::

    python3 tools/synth_dataset.py --out build_data/synth --num-train 3000 \
        --num-val 200 --num-test 200 --size 320
    python3 tools/synth_dataset.py --demo 4 --demo-out data/images/demo
"""
import argparse
import json
import math
import os
import sys
import time

import cv2
import numpy as np

CLASSES = ["circle", "square", "triangle", "star", "cross", "ring", "striped_rect", "ellipse"]
STRETCHABLE = {"triangle", "cross", "ring", "striped_rect", "ellipse"}
SPLIT_IDS = {"train": 1, "val": 2, "test": 3, "demo": 4}

# Anchor layout used by tools/train.py (P3..P7, strides 8..128, base size 2*stride,
# 3 scales/octave, ratios 0.5/1/2); only used here for the level histogram.
STRIDES = [8, 16, 32, 64, 128]
ANCHOR_SIZES = [(x, int(x * 2 ** (1.0 / 3)), int(x * 2 ** (2.0 / 3))) for x in [16, 32, 64, 128, 256]]
ASPECT_RATIOS = (0.5, 1.0, 2.0)

SHIFT = 4                 # fixed-point bits for cv2 polygon drawing (sub-pixel vertices)
FIX = float(1 << SHIFT)
MIN_VISIBLE = 0.5


# ----------------------------------------------------------------------------- shapes
def _ellipse(n, rx=0.5, ry=0.5):
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    return np.stack([rx * np.cos(t), ry * np.sin(t)], 1)


def shape_contours(name, rng, npts):
    """Contours of a class shape in the unit box [-0.5, 0.5]^2 (before stretch/rotation)."""
    if name in ("circle", "ellipse"):
        return [_ellipse(npts)]
    if name in ("square", "striped_rect"):
        return [np.array([[-.5, -.5], [.5, -.5], [.5, .5], [-.5, .5]])]
    if name == "triangle":
        return [np.array([[rng.uniform(-0.3, 0.3), -.5], [.5, .5], [-.5, .5]])]
    if name == "star":
        k = 5
        r_in = 0.5 * rng.uniform(0.38, 0.5)
        a = -np.pi / 2 + np.arange(2 * k) * np.pi / k
        r = np.where(np.arange(2 * k) % 2 == 0, 0.5, r_in)
        return [np.stack([r * np.cos(a), r * np.sin(a)], 1)]
    if name == "cross":
        t = 0.5 * rng.uniform(0.25, 0.42)
        return [np.array([[-t, -.5], [t, -.5], [t, -t], [.5, -t], [.5, t], [t, t], [t, .5],
                          [-t, .5], [-t, t], [-.5, t], [-.5, -t], [-t, -t]])]
    if name == "ring":
        ri = rng.uniform(0.45, 0.7)
        return [_ellipse(npts), _ellipse(npts, 0.5 * ri, 0.5 * ri)[::-1]]
    raise ValueError(name)


def transform(contours, w, h, ang):
    c, s = math.cos(ang), math.sin(ang)
    R = np.array([[c, -s], [s, c]])
    return [(p * np.array([w, h])) @ R.T for p in contours]


# ----------------------------------------------------------------------------- colours
def rand_color(rng, smin=0.25, vmin=0.3, smax=1.0, vmax=1.0):
    hsv = np.uint8([[[rng.integers(0, 180), int(255 * rng.uniform(smin, smax)), int(255 * rng.uniform(vmin, vmax))]]])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0].astype(np.float32)


def bg_color(rng):
    """Muted clutter colour: objects are drawn saturated, so the background is busy but
    quieter than the objects (a 2-core CPU must learn this in an hour, from scratch)."""
    return rand_color(rng, 0.0, 0.25, smax=0.35, vmax=0.85)


def make_background(rng, H, W):
    c0, c1 = bg_color(rng), bg_color(rng)
    a = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    t = (xx * math.cos(a) + yy * math.sin(a))
    t = (t - t.min()) / max(1e-6, t.max() - t.min())
    img = c0[None, None] * (1 - t[..., None]) + c1[None, None] * t[..., None]
    # low-frequency colour blobs
    g = int(rng.integers(3, 10))
    blob = rng.normal(0, rng.uniform(6, 22), (g, g, 3)).astype(np.float32)
    img += cv2.resize(blob, (W, H), interpolation=cv2.INTER_CUBIC)
    img = np.clip(np.round(img / 4.0) * 4.0, 0, 255)  # light posterisation keeps the PNGs small
    # random lines
    for _ in range(int(rng.integers(3, 15))):
        p0 = (int(rng.integers(-20, W + 20)), int(rng.integers(-20, H + 20)))
        p1 = (int(rng.integers(-20, W + 20)), int(rng.integers(-20, H + 20)))
        cv2.line(img, p0, p1, bg_color(rng).tolist(), int(rng.integers(1, 4)), cv2.LINE_AA)
    # sparse texture: dots / hatching
    if rng.random() < 0.4:
        step = int(rng.integers(6, 20))
        col = bg_color(rng).tolist()
        for x in range(int(rng.integers(0, step)), W + H, step):
            cv2.line(img, (x, 0), (x - H, H), col, 1, cv2.LINE_AA)
    if rng.random() < 0.4:
        n = int(rng.integers(50, 400))
        for x, y, r in zip(rng.integers(0, W, n), rng.integers(0, H, n), rng.integers(1, 3, n)):
            cv2.circle(img, (int(x), int(y)), int(r), bg_color(rng).tolist(), -1, cv2.LINE_AA)
    return img


# ----------------------------------------------------------------------------- painting
def raster(contours, H, W):
    """Anti-aliased coverage of filled contours (float image coords, pixel centres at
    integers; several contours = even-odd holes).  Returns (x0, y0, uint8 alpha) or None."""
    allp = np.concatenate(contours)
    x0 = max(0, int(math.floor(allp[:, 0].min())) - 2)
    y0 = max(0, int(math.floor(allp[:, 1].min())) - 2)
    x1 = min(W, int(math.ceil(allp[:, 0].max())) + 3)
    y1 = min(H, int(math.ceil(allp[:, 1].max())) + 3)
    if x1 <= x0 or y1 <= y0:
        return None
    alpha = np.zeros((y1 - y0, x1 - x0), np.uint8)
    pts = [np.round((p - [x0, y0]) * FIX).astype(np.int32) for p in contours]
    cv2.fillPoly(alpha, pts, 255, cv2.LINE_AA, SHIFT)
    return x0, y0, alpha


def composite(img, idmap, r, fill, obj_id):
    """Alpha-composite a raster r=(x0, y0, alpha) with
    fill: ('solid', c) | ('grad', c0, c1, ang) | ('stripes', c0, c1, ang, period).
    Writes obj_id into idmap where coverage >= 50 %; returns that pixel count."""
    if r is None:
        return 0
    x0, y0, alpha = r
    ph, pw = alpha.shape
    a = alpha.astype(np.float32)[..., None] / 255.0
    if fill[0] == "solid":
        f = fill[1][None, None]
    else:
        yy, xx = np.mgrid[0:ph, 0:pw].astype(np.float32)
        ang = fill[3]
        u = xx * math.cos(ang) + yy * math.sin(ang)
        if fill[0] == "grad":
            t = (u - u.min()) / max(1e-6, u.max() - u.min())
        else:  # stripes with soft edges
            t = np.clip(np.sin(2 * np.pi * u / fill[4]) * 3.0, -1, 1) * 0.5 + 0.5
        t = t[..., None]
        f = np.round((fill[1][None, None] * (1 - t) + fill[2][None, None] * t) / 4.0) * 4.0
    patch = img[y0:y0 + ph, x0:x0 + pw]
    patch[:] = patch * (1 - a) + f * a
    m = alpha >= 128
    idmap[y0:y0 + ph, x0:x0 + pw][m] = obj_id
    return int(m.sum())


def paint(img, idmap, contours, fill, obj_id):
    return composite(img, idmap, raster(contours, *idmap.shape), fill, obj_id)


def occludes_too_much(idmap, r, full, vis):
    """Would painting raster r push an object that is still >= 50 % visible below 55 %?"""
    if r is None:
        return False
    x0, y0, alpha = r
    ph, pw = alpha.shape
    cov = np.bincount(idmap[y0:y0 + ph, x0:x0 + pw][alpha >= 128], minlength=len(vis))
    cov[0] = 0
    new = vis - cov
    return bool(np.any((vis >= MIN_VISIBLE * full) & (new < 0.55 * full) & (cov > 0)))


def obj_color(rng):
    """Saturated object / distractor colour (the hue is random: colour never gives the class)."""
    return rand_color(rng, 0.55, 0.45)


def contrast_color(rng, img, contours, min_diff=90.0):
    allp = np.concatenate(contours)
    H, W = img.shape[:2]
    x0, y0 = max(0, int(allp[:, 0].min())), max(0, int(allp[:, 1].min()))
    x1, y1 = min(W, int(allp[:, 0].max()) + 1), min(H, int(allp[:, 1].max()) + 1)
    bg = img[y0:y1, x0:x1].reshape(-1, 3).mean(0) if (x1 > x0 and y1 > y0) else np.zeros(3)
    for _ in range(8):
        c = obj_color(rng)
        if np.abs(c - bg).sum() >= min_diff:
            return c
    return 255.0 - bg.astype(np.float32)


def sample_object(rng, H, W, s):
    name = CLASSES[int(rng.integers(len(CLASSES)))]
    ar = 1.0
    if name in STRETCHABLE:
        ar = math.exp(rng.uniform(-math.log(3), math.log(3)))
        if name == "ellipse":  # keep ellipses clearly non-circular
            ar = math.exp(rng.choice([-1, 1]) * rng.uniform(math.log(1.5), math.log(3)))
        if name == "ring":
            ar = math.exp(rng.uniform(-math.log(2), math.log(2)))
    if name in ("circle",):
        ang = 0.0
    elif name in ("square", "star"):
        ang = rng.uniform(0, 2 * np.pi)
    else:  # stretchable: axis aligned (either way) +- 15 deg to keep box aspect in range
        ang = rng.integers(0, 4) * np.pi / 2 + math.radians(rng.uniform(-15, 15))
    w, h = s * math.sqrt(ar), s / math.sqrt(ar)
    npts = int(np.clip(s * 0.8, 16, 120))
    cont = transform(shape_contours(name, rng, npts), w, h, ang)
    allp = np.concatenate(cont)
    lo, hi = allp.min(0), allp.max(0)
    ext = hi - lo
    lim = np.array([W - 2.0, H - 2.0])
    if np.any(ext > lim):  # clamp to the image
        k = float(np.min(lim / ext)) * 0.98
        cont = [p * k for p in cont]
        lo, hi = lo * k, hi * k
    cx = rng.uniform(-lo[0], W - 1 - hi[0])
    cy = rng.uniform(-lo[1], H - 1 - hi[1])
    cont = [p + [cx, cy] for p in cont]
    return name, cont


def draw_distractor(rng, img, idmap, H, W):
    kind = rng.choice(["hexagon", "polygon", "text", "arc", "stroke"], p=[0.25, 0.25, 0.2, 0.15, 0.15])
    s = math.exp(rng.uniform(math.log(12), math.log(0.5 * min(H, W))))
    cx, cy = rng.uniform(0, W), rng.uniform(0, H)
    col = obj_color(rng)
    if kind in ("hexagon", "polygon"):
        n = 6 if kind == "hexagon" else int(rng.integers(7, 11))
        a = rng.uniform(0, 2 * np.pi) + np.arange(n) * 2 * np.pi / n
        r = 0.5 * s * (np.ones(n) if kind == "hexagon" else rng.uniform(0.3, 1.0, n))
        p = np.stack([cx + r * np.cos(a), cy + r * np.sin(a)], 1)
        if kind == "hexagon":
            pts = np.round(p * FIX).astype(np.int32)
            cv2.polylines(img, [pts], True, col.tolist(), int(rng.integers(1, 4)), cv2.LINE_AA, SHIFT)
        else:
            paint(img, idmap, [p], ("solid", col), 0)
    elif kind == "text":
        txt = "".join(chr(int(c)) for c in rng.integers(65, 91, int(rng.integers(2, 7))))
        font = int(rng.choice([cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX]))
        cv2.putText(img, txt, (int(cx - s / 2), int(cy)), font, float(np.clip(s / 40, 0.3, 2.0)),
                    col.tolist(), int(rng.integers(1, 3)), cv2.LINE_AA)
    elif kind == "arc":
        a0 = rng.uniform(0, 360)
        cv2.ellipse(img, (int(cx), int(cy)), (int(s / 2), int(s / 2 * rng.uniform(0.5, 1))), rng.uniform(0, 180),
                    a0, a0 + rng.uniform(60, 250), col.tolist(), int(rng.integers(1, 4)), cv2.LINE_AA)
    else:
        a = rng.uniform(0, np.pi)
        d = np.array([math.cos(a), math.sin(a)]) * s / 2
        cv2.line(img, (int(cx - d[0]), int(cy - d[1])), (int(cx + d[0]), int(cy + d[1])), col.tolist(),
                 int(rng.integers(3, 8)), cv2.LINE_AA)


def render_image(seed, split, idx, size_range):
    """Returns (uint8 BGR image, list of (category_id, [x, y, w, h]))."""
    rng = np.random.default_rng([seed, SPLIT_IDS[split], idx])
    if size_range[0] == size_range[1]:
        H = W = size_range[0]
    else:
        W, H = (int(v) for v in rng.integers(size_range[0], size_range[1] + 1, 2))
    img = make_background(rng, H, W)
    idmap = np.zeros((H, W), np.int32)

    n = int(rng.integers(10, 61))
    m = min(H, W)
    sizes = []
    if rng.random() < 0.5:                       # P7-sized object
        sizes.append(rng.uniform(220, 0.95 * m))
    sizes += list(rng.uniform(100, 220, int(rng.choice([0, 1, 2, 3], p=[0.25, 0.35, 0.25, 0.15]))))  # P6-ish
    smax = float(np.clip(1.6 * math.sqrt(H * W / n), 40, 160))
    while len(sizes) < n:
        sizes.append(math.exp(rng.uniform(math.log(12), math.log(smax))))
    sizes = np.array(sizes) * (m / 320.0) ** 0.5
    order = np.argsort(-(np.log(sizes) + rng.normal(0, 0.25, len(sizes))))
    n_dis = int(rng.integers(2, 8))
    dis_at = set(int(v) for v in rng.integers(0, n + 1, n_dis))

    objs = []
    full = np.zeros(n + 1, np.int64)           # full (unoccluded) pixel count per object id
    protect = rng.random() < 0.8               # most scenes: try not to bury earlier objects
    for k, oi in enumerate(order):
        if k in dis_at:
            draw_distractor(rng, img, idmap, H, W)
        for attempt in range(6):
            name, cont = sample_object(rng, H, W, float(sizes[oi]))
            r = raster(cont, H, W)
            if not protect or attempt == 5:
                break
            vis = np.bincount(idmap.ravel(), minlength=n + 1)
            if not occludes_too_much(idmap, r, full, vis):
                break
        c0 = contrast_color(rng, img, cont)
        if name == "striped_rect":
            c1 = contrast_color(rng, img, cont, 0)
            while np.abs(c1 - c0).sum() < 90:
                c1 = obj_color(rng)
            allp = np.concatenate(cont)
            short = float(np.min(allp.max(0) - allp.min(0)))
            fill = ("stripes", c0, c1, rng.uniform(0, np.pi), float(np.clip(short / 4, 3, 12)))
        elif rng.random() < 0.35:
            fill = ("grad", c0, obj_color(rng), rng.uniform(0, 2 * np.pi))
        else:
            fill = ("solid", c0)
        full[len(objs) + 1] = composite(img, idmap, r, fill, len(objs) + 1)
        objs.append((name, cont, int(full[len(objs) + 1])))
    if n in dis_at:
        draw_distractor(rng, img, idmap, H, W)
    for _ in range(int(rng.integers(0, 3))):     # thin lines on top of everything
        cv2.line(img, (int(rng.integers(0, W)), int(rng.integers(0, H))),
                 (int(rng.integers(0, W)), int(rng.integers(0, H))), bg_color(rng).tolist(), 1, cv2.LINE_AA)
    if rng.random() < 0.2:  # sparse impulse noise (dense Gaussian noise is a train-time augmentation)
        m = rng.random((H, W)) < rng.uniform(0.005, 0.03)
        img[m] = rng.uniform(0, 255, (int(m.sum()), 1))
    img = np.clip(img + 0.5, 0, 255).astype(np.uint8)

    visible = np.bincount(idmap.ravel(), minlength=len(objs) + 1)
    anns = []
    for i, (name, cont, full) in enumerate(objs):
        if full <= 0 or visible[i + 1] < MIN_VISIBLE * full:
            continue
        allp = np.concatenate(cont)
        x0, y0 = np.clip(allp.min(0) + 0.5, 0, [W, H])
        x1, y1 = np.clip(allp.max(0) + 0.5, 0, [W, H])
        anns.append((CLASSES.index(name) + 1, [round(float(x0), 2), round(float(y0), 2),
                                               round(float(x1 - x0), 2), round(float(y1 - y0), 2)]))
    return img, anns


# ----------------------------------------------------------------------------- stats
def assign_level(w, h):
    """Pyramid level (3..7) whose centred anchor has the highest IoU with a w x h box."""
    best, lvl = -1.0, 3
    for li, sizes in enumerate(ANCHOR_SIZES):
        for sz in sizes:
            for r in ASPECT_RATIOS:
                hr = math.sqrt(r)
                aw, ah = sz / hr, sz * hr
                inter = min(w, aw) * min(h, ah)
                iou = inter / (w * h + aw * ah - inter)
                if iou > best:
                    best, lvl = iou, li + 3
    return lvl


def split_stats(coco):
    per_img = np.zeros(len(coco["images"]), int)
    idx = {im["id"]: i for i, im in enumerate(coco["images"])}
    levels = {l: 0 for l in range(3, 8)}
    cls = {c["name"]: 0 for c in coco["categories"]}
    names = {c["id"]: c["name"] for c in coco["categories"]}
    area = {"small": 0, "medium": 0, "large": 0}
    for a in coco["annotations"]:
        per_img[idx[a["image_id"]]] += 1
        w, h = a["bbox"][2], a["bbox"][3]
        levels[assign_level(w, h)] += 1
        cls[names[a["category_id"]]] += 1
        area["small" if a["area"] < 32 ** 2 else "medium" if a["area"] < 96 ** 2 else "large"] += 1
    hist = np.histogram(per_img, bins=[0, 10, 20, 30, 40, 50, 61, 1000])[0]
    return {"images": len(per_img), "annotations": int(per_img.sum()),
            "objects_per_image": {"min": int(per_img.min()), "mean": round(float(per_img.mean()), 2),
                                  "max": int(per_img.max()),
                                  "hist_0_10_20_30_40_50_60_plus": [int(v) for v in hist]},
            "pyramid_level_hist": {f"P{k}": v for k, v in levels.items()},
            "coco_area_hist": area, "class_hist": cls}


# ----------------------------------------------------------------------------- driver
def _job(args):
    seed, split, idx, size_range, out_dir, compression = args
    img, anns = render_image(seed, split, idx, size_range)
    fn = f"{idx:06d}.png"
    cv2.imwrite(os.path.join(out_dir, fn), img, [cv2.IMWRITE_PNG_COMPRESSION, compression])
    return idx, fn, img.shape[1], img.shape[0], anns


def _map(jobs, workers):
    if workers <= 1:
        return [_job(j) for j in jobs]
    import multiprocessing as mp
    with mp.get_context("fork").Pool(workers) as pool:
        return pool.map(_job, jobs, chunksize=8)


def write_split(out, split, num, seed, size_range, workers, compression):
    d = os.path.join(out, split)
    os.makedirs(d, exist_ok=True)
    t0 = time.time()
    res = _map([(seed, split, i, size_range, d, compression) for i in range(num)], workers)
    coco = {"info": {"description": f"synthetic dense shapes, split={split}, seed={seed}",
                     "generator": "tools/synth_dataset.py"},
            "images": [], "annotations": [],
            "categories": [{"id": i + 1, "name": n, "supercategory": "shape"} for i, n in enumerate(CLASSES)]}
    aid = 1
    for idx, fn, w, h, anns in sorted(res):
        coco["images"].append({"id": idx + 1, "file_name": fn, "width": w, "height": h})
        for cid, b in anns:
            coco["annotations"].append({"id": aid, "image_id": idx + 1, "category_id": cid, "bbox": b,
                                        "area": round(b[2] * b[3], 2), "iscrowd": 0})
            aid += 1
    with open(os.path.join(d, "annotations.json"), "w") as f:
        json.dump(coco, f, separators=(",", ":"))
    print(f"[synth] {split}: {num} images, {len(coco['annotations'])} boxes in {time.time() - t0:.1f}s -> {d}",
          flush=True)
    return coco


def parse_size(s):
    if "-" in s:
        a, b = s.split("-")
        return int(a), int(b)
    return int(s), int(s)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="output dataset folder")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--num-train", type=int, default=3000)
    ap.add_argument("--num-val", type=int, default=200)
    ap.add_argument("--num-test", type=int, default=200)
    ap.add_argument("--size", default="320", help="image size N (NxN) or a range 'A-B' (random W,H in [A,B])")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--png-compression", type=int, default=3, help="0..9 (test split always uses 9)")
    ap.add_argument("--demo", type=int, default=0, help="write N demo images (seed+1000) to --demo-out")
    ap.add_argument("--demo-out", default="data/images/demo")
    ap.add_argument("--vis", type=int, default=0, help="also write N train images with GT boxes to OUT/vis")
    args = ap.parse_args()
    size_range = parse_size(args.size)

    if args.demo:
        os.makedirs(args.demo_out, exist_ok=True)
        for i in range(args.demo):
            img, _ = render_image(args.seed + 1000, "demo", i, size_range)
            p = os.path.join(args.demo_out, f"demo_{i:02d}.png")
            cv2.imwrite(p, img, [cv2.IMWRITE_PNG_COMPRESSION, 9])
            print("[synth] demo ->", p)
    if not args.out:
        if not args.demo:
            ap.error("--out or --demo required")
        return
    stats = {"seed": args.seed, "size": args.size, "anchor_sizes": ANCHOR_SIZES, "classes": CLASSES}
    for split, num in (("train", args.num_train), ("val", args.num_val), ("test", args.num_test)):
        if num > 0:
            comp = 9 if split == "test" else args.png_compression
            coco = write_split(args.out, split, num, args.seed, size_range, args.workers, comp)
            stats[split] = split_stats(coco)
            print(json.dumps(stats[split]), flush=True)
    with open(os.path.join(args.out, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    if args.vis and args.num_train:
        vd = os.path.join(args.out, "vis")
        os.makedirs(vd, exist_ok=True)
        coco = json.load(open(os.path.join(args.out, "train", "annotations.json")))
        for im in coco["images"][:args.vis]:
            img = cv2.imread(os.path.join(args.out, "train", im["file_name"]))
            for a in coco["annotations"]:
                if a["image_id"] == im["id"]:
                    x, y, w, h = a["bbox"]
                    cv2.rectangle(img, (int(x), int(y)), (int(x + w), int(y + h)), (0, 255, 0), 1)
                    cv2.putText(img, CLASSES[a["category_id"] - 1][:4], (int(x), int(y) + 8),
                                cv2.FONT_HERSHEY_PLAIN, 0.6, (0, 0, 255), 1)
            cv2.imwrite(os.path.join(vd, im["file_name"]), img)


if __name__ == "__main__":
    sys.exit(main())
