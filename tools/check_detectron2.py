#!/usr/bin/env python3
"""detectron2's OWN RetinaNet R50-FPN against the project, on real photos.

Purpose
    Issue 11 point 4: run detectron2's own code once and compare the project's detections with it.
    This tool never contains detectron2 code: it imports detectron2 from a checkout outside the
    repository (below) and

      1. builds RetinaNet R50-FPN from detectron2's ``configs/COCO-Detection/retinanet_R_50_FPN_1x.yaml``
         (``get_cfg`` / ``merge_from_file``, MODEL.DEVICE cpu, MODEL.WEIGHTS "" = detectron2's own random
         init, seeded) inside detectron2's ``DefaultPredictor``,
      2. gives it a detector's statistics with tools/make_e2e_reference.py ``calibrate()`` (the same
         recipe as for torchvision's models: random BatchNorm affine parameters, running statistics
         from the photos, He-init head towers, the logits conv scaled, the regression scaled to delta
         std 0.3); detectron2's FrozenBatchNorm2d layers are swapped for nn.BatchNorm2d during the
         calibration and converted back with detectron2's own
         ``FrozenBatchNorm2d.convert_frozen_batchnorm``; then the class bias is set so that the
         MEDIAN photo has a few hundred class scores above 0.05 (``set_class_bias``: calibrate()'s
         weakest-photo rule gave the other photos 10^5 candidates),
      3. exports the raw per-level heads (cls_l (N, A*K, H, W), box_l (N, A*4, H, W); backbone input =
         detectron2's normalised image (x - PIXEL_MEAN) / PIXEL_STD in BGR) with
         tools/export_torchvision.py ``export_onnx`` (opset 11, dynamic N/H/W, Identity folding;
         detectron2's FPN already upsamples with ``scale_factor=2.0``) and writes two configs,
         ``base: detectron2`` plus num_classes 80, outputs and preprocess:
           A: keep_ratio 800/1333, pad_divisor 32 (the preset's ``resize_rule: detectron2``,
              ``resize_input: uint8``): what a user runs on the original photo;
           B: ``resize: none``: the network sees exactly the image it is given,
      4. runs ``DefaultPredictor(cfg)(bgr_photo)`` (ResizeShortestEdge with PIL BILINEAR on the uint8
         BGR image, normalise, pad, RetinaNet.inference, detector_postprocess) on the photos of
         tools/e2e_photos.py, and the project's ``retinanet_detect --json``
           A: on the original photos (lossless PNG) with config A, and
           B: on detectron2's own resized uint8 image (``predictor.aug.get_transform(img).apply_image``,
              lossless PNG) with config B, its boxes mapped back here as detector_postprocess does
              (x * float32(orig / resized), clip to the frame, drop empty boxes),
         so B isolates the decoder and the normalisation from the PIL-vs-cv::resize difference,
      5. matches one to one per label (tools/check_real_models.py ``match``) at a strict tolerance
         (|dscore| <= --score-tol, box <= --box-tol px) and a loose one (--loose-score-tol,
         --loose-box-tol), and prints a markdown table.

Setup (nothing of detectron2 is vendored; no C++ extension is built: RetinaNet inference needs none)
    # 1. a checkout of facebookresearch/detectron2 (checked with 02b5c4e, v0.6-283)
    git clone https://github.com/facebookresearch/detectron2 /tmp/detectron2
    # 2. a venv on top of Debian's python3-torch 1.13 / python3-torchvision 0.14 / python3-opencv 4.6
    /usr/bin/python3 -m venv --system-site-packages /tmp/d2venv
    /tmp/d2venv/bin/pip install 'fvcore>=0.1.5,<0.1.6' 'iopath>=0.1.7,<0.1.10' 'omegaconf>=2.1,<2.4' \\
        yacs pycocotools cloudpickle
    # (tabulate, termcolor, portalocker, pyyaml, Pillow come from Debian or with fvcore/iopath)

How to rerun
    scripts/build.sh    # builds build/bin/retinanet_detect
    PYTHONPATH=/tmp/detectron2 nice -n 10 /tmp/d2venv/bin/python tools/check_detectron2.py \\
        [--d2-root /tmp/detectron2] [--bin build/bin] [--photos aero1 ...] [--table out.md] [--work DIR]
    (over 30 minutes on 2 cores shared with other jobs: calibration alone is ~40 ResNet-50 passes at
    ~800x1100; the ONNX file is ~150 MB, written to --work or a temp dir)

    cv2.dnn is checked against torch on detectron2's own normalised, padded tensor of every photo
    (the "cv2.dnn vs torch heads" column), not on random blobs.
"""

import argparse
import collections
import os
import sys
import tempfile
import time
import types

import cv2
import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_real_models as crm  # noqa: E402
import e2e_photos  # noqa: E402
import export_torchvision as et  # noqa: E402
import make_e2e_reference as mer  # noqa: E402

D2_CONFIG = "configs/COCO-Detection/retinanet_R_50_FPN_1x.yaml"


def import_detectron2(root):
    if root and root not in sys.path:
        sys.path.insert(0, root)
    try:
        from detectron2.config import get_cfg
        from detectron2.engine import DefaultPredictor
        from detectron2.layers import FrozenBatchNorm2d
    except ImportError as e:
        raise SystemExit("cannot import detectron2 (%s): see the setup in this tool's docstring" % e)
    return get_cfg, DefaultPredictor, FrozenBatchNorm2d


# ----------------------------------------------------------------------------------------------
# Calibration: make_e2e_reference.calibrate() on a torchvision-shaped view of detectron2's model
# ----------------------------------------------------------------------------------------------

class _Backbone(nn.Module):
    def __init__(self, d2model):
        super().__init__()
        self.body = d2model.backbone
        self.names = list(d2model.head_in_features)

    def forward(self, x):
        f = self.body(x)
        return collections.OrderedDict((n, f[n]) for n in self.names)


class _Branch(nn.Module):
    def __init__(self, conv, out, **attrs):
        super().__init__()
        self.conv = conv
        setattr(self, "cls_logits" if "num_classes" in attrs else "bbox_reg", out)
        for k, v in attrs.items():
            setattr(self, k, v)


class _Head(nn.Module):
    def __init__(self, d2model):
        super().__init__()
        h = d2model.head
        a = d2model.anchor_generator.num_cell_anchors[0]
        self.classification_head = _Branch(h.cls_subnet, h.cls_score, num_classes=d2model.num_classes, num_anchors=a)
        self.regression_head = _Branch(h.bbox_subnet, h.bbox_pred)


class CalibrationView(nn.Module):
    """What calibrate() touches of a torchvision RetinaNet: backbone (dict of FPN levels), head
    (classification_head.conv/cls_logits, regression_head.conv/bbox_reg) and transform; the modules
    are detectron2's own (shared, so calibrate() changes detectron2's model)."""

    def __init__(self, d2model):
        super().__init__()
        self.backbone = _Backbone(d2model)
        self.head = _Head(d2model)
        self._d2 = [d2model]  # not a submodule

    def transform(self, inputs):
        return types.SimpleNamespace(tensors=self._d2[0].preprocess_image(inputs).tensor), None


def set_class_bias(view, inputs, per_photo, window=mer.THRESHOLD_WINDOW):
    """Replaces calibrate()'s class bias: calibrate() puts each class's threshold at the weakest
    photo's (candidates / K)-th largest logit, and on these photos detectron2's ResNet gives logits
    whose level differs a lot between photos (the 60x80 crop enlarged 13x is nearly flat), so the
    other photos got 10^5 candidates. Here the threshold of class k is the MEDIAN over the photos of
    their (per_photo / K)-th largest raw logit of class k, then moved to the middle of the widest gap
    between the class's logits (all photos) within +-window, as calibrate() does."""
    cls_head = view.head.classification_head
    k_cls, n_anchors = cls_head.num_classes, cls_head.num_anchors
    with torch.no_grad():
        tensors = [view.transform([inp])[0].tensors for inp in inputs]
        bias = cls_head.cls_logits.bias.view(1, -1, 1, 1)
        z = []
        for t in tensors:
            fs = list(view.backbone(t).values())
            raw = [cls_head.cls_logits(cls_head.conv(f)) - bias for f in fs]
            z.append([torch.cat([r[:, k::k_cls].flatten() for r in raw]) for k in range(k_cls)])
        per_class = max(1, per_photo // k_cls)
        margins = []
        for k in range(k_cls):
            t = float(np.median([float(torch.topk(zi[k], per_class).values[-1]) for zi in z]))
            v = torch.cat([zi[k] for zi in z])
            v = torch.sort(v[(v > t - window) & (v < t + window)]).values
            if len(v) > 1:
                gaps = v[1:] - v[:-1]
                i = int(torch.argmax(gaps))
                t = float(v[i] + v[i + 1]) / 2.0
                margins.append(float(gaps[i]) / 2.0)
            for a in range(n_anchors):
                cls_head.cls_logits.bias[a * k_cls + k] = mer.SCORE_THRESH_LOGIT - t
    print("class bias reset to the median photo's %d-th logit per class (no logit within %.3g of the threshold)"
          % (per_class, min(margins) if margins else float("nan")))


def frozen_to_batchnorm(module, frozen_cls):
    n = 0
    for name, child in list(module.named_children()):
        if isinstance(child, frozen_cls):
            setattr(module, name, nn.BatchNorm2d(child.num_features, eps=child.eps))
            n += 1
        else:
            n += frozen_to_batchnorm(child, frozen_cls)
    return n


class HeadsWrapper(nn.Module):
    """detectron2's normalised image (N,3,H,W) -> (cls_0..cls_4, box_0..box_4) raw per-level heads."""
    bake_normalization = False

    def __init__(self, d2model):
        super().__init__()
        self.backbone = d2model.backbone
        self.head = d2model.head
        self.names = list(d2model.head_in_features)
        self.eval()

    def forward(self, x):
        f = self.backbone(x)
        logits, deltas = self.head([f[n] for n in self.names])
        return tuple(logits) + tuple(deltas)


# ----------------------------------------------------------------------------------------------
# Config
# ----------------------------------------------------------------------------------------------

def check_cfg_matches_preset(cfg, model):
    """Raises unless detectron2's config equals modules/dnn_retinanet/presets/detectron2.yml where the decoder reads it."""
    _, fs, _ = et._read_preset("detectron2")
    root = fs.root()
    errs = []
    a = root.getNode("anchors")
    sizes = [[v.real() for v in et._seq(r)] for r in et._seq(a.getNode("sizes"))]
    d2sizes = [[float(s) for s in row] for row in cfg.MODEL.ANCHOR_GENERATOR.SIZES]
    if len(sizes) != len(d2sizes) or any(abs(x - y) > 1e-9 for r1, r2 in zip(sizes, d2sizes) for x, y in zip(r1, r2)):
        errs.append("anchor sizes %s != %s" % (d2sizes, sizes))
    if [v.real() for v in et._seq(a.getNode("aspect_ratios"))] != [float(r) for r in cfg.MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS[0]]:
        errs.append("aspect ratios %s" % cfg.MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS)
    if a.getNode("center_offset").real() != cfg.MODEL.ANCHOR_GENERATOR.OFFSET:
        errs.append("anchor offset %s" % cfg.MODEL.ANCHOR_GENERATOR.OFFSET)
    if [int(v.real()) for v in et._seq(a.getNode("strides"))] != [int(s) for s in model.anchor_generator.strides]:
        errs.append("strides %s" % model.anchor_generator.strides)
    bc = root.getNode("box_coding")
    if [1.0 / w for w in cfg.MODEL.RETINANET.BBOX_REG_WEIGHTS] != [v.real() for v in et._seq(bc.getNode("stds"))]:
        errs.append("BBOX_REG_WEIGHTS %s" % (cfg.MODEL.RETINANET.BBOX_REG_WEIGHTS,))
    if abs(model.box2box_transform.scale_clamp - bc.getNode("clamp_value").real()) > 1e-12:
        errs.append("scale_clamp %r" % model.box2box_transform.scale_clamp)
    sel = root.getNode("selection")
    for key, val in (("score_threshold", model.test_score_thresh), ("nms_threshold", model.test_nms_thresh),
                     ("topk_per_level", model.test_topk_candidates),
                     ("max_detections", model.max_detections_per_image)):
        if abs(sel.getNode(key).real() - float(val)) > 1e-12:
            errs.append("%s: detectron2 %r != preset %r" % (key, val, sel.getNode(key).real()))
    pp = root.getNode("preprocess")
    if [v.real() for v in et._seq(pp.getNode("mean"))] != list(cfg.MODEL.PIXEL_MEAN) \
            or [v.real() for v in et._seq(pp.getNode("std"))] != list(cfg.MODEL.PIXEL_STD):
        errs.append("pixel mean/std %s %s" % (cfg.MODEL.PIXEL_MEAN, cfg.MODEL.PIXEL_STD))
    if pp.getNode("color_order").string() != cfg.INPUT.FORMAT.lower():
        errs.append("INPUT.FORMAT %s" % cfg.INPUT.FORMAT)
    fs.release()
    if errs:
        raise RuntimeError("detectron2 config does not match modules/dnn_retinanet/presets/detectron2.yml: " + "; ".join(errs))


def write_config(path, cfg, model, cls_names, box_names, resize, seed):
    lines = ["%YAML:1.0", "---",
             "# detectron2 RetinaNet R50-FPN (%s), detectron2's random init calibrated by" % D2_CONFIG,
             "# tools/check_detectron2.py (seed %d); resize: %s" % (seed, resize),
             "base: detectron2", "name: detectron2_retinanet_R_50_FPN_1x",
             "num_classes: %d" % cfg.MODEL.RETINANET.NUM_CLASSES,
             "outputs:", "  layout: per_level_nchw",
             "  cls_names: [%s]" % ", ".join('"%s"' % n for n in cls_names),
             "  box_names: [%s]" % ", ".join('"%s"' % n for n in box_names),
             "preprocess:", "  color_order: %s" % cfg.INPUT.FORMAT.lower(), "  scale: 1.0",
             "  mean: [%s]" % ", ".join(repr(float(v)) for v in cfg.MODEL.PIXEL_MEAN),
             "  std: [%s]" % ", ".join(repr(float(v)) for v in cfg.MODEL.PIXEL_STD),
             "  resize: %s" % resize]
    if resize == "keep_ratio":
        lines += ["  min_size: %d" % cfg.INPUT.MIN_SIZE_TEST, "  max_size: %d" % cfg.INPUT.MAX_SIZE_TEST]
    lines += ["  pad_divisor: %d" % model.backbone.size_divisibility]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# ----------------------------------------------------------------------------------------------
# Comparison
# ----------------------------------------------------------------------------------------------

def map_back(dets, resized_hw, orig_hw):
    """The project's detections on the resized image -> frame pixels, as detector_postprocess:
    x * float32(orig / resized) (a float32 tensor times a Python float), clip to [0, W] x [0, H],
    drop boxes with zero width or height."""
    (rh, rw), (h, w) = resized_hw, orig_hw
    sx, sy = np.float32(w / rw), np.float32(h / rh)
    out = []
    for d in dets:
        b = np.asarray(d["box"], np.float32) * np.array([sx, sy, sx, sy], np.float32)
        b = np.minimum(np.maximum(b, 0), np.array([w, h, w, h], np.float32))
        if b[2] - b[0] > 0 and b[3] - b[1] > 0:
            out.append({"label": d["label"], "score": d["score"], "box": [float(v) for v in b]})
    return out


def compare(ref, got, args):
    m, ws, wb = crm.match(ref, got, args.score_tol, args.box_tol)
    ml, wsl, wbl = crm.match(ref, got, args.loose_score_tol, args.loose_box_tol)
    return m, ml, wsl, wbl


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].strip(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--d2-root", default=os.environ.get("DETECTRON2_ROOT", "/tmp/detectron2"))
    ap.add_argument("--photos", nargs="+", help="subset of tools/e2e_photos.py names (default: all)")
    ap.add_argument("--bin", default=os.path.join(et.REPO_ROOT, os.environ.get("BUILD_DIR", "build"), "bin"))
    ap.add_argument("--work", help="folder for the export, configs and photos (default: a temporary one)")
    ap.add_argument("--table", help="write the results as a markdown table here")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--candidates", type=int, default=300, help="class scores > 0.05 per photo to aim for")
    ap.add_argument("--score-tol", type=float, default=1e-4)
    ap.add_argument("--box-tol", type=float, default=1e-2, help="px")
    ap.add_argument("--loose-score-tol", type=float, default=0.05)
    ap.add_argument("--loose-box-tol", type=float, default=8.0, help="px")
    args = ap.parse_args(argv)
    get_cfg, DefaultPredictor, FrozenBatchNorm2d = import_detectron2(args.d2_root)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    t0 = time.time()

    cfg = get_cfg()
    cfg.merge_from_file(os.path.join(args.d2_root, D2_CONFIG))
    cfg.MODEL.DEVICE = "cpu"
    cfg.MODEL.WEIGHTS = ""  # detectron2's own random init; nothing is downloaded
    torch.manual_seed(args.seed)
    predictor = DefaultPredictor(cfg)
    model = predictor.model
    check_cfg_matches_preset(cfg, model)

    photos = e2e_photos.select(args.photos)
    bgr = [e2e_photos.load(p) for p in photos]
    resized = [predictor.aug.get_transform(b).apply_image(b) for b in bgr]  # as DefaultPredictor.__call__
    inputs = [{"image": torch.as_tensor(r.astype("float32").transpose(2, 0, 1)), "height": b.shape[0],
               "width": b.shape[1]} for r, b in zip(resized, bgr)]

    n_bn = frozen_to_batchnorm(model.backbone, FrozenBatchNorm2d)
    view = CalibrationView(model)
    mer.calibrate(view, inputs, args.seed, min_candidates=args.candidates)
    FrozenBatchNorm2d.convert_frozen_batchnorm(model.backbone)
    model.eval()
    set_class_bias(view, inputs, args.candidates)
    left = sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    print("calibrated %d FrozenBatchNorm2d layers (%d plain BatchNorm2d left)" % (n_bn, left))

    rows = []
    with tempfile.TemporaryDirectory(prefix="check_d2_") as tmp:
        work = args.work or tmp
        dir_a, dir_b = os.path.join(work, "photos"), os.path.join(work, "resized")
        for d in (work, dir_a, dir_b):
            os.makedirs(d, exist_ok=True)
        onnx_path = os.path.join(work, "retinanet_R_50_FPN_1x.onnx")
        wrapper = HeadsWrapper(model)
        cls_names, box_names = et.export_onnx(wrapper, onnx_path, (512, 512), 11, len(model.head_in_features))
        cfg_cls, cfg_box = et.config_names_from_cv2(onnx_path, cls_names, box_names)
        cfg_a, cfg_b = os.path.join(work, "config_keep_ratio.yml"), os.path.join(work, "config_no_resize.yml")
        write_config(cfg_a, cfg, model, cfg_cls, cfg_box, "keep_ratio", args.seed)
        write_config(cfg_b, cfg, model, cfg_cls, cfg_box, "none", args.seed)
        for p, b, r in zip(photos, bgr, resized):
            cv2.imwrite(os.path.join(dir_a, p[0] + ".png"), b)
            cv2.imwrite(os.path.join(dir_b, p[0] + ".png"), r)
        t1 = time.time()
        got_a = crm.run_cpp(args.bin, onnx_path, cfg_a, dir_a)
        got_b = crm.run_cpp(args.bin, onnx_path, cfg_b, dir_b)
        t2 = time.time()
        print("export + calibration %.0f s, retinanet_detect (A and B) %.0f s" % (t1 - t0, t2 - t1), flush=True)

        for p, b, r, inp in zip(photos, bgr, resized, inputs):
            with torch.no_grad():
                inst = predictor(b)["instances"]
            ref = [{"label": int(l), "score": float(s), "box": [float(v) for v in bx]}
                   for bx, s, l in zip(inst.pred_boxes.tensor, inst.scores, inst.pred_classes)]
            # cv2.dnn vs torch heads on detectron2's own normalised, padded tensor
            with torch.no_grad():
                blob = model.preprocess_image([inp]).tensor.numpy()
            th = et.torch_heads(wrapper, blob)
            cvh = et.cv2_forward(onnx_path, blob, cfg_cls + cfg_box)
            hdiff = max(float(np.abs(cvh[c] - th[n]).max()) for c, n in zip(cfg_cls + cfg_box, cls_names + box_names))
            n_cand = sum(int((torch.sigmoid(torch.from_numpy(th[n])) > model.test_score_thresh).sum()) for n in cls_names)
            # PIL (detectron2) vs cv::resize INTER_LINEAR (the project, uint8) on the same photo
            cvr = cv2.resize(b, (r.shape[1], r.shape[0]), interpolation=cv2.INTER_LINEAR)
            rd = np.abs(cvr.astype(np.int16) - r.astype(np.int16))
            ga = got_a.get(p[0], [])
            gb = map_back(got_b.get(p[0], []), r.shape[:2], b.shape[:2])
            ca, cb = compare(ref, ga, args), compare(ref, gb, args)
            row = (p[0], "%dx%d" % b.shape[:2], "%dx%d" % r.shape[:2], n_cand, len(ref),
                   len(ga), ca[0], ca[1], ca[2], ca[3], len(gb), cb[0], cb[1], cb[2], cb[3],
                   hdiff, int(rd.max()), float(rd.mean()))
            rows.append(row)
            print("%-9s %-8s -> %-9s cand %4d | detectron2 %3d | A (photo, keep_ratio): project %3d, matched %3d "
                  "strict / %3d loose, max |dscore| %.2g, max box err %.3g px | B (d2's resized image, resize none): "
                  "project %3d, matched %3d strict / %3d loose, max |dscore| %.2g, max box err %.3g px | "
                  "heads cv2 vs torch %.2g | PIL vs cv::resize max %d mean %.3f levels" % row, flush=True)
    print("detectron2 DefaultPredictor + heads check %.0f s" % (time.time() - t2))
    if args.table:
        with open(args.table, "w") as f:
            f.write("| photo | HxW | resized | candidates > 0.05 | detectron2 | A: project | A: matched strict | "
                    "A: matched loose | A: max abs dscore | A: max box error (px) | B: project | B: matched strict | "
                    "B: matched loose | B: max abs dscore | B: max box error (px) | cv2.dnn vs torch heads | "
                    "PIL vs cv::resize max / mean (levels) |\n")
            f.write("|" + "---|" * 17 + "\n")
            for r in rows:
                f.write("| %s | %s | %s | %d | %d | %d | %d | %d | %.2g | %.3g | %d | %d | %d | %.2g | %.3g | %.2g "
                        "| %d / %.3f |\n" % r)
    exact_b = all(r[11] == r[4] == r[10] for r in rows)
    print("B (same resized image): %s" % ("every detectron2 detection matched strictly, no extra ones" if exact_b
                                          else "NOT all matched strictly"))
    return 0 if exact_b else 1


if __name__ == "__main__":
    sys.exit(main())
