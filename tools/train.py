#!/usr/bin/env python3
"""Train a small RetinaNet (torchvision) from scratch with focal loss on the synthetic
COCO-format dataset written by tools/synth_dataset.py.

Model (``build_model``)
    * backbone: ResNet-ish, BasicBlocks, stem 3x3/2 (24) + 3x3 (32), stages
      32-64-128-256 with (1, 2, 2, 1) blocks, BatchNorm (folds into the convs on export);
      C3/C4/C5 = layer2/3/4 (strides 8/16/32).  1.60 M parameters (whole model 2.29 M).
    * torchvision ``BackboneWithFPN``: FPN out_channels 64 on C3..C5 + ``LastLevelP6P7``
      fed from C5 (as in the paper) -> P3..P7, strides 8..128.
    * anchors: sizes (x, int(x*2^(1/3)), int(x*2^(2/3))) for x = 16, 32, 64, 128, 256
      (base = 2*stride, because the images are only 320 px), ratios 0.5/1/2,
      torchvision ``AnchorGenerator`` (A = 9 per location).
    * torchvision ``RetinaNetHead`` (cls bias = -log((1-0.01)/0.01)), with GroupNorm(16)
      in the two 4-conv towers (``--head-norm gn``, the default; torchvision's v2 head
      style; exported as plain ONNX ops by tools/export_trained.py),
      num_classes = 9: label == COCO category_id (1..8), index 0 unused, like
      torchvision's COCO models.  ``--head-init kaiming`` (default) re-initialises
      the two 4-conv towers with Kaiming-normal weights (the final cls_logits /
      bbox_reg convs keep torchvision's N(0, 0.01) and the prior bias): with
      torchvision's N(0, 0.01) towers the head signal shrinks ~10x per layer and,
      trained from scratch for only ~3k steps, only the biases learned (box L1 stuck
      at 0.6, mAP ~0 after 700 steps).
    * transform: min_size = max_size = --size (320), ImageNet mean/std, RGB in [0, 1],
      so 320x320 inputs are not resized.
    * matcher fg IoU 0.5 / bg 0.4 (low-quality matches allowed), BoxCoder (1,1,1,1), L1
      box loss (torchvision defaults).

Loss (``--loss``), normalised by the number of foreground anchors:
    focal  : alpha_t * (1 - p_t)^gamma * CE            (torchvision sigmoid_focal_loss)
    ce     : same with gamma = 0 (alpha-balanced CE unless --alpha -1)
    flstar : paper appendix A, FL* = -log(sigmoid(gamma * x_t + beta)) / gamma
             (x_t = x for positives, -x for negatives), times alpha_t if alpha >= 0.

Optimisation: AdamW (``--optim adamw``, the default) lr 1e-3, weight decay 1e-4 on
conv/linear weights only, linear warm-up (100 steps from 0.001x), x0.1 at 2/3 and 8/9 of
the run, grad-norm clip 10.  ``--optim sgd`` (momentum 0.9, use ``--lr 0.01``) and
``--head-norm none`` are the earlier settings.  Measured in 250-step probes on the same
data and seed (loss at step 240): SGD 1.30, AdamW 1.22, AdamW + GN head 1.18; SGD needed
~500 steps to reach 1.22.  Augmentation: random scale jitter + crop/pad to --size, horizontal flip,
colour jitter (brightness/contrast/saturation/hue), Gaussian pixel noise.  Sample order and augmentation draw from RNGs seeded with
(--seed, epoch / sample index), so a run (and a resumed run) is reproducible.

``--max-minutes`` bounds the wall time: with it the run's progress is
max(step / steps, elapsed / budget), so the LR milestones and the end move earlier
when the machine is slower than expected, and the run always stops with a saved,
fully decayed model.  Without it, the run is purely step-based and bit-reproducible.

Outputs in --ckpt-dir: last.pth (resumable: model + optimiser + history),
model_final.pth (weights + meta, written when the run ends or is stopped),
loss_curve.png, history.json.

Examples::

    # the default run (<= 60 minutes on the 2-core development machine)
    python3 tools/train.py --data build_data/synth --ckpt-dir build_data/ckpt

    # the shipped model (doc/model_card.md): the same with a 95-minute budget
    python3 tools/train.py --data build_data/synth --ckpt-dir build_data/ckpt \
        --steps 12000 --max-minutes 95

    # continue a finished / stopped run with more time (LR is re-derived from progress)
    python3 tools/train.py --resume --steps 16000 --max-minutes 150
"""
import argparse
import json
import math
import os
import signal
import sys
import time
from functools import partial

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.detection import RetinaNet
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.retinanet import RetinaNetClassificationHead, RetinaNetHead
from torchvision.ops import sigmoid_focal_loss
from torchvision.ops.feature_pyramid_network import LastLevelP6P7

ANCHOR_BASE = (16, 32, 64, 128, 256)
ASPECT_RATIOS = (0.5, 1.0, 2.0)
IMAGE_MEAN = (0.485, 0.456, 0.406)
IMAGE_STD = (0.229, 0.224, 0.225)


def anchor_sizes():
    return tuple((x, int(x * 2 ** (1.0 / 3)), int(x * 2 ** (2.0 / 3))) for x in ANCHOR_BASE)


# ----------------------------------------------------------------------------- model
class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        nn.init.zeros_(self.bn2.weight)  # residual branch starts as identity
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class SmallResNet(nn.Module):
    """Children run in order (IntermediateLayerGetter requirement)."""

    def __init__(self, widths=(32, 64, 128, 256), blocks=(1, 2, 2, 1)):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 24, 3, 2, 1, bias=False), nn.BatchNorm2d(24), nn.ReLU(inplace=True),
            nn.Conv2d(24, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True))
        cin = widths[0]
        for i, (w, n) in enumerate(zip(widths, blocks)):
            layers = []
            for j in range(n):
                layers.append(BasicBlock(cin, w, 2 if j == 0 else 1))
                cin = w
            setattr(self, f"layer{i + 1}", nn.Sequential(*layers))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        for m in self.children():
            x = m(x)
        return x


class LossClsHead(RetinaNetClassificationHead):
    """torchvision's classification head with a selectable loss (same normalisation)."""

    def __init__(self, in_channels, num_anchors, num_classes, loss="focal", alpha=0.25, gamma=2.0, beta=1.0,
                 norm_layer=None):
        super().__init__(in_channels, num_anchors, num_classes, norm_layer=norm_layer)
        self.loss, self.alpha, self.gamma, self.beta = loss, alpha, gamma, beta

    def elementwise(self, x, t):
        if self.loss == "flstar":
            xt = x * (2 * t - 1)
            l = F.softplus(-(self.gamma * xt + self.beta)) / self.gamma
            if self.alpha >= 0:
                l = (self.alpha * t + (1 - self.alpha) * (1 - t)) * l
            return l
        gamma = 0.0 if self.loss == "ce" else self.gamma
        return sigmoid_focal_loss(x, t, alpha=self.alpha, gamma=gamma, reduction="none")

    def compute_loss(self, targets, head_outputs, matched_idxs):
        losses = []
        for tgt, logits, matched in zip(targets, head_outputs["cls_logits"], matched_idxs):
            fg = matched >= 0
            gt = torch.zeros_like(logits)
            gt[fg, tgt["labels"][matched[fg]]] = 1.0
            valid = matched != self.BETWEEN_THRESHOLDS
            losses.append(self.elementwise(logits[valid], gt[valid]).sum() / max(1, int(fg.sum())))
        return sum(losses) / len(targets)


def build_model(num_classes=9, size=320, loss="focal", alpha=0.25, gamma=2.0, beta=1.0,
                score_thresh=0.05, nms_thresh=0.5, detections_per_img=100, fpn_channels=64, head_init="kaiming",
                head_norm="none"):
    body = SmallResNet()
    backbone = BackboneWithFPN(body, {"layer2": "0", "layer3": "1", "layer4": "2"}, [64, 128, 256],
                               fpn_channels, extra_blocks=LastLevelP6P7(256, fpn_channels))
    ag = AnchorGenerator(anchor_sizes(), (ASPECT_RATIOS,) * len(ANCHOR_BASE))
    na = ag.num_anchors_per_location()[0]
    norm = partial(nn.GroupNorm, 16) if head_norm == "gn" else None
    head = RetinaNetHead(fpn_channels, na, num_classes, norm_layer=norm)
    head.classification_head = LossClsHead(fpn_channels, na, num_classes, loss, alpha, gamma, beta, norm)
    if head_init == "kaiming":  # towers only; cls_logits / bbox_reg keep N(0, 0.01) and the prior bias
        for tower in (head.classification_head.conv, head.regression_head.conv):
            for m in tower.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.zeros_(m.bias)
    return RetinaNet(backbone, num_classes, min_size=size, max_size=size, image_mean=list(IMAGE_MEAN),
                     image_std=list(IMAGE_STD), anchor_generator=ag, head=head, score_thresh=score_thresh,
                     nms_thresh=nms_thresh, detections_per_img=detections_per_img, topk_candidates=1000)


def model_meta(args, categories):
    return {"arch": "retinanet_smallresnet_fpn64", "num_classes": 9, "size": args.size,
            "categories": categories, "anchor_sizes": [list(s) for s in anchor_sizes()],
            "aspect_ratios": list(ASPECT_RATIOS), "strides": [8, 16, 32, 64, 128],
            "image_mean": list(IMAGE_MEAN), "image_std": list(IMAGE_STD), "color_order": "rgb",
            "scale": 1.0 / 255, "head_norm": args.head_norm, "head_init": args.head_init,
            "loss": args.loss, "alpha": args.alpha, "gamma": args.gamma, "beta": args.beta}


def load_model(path, **kw):
    ck = torch.load(path, map_location="cpu")
    meta = ck.get("meta", {})
    model = build_model(num_classes=meta.get("num_classes", 9), size=meta.get("size", 320),
                        head_norm=meta.get("head_norm", "none"), **kw)
    model.load_state_dict(ck["model"])
    return model.eval(), meta


# ----------------------------------------------------------------------------- data
class CocoDataset:
    """COCO json + images in one folder (tools/synth_dataset.py layout)."""

    def __init__(self, split_dir):
        self.dir = split_dir
        coco = json.load(open(os.path.join(split_dir, "annotations.json")))
        self.categories = coco["categories"]
        self.images = sorted(coco["images"], key=lambda im: im["id"])
        boxes = {im["id"]: [] for im in self.images}
        for a in coco["annotations"]:
            x, y, w, h = a["bbox"]
            boxes[a["image_id"]].append([x, y, x + w, y + h, a["category_id"]])
        self.boxes = [np.array(boxes[im["id"]], np.float32).reshape(-1, 5) for im in self.images]

    def __len__(self):
        return len(self.images)

    def load(self, i):
        img = cv2.imread(os.path.join(self.dir, self.images[i]["file_name"]), cv2.IMREAD_COLOR)
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB), self.boxes[i].copy()


def augment(img, boxes, rng, size, scale_range=(0.75, 1.33)):
    """Scale jitter + random crop/pad to size x size, hflip, colour jitter, noise.
    Boxes: (N, 5) xyxy + label, continuous pixel coordinates."""
    h, w = img.shape[:2]
    s = size / max(h, w) * math.exp(rng.uniform(math.log(scale_range[0]), math.log(scale_range[1])))
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    img = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR if s > 1 else cv2.INTER_AREA)
    b = boxes.copy()
    b[:, [0, 2]] *= nw / w
    b[:, [1, 3]] *= nh / h
    canvas = np.empty((size, size, 3), np.uint8)
    canvas[:] = np.round(np.array(IMAGE_MEAN) * 255).astype(np.uint8)
    ox = int(rng.integers(0, nw - size + 1)) if nw > size else -int(rng.integers(0, size - nw + 1))
    oy = int(rng.integers(0, nh - size + 1)) if nh > size else -int(rng.integers(0, size - nh + 1))
    sx0, sy0 = max(0, ox), max(0, oy)
    dx0, dy0 = max(0, -ox), max(0, -oy)
    cw, ch = min(nw - sx0, size - dx0), min(nh - sy0, size - dy0)
    canvas[dy0:dy0 + ch, dx0:dx0 + cw] = img[sy0:sy0 + ch, sx0:sx0 + cw]
    img = canvas
    b[:, [0, 2]] -= ox
    b[:, [1, 3]] -= oy
    area0 = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    b[:, :4] = np.clip(b[:, :4], 0, size)
    area1 = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    keep = (area1 >= 0.5 * area0) & (b[:, 2] - b[:, 0] >= 2) & (b[:, 3] - b[:, 1] >= 2)
    b = b[keep]
    if rng.random() < 0.5:
        img = img[:, ::-1]
        b[:, [0, 2]] = size - b[:, [2, 0]]
    # colour jitter
    hsv = cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0].astype(np.int32) + int(rng.integers(-12, 13))) % 180
    img = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)
    img *= rng.uniform(0.75, 1.25)                                   # brightness
    m = img.mean()
    img = (img - m) * rng.uniform(0.75, 1.25) + m                    # contrast
    g = img.mean(2, keepdims=True)
    img = (img - g) * rng.uniform(0.7, 1.3) + g                      # saturation
    if rng.random() < 0.5:
        img += rng.normal(0, rng.uniform(1, 6), img.shape[:2] + (1,)).astype(np.float32)
    img = np.clip(img, 0, 255)
    return img, b


def to_tensor(img):
    return torch.from_numpy(np.ascontiguousarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0)


def make_batch(ds, step, batch, seed, size, perms):
    imgs, tgts = [], []
    n = len(ds)
    for j in range(batch):
        g = step * batch + j
        epoch = g // n
        if epoch not in perms:
            perms.clear()
            perms[epoch] = np.random.default_rng([seed, 1, epoch]).permutation(n)
        img, boxes = ds.load(int(perms[epoch][g % n]))
        img, boxes = augment(img, boxes, np.random.default_rng([seed, 2, g]), size)
        imgs.append(to_tensor(img))
        tgts.append({"boxes": torch.from_numpy(boxes[:, :4].copy()),
                     "labels": torch.from_numpy(boxes[:, 4].astype(np.int64))})
    return imgs, tgts


# ----------------------------------------------------------------------------- plotting
def plot_curve(hist, path, title):
    """Loss curve with cv2 (matplotlib is not available here)."""
    W, H, L, R, T, B = 900, 500, 70, 20, 40, 50
    img = np.full((H, W, 3), 255, np.uint8)
    if len(hist) < 2:
        cv2.imwrite(path, img)
        return
    h = np.array([[r["step"], r["loss"], r["cls"], r["reg"]] for r in hist], np.float64)
    steps = h[:, 0]
    ymax = float(np.percentile(h[:, 1], 99)) * 1.05 + 1e-6
    px = lambda s: int(L + (s - steps[0]) / max(1e-9, steps[-1] - steps[0]) * (W - L - R))
    py = lambda v: int(H - B - min(v, ymax) / ymax * (H - T - B))
    for k in range(6):
        v = ymax * k / 5
        cv2.line(img, (L, py(v)), (W - R, py(v)), (225, 225, 225), 1)
        cv2.putText(img, f"{v:.2f}", (5, py(v) + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    for k in range(6):
        s = steps[0] + (steps[-1] - steps[0]) * k / 5
        cv2.putText(img, f"{int(s)}", (px(s) - 15, H - B + 18), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1,
                    cv2.LINE_AA)
    cv2.rectangle(img, (L, T), (W - R, H - B), (0, 0, 0), 1)
    k = max(1, len(h) // 50)
    for col, c, name in ((1, (0, 0, 200), "total"), (2, (200, 0, 0), "cls"), (3, (0, 150, 0), "box L1")):
        y = np.convolve(h[:, col], np.ones(k) / k, mode="valid")
        pts = np.array([[px(s), py(v)] for s, v in zip(steps[k - 1:], y)], np.int32)
        cv2.polylines(img, [pts], False, c, 2, cv2.LINE_AA)
        cv2.putText(img, name, (W - R - 160, T + 20 + 18 * (col - 1)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, c, 1,
                    cv2.LINE_AA)
    cv2.putText(img, title, (L, T - 12), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, "step", (W // 2, H - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.imwrite(path, img)


# ----------------------------------------------------------------------------- training
def lr_at(progress, step, args):
    lr = args.lr * (0.1 ** sum(progress >= m for m in (2.0 / 3, 8.0 / 9)))
    if step < args.warmup:
        f = step / args.warmup
        lr *= args.warmup_factor * (1 - f) + f
    return lr


def save_atomic(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def fmt_t(s):
    s = int(max(0, s))
    return f"{s // 3600}h{s % 3600 // 60:02d}m{s % 60:02d}s" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="build_data/synth", help="dataset root (train/, val/)")
    ap.add_argument("--ckpt-dir", default="build_data/ckpt")
    ap.add_argument("--size", type=int, default=320)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=7000)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--optim", choices=["sgd", "adamw"], default="adamw")
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--warmup-factor", type=float, default=0.001)
    ap.add_argument("--clip-grad", type=float, default=10.0, help="max grad norm (0 = off)")
    ap.add_argument("--loss", choices=["focal", "ce", "flstar"], default="focal")
    ap.add_argument("--alpha", type=float, default=0.25, help="alpha balance (-1 = off)")
    ap.add_argument("--gamma", type=float, default=2.0)
    ap.add_argument("--beta", type=float, default=1.0, help="FL* beta")
    ap.add_argument("--head-init", choices=["kaiming", "torchvision"], default="kaiming",
                    help="init of the head's 4-conv towers (see above)")
    ap.add_argument("--head-norm", choices=["none", "gn"], default="gn",
                    help="GroupNorm(16) in the head towers (torchvision v2 head style)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-minutes", type=float, default=58, help="wall-time budget (0 = none), see above")
    ap.add_argument("--resume", nargs="?", const="auto", default=None,
                    help="checkpoint to resume (no value: CKPT_DIR/last.pth)")
    ap.add_argument("--log-every", type=int, default=20)
    ap.add_argument("--ckpt-every", type=int, default=200)
    ap.add_argument("--eval-split", default="val", help="split evaluated at the end ('' = none)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(1)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    os.makedirs(args.ckpt_dir, exist_ok=True)

    ds = CocoDataset(os.path.join(args.data, "train"))
    model = build_model(size=args.size, loss=args.loss, alpha=args.alpha, gamma=args.gamma, beta=args.beta,
                        head_init=args.head_init, head_norm=args.head_norm)
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    if args.optim == "sgd":
        opt = torch.optim.SGD(groups, lr=args.lr, momentum=args.momentum)
    else:
        opt = torch.optim.AdamW(groups, lr=args.lr)
    nparam = sum(p.numel() for p in model.parameters())
    nbody = sum(p.numel() for p in model.backbone.body.parameters())

    start, hist, elapsed0 = 0, [], 0.0
    if args.resume:
        path = os.path.join(args.ckpt_dir, "last.pth") if args.resume == "auto" else args.resume
        if os.path.exists(path):
            ck = torch.load(path, map_location="cpu")
            model.load_state_dict(ck["model"])
            opt.load_state_dict(ck["optimizer"])
            start, hist, elapsed0 = ck["step"], ck["history"], ck.get("elapsed", 0.0)
            print(f"[train] resumed {path} at step {start} ({fmt_t(elapsed0)} trained)", flush=True)
        else:
            print(f"[train] no checkpoint at {path}, starting fresh", flush=True)
    print(f"[train] {len(ds)} train images, params {nparam / 1e6:.2f}M (backbone body {nbody / 1e6:.2f}M), "
          f"loss={args.loss} alpha={args.alpha} gamma={args.gamma} beta={args.beta}, steps={args.steps}, "
          f"batch={args.batch}, lr={args.lr}, threads={args.threads}, max_minutes={args.max_minutes}", flush=True)

    stop = {"sig": None}

    def on_signal(sig, frame):
        stop["sig"] = sig
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    budget = args.max_minutes * 60.0
    t_start = time.time()
    elapsed = lambda: elapsed0 + time.time() - t_start
    progress = lambda st: max(st / args.steps, elapsed() / budget if budget > 0 else 0.0)

    def checkpoint(step):
        meta = model_meta(args, ds.categories)
        save_atomic({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step, "history": hist,
                     "elapsed": elapsed(), "args": vars(args), "meta": meta}, os.path.join(args.ckpt_dir, "last.pth"))
        with open(os.path.join(args.ckpt_dir, "history.json"), "w") as f:
            json.dump(hist, f)
        plot_curve(hist, os.path.join(args.ckpt_dir, "loss_curve.png"),
                   f"RetinaNet synth, loss={args.loss} gamma={args.gamma}, step {step}")

    model.train()
    perms, win, step = {}, [], start
    t_win = time.time()
    reason = "steps done"
    while True:
        if step >= args.steps:
            break
        if budget > 0 and elapsed() >= budget:
            reason = f"time budget ({args.max_minutes} min) reached"
            break
        if stop["sig"] is not None:
            reason = f"signal {stop['sig']}"
            break
        p = progress(step)
        lr = lr_at(p, step, args)
        for gr in opt.param_groups:
            gr["lr"] = lr
        imgs, tgts = make_batch(ds, step, args.batch, args.seed, args.size, perms)
        losses = model(imgs, tgts)
        loss = losses["classification"] + losses["bbox_regression"]
        if not torch.isfinite(loss):
            print(f"[train] non-finite loss at step {step}, aborting", flush=True)
            checkpoint(step)
            return 1
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if args.clip_grad > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_grad)
        opt.step()
        step += 1
        rec = {"step": step, "loss": float(loss), "cls": float(losses["classification"]),
               "reg": float(losses["bbox_regression"]), "lr": lr}
        hist.append(rec)
        win.append(rec)
        if step % args.log_every == 0 or step == start + 1:
            dt = (time.time() - t_win) / len(win)
            rem = (args.steps - step) * dt
            if budget > 0:
                rem = min(rem, budget - elapsed())
            mean = lambda k: sum(r[k] for r in win) / len(win)
            print(f"[train] step {step}/{args.steps} lr {lr:.5f} loss {mean('loss'):.4f} "
                  f"(cls {mean('cls'):.4f} box {mean('reg'):.4f}) {dt:.2f} s/step "
                  f"elapsed {fmt_t(elapsed())} ETA {fmt_t(rem)} progress {100 * progress(step):.1f}%", flush=True)
            win, t_win = [], time.time()
        if step % args.ckpt_every == 0:
            checkpoint(step)
        if budget > 0 and progress(step) >= 1.0 and step < args.steps:
            reason = f"time budget ({args.max_minutes} min) reached"
            break
    checkpoint(step)
    final = os.path.join(args.ckpt_dir, "model_final.pth")
    save_atomic({"model": model.state_dict(), "meta": model_meta(args, ds.categories), "step": step,
                 "stopped": reason}, final)
    print(f"[train] stopped at step {step}: {reason}; {fmt_t(elapsed())} of training; wrote {final}", flush=True)

    if args.eval_split and stop["sig"] is None:
        split_dir = os.path.join(args.data, args.eval_split)
        if os.path.exists(os.path.join(split_dir, "annotations.json")):
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            import eval_pytorch
            model.eval()
            stats = eval_pytorch.evaluate_model(model, split_dir, threads=args.threads)
            print("[train] " + args.eval_split + " " + eval_pytorch.format_stats(stats), flush=True)
            with open(os.path.join(args.ckpt_dir, f"eval_{args.eval_split}.json"), "w") as f:
                json.dump(stats, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
