#!/usr/bin/env python3
"""End-to-end reference: a tiny torchvision RetinaNet, its ONNX/config, test images and detections.

Purpose
    Builds the ``tiny`` torchvision RetinaNet of tools/export_torchvision.py (torchvision's own
    RetinaNet, RetinaNetHead, BackboneWithFPN + LastLevelP6P7, default anchor generator; K = 5,
    seeded) with transform min_size=256, max_size=512, and gives it weights that behave like a
    detector's: random BatchNorm affine parameters whose running statistics are then calibrated on
    the test images, the classification logits conv scaled and biased so that on the test images a
    few dozen to a few hundred class scores pass 0.05 (most of them low, a few high), and the
    regression conv scaled so that deltas have std 0.3. Then it writes

      data/images/e2e/e2e_256x320.png   H=256, W=320: torchvision's resize is the identity
      data/images/e2e/e2e_300x500.png   downscaled to 256x426, padded to 256x448
      data/images/e2e/e2e_200x200.png   upscaled to 256x256
          (procedural: seeded numpy textures + coloured shapes, lossless PNG)
      data/models/tiny_torchvision/model.onnx   raw per-level heads (cls_0..4, box_0..4), dynamic
                                                N/H/W, Identity-on-initializer folded (OpenCV 4.6)
      data/models/tiny_torchvision/config.yml   torchvision preset + outputs + preprocess
                                                (rgb, scale 1/255, torchvision mean/std, keep_ratio
                                                256/512, pad_divisor 32; normalisation NOT baked)
      data/reference/e2e/tiny_torchvision_<image stem>.yml   (cv2.FileStorage)
          image (file name), count, boxes (float32 Dx4, x1 y1 x2 y2 in original image pixels),
          scores (float32 Dx1), labels (int32 Dx1), resized_size and padded_size (int32 1x2, W H
          of the resized image inside torchvision's transform and of the padded batch tensor)

    The detections come from torchvision's FULL model in eval mode, ``model([img])`` (transform,
    backbone, head, postprocess_detections, transform.postprocess), on the image loaded as a user
    would: cv2.imread (BGR) -> RGB -> float32 / 255 -> CHW. The tool also checks that cv2.dnn on
    the ONNX reproduces the torch head outputs on each transformed (resized, normalised, padded)
    tensor (max |diff| printed; failure above 1e-4) and prints how far cv2.resize (float, linear)
    is from torchvision's bilinear resize, as a hint for the C++ preprocessing.

    With ``--arch tiny_resnet`` / ``tiny_resnet_v2`` the model is torchvision's RetinaNet on
    TinyResNet (tools/export_torchvision.py: the real ResNet stem with its 3x3/2 MaxPool, BatchNorm,
    torchvision's BasicBlock stages; v2: GroupNorm head, P6/P7 from C5) at torchvision's default
    min_size 800 / max_size 1333, K = 5, and the images are the real photos of tools/e2e_photos.py
    (Debian's opencv-doc, cropped to the sizes where keep-ratio formulas diverge: 480x640, 427x640,
    375x500, 342x548, 384x512, 512x512, 720x1280, a portrait, a small and a tiny one). Outputs:
    data/models/tiny_resnet_v1|v2/{model.onnx,config.yml} and
    data/reference/e2e/tiny_resnet_v1|v2_<photo>.yml, which also record ``source`` and ``crop``
    (x, y, w, h) so that the C++ tests cut the same image out of the same photo.

How to rerun
    /usr/bin/python3 tools/make_e2e_reference.py [--seed 1] [--out-root <repo root>]
    /usr/bin/python3 tools/make_e2e_reference.py --arch tiny_resnet     (and tiny_resnet_v2)

    Deterministic for a given seed, torch 1.13 / torchvision 0.14 / OpenCV 4.6 (the ONNX file may
    differ byte-wise between torch versions). No .pth is written.
"""

import argparse
import os
import sys

import cv2
import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_torchvision as et  # noqa: E402
import e2e_photos  # noqa: E402

NUM_CLASSES = 5
MIN_SIZE, MAX_SIZE = 256, 512
EXPORT_SIZE = (256, 320)  # H, W
IMAGES = [("e2e_256x320.png", 256, 320), ("e2e_300x500.png", 300, 500), ("e2e_200x200.png", 200, 200)]
MODEL_NAME = "tiny_torchvision"

# Head calibration targets (over all test images together).
MIN_CANDIDATES_PER_IMAGE = 100     # class scores > 0.05 (before top-k / NMS) on the weakest image
TARGET_LOGIT_SPAN = 6.0             # max logit - logit(0.05): top score ~ sigmoid(3.06) ~ 0.955
TARGET_DELTA_STD = 0.3
THRESHOLD_WINDOW = 0.3             # logit units, see calibrate()
SCORE_THRESH_LOGIT = float(np.log(0.05 / 0.95))


# ----------------------------------------------------------------------------------------------
# Images
# ----------------------------------------------------------------------------------------------

def make_image(h, w, rng):
    """Textured background (smoothed noise, gradient, stripes) with coloured shapes; BGR uint8."""
    noise = rng.rand(max(2, h // 8), max(2, w // 8), 3).astype(np.float32)
    bg = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    grad = (xx / max(w - 1, 1))[..., None] * rng.uniform(-0.4, 0.4, 3).astype(np.float32)
    period = rng.uniform(6, 20)
    angle = rng.uniform(0, np.pi)
    stripes = 0.08 * np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / period)
    fine = rng.rand(h, w, 1).astype(np.float32) * 0.12
    img = 0.25 + 0.4 * bg + grad + stripes[..., None] + fine
    img = np.clip(img * 255.0, 0, 255).astype(np.uint8)
    n_shapes = int(rng.randint(6, 11))
    for _ in range(n_shapes):
        color = tuple(int(c) for c in rng.randint(0, 256, 3))
        kind = rng.randint(0, 4)
        cx, cy = int(rng.randint(0, w)), int(rng.randint(0, h))
        sx = int(rng.randint(max(4, w // 20), max(5, w // 4)))
        sy = int(rng.randint(max(4, h // 20), max(5, h // 4)))
        if kind == 0:
            cv2.rectangle(img, (cx - sx, cy - sy), (cx + sx, cy + sy), color, -1)
        elif kind == 1:
            cv2.ellipse(img, (cx, cy), (sx, sy), float(rng.uniform(0, 180)), 0, 360, color, -1,
                        lineType=cv2.LINE_AA)
        elif kind == 2:
            pts = np.stack([cx + rng.randint(-sx, sx + 1, 3), cy + rng.randint(-sy, sy + 1, 3)], 1)
            cv2.fillPoly(img, [pts.astype(np.int32)], color, lineType=cv2.LINE_AA)
        else:
            cv2.circle(img, (cx, cy), int(min(sx, sy)), color, int(rng.randint(2, 6)),
                       lineType=cv2.LINE_AA)
        if rng.rand() < 0.5:  # a textured object: darken with noise inside its bounding box
            x0, x1 = max(0, cx - sx), min(w, cx + sx)
            y0, y1 = max(0, cy - sy), min(h, cy + sy)
            if x1 > x0 and y1 > y0:
                patch = img[y0:y1, x0:x1].astype(np.float32)
                patch *= 0.8 + 0.2 * rng.rand(y1 - y0, x1 - x0, 1).astype(np.float32)
                img[y0:y1, x0:x1] = patch.astype(np.uint8)
    return img


def load_as_user(path):
    """cv2.imread (BGR) -> RGB -> float32 / 255 -> CHW torch tensor."""
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        raise RuntimeError("cannot read %s" % path)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))


# ----------------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------------

def transformed(model, img):
    model.eval()
    with torch.no_grad():
        image_list, _ = model.transform([img])
    return image_list


def calibrate(model, images, seed, min_candidates=MIN_CANDIDATES_PER_IMAGE):
    """Random BN affine params + BN running stats from the test images; then cls/box conv scaling."""
    g = torch.Generator().manual_seed(seed + 1)
    bns = [m for m in model.backbone.modules() if isinstance(m, nn.BatchNorm2d)]
    for gn in model.head.modules():  # v2 head: random GroupNorm affine parameters too
        if isinstance(gn, nn.GroupNorm):
            gn.weight.data = 0.6 + 0.8 * torch.rand(gn.num_channels, generator=g)
            gn.bias.data = 0.2 * torch.randn(gn.num_channels, generator=g)
    for bn in bns:
        c = bn.num_features
        bn.weight.data = 0.6 + 0.8 * torch.rand(c, generator=g)
        bn.bias.data = 0.2 * torch.randn(c, generator=g)
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average over the calibration passes
    # head tower convs: He-normal instead of torchvision's N(0, 0.01) init, so that the head's features
    # are O(1) as in a trained model (the logits/regression convs are scaled below)
    cls_head = model.head.classification_head
    reg_head = model.head.regression_head
    for tower in (cls_head.conv, reg_head.conv):
        for conv in tower.modules():
            if isinstance(conv, nn.Conv2d):
                fan_in = conv.in_channels * conv.kernel_size[0] * conv.kernel_size[1]
                conv.weight.data = torch.randn(conv.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5
                if conv.bias is not None:  # the v2 head convs have no bias (GroupNorm follows)
                    conv.bias.data = 0.05 * torch.randn(conv.out_channels, generator=g)
    # cls_logits: the A anchors of a class share most of their weights (0.8 common + 0.6 own), so that
    # where a class fires several anchors of a location fire together and NMS has work to do
    logits = cls_head.cls_logits
    k_cls, n_anchors = cls_head.num_classes, cls_head.num_anchors
    std0 = (1.0 / (logits.in_channels * 9)) ** 0.5
    base = torch.randn((k_cls,) + tuple(logits.weight.shape[1:]), generator=g) * std0
    own = torch.randn(tuple(logits.weight.shape), generator=g) * std0
    logits.weight.data = 0.8 * base.repeat(n_anchors, 1, 1, 1) + 0.6 * own
    tensors = [transformed(model, img).tensors for img in images]
    model.backbone.train()
    with torch.no_grad():
        for t in tensors:
            model.backbone(t)
    model.eval()
    for bn in bns:
        bn.momentum = 0.1

    with torch.no_grad():
        feats = [list(model.backbone(t).values()) for t in tensors]
        bias = cls_head.cls_logits.bias.view(1, -1, 1, 1)
        # z[i][k]: raw logits (without bias) of class k on image i, all levels and anchors
        z = [[torch.cat([(cls_head.cls_logits(cls_head.conv(f)) - bias)[:, k::k_cls].flatten() for f in fs])
              for k in range(k_cls)] for fs in feats]
        # Per class, the threshold sits at the (MIN_CANDIDATES_PER_IMAGE / K)-th largest raw logit of
        # the weakest image; the best logit overall ends TARGET_LOGIT_SPAN above its threshold.
        per_class = max(1, min_candidates // k_cls)
        q = [min(float(torch.topk(zi[k], per_class).values[-1]) for zi in z) for k in range(k_cls)]
        span = max(float(zi[k].max()) - q[k] for zi in z for k in range(k_cls))
        scale = TARGET_LOGIT_SPAN / span
        cls_head.cls_logits.weight.mul_(scale)
        # Then the threshold is moved to the middle of the widest gap between the class's logits
        # (all images) within +-THRESHOLD_WINDOW of it, so that no logit lies close to 0.05 and
        # cv2.dnn-vs-torch rounding (~1e-5) cannot move a candidate across the threshold.
        margins = []
        for k in range(k_cls):
            t = q[k] * scale
            v = torch.cat([zi[k] * scale for zi in z])
            v = torch.sort(v[(v > t - THRESHOLD_WINDOW) & (v < t + THRESHOLD_WINDOW)]).values
            gaps = v[1:] - v[:-1]
            i = int(torch.argmax(gaps))
            t = float(v[i] + v[i + 1]) / 2.0
            margins.append(float(gaps[i]) / 2.0)
            for a in range(cls_head.num_anchors):
                cls_head.cls_logits.bias[a * k_cls + k] = SCORE_THRESH_LOGIT - t
        d = torch.cat([reg_head.bbox_reg(reg_head.conv(f)).flatten() for fs in feats for f in fs])
        dscale = TARGET_DELTA_STD / float(d.std())
        reg_head.bbox_reg.weight.mul_(dscale)
        reg_head.bbox_reg.bias.mul_(dscale)
    print("calibrated %d BatchNorm layers; cls_logits weight x%.3g, per-class bias %s (no logit within "
          "%.3g of the threshold); bbox_reg x%.3g"
          % (len(bns), scale, ["%.3f" % float(b) for b in cls_head.cls_logits.bias[:k_cls]], min(margins), dscale))


def fragility(model, img):
    """How close the reference is to flipping under ~1e-5 head noise: pre-NMS candidates (as in
    torchvision's postprocess_detections), the number of same-class candidate pairs whose IoU is
    within 1e-3 (1e-4) of the NMS threshold, of overlapping (IoU > thr - 1e-3) same-class pairs whose scores
    differ by < 1e-4, and the smallest score gap between any two candidates."""
    from torchvision.ops import box_iou, clip_boxes_to_image
    il = transformed(model, img)
    with torch.no_grad():
        feats = list(model.backbone(il.tensors).values())
        head = model.head(feats)
        anchors = model.anchor_generator(il, feats)[0]
    hw = [f.shape[-2] * f.shape[-1] for f in feats]
    a = head["cls_logits"].shape[1] // sum(hw)
    per_level = [n * a for n in hw]
    logits = head["cls_logits"][0].split(per_level)
    deltas = head["bbox_regression"][0].split(per_level)
    anchors = anchors.split(per_level)
    boxes, scores, labels = [], [], []
    for lg, dl, an in zip(logits, deltas, anchors):
        k = lg.shape[-1]
        sc = torch.sigmoid(lg).flatten()
        idx = torch.where(sc > model.score_thresh)[0]
        sc, order = sc[idx].topk(min(len(idx), model.topk_candidates))
        idx = idx[order]
        b = model.box_coder.decode_single(dl[idx // k], an[idx // k])
        boxes.append(clip_boxes_to_image(b, il.image_sizes[0]))
        scores.append(sc)
        labels.append(idx % k)
    boxes, scores, labels = torch.cat(boxes), torch.cat(scores), torch.cat(labels)
    iou = box_iou(boxes, boxes)
    same = labels[:, None] == labels[None, :]
    upper = torch.triu(torch.ones_like(same), diagonal=1)
    pair = same & upper
    thr = model.nms_thresh
    borderline = (int((pair & ((iou - thr).abs() < 1e-3)).sum()), int((pair & ((iou - thr).abs() < 1e-4)).sum()))
    ties = int((pair & (iou > thr - 1e-3) & ((scores[:, None] - scores[None, :]).abs() < 1e-4)).sum())
    ss = torch.sort(scores).values
    gap = float((ss[1:] - ss[:-1]).min()) if len(ss) > 1 else float("inf")
    return len(scores), borderline, ties, gap


def write_reference(path, image_name, det, resized_wh, padded_wh, source=None, crop=None):
    boxes = det["boxes"].numpy().astype(np.float32).reshape(-1, 4)
    scores = det["scores"].numpy().astype(np.float32).reshape(-1, 1)
    labels = det["labels"].numpy().astype(np.int32).reshape(-1, 1)
    fs = cv2.FileStorage(path, cv2.FILE_STORAGE_WRITE)
    fs.write("image", image_name)
    fs.write("count", int(boxes.shape[0]))
    fs.write("boxes", boxes)
    fs.write("scores", scores)
    fs.write("labels", labels)
    fs.write("resized_size", np.array([resized_wh], dtype=np.int32))
    fs.write("padded_size", np.array([padded_wh], dtype=np.int32))
    if source is not None:
        fs.write("source", source)
        fs.write("crop", np.array([crop if crop else (0, 0, 0, 0)], dtype=np.int32))
    fs.release()
    # read back
    fs = cv2.FileStorage(path, cv2.FILE_STORAGE_READ)
    ok = (fs.getNode("image").string() == image_name and int(fs.getNode("count").real()) == len(boxes)
          and (len(boxes) == 0 or np.array_equal(fs.getNode("boxes").mat(), boxes))
          and (len(boxes) == 0 or np.array_equal(fs.getNode("labels").mat(), labels)))
    fs.release()
    if not ok:
        raise RuntimeError("read-back mismatch in %s" % path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].strip(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1,
                    help="images and weights (1: images with similar score distributions)")
    ap.add_argument("--out-root", default=et.REPO_ROOT, help="repository root to write data/ under")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--arch", default="tiny", choices=("tiny", "tiny_resnet", "tiny_resnet_v2"),
                    help="tiny: synthetic images (data/images/e2e); tiny_resnet(_v2): real photos")
    args = ap.parse_args(argv)
    if args.arch != "tiny":
        return main_photos(args)

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    img_dir = os.path.join(args.out_root, "data", "images", "e2e")
    model_dir = os.path.join(args.out_root, "data", "models", MODEL_NAME)
    ref_dir = os.path.join(args.out_root, "data", "reference", "e2e")
    for d in (img_dir, model_dir, ref_dir):
        os.makedirs(d, exist_ok=True)

    # images
    rng = np.random.RandomState(args.seed)
    paths = []
    for name, h, w in IMAGES:
        p = os.path.join(img_dir, name)
        if not cv2.imwrite(p, make_image(h, w, rng)):
            raise RuntimeError("cannot write %s" % p)
        paths.append(p)
        print("wrote %s (%dx%d HxW)" % (p, h, w))
    images = [load_as_user(p) for p in paths]

    # model
    torch.manual_seed(args.seed)
    model = et.build_model("tiny", NUM_CLASSES, min_size=MIN_SIZE, max_size=MAX_SIZE)
    calibrate(model, images, args.seed)
    model.eval()
    et.check_model_matches_preset(model, "torchvision")

    onnx_path = os.path.join(model_dir, "model.onnx")
    cfg_path = os.path.join(model_dir, "config.yml")
    wrapper = et.HeadsWrapper(model, bake_normalization=False)
    cls_names, box_names = et.export_onnx(wrapper, onnx_path, EXPORT_SIZE, 11, et.num_levels(model))
    et.verify_onnx(onnx_path, wrapper, [(1,) + EXPORT_SIZE, (2,) + et.second_size(*EXPORT_SIZE)], tol=args.tol)
    cfg_cls, cfg_box = et.config_names_from_cv2(onnx_path, cls_names, box_names)
    et.write_config(cfg_path, "torchvision", MODEL_NAME, NUM_CLASSES, cfg_cls, cfg_box,
                    et.preprocess_of(model, EXPORT_SIZE, bake_normalization=False),
                    comment="tiny torchvision RetinaNet (tools/make_e2e_reference.py, seed %d, K=%d, "
                            "calibrated random weights)" % (args.seed, NUM_CLASSES))
    size_kb = os.path.getsize(onnx_path) / 1024.0
    if size_kb > 5 * 1024:
        raise RuntimeError("%s is %.0f kB > 5 MB" % (onnx_path, size_kb))

    # references
    worst = 0.0
    for (name, h, w), img in zip(IMAGES, images):
        il = transformed(model, img)
        rh, rw = il.image_sizes[0]
        ph, pw = il.tensors.shape[-2:]
        blob = il.tensors.numpy()
        ref = et.torch_heads(wrapper, blob)
        got = et.cv2_forward(onnx_path, blob, cfg_cls + cfg_box)
        diff, mref = et.compare(ref, got, name + ": ")
        worst = max(worst, diff)
        if not diff <= args.tol * max(1.0, mref):
            raise RuntimeError("%s: cv2.dnn heads differ from torch by %.3g" % (name, diff))
        n_cand = sum(int((torch.sigmoid(torch.from_numpy(ref[c])) > model.score_thresh).sum()) for c in cls_names)

        # what cv2.resize (float RGB, INTER_LINEAR) gives vs torchvision's bilinear interpolate
        rgb = images[[n for n, _, _ in IMAGES].index(name)].numpy().transpose(1, 2, 0)
        cv_res = cv2.resize(rgb, (rw, rh), interpolation=cv2.INTER_LINEAR)
        mean = np.array(model.transform.image_mean, np.float32)
        std = np.array(model.transform.image_std, np.float32)
        tv_res = blob[0, :, :rh, :rw].transpose(1, 2, 0) * std + mean
        rdiff = float(np.abs(cv_res - tv_res).max()) * 255.0

        n_cand2, borderline, ties, gap = fragility(model, img)
        if n_cand2 != n_cand:
            raise RuntimeError("%s: candidate count %d != %d" % (name, n_cand2, n_cand))
        with torch.no_grad():
            det = model([img])[0]
        write_reference(os.path.join(ref_dir, "%s_%s.yml" % (MODEL_NAME, os.path.splitext(name)[0])),
                        name, det, (rw, rh), (pw, ph))
        s = det["scores"].numpy()
        labels = det["labels"].numpy()
        print("%s: %dx%d -> resized %dx%d, padded %dx%d (WxH); cv2.dnn vs torch heads max|diff| %.3g "
              "(max|ref| %.3g); %d scores > %.2f before NMS; %d detections, scores %.4f..%.4f "
              "(%d >= 0.3, %d >= 0.5), per-label %s; cv2.resize vs torchvision resize max|diff| %.3g/255; "
              "fragility: %d (%d) same-class candidate pairs with |IoU - %.2g| < 1e-3 (1e-4), %d overlapping same-class pairs "
              "with |score diff| < 1e-4, smallest candidate score gap %.3g"
              % (name, w, h, rw, rh, pw, ph, diff, mref, n_cand, model.score_thresh, len(s),
                 s.min() if len(s) else 0, s.max() if len(s) else 0, int((s >= 0.3).sum()),
                 int((s >= 0.5).sum()), np.bincount(labels, minlength=NUM_CLASSES).tolist(), rdiff,
                 borderline[0], borderline[1], model.nms_thresh, ties, gap))
    print("ONNX %s: %.1f kB; cv2 output names cls %s box %s; worst cv2 vs torch head diff %.3g"
          % (onnx_path, size_kb, cfg_cls, cfg_box, worst))
    return 0


PHOTO_MODELS = {"tiny_resnet": ("tiny_resnet_v1", "torchvision"), "tiny_resnet_v2": ("tiny_resnet_v2", "torchvision_v2")}


def main_photos(args):
    """--arch tiny_resnet / tiny_resnet_v2: the model on the real photos of tools/e2e_photos.py."""
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    model_name, preset = PHOTO_MODELS[args.arch]
    model_dir = os.path.join(args.out_root, "data", "models", model_name)
    ref_dir = os.path.join(args.out_root, "data", "reference", "e2e")
    for d in (model_dir, ref_dir):
        os.makedirs(d, exist_ok=True)
    photos = e2e_photos.select()
    bgr = [e2e_photos.load(p) for p in photos]
    images = []
    for im in bgr:  # as load_as_user(): BGR -> RGB -> float32 / 255 -> CHW
        rgb = cv2.cvtColor(im, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
        images.append(torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1))))

    torch.manual_seed(args.seed)
    model = et.build_model(args.arch, NUM_CLASSES)  # torchvision defaults: min_size 800, max_size 1333
    calibrate(model, images, args.seed)
    model.eval()
    et.check_model_matches_preset(model, preset)
    export_size = (512, 512)
    onnx_path = os.path.join(model_dir, "model.onnx")
    wrapper = et.HeadsWrapper(model, bake_normalization=False)
    cls_names, box_names = et.export_onnx(wrapper, onnx_path, export_size, 11, et.num_levels(model))
    et.verify_onnx(onnx_path, wrapper, [(1,) + export_size, (2,) + et.second_size(*export_size)], tol=args.tol)
    cfg_cls, cfg_box = et.config_names_from_cv2(onnx_path, cls_names, box_names)
    et.write_config(os.path.join(model_dir, "config.yml"), preset, model_name, NUM_CLASSES, cfg_cls, cfg_box,
                    et.preprocess_of(model, export_size, bake_normalization=False),
                    comment="torchvision RetinaNet on TinyResNet%s (tools/make_e2e_reference.py --arch %s, "
                            "seed %d, K=%d, calibrated random weights)"
                            % (" v2" if args.arch.endswith("v2") else "", args.arch, args.seed, NUM_CLASSES))
    size_kb = os.path.getsize(onnx_path) / 1024.0
    if size_kb > 3 * 1024:
        raise RuntimeError("%s is %.0f kB > 3 MB" % (onnx_path, size_kb))
    for (name, source, crop), img in zip(photos, images):
        il = transformed(model, img)
        rh, rw = il.image_sizes[0]
        ph, pw = il.tensors.shape[-2:]
        n_cand, borderline, ties, gap = fragility(model, img)
        with torch.no_grad():
            det = model([img])[0]
        write_reference(os.path.join(ref_dir, "%s_%s.yml" % (model_name, name)), name, det, (rw, rh), (pw, ph),
                        source=source, crop=crop)
        s = det["scores"].numpy()
        print("%s: %dx%d (HxW) -> resized %dx%d, padded %dx%d; %d candidates > 0.05, %d detections "
              "(max score %.3f); fragility: %d (%d) pairs |IoU - thr| < 1e-3 (1e-4), %d ties, min gap %.3g"
              % (name, img.shape[1], img.shape[2], rh, rw, ph, pw, n_cand, len(s), s.max() if len(s) else 0,
                 borderline[0], borderline[1], ties, gap))
    print("ONNX %s: %.1f kB" % (onnx_path, size_kb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
