#!/usr/bin/python3
"""Write the keep-ratio resize reference tables for the C++ preprocessing tests.

What it does
------------
For a broad set of frame sizes (h, w) and (min_size, max_size) settings it records the size each
framework's keep-ratio resize produces, and for a smaller set the frame boxes each framework's
post-processing maps input-pixel boxes back to. Output:
``data/reference/preprocess/keep_ratio_sizes.yml.gz`` and ``.../box_mapping.yml.gz``
(cv::FileStorage YAML, base64 matrices, gzip level 9, mtime 0: reruns are byte-identical).

Where each column comes from (label: CODE = the framework's own code runs here; FORMULA = the
arithmetic of the framework's source, transcribed below with its dtypes, because that framework
is not installed here):

  torchvision      CODE. torchvision.models.detection.transform._resize_image_and_masks (the
                   function GeneralizedRCNNTransform.resize calls, min_size / max_size as Python
                   floats), run on a zero image of each size on the "meta" device: the scale and
                   F.interpolate's output size are computed exactly as on a CPU tensor (checked
                   against real CPU tensors on a sample, see check_meta_device) without
                   interpolating pixels. Boxes: torchvision's own resize_boxes (float32).
  detectron2       FORMULA. ResizeShortestEdge.get_transform / get_output_shape
                   (facebookresearch/detectron2: detectron2/data/transforms/augmentation_impl.py),
                   Python floats, int(x + 0.5). Boxes: detector_postprocess
                   (detectron2/modeling/postprocessing.py) Boxes.scale: float32 tensor times the
                   Python float output_width / image_width.
  mmdetection      FORMULA. mmcv.rescale_size / _scale_size (open-mmlab/mmcv: mmcv/image/geometric.py)
                   with scale=(max_size, min_size), Python floats, int(x + 0.5). Boxes: mmdet 3.x
                   _bbox_post_process (open-mmlab/mmdetection:
                   mmdet/models/dense_heads/base_dense_head.py): scale_boxes with 1 / scale_factor,
                   scale_factor = (new_w / w, new_h / h) from mmcv/transforms/processing.py
                   Resize._resize_img; float32 tensor times float32(1 / s).
  keras_retinanet  FORMULA + CODE. compute_resize_scale (fizyr/keras-retinanet:
                   keras_retinanet/utils/image.py): s = min / short; if long * s > max: s = max / long;
                   then the size is what cv2.resize(img, None, fx=s, fy=s) makes (cv2 runs here).
                   Boxes: `boxes /= scale` on the float32 numpy output (keras_retinanet/utils/eval.py).
                   AP-loss (cccorn/AP-loss: lib/dataloader/dataloader.py Resizer) computes the same.
  detectron        FORMULA + CODE. prep_im_for_blob (facebookresearch/Detectron:
                   detectron/utils/blob.py): s = min / short; if np.round(s * long) > max:
                   s = max / long; size from cv2.resize(im, None, None, fx=s, fy=s) (cv2 runs here).
                   Boxes: `pred_boxes /= scale` with scale = im_info[0, 2], a float32
                   (detectron/core/test_retinanet.py).
  odtk             FORMULA. CocoDataset.__getitem__ (NVIDIA/retinanet-examples: odtk/data.py):
                   ratio = resize / min(im.size); if ratio * max(im.size) > max_size:
                   ratio = max_size / max(im.size); size int(ratio * d) (then PIL resize). Boxes:
                   `boxes / ratios` with ratios a torch.FloatTensor (odtk/infer.py, odtk/data.py
                   collate_fn).

A side of 0 means the framework itself would fail on that frame (cv2.resize asserts a non-empty
size, PIL rejects 0); -1, -1 means torchvision raises (F.interpolate refuses an empty output). The
module clamps every side to at least 1 there.

Nodes of keep_ratio_sizes.yml.gz:
  columns   string   names of the columns of `sizes`
  sizes     int16 Nx16  h, w, min_size, max_size, then (out_h, out_w) per rule in the order
                        torchvision, detectron2, mmdetection, keras_retinanet, detectron, odtk
Nodes of box_mapping.yml.gz (per rule r in the order above):
  <r>_cases   float64 Mx5  h, w, min_size, max_size, the rule's scale for nominal-scale rules
                           (keras_retinanet, detectron, odtk; else 0)
  <r>_boxes   float32 (M*B)x8  per case B rows: input box (x1, y1, x2, y2) in network-input pixels
                           (inside the resized image), expected frame box

How to rerun
------------
    /usr/bin/python3 tools/make_resize_reference.py          # writes both files, then verifies them
    /usr/bin/python3 tools/make_resize_reference.py --stats  # also prints how often rules disagree

(tested with torch 1.13 / torchvision 0.14 / OpenCV 4.6 / numpy 1.24 from Debian 12.)
"""

import argparse
import gzip
import math
import os

import cv2
import numpy as np
import torch
from torchvision.models.detection.transform import _resize_image_and_masks, resize_boxes

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "data", "reference", "preprocess")
SIZES_PATH = os.path.join(OUT_DIR, "keep_ratio_sizes.yml.gz")
BOXES_PATH = os.path.join(OUT_DIR, "box_mapping.yml.gz")

RULES = ["torchvision", "detectron2", "mmdetection", "keras_retinanet", "detectron", "odtk"]

# The sizes issue 11 lists (one pixel apart between torchvision and a correctly rounded divide),
# common photo and video sizes, portrait, tiny and large frames. (h, w).
LISTED = [(480, 640), (427, 640), (375, 500), (342, 548), (384, 512), (512, 512), (720, 1280),
          (640, 480), (640, 427), (500, 375), (548, 342), (512, 384), (1280, 720),
          (200, 200), (256, 320), (300, 500), (333, 500), (500, 333), (424, 640), (426, 640),
          (428, 640), (360, 640), (480, 854), (600, 800), (768, 1024), (1080, 1920), (1920, 1080),
          (2160, 3840), (3000, 4000), (4000, 3000), (4000, 6000), (6000, 4000), (1, 1), (1, 2),
          (2, 1), (7, 13), (13, 7), (3, 1000), (1000, 3), (1, 5000), (5000, 1), (799, 800),
          (800, 800), (801, 800), (800, 1333), (800, 1334), (1333, 800), (1001, 2666), (2666, 1001)]

SETTINGS = [(800, 1333), (512, 512), (320, 320), (600, 1000)]


def frame_sizes():
    """(h, w, min_size, max_size) rows: every setting on the listed sizes, a dense grid for
    800/1333, sparser grids for the others, and every height 1..1000 at the common widths."""
    rows = []
    for mn, mx in SETTINGS:
        rows += [(h, w, mn, mx) for h, w in LISTED]
    grid = range(1, 2001, 17)
    rows += [(h, w, 800, 1333) for h in grid for w in grid]
    for mn, mx in SETTINGS[1:]:
        g = range(1, 1201, 29)
        rows += [(h, w, mn, mx) for h in g for w in g]
    for w in (500, 512, 640):
        rows += [(h, w, 800, 1333) for h in range(1, 1001)]
        rows += [(w, h, 800, 1333) for h in range(1, 1001)]
    seen, out = set(), []
    for r in rows:
        if r not in seen:
            seen.add(r)
            out.append(r)
    return out


# ------------------------------------------------------------------------ per-framework sizes

def torchvision_size(h, w, mn, mx, device="meta"):
    image = torch.zeros(1, h, w, device=device)
    try:
        out, _ = _resize_image_and_masks(image, float(mn), float(mx))
    except RuntimeError:  # F.interpolate refuses an output side of 0 (e.g. 1x5000 at 800/1333)
        return -1, -1
    return int(out.shape[-2]), int(out.shape[-1])


def detectron2_size(h, w, mn, mx):
    size = mn * 1.0
    scale = size / min(h, w)
    newh, neww = (size, scale * w) if h < w else (scale * h, size)
    if max(newh, neww) > mx:
        scale = mx * 1.0 / max(newh, neww)
        newh, neww = newh * scale, neww * scale
    return int(newh + 0.5), int(neww + 0.5)


def mmdetection_scale(h, w, mn, mx):
    return min(max(mx, mn) / max(h, w), min(mx, mn) / min(h, w))


def mmdetection_size(h, w, mn, mx):
    s = mmdetection_scale(h, w, mn, mx)
    return int(h * float(s) + 0.5), int(w * float(s) + 0.5)


def keras_scale(h, w, mn, mx):
    scale = mn / min(h, w)
    if max(h, w) * scale > mx:
        scale = mx / max(h, w)
    return scale


def detectron_scale(h, w, mn, mx):
    scale = float(mn) / float(min(h, w))
    if np.round(scale * max(h, w)) > mx:
        scale = float(mx) / float(max(h, w))
    return scale


def opencv_fx_size(h, w, s):
    """The dsize cv2.resize(img, None, fx=s, fy=s) makes: saturate_cast<int>(side * s), i.e.
    round half to even; runs cv2 itself where that size is not empty."""
    expect = (int(np.rint(h * s)), int(np.rint(w * s)))
    if min(expect) > 0 and h * w <= 4096 * 4096:
        got = cv2.resize(np.zeros((h, w), np.uint8), None, fx=s, fy=s).shape
        assert tuple(got) == expect, (h, w, s, got, expect)
    return expect


def odtk_scale(h, w, mn, mx):
    ratio = mn / min(w, h)
    if ratio * max(w, h) > mx:
        ratio = mx / max(w, h)
    return ratio


def odtk_size(h, w, mn, mx):
    r = odtk_scale(h, w, mn, mx)
    return int(r * h), int(r * w)


def rule_size(rule, h, w, mn, mx):
    if rule == "torchvision":
        return torchvision_size(h, w, mn, mx)
    if rule == "detectron2":
        return detectron2_size(h, w, mn, mx)
    if rule == "mmdetection":
        return mmdetection_size(h, w, mn, mx)
    if rule == "keras_retinanet":
        return opencv_fx_size(h, w, keras_scale(h, w, mn, mx))
    if rule == "detectron":
        return opencv_fx_size(h, w, detectron_scale(h, w, mn, mx))
    if rule == "odtk":
        return odtk_size(h, w, mn, mx)
    raise ValueError(rule)


def rule_scale(rule, h, w, mn, mx):
    return {"keras_retinanet": keras_scale, "detectron": detectron_scale,
            "odtk": odtk_scale}.get(rule, lambda *a: 0.0)(h, w, mn, mx)


# ------------------------------------------------------------------------ per-framework boxes

def map_boxes(rule, boxes, h, w, new_h, new_w, s):
    """boxes: float32 (B, 4) in network-input pixels -> frame pixels, in the framework's dtypes."""
    if rule == "torchvision":
        return resize_boxes(torch.from_numpy(boxes), [new_h, new_w], [h, w]).numpy()
    if rule == "detectron2":
        t = torch.from_numpy(boxes.copy())
        t[:, 0::2] *= w / new_w
        t[:, 1::2] *= h / new_h
        return t.numpy()
    if rule == "mmdetection":
        scale_factor = (new_w / w, new_h / h)
        inv = [1 / f for f in scale_factor]
        t = torch.from_numpy(boxes)
        return (t * t.new_tensor(inv).repeat((1, 2))).numpy()
    if rule == "keras_retinanet":
        b = boxes.copy()
        b /= s
        return b
    if rule == "detectron":
        b = boxes.copy()
        b /= np.float32(s)
        return b
    if rule == "odtk":
        return (torch.from_numpy(boxes) / torch.FloatTensor([s]).view(-1, 1)).numpy()
    raise ValueError(rule)


# (600, 1000) and (750, 1250) at 800/1333: keras-retinanet caps the scale (1333.3 > 1333),
# Detectron1 does not (round(1333.3) = 1333): same size, different scale s.
BOX_CASES = [(480, 640), (427, 640), (375, 500), (342, 548), (384, 512), (720, 1280), (640, 427),
             (1001, 2666), (4000, 3000), (7, 13), (333, 500), (600, 1000), (750, 1250)]


def sample_boxes(new_h, new_w):
    """A few boxes inside the resized image, including its borders and non-integer corners."""
    W, H = float(new_w), float(new_h)
    b = [[0, 0, W, H], [0.5, 1.25, W * 0.5 + 0.125, H * 0.75 + 0.3], [W * 0.1 + 0.37, H * 0.2 + 0.11,
         W * 0.9 - 0.23, H * 0.95 - 0.71], [W - 1.5, H - 2.25, W, H], [3.3, 4.7, 3.3, 9.1]]
    return np.clip(np.array(b, dtype=np.float32), 0, np.float32([W, H, W, H]))


# ------------------------------------------------------------------------------------- writing

def write_gz(path, fill):
    fs = cv2.FileStorage(".yml", cv2.FILE_STORAGE_WRITE | cv2.FILE_STORAGE_MEMORY | cv2.FILE_STORAGE_BASE64)
    fill(fs)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(gzip.compress(fs.releaseAndGetString().encode("utf-8"), compresslevel=9, mtime=0))


def check_meta_device():
    """The meta-device run gives the same size as a real CPU tensor (listed sizes + a sample)."""
    rng = np.random.RandomState(0)
    sample = [(h, w, mn, mx) for h, w in LISTED if h * w <= 4000 * 3000 for mn, mx in SETTINGS[:2]]
    sample += [(int(rng.randint(1, 2000)), int(rng.randint(1, 2000)), 800, 1333) for _ in range(40)]
    for h, w, mn, mx in sample:
        assert torchvision_size(h, w, mn, mx, "meta") == torchvision_size(h, w, mn, mx, "cpu"), (h, w, mn, mx)
    return len(sample)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stats", action="store_true", help="print how often the rules disagree")
    args = ap.parse_args()
    torch.set_num_threads(1)

    n_checked = check_meta_device()
    rows = frame_sizes()
    table = np.zeros((len(rows), 4 + 2 * len(RULES)), np.int16)
    for i, (h, w, mn, mx) in enumerate(rows):
        table[i, :4] = (h, w, mn, mx)
        for j, rule in enumerate(RULES):
            table[i, 4 + 2 * j: 6 + 2 * j] = rule_size(rule, h, w, mn, mx)
    columns = "h w min_size max_size " + " ".join("%s_h %s_w" % (r, r) for r in RULES)

    def fill_sizes(fs):
        fs.write("columns", columns)
        fs.write("sizes", table)
    write_gz(SIZES_PATH, fill_sizes)

    def fill_boxes(fs):
        for rule in RULES:
            cases, boxes = [], []
            for mn, mx in SETTINGS[:2]:
                for h, w in BOX_CASES:
                    new_h, new_w = rule_size(rule, h, w, mn, mx)
                    if min(new_h, new_w) == 0:
                        continue
                    s = rule_scale(rule, h, w, mn, mx)
                    cases.append((h, w, mn, mx, s))
                    inp = sample_boxes(new_h, new_w)
                    out = map_boxes(rule, inp, h, w, new_h, new_w, s).astype(np.float32)
                    boxes.append(np.hstack([inp, out]))
            fs.write(rule + "_cases", np.array(cases, np.float64))
            fs.write(rule + "_boxes", np.vstack(boxes).astype(np.float32))
    write_gz(BOXES_PATH, fill_boxes)

    # read back
    fs = cv2.FileStorage(SIZES_PATH, cv2.FILE_STORAGE_READ)
    assert np.array_equal(fs.getNode("sizes").mat(), table)
    print("wrote %s: %d rows x %d rules (meta device checked on %d sizes)" % (SIZES_PATH, len(rows), len(RULES), n_checked))
    print("wrote %s" % BOXES_PATH)

    if args.stats:
        tv = table[:, 4:6]
        # the module before this tool: float32(min_size / short, max_size / long) in double, rounded to float
        old = []
        for h, w, mn, mx in table[:, :4]:
            s = np.float32(min(mn / min(h, w), mx / max(h, w)))
            old.append((max(1, math.floor(h * float(s))), max(1, math.floor(w * float(s)))))
        old = np.array(old)
        print("old module formula differs from torchvision on %d of %d rows" % ((old != tv).any(1).sum(), len(rows)))
        for j, rule in enumerate(RULES[1:], 1):
            other = table[:, 4 + 2 * j: 6 + 2 * j]
            print("%-16s differs from torchvision on %6d rows" % (rule, (other != tv).any(1).sum()))


if __name__ == "__main__":
    main()
