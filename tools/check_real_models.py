#!/usr/bin/env python3
"""End-to-end check on the REAL torchvision architectures: ResNet-50 FPN RetinaNet v1 and v2.

Purpose
    A user's check that the project gives torchvision's detections for the most common RetinaNet.
    For each of ``retinanet_resnet50_fpn`` and ``retinanet_resnet50_fpn_v2`` (torchvision's own
    builders, random weights: no hub is reachable; K = 91, seeded) it

      1. gives the random network a detector's statistics (tools/make_e2e_reference.py calibrate():
         random BatchNorm/GroupNorm affine parameters, BN running statistics from the photos, the
         classification bias set so that a few hundred class scores per photo pass 0.05),
      2. exports it with the project's exporter (tools/export_torchvision.py: raw per-level heads,
         dynamic N/H/W, its config from the torchvision / torchvision_v2 preset),
      3. runs torchvision's FULL model, ``model([image])`` (transform, backbone, head,
         postprocess_detections, transform.postprocess), on real photos of Debian's opencv-doc package
         cropped to the sizes where keep-ratio formulas diverge (tools/e2e_photos.py: 480x640,
         427x640, 375x500, 342x548, 384x512, 512x512, 720x1280, a portrait, a small and a tiny one),
      4. runs the project's ``retinanet_detect --json`` (RetinaNetDetectionModel::detect) on the same
         photos (written as lossless PNG), and
      5. matches the two one to one: same label, |dscore| <= --score-tol, every box coordinate
         within --box-tol px; every torchvision detection must be matched and no extra one found.

    Prints one line per photo (detections, matched, worst |dscore|, worst box error, and how far
    cv2.dnn's heads are from torch's on torchvision's own input tensor, which separates the network's
    float differences from the project's preprocessing and decoding) and a markdown table
    (--table FILE); exits 1 when a photo misses the targets.

How to rerun
    scripts/build.sh    # builds build/bin/retinanet_detect
    /usr/bin/python3 tools/check_real_models.py [--arch retinanet_resnet50_fpn ...] [--photos aero1 building ...]
        [--bin build/bin] [--table out.md] [--work /tmp/real_models]
    (full run: about 10 minutes on 2 cores; CI runs a subset, see .ci/run)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_photos  # noqa: E402
import export_torchvision as et  # noqa: E402
import make_e2e_reference as mer  # noqa: E402

ARCHS = ("retinanet_resnet50_fpn", "retinanet_resnet50_fpn_v2")
NUM_CLASSES = 91


def as_tensor(bgr):
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))


def match(ref, got, score_tol, box_tol):
    """One-to-one: for each reference detection the closest unused one of the same label within the
    tolerances. Returns (matched, worst |dscore|, worst box error) over the matched pairs."""
    used = [False] * len(got)
    matched, worst_s, worst_b = 0, 0.0, 0.0
    for r in ref:
        best, best_err = -1, box_tol
        for j, g in enumerate(got):
            if used[j] or g["label"] != r["label"] or abs(g["score"] - r["score"]) > score_tol:
                continue
            err = float(np.abs(np.asarray(g["box"]) - np.asarray(r["box"])).max())
            if err <= best_err:
                best, best_err = j, err
        if best >= 0:
            used[best] = True
            matched += 1
            worst_s = max(worst_s, abs(got[best]["score"] - r["score"]))
            worst_b = max(worst_b, best_err)
    return matched, worst_s, worst_b


def run_cpp(bin_dir, onnx_path, cfg_path, image_dir):
    exe = os.path.join(bin_dir, "retinanet_detect")
    if not os.path.exists(exe):
        raise RuntimeError("%s not found: run scripts/build.sh first" % exe)
    out = subprocess.run([exe, "-m=" + onnx_path, "--retinanet_config=" + cfg_path, "--json", "--input=" + image_dir],
                         check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    dets = {}
    for line in out.stdout.splitlines():
        if not line.startswith("{"):
            continue
        j = json.loads(line)
        name = os.path.splitext(os.path.basename(j["image"]))[0]
        dets[name] = [{"label": d["class_id"], "score": d["score"], "box": d["box"]} for d in j["detections"]]
    return dets


def check_arch(arch, photos, args, work):
    t0 = time.time()
    torch.manual_seed(args.seed)
    model = et.build_model(arch, NUM_CLASSES)
    bgr = [e2e_photos.load(p) for p in photos]
    images = [as_tensor(b) for b in bgr]
    mer.calibrate(model, images, args.seed, min_candidates=args.candidates)
    model.eval()
    preset = et.PRESET_OF_ARCH[arch]
    et.check_model_matches_preset(model, preset)
    onnx_path = os.path.join(work, arch + ".onnx")
    cfg_path = os.path.join(work, arch + ".yml")
    wrapper = et.HeadsWrapper(model)
    cls_names, box_names = et.export_onnx(wrapper, onnx_path, (512, 512), 11, et.num_levels(model))
    cfg_cls, cfg_box = et.config_names_from_cv2(onnx_path, cls_names, box_names)
    et.write_config(cfg_path, preset, arch, NUM_CLASSES, cfg_cls, cfg_box, et.preprocess_of(model, (512, 512)),
                    comment="%s, random weights calibrated by tools/check_real_models.py (seed %d)" % (arch, args.seed))
    image_dir = os.path.join(work, arch + "_photos")
    os.makedirs(image_dir, exist_ok=True)
    for p, b in zip(photos, bgr):
        cv2.imwrite(os.path.join(image_dir, p[0] + ".png"), b)
    t1 = time.time()
    got_all = run_cpp(args.bin, onnx_path, cfg_path, image_dir)
    t2 = time.time()
    rows, ok = [], True
    for p, img in zip(photos, images):
        with torch.no_grad():
            det = model([img])[0]
        ref = [{"label": int(l), "score": float(s), "box": [float(v) for v in b]}
               for b, s, l in zip(det["boxes"], det["scores"], det["labels"])]
        got = got_all.get(p[0], [])
        m, ws, wb = match(ref, got, args.score_tol, args.box_tol)
        # cv2.dnn vs torch heads on torchvision's own transformed tensor (no project code involved)
        blob = mer.transformed(model, img).tensors.numpy()
        th = et.torch_heads(wrapper, blob)
        cvh = et.cv2_forward(onnx_path, blob, cfg_cls + cfg_box)
        hdiff = max(float(np.abs(cvh[c] - th[n]).max()) for c, n in zip(cfg_cls + cfg_box, cls_names + box_names))
        good = m == len(ref) and len(got) == len(ref)
        ok &= good
        h, w = img.shape[1:]
        row = (arch, p[0], "%dx%d" % (h, w), len(ref), len(got), m, ws, wb, hdiff, "yes" if good else "NO")
        rows.append(row)
        print("%-26s %-9s %-9s torchvision %3d, project %3d, matched %3d; max |dscore| %.2g, max box error %.2g px "
              "(cv2.dnn vs torch heads %.2g): %s" % row, flush=True)
    print("%s: export + calibration %.0f s, retinanet_detect %.0f s, torchvision %.0f s"
          % (arch, t1 - t0, t2 - t1, time.time() - t2), flush=True)
    return rows, ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].strip(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", nargs="+", default=list(ARCHS), choices=ARCHS)
    ap.add_argument("--photos", nargs="+", help="subset of tools/e2e_photos.py names (default: all)")
    ap.add_argument("--bin", default=os.path.join(et.REPO_ROOT, os.environ.get("BUILD_DIR", "build"), "bin"))
    ap.add_argument("--work", help="folder for the exports and photos (default: a temporary one)")
    ap.add_argument("--table", help="write the results as a markdown table here")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--candidates", type=int, default=300, help="class scores > 0.05 per photo to aim for")
    ap.add_argument("--score-tol", type=float, default=1e-4)
    ap.add_argument("--box-tol", type=float, default=1e-2, help="px (see doc/model.md for what is measured)")
    args = ap.parse_args(argv)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    photos = e2e_photos.select(args.photos)
    rows, ok = [], True
    with tempfile.TemporaryDirectory(prefix="real_models_") as tmp:
        work = args.work or tmp
        os.makedirs(work, exist_ok=True)
        for arch in args.arch:
            r, good = check_arch(arch, photos, args, work)
            rows += r
            ok &= good
    if args.table:
        with open(args.table, "w") as f:
            f.write("| model | photo | HxW | torchvision | project | matched | max abs dscore | max box error (px) "
                    "| cv2.dnn vs torch heads | ok |\n")
            f.write("|---|---|---|---|---|---|---|---|---|---|\n")
            for r in rows:
                f.write("| %s | %s | %s | %d | %d | %d | %.2g | %.2g | %.2g | %s |\n" % r)
    print("all photos within targets" if ok else "SOME PHOTOS MISS THE TARGETS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
