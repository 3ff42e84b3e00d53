#!/usr/bin/python3
"""Write torchvision RetinaNet decoder reference cases for the C++ tests.

What it does
------------
For a few synthetic cases it builds raw RetinaNet head outputs (per level, NCHW:
``cls`` (N, A*K, H, W) logits and ``box`` (N, A*4, H, W) deltas), converts them
to torchvision's (N, HWA, K) / (N, HWA, 4) layout exactly like
``RetinaNetClassificationHead.forward`` / ``RetinaNetRegressionHead.forward``
(``view(N, A, K, H, W).permute(0, 3, 4, 1, 2).reshape(N, -1, K)``), concatenates
and re-splits them per level like ``RetinaNet.forward`` does in eval mode, and
runs the REAL ``torchvision.models.detection.RetinaNet.postprocess_detections``
(a RetinaNet built around a trivial backbone, with the model's own
``anchor_generator``).  The detections are in the coordinates of the resized
(network input) image, i.e. before ``transform.postprocess``.

The data is made so that the expected result is unambiguous for any correct
re-implementation (float32 or float64), which the tool asserts with an
independent float64 NumPy re-implementation plus margin checks:
  * no score within 1e-5 of score_thresh (a few deliberately close ones at
    logits -2.949 / -2.94 around logit(0.05) = -2.944),
  * no score tie (or near tie < 1e-6) across the per-level top-k cut or the
    detections_per_img cut,
  * no same-class pair of top-k candidates with IoU within 2e-3 of nms_thresh,
    no same-class overlapping pair (IoU > nms_thresh - 2e-3) whose scores are
    (nearly) equal, exact-tie candidates of the same class never overlap,
  * every decoded + clipped candidate box has positive width and height,
  * the float64 re-implementation gives the same detections as torchvision.
Offending synthetic values are pushed back to a background logit and the
checks are repeated (deterministically) until everything holds.

Contents of the data: background logits ~ N(-4.6, 1) reflected below -3.2 and
quantised to 1/4 (keeps the files small), background deltas ~ N(0, 0.3)
quantised to 1/16; sparse random positives (logit U[-2.5, 4]); a few anchors
with two classes; anchors at the image border with outward dx/dy and positive
dw/dh (boxes need clipping); dw/dh in [5, 8] (above the log(1000/16) clamp)
and in [-8, -5]; clusters of overlapping same-class boxes (NMS suppresses);
groups of exactly tied logits (same class far apart, or different classes).
Candidates are only placed on anchors whose centre lies inside the (unpadded)
image, so no zero-area boxes appear after clipping.

Files: data/reference/decoder/torchvision_case_<name>.yml.gz.  The YAML text is
produced by cv2.FileStorage (FILE_STORAGE_WRITE | FILE_STORAGE_BASE64, in
memory) and gzip-compressed by Python at level 9 with mtime 0 (smaller and
reproducible; cv::FileStorage reads it like any .yml.gz).  Nodes:
  num_images N, num_classes K, num_anchors 9, num_levels 5            int
  score_thresh, nms_thresh                                            real
  detections_per_img, topk_candidates                                 int
  input_size      int32 1x2  (W, H) of the padded input
  image_sizes     int32 Nx2  (W, H) per image (used for clipping)
  cls_<l>         float32 (N*A*K) x (H*W)  NCHW logits of level l (0 = P3)
  cls_<l>_shape   int32 1x4  [N, A*K, H, W]
  box_<l>         float32 (N*A*4) x (H*W)  NCHW deltas (dx, dy, dw, dh)
  box_<l>_shape   int32 1x4  [N, A*4, H, W]
  anchors_<l>     float32 (H*W*A) x 4   torchvision anchors of level l (image 0;
                                        identical for all images)
  det_<i>_count   int        number of detections D of image i
  det_<i>_boxes   float32 Dx4 (x1, y1, x2, y2)   } only written when D > 0
  det_<i>_scores  float32 Dx1                    }
  det_<i>_labels  int32 Dx1                      }
  det_<i>_source  int32 Dx3 (level, anchor index within the level in
                  torchvision's y -> x -> a order, label)  (extra, for debugging)
Detections are in torchvision's output order (score descending), except that
runs of exactly equal scores are written in canonical (level, anchor, label)
order: torchvision's own order inside such runs is an implementation artefact
(topk and the non-stable sort of the batched_nms "vanilla" path), so tests
should compare tied detections as a set.

How to rerun
------------
    /usr/bin/python3 tools/make_decoder_reference.py

(tested with torch 1.13 / torchvision 0.14 / OpenCV 4.6 from Debian 12).  All
randomness comes from seeded numpy Generators, torch runs single-threaded; the
output is byte-identical across reruns on the same software stack.
"""

import gzip
import math
import os
import sys
from collections import OrderedDict

import cv2
import numpy as np
import torch
from torch import nn

import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_anchor_reference import feature_grid_sizes  # noqa: E402  (same ResNet-FPN grid rule)
from torchvision.models.detection import RetinaNet
from torchvision.models.detection.image_list import ImageList
from torchvision.ops import boxes as box_ops

# Record which batched_nms implementation torchvision picks (it switches on boxes.numel() > 4000 on CPU).
NMS_PATHS = []


def _spy(fn, tag):
    def wrapper(*args, **kwargs):
        NMS_PATHS.append(tag)
        return fn(*args, **kwargs)
    return wrapper


box_ops._batched_nms_vanilla = _spy(box_ops._batched_nms_vanilla, "vanilla")
box_ops._batched_nms_coordinate_trick = _spy(box_ops._batched_nms_coordinate_trick, "coordinate_trick")

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO_ROOT, "data", "reference", "decoder")

A = 9
NUM_LEVELS = 5
BBOX_CLIP = math.log(1000.0 / 16)
BG_KILL = np.float32(-6.015625)  # logit used to remove an offending synthetic candidate
SCORE_MARGIN = 1e-5          # |sigmoid(x) - score_thresh| must exceed this
GAP = 1e-6                   # minimum score gap where an order matters
IOU_MARGIN = 2e-3            # |IoU - nms_thresh| must exceed this for same-class pairs

CASES = [
    dict(name="basic", seed=1001, N=1, K=8, H=256, W=320, image_sizes=[(256, 320)],
         score_thresh=0.05, nms_thresh=0.5, detections_per_img=300, topk_candidates=1000,
         density=[0.003], clusters=6, ties=4),
    dict(name="batch", seed=1002, N=3, K=6, H=320, W=416, image_sizes=[(320, 416), (300, 400), (250, 416)],
         score_thresh=0.05, nms_thresh=0.5, detections_per_img=300, topk_candidates=1000,
         density=[0.008, 0.002, 0.002], clusters=5, ties=3),
    dict(name="topk", seed=1003, N=1, K=20, H=256, W=256, image_sizes=[(256, 256)],
         score_thresh=0.05, nms_thresh=0.5, detections_per_img=50, topk_candidates=100,
         density=[0.003], clusters=6, ties=3, tie_range=(3.7, 4.0), feat_range=(3.4, 4.0)),
    dict(name="coco91", seed=1004, N=1, K=91, H=160, W=224, image_sizes=[(150, 220)],
         score_thresh=0.05, nms_thresh=0.5, detections_per_img=300, topk_candidates=1000,
         density=[0.001], clusters=6, ties=4),
    dict(name="odd", seed=1005, N=2, K=3, H=200, W=296, image_sizes=[(200, 296), (180, 250)],
         score_thresh=0.05, nms_thresh=0.5, detections_per_img=300, topk_candidates=1000,
         density=[0.005, 0.005], clusters=4, ties=3),
]


class _TrivialBackbone(nn.Module):
    """Only exists so that RetinaNet.__init__ can read ``out_channels``."""

    out_channels = 8

    def forward(self, x):
        return OrderedDict()


def build_model(cfg):
    model = RetinaNet(_TrivialBackbone(), num_classes=cfg["K"], score_thresh=cfg["score_thresh"],
                      nms_thresh=cfg["nms_thresh"], detections_per_img=cfg["detections_per_img"],
                      topk_candidates=cfg["topk_candidates"])
    # set explicitly as well (the constructor stores them as plain attributes)
    model.score_thresh = cfg["score_thresh"]
    model.nms_thresh = cfg["nms_thresh"]
    model.detections_per_img = cfg["detections_per_img"]
    model.topk_candidates = cfg["topk_candidates"]
    model.eval()
    assert model.anchor_generator.num_anchors_per_location() == [A] * NUM_LEVELS
    return model


# ----------------------------------------------------------------------------------------------
# synthetic data
# ----------------------------------------------------------------------------------------------
class Synth:
    def __init__(self, cfg, grids, strides, level_anchors):
        self.cfg = cfg
        self.N, self.K = cfg["N"], cfg["K"]
        self.grids, self.strides = grids, strides
        self.anchors = level_anchors  # list of (h*w*A, 4) float32 numpy, order y -> x -> a
        self.rng = np.random.default_rng(cfg["seed"])
        rng = self.rng
        # (N, A, K, h, w) / (N, A, 4, h, w) views of the NCHW tensors
        self.cls, self.box = [], []
        for (h, w) in grids:
            bg = rng.normal(-4.6, 1.0, size=(self.N, A, self.K, h, w))
            bg = np.where(bg > -3.2, -6.4 - bg, bg)
            bg = np.clip(bg, -10.0, None)
            self.cls.append((np.round(bg * 4.0) / 4.0).astype(np.float32))
            d = rng.normal(0.0, 0.3, size=(self.N, A, 4, h, w))
            self.box.append((np.round(d * 16.0) / 16.0).astype(np.float32))
        self.occupied = [set() for _ in range(self.N)]
        self.killed = set()
        self.tie_groups = []  # list of lists of (n, l, y, x, a, k)
        self.features = {"border": 0, "clamp_hi": 0, "clamp_lo": 0, "cluster": 0, "multi_label": 0,
                         "near_thresh": 0}

    # --- helpers --------------------------------------------------------------------------
    def inside(self, n, l):
        """Grid ranges (ny, nx) of anchor centres inside image n."""
        ih, iw = self.cfg["image_sizes"][n]
        sh, sw = self.strides[l]
        h, w = self.grids[l]
        return min(h, -(-ih // sh)), min(w, -(-iw // sw))

    def anchor(self, l, y, x, a):
        w = self.grids[l][1]
        return self.anchors[l][(y * w + x) * A + a].astype(np.float64)

    def free(self, n, l, y, x, a):
        return (l, y, x, a) not in self.occupied[n]

    def take(self, n, l, y, x, a):
        self.occupied[n].add((l, y, x, a))

    def set_logit(self, n, l, y, x, a, k, v):
        self.cls[l][n, a, k, y, x] = np.float32(v)

    def set_delta(self, n, l, y, x, a, d):
        self.box[l][n, a, :, y, x] = np.asarray(d, dtype=np.float32)

    def random_free_anchor(self, n, l, tries=1000):
        ny, nx = self.inside(n, l)
        for _ in range(tries):
            y, x, a = int(self.rng.integers(ny)), int(self.rng.integers(nx)), int(self.rng.integers(A))
            if self.free(n, l, y, x, a):
                return y, x, a
        raise RuntimeError("no free anchor")

    def pick_level(self, weights=(0.45, 0.25, 0.15, 0.1, 0.05)):
        return int(self.rng.choice(NUM_LEVELS, p=np.asarray(weights) / np.sum(weights)))

    # --- features -------------------------------------------------------------------------
    def add_clusters(self, n, count):
        rng = self.rng
        for _ in range(count):
            l = self.pick_level((0.5, 0.3, 0.2, 0.0, 0.0))
            y0, x0, a0 = self.random_free_anchor(n, l)
            k = int(rng.integers(self.K))
            an = self.anchor(l, y0, x0, a0)
            aw, ah = an[2] - an[0], an[3] - an[1]
            tcx = 0.5 * (an[0] + an[2]) + rng.normal(0, 0.1) * aw
            tcy = 0.5 * (an[1] + an[3]) + rng.normal(0, 0.1) * ah
            tw, th = aw * math.exp(rng.normal(0, 0.15)), ah * math.exp(rng.normal(0, 0.15))
            ny, nx = self.inside(n, l)
            members = [(y0, x0, a0)]
            for _ in range(40):
                if len(members) >= int(rng.integers(3, 7)):
                    break
                y = min(max(y0 + int(rng.integers(-1, 2)), 0), ny - 1)
                x = min(max(x0 + int(rng.integers(-1, 2)), 0), nx - 1)
                a = int(rng.integers(A))
                if (y, x, a) not in members and self.free(n, l, y, x, a):
                    members.append((y, x, a))
            for (y, x, a) in members:
                m = self.anchor(l, y, x, a)
                mw, mh = m[2] - m[0], m[3] - m[1]
                cx = tcx + rng.uniform(-0.25, 0.25) * tw
                cy = tcy + rng.uniform(-0.25, 0.25) * th
                bw, bh = tw * math.exp(rng.uniform(-0.35, 0.35)), th * math.exp(rng.uniform(-0.35, 0.35))
                d = [(cx - 0.5 * (m[0] + m[2])) / mw, (cy - 0.5 * (m[1] + m[3])) / mh,
                     math.log(bw / mw), math.log(bh / mh)]
                self.set_delta(n, l, y, x, a, d)
                self.set_logit(n, l, y, x, a, k, rng.uniform(-1.5, 4.0))
                self.take(n, l, y, x, a)
                self.features["cluster"] += 1

    def add_ties(self, n, count):
        rng = self.rng
        for g in range(count):
            v = np.float32(rng.uniform(*self.cfg.get("tie_range", (-1.0, 3.5))))
            size = int(rng.integers(2, 4))
            same_class = (g % 2 == 0)
            k0 = int(rng.integers(self.K))
            group = []
            for j in range(size):
                l = self.pick_level((0.4, 0.3, 0.2, 0.1, 0.0))
                y, x, a = self.random_free_anchor(n, l)
                k = k0 if same_class else (k0 + j) % self.K
                self.set_delta(n, l, y, x, a, rng.normal(0, 0.1, size=4))
                self.set_logit(n, l, y, x, a, k, v)
                self.take(n, l, y, x, a)
                group.append((n, l, y, x, a, k))
            self.tie_groups.append(group)

    def add_border(self, n, count):
        rng = self.rng
        for j in range(count):
            l = self.pick_level((0.4, 0.3, 0.2, 0.1, 0.0))
            ny, nx = self.inside(n, l)
            side = j % 4
            for _ in range(100):
                if side == 0:
                    y, x = int(rng.integers(ny)), 0
                elif side == 1:
                    y, x = int(rng.integers(ny)), nx - 1
                elif side == 2:
                    y, x = 0, int(rng.integers(nx))
                else:
                    y, x = ny - 1, int(rng.integers(nx))
                a = int(rng.integers(A))
                if self.free(n, l, y, x, a):
                    break
            d = rng.normal(0, 0.2, size=4)
            out = rng.uniform(0.1, 0.4)
            grow = rng.uniform(0.3, 1.0)
            if side == 0:
                d[0], d[2] = -out, grow
            elif side == 1:
                d[0], d[2] = out, grow
            elif side == 2:
                d[1], d[3] = -out, grow
            else:
                d[1], d[3] = out, grow
            self.set_delta(n, l, y, x, a, d)
            self.set_logit(n, l, y, x, a, int(rng.integers(self.K)), rng.uniform(*self.cfg.get("feat_range", (-0.5, 3.5))))
            self.take(n, l, y, x, a)
            self.features["border"] += 1

    def add_clamp(self, n, count):
        rng = self.rng
        for j in range(2 * count):
            l = self.pick_level((0.5, 0.3, 0.2, 0.0, 0.0))
            y, x, a = self.random_free_anchor(n, l)
            d = rng.normal(0, 0.2, size=4)
            hi = j < count
            vals = rng.uniform(5.0, 8.0, size=2) * (1 if hi else -1)
            which = j % 3  # 0: dw, 1: dh, 2: both
            if which in (0, 2):
                d[2] = vals[0]
            if which in (1, 2):
                d[3] = vals[1]
            self.set_delta(n, l, y, x, a, d)
            self.set_logit(n, l, y, x, a, int(rng.integers(self.K)), rng.uniform(*self.cfg.get("feat_range", (-1.0, 3.0))))
            self.take(n, l, y, x, a)
            self.features["clamp_hi" if hi else "clamp_lo"] += 1

    def add_near_threshold(self, n):
        for v in (-2.949, -2.949, -2.94, -2.94):
            l = self.pick_level()
            y, x, a = self.random_free_anchor(n, l)
            self.set_logit(n, l, y, x, a, int(self.rng.integers(self.K)), v)
            self.take(n, l, y, x, a)
            self.features["near_thresh"] += 1

    def add_random(self, n, density):
        rng = self.rng
        for l in range(NUM_LEVELS):
            ny, nx = self.inside(n, l)
            cnt = int(round(density * ny * nx * A * self.K))
            for _ in range(cnt):
                y, x, a = self.random_free_anchor(n, l)
                k = int(rng.integers(self.K))
                self.set_logit(n, l, y, x, a, k, rng.uniform(-2.5, 4.0))
                if rng.random() < 0.05 and self.K > 1:  # same box, second class
                    k2 = (k + 1 + int(rng.integers(self.K - 1))) % self.K
                    self.set_logit(n, l, y, x, a, k2, rng.uniform(-2.5, 4.0))
                    self.features["multi_label"] += 1
                self.take(n, l, y, x, a)

    def build(self):
        cfg = self.cfg
        for n in range(self.N):
            self.add_clusters(n, cfg["clusters"])
            self.add_ties(n, cfg["ties"])
            self.add_border(n, 8)
            self.add_clamp(n, 3)
            self.add_near_threshold(n)
            self.add_random(n, cfg["density"][n])

    def kill(self, n, l, flat):
        """flat = anchor_in_level * K + k (torchvision order)."""
        anchor, k = divmod(int(flat), self.K)
        pos, a = divmod(anchor, A)
        y, x = divmod(pos, self.grids[l][1])
        self.cls[l][n, a, k, y, x] = BG_KILL
        self.killed.add((n, l, int(flat)))

    def nchw(self):
        cls = [c.reshape(self.N, A * self.K, h, w) for c, (h, w) in zip(self.cls, self.grids)]
        box = [b.reshape(self.N, A * 4, h, w) for b, (h, w) in zip(self.box, self.grids)]
        return cls, box


# ----------------------------------------------------------------------------------------------
# torchvision
# ----------------------------------------------------------------------------------------------
def to_torchvision_layout(x, n_out):
    """NCHW (N, A*n_out, H, W) -> (N, HWA, n_out) exactly like RetinaNet*Head.forward."""
    t = torch.from_numpy(np.ascontiguousarray(x))
    N, _, H, W = t.shape
    t = t.view(N, -1, n_out, H, W)
    t = t.permute(0, 3, 4, 1, 2)
    return t.reshape(N, -1, n_out)


def run_torchvision(model, cfg, grids, cls_nchw, box_nchw):
    N, H, W = cfg["N"], cfg["H"], cfg["W"]
    image_sizes = [tuple(s) for s in cfg["image_sizes"]]
    images = ImageList(torch.zeros(N, 3, H, W), image_sizes)
    features = [torch.zeros(N, 1, h, w) for (h, w) in grids]
    head_outputs = {
        "cls_logits": torch.cat([to_torchvision_layout(c, cfg["K"]) for c in cls_nchw], dim=1),
        "bbox_regression": torch.cat([to_torchvision_layout(b, 4) for b in box_nchw], dim=1),
    }
    with torch.no_grad():
        anchors = model.anchor_generator(images, features)
        # the eval branch of RetinaNet.forward
        num_anchors_per_level = [x.size(2) * x.size(3) for x in features]
        HW = sum(num_anchors_per_level)
        HWA = head_outputs["cls_logits"].size(1)
        assert HWA // HW == A
        num_anchors_per_level = [hw * A for hw in num_anchors_per_level]
        split_head_outputs = {k: list(v.split(num_anchors_per_level, dim=1)) for k, v in head_outputs.items()}
        split_anchors = [list(a.split(num_anchors_per_level)) for a in anchors]
        dets = model.postprocess_detections(split_head_outputs, split_anchors, images.image_sizes)
    return dets, split_head_outputs, split_anchors


# ----------------------------------------------------------------------------------------------
# independent float64 reference + ambiguity checks
# ----------------------------------------------------------------------------------------------
def iou_matrix(b):
    # boxes have positive area here except for not yet repaired degenerate ones (NaN -> no effect)
    x1, y1, x2, y2 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    area = (x2 - x1) * (y2 - y1)
    iw = np.clip(np.minimum(x2[:, None], x2[None]) - np.maximum(x1[:, None], x1[None]), 0, None)
    ih = np.clip(np.minimum(y2[:, None], y2[None]) - np.maximum(y1[:, None], y1[None]), 0, None)
    inter = iw * ih
    with np.errstate(invalid="ignore", divide="ignore"):
        return inter / (area[:, None] + area[None] - inter)


def reference_image(cfg, n, split_head_outputs, split_anchors):
    """Returns (violations, result).  violations: list of (level, flat index) to kill."""
    K, thr, nms_t = cfg["K"], cfg["score_thresh"], cfg["nms_thresh"]
    topk, dmax = cfg["topk_candidates"], cfg["detections_per_img"]
    ih, iw = cfg["image_sizes"][n]
    viol = []
    rec = dict(level=[], flat=[], s32=[], s64=[], box=[], label=[], cand_pre=[], cand_post=[])
    for l in range(NUM_LEVELS):
        logits_t = split_head_outputs["cls_logits"][l][n]           # (HWA, K)
        s32_all = torch.sigmoid(logits_t).flatten().numpy()         # what torchvision compares
        x64 = logits_t.flatten().numpy().astype(np.float64)
        s64_all = 1.0 / (1.0 + np.exp(-x64))
        close = np.nonzero(np.abs(s64_all - thr) <= SCORE_MARGIN)[0]
        viol += [(l, int(i)) for i in close]
        keep = np.nonzero(s32_all > thr)[0]
        assert np.array_equal(keep, np.nonzero(s64_all > thr)[0]) or len(close)
        order = keep[np.lexsort((keep, -s64_all[keep]))]             # score desc, index asc
        rec["cand_pre"].append(len(order))
        if len(order) > topk:
            if s64_all[order[topk - 1]] - s64_all[order[topk]] <= GAP:
                viol.append((l, int(order[topk])))
            order = order[:topk]
        rec["cand_post"].append(len(order))
        anchor_idx, labels = order // K, order % K
        an = split_anchors[n][l][anchor_idx].numpy().astype(np.float64)
        d = split_head_outputs["bbox_regression"][l][n][anchor_idx].numpy().astype(np.float64)
        wa, ha = an[:, 2] - an[:, 0], an[:, 3] - an[:, 1]
        cxa, cya = an[:, 0] + 0.5 * wa, an[:, 1] + 0.5 * ha
        cx, cy = d[:, 0] * wa + cxa, d[:, 1] * ha + cya
        pw = np.exp(np.minimum(d[:, 2], BBOX_CLIP)) * wa
        ph = np.exp(np.minimum(d[:, 3], BBOX_CLIP)) * ha
        b = np.stack([cx - 0.5 * pw, cy - 0.5 * ph, cx + 0.5 * pw, cy + 0.5 * ph], axis=1)
        b[:, 0::2] = np.clip(b[:, 0::2], 0, iw)
        b[:, 1::2] = np.clip(b[:, 1::2], 0, ih)
        bad = np.nonzero((b[:, 2] - b[:, 0] <= 1e-4) | (b[:, 3] - b[:, 1] <= 1e-4))[0]
        viol += [(l, int(order[i])) for i in bad]
        rec["level"] += [l] * len(order)
        rec["flat"] += order.tolist()
        rec["s32"] += s32_all[order].tolist()
        rec["s64"] += s64_all[order].tolist()
        rec["box"].append(b)
        rec["label"] += labels.tolist()
    level = np.array(rec["level"], dtype=np.int64)
    flat = np.array(rec["flat"], dtype=np.int64)
    s32 = np.array(rec["s32"], dtype=np.float32)
    s64 = np.array(rec["s64"], dtype=np.float64)
    boxes = np.concatenate(rec["box"], axis=0)
    labels = np.array(rec["label"], dtype=np.int64)
    # canonical order: score desc, then level, then flat index
    canon = np.lexsort((flat, level, -s64))
    rank = np.empty_like(canon)
    rank[canon] = np.arange(len(canon))
    suppressed = np.zeros(len(s64), dtype=bool)
    num_overlap_pairs = 0
    for k in np.unique(labels):
        idx = np.nonzero(labels == k)[0]
        idx = idx[np.argsort(rank[idx])]
        if len(idx) == 0:
            continue
        iou = iou_matrix(boxes[idx])
        m = len(idx)
        iu = np.triu_indices(m, 1)
        vals = iou[iu]
        # pairs near the NMS threshold
        for p in np.nonzero(np.abs(vals - nms_t) <= IOU_MARGIN)[0]:
            j = idx[iu[1][p]]
            viol.append((int(level[j]), int(flat[j])))
        # overlapping pairs whose order matters must not be (nearly) tied
        for p in np.nonzero(vals > nms_t - IOU_MARGIN)[0]:
            i, j = idx[iu[0][p]], idx[iu[1][p]]
            if abs(s64[i] - s64[j]) <= GAP:
                viol.append((int(level[j]), int(flat[j])))
        # exact ties of the same class must not overlap at all
        for p in np.nonzero(vals > 0)[0]:
            i, j = idx[iu[0][p]], idx[iu[1][p]]
            if s32[i] == s32[j]:
                viol.append((int(level[j]), int(flat[j])))
        num_overlap_pairs += int(np.sum(vals > nms_t))
        # greedy NMS
        for a_ in range(m):
            if suppressed[idx[a_]]:
                continue
            over = np.nonzero(iou[a_, a_ + 1:] > nms_t)[0] + a_ + 1
            suppressed[idx[over]] = True
    kept = canon[~suppressed[canon]]
    if len(kept) > dmax:
        if s64[kept[dmax - 1]] - s64[kept[dmax]] <= GAP:
            viol.append((int(level[kept[dmax]]), int(flat[kept[dmax]])))
    num_after_nms = len(kept)
    kept = kept[:dmax]
    result = dict(level=level[kept], flat=flat[kept], s32=s32[kept], boxes=boxes[kept], labels=labels[kept],
                  cand_pre=rec["cand_pre"], cand_post=rec["cand_post"], num_candidates=len(s64),
                  num_suppressed=int(suppressed.sum()), num_after_nms=num_after_nms,
                  num_overlap_pairs=num_overlap_pairs, all_s32=s32)
    return sorted(set(viol)), result


def match_torchvision(det, ref):
    """Map torchvision detections onto the reference ones; returns tv indices in canonical order."""
    tv_boxes = det["boxes"].numpy()
    tv_scores = det["scores"].numpy()
    tv_labels = det["labels"].numpy()
    D = len(ref["s32"])
    assert len(tv_scores) == D, "torchvision kept %d, reference %d" % (len(tv_scores), D)
    used = np.zeros(D, dtype=bool)
    perm = np.empty(D, dtype=np.int64)
    tol = 1e-3 + 1e-5 * np.abs(ref["boxes"])
    for r in range(D):
        cand = np.nonzero((~used) & (tv_scores == ref["s32"][r]) & (tv_labels == ref["labels"][r]))[0]
        ok = [c for c in cand if np.all(np.abs(tv_boxes[c] - ref["boxes"][r]) <= tol[r])]
        assert len(ok) == 1, "no unique torchvision match for reference detection %d" % r
        used[ok[0]] = True
        perm[r] = ok[0]
    # torchvision's order may only differ from the canonical one inside runs of equal scores
    assert np.array_equal(tv_scores[perm], tv_scores), "order differs beyond exact ties"
    return perm


# ----------------------------------------------------------------------------------------------
def write_gz(path, text):
    with open(path, "wb") as f:
        f.write(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))


def make_case(cfg):
    torch.manual_seed(0)
    model = build_model(cfg)
    H, W, N, K = cfg["H"], cfg["W"], cfg["N"], cfg["K"]
    grids = feature_grid_sizes(H, W)
    strides = [(H // h, W // w) for (h, w) in grids]
    with torch.no_grad():
        anchors0 = model.anchor_generator(ImageList(torch.zeros(1, 3, H, W), [(H, W)]),
                                          [torch.zeros(1, 1, h, w) for (h, w) in grids])[0]
    counts = [h * w * A for (h, w) in grids]
    level_anchors = [a.numpy().copy() for a in anchors0.split(counts)]

    syn = Synth(cfg, grids, strides, level_anchors)
    syn.build()

    for iteration in range(100):
        cls_nchw, box_nchw = syn.nchw()
        del NMS_PATHS[:]
        dets, sho, sanc = run_torchvision(model, cfg, grids, cls_nchw, box_nchw)
        nms_path = list(NMS_PATHS)
        violations, refs = [], []
        for n in range(N):
            v, r = reference_image(cfg, n, sho, sanc)
            violations += [(n,) + x for x in v]
            refs.append(r)
        if not violations:
            break
        for (n, l, flat) in violations:
            syn.kill(n, l, flat)
    else:
        raise RuntimeError("could not make case %s unambiguous" % cfg["name"])
    repairs = iteration

    # the (N, A, K, h, w) bookkeeping of Synth matches torchvision's (HWA, K) layout
    for l in range(NUM_LEVELS):
        for n in range(N):
            assert np.array_equal(syn.cls[l][n].transpose(2, 3, 0, 1).reshape(-1),
                                  sho["cls_logits"][l][n].flatten().numpy())
            assert np.array_equal(syn.box[l][n].transpose(2, 3, 0, 1).reshape(-1),
                                  sho["bbox_regression"][l][n].flatten().numpy())
    # anchors used by the model for every image are identical
    for l in range(NUM_LEVELS):
        for n in range(N):
            assert torch.equal(sanc[n][l], sanc[0][l])
        assert np.array_equal(sanc[0][l].numpy(), level_anchors[l])

    # checks on the final data
    perms = [match_torchvision(dets[n], refs[n]) for n in range(N)]
    tie_dets = 0
    for n in range(N):
        s = refs[n]["s32"]
        tie_dets += int(np.sum(np.r_[False, s[1:] == s[:-1]] | np.r_[s[:-1] == s[1:], False]))
    total_dets = sum(len(r["s32"]) for r in refs)
    assert tie_dets > 0, "no tied detections survived"
    assert sum(r["num_suppressed"] for r in refs) > 0, "NMS suppressed nothing"
    if cfg["name"] == "topk":
        assert refs[0]["cand_pre"][0] >= 400 and refs[0]["cand_post"][0] == cfg["topk_candidates"]
        assert refs[0]["num_after_nms"] > cfg["detections_per_img"]

    # box statistics of the detections
    clipped = clamped_hi = clamped_lo = 0
    for n in range(N):
        r = refs[n]
        ih, iw = cfg["image_sizes"][n]
        b = r["boxes"]
        clipped += int(np.sum((b[:, 0] == 0) | (b[:, 1] == 0) | (b[:, 2] == iw) | (b[:, 3] == ih)))
        for l, flat in zip(r["level"], r["flat"]):
            anchor = flat // K
            pos, a = divmod(int(anchor), A)
            y, x = divmod(pos, grids[l][1])
            d = syn.box[l][n, a, :, y, x]
            clamped_hi += int(d[2] > BBOX_CLIP or d[3] > BBOX_CLIP)
            clamped_lo += int(d[2] < -4.0 or d[3] < -4.0)
    assert clipped > 0 and clamped_hi > 0 and clamped_lo > 0

    # --- write ---
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, "torchvision_case_%s.yml.gz" % cfg["name"])
    fs = cv2.FileStorage(".yml", cv2.FILE_STORAGE_WRITE | cv2.FILE_STORAGE_MEMORY | cv2.FILE_STORAGE_BASE64)
    fs.write("num_images", N)
    fs.write("num_classes", K)
    fs.write("num_anchors", A)
    fs.write("num_levels", NUM_LEVELS)
    fs.write("score_thresh", float(cfg["score_thresh"]))
    fs.write("nms_thresh", float(cfg["nms_thresh"]))
    fs.write("detections_per_img", int(cfg["detections_per_img"]))
    fs.write("topk_candidates", int(cfg["topk_candidates"]))
    fs.write("input_size", np.array([[W, H]], dtype=np.int32))
    fs.write("image_sizes", np.array([[w, h] for (h, w) in cfg["image_sizes"]], dtype=np.int32))
    for l, (h, w) in enumerate(grids):
        fs.write("cls_%d" % l, np.ascontiguousarray(cls_nchw[l].reshape(N * A * K, h * w)))
        fs.write("cls_%d_shape" % l, np.array([[N, A * K, h, w]], dtype=np.int32))
        fs.write("box_%d" % l, np.ascontiguousarray(box_nchw[l].reshape(N * A * 4, h * w)))
        fs.write("box_%d_shape" % l, np.array([[N, A * 4, h, w]], dtype=np.int32))
        fs.write("anchors_%d" % l, np.ascontiguousarray(level_anchors[l].astype(np.float32)))
    for n in range(N):
        perm = perms[n]
        D = len(perm)
        fs.write("det_%d_count" % n, int(D))
        if D == 0:
            continue
        r = refs[n]
        fs.write("det_%d_boxes" % n, np.ascontiguousarray(dets[n]["boxes"].numpy()[perm].astype(np.float32)))
        fs.write("det_%d_scores" % n, dets[n]["scores"].numpy()[perm].astype(np.float32).reshape(-1, 1))
        fs.write("det_%d_labels" % n, dets[n]["labels"].numpy()[perm].astype(np.int32).reshape(-1, 1))
        src = np.stack([r["level"], r["flat"] // K, r["labels"]], axis=1).astype(np.int32)
        fs.write("det_%d_source" % n, np.ascontiguousarray(src))
    write_gz(path, fs.releaseAndGetString())

    # --- report ---
    assert len(nms_path) == N
    for n in range(N):
        assert nms_path[n] == ("vanilla" if refs[n]["num_candidates"] * 4 > 4000 else "coordinate_trick")
    print("case %-7s N=%d K=%d input HxW %dx%d grids %s strides %s" % (cfg["name"], N, K, H, W, grids, strides))
    print("   repair iterations %d, synthetic logits pushed back to background %d" % (repairs, len(syn.killed)))
    for n in range(N):
        r = refs[n]
        print("   image %d size %s: above-threshold per level %s, after top-k %s, total %d, suppressed by NMS %d, "
              "after NMS %d, detections %d, batched_nms path: %s"
              % (n, tuple(cfg["image_sizes"][n]), r["cand_pre"], r["cand_post"], r["num_candidates"],
                 r["num_suppressed"], r["num_after_nms"], len(r["s32"]), nms_path[n]))
    print("   detections %d, of which in exact-score ties %d, clipped %d, dw/dh above clamp %d, "
          "dw/dh < -4 %d; features %s" % (total_dets, tie_dets, clipped, clamped_hi, clamped_lo, syn.features))
    return path


def verify(path, cfg):
    """Read the file back with cv2.FileStorage and re-run torchvision on what was read."""
    fs = cv2.FileStorage(path, cv2.FILE_STORAGE_READ)
    assert fs.isOpened()
    N, K = int(fs.getNode("num_images").real()), int(fs.getNode("num_classes").real())
    assert (N, K) == (cfg["N"], cfg["K"])
    assert int(fs.getNode("num_anchors").real()) == A and int(fs.getNode("num_levels").real()) == NUM_LEVELS
    W, H = fs.getNode("input_size").mat().ravel().tolist()
    sizes = fs.getNode("image_sizes").mat()
    assert sizes.dtype == np.int32 and [(h, w) for w, h in sizes.tolist()] == [tuple(s) for s in cfg["image_sizes"]]
    cls, box, grids = [], [], []
    for l in range(NUM_LEVELS):
        shp = fs.getNode("cls_%d_shape" % l).mat().ravel().tolist()
        c = fs.getNode("cls_%d" % l).mat()
        b = fs.getNode("box_%d" % l).mat()
        assert c.dtype == np.float32 and b.dtype == np.float32
        cls.append(c.reshape(shp))
        box.append(b.reshape(fs.getNode("box_%d_shape" % l).mat().ravel().tolist()))
        grids.append((shp[2], shp[3]))
        assert fs.getNode("anchors_%d" % l).mat().shape == (shp[2] * shp[3] * A, 4)
    c2 = dict(cfg)
    c2.update(H=H, W=W, score_thresh=fs.getNode("score_thresh").real(), nms_thresh=fs.getNode("nms_thresh").real(),
              detections_per_img=int(fs.getNode("detections_per_img").real()),
              topk_candidates=int(fs.getNode("topk_candidates").real()))
    dets, _, _ = run_torchvision(build_model(c2), c2, grids, cls, box)
    for n in range(N):
        D = int(fs.getNode("det_%d_count" % n).real())
        assert D == len(dets[n]["scores"])
        if D == 0:
            continue
        boxes = fs.getNode("det_%d_boxes" % n).mat()
        scores = fs.getNode("det_%d_scores" % n).mat().ravel()
        labels = fs.getNode("det_%d_labels" % n).mat().ravel()
        assert boxes.shape == (D, 4) and labels.dtype == np.int32
        assert np.array_equal(scores, dets[n]["scores"].numpy())  # same sequence (ties share values)
        key_f = sorted(zip(scores.tolist(), labels.tolist(), map(tuple, boxes.tolist())))
        key_t = sorted(zip(dets[n]["scores"].tolist(), dets[n]["labels"].tolist(),
                           map(tuple, dets[n]["boxes"].tolist())))
        assert key_f == key_t
    fs.release()


def main():
    torch.set_num_threads(1)
    print("torch %s, torchvision %s, OpenCV %s" % (torch.__version__, torchvision.__version__, cv2.__version__))
    total = 0
    for cfg in CASES:
        path = make_case(cfg)
        verify(path, cfg)
        size = os.path.getsize(path)
        total += size
        print("   wrote %s (%d bytes), read-back OK" % (os.path.relpath(path, REPO_ROOT), size))
    print("total %d bytes" % total)


if __name__ == "__main__":
    sys.exit(main())
