#!/usr/bin/env python3
"""Run the trained PyTorch RetinaNet on a COCO-format split and compute COCO box mAP.

pycocotools is not available, so ``coco_eval`` re-implements COCOeval (iouType
"bbox") in numpy.  Rules implemented (same as pycocotools ``evaluate`` +
``accumulate`` + ``summarize``):

* **Images / categories**: all image ids and category ids of the GT file (images
  sorted by id).  Detections on images without GT of that category are false positives.
* **IoU**: boxes ``[x, y, w, h]`` in continuous coordinates, no "+1";
  ``IoU = inter / (area_d + area_g - inter)`` with ``area = w * h`` (iscrowd is
  always 0 here, so the crowd rule is not implemented).
* **IoU thresholds**: ``np.linspace(.5, .95, 10)``; recall thresholds
  ``np.linspace(0, 1, 101)`` (101-point interpolation).
* **maxDets = 100**, applied per image *and* category: detections of one
  (image, category) are sorted by descending score (stable sort) and cut to 100.
* **Area ranges** (on the GT ``area`` field, bounds inclusive):
  all ``[0, 1e10]``, small ``[0, 32^2]``, medium ``[32^2, 96^2]``, large ``[96^2, 1e10]``.
  A GT outside the range is *ignored*; an unmatched detection whose box area
  ``w*h`` is outside the range is ignored too.
* **Matching**, per image, category, IoU threshold ``t`` (greedy): GTs are ordered
  non-ignored first; detections in descending score order each take the *unmatched*
  GT with the highest IoU ``>= t`` (a later GT with an equal IoU wins the tie);
  once a non-ignored GT has been found, ignored GTs are not considered.  Each GT is
  matched at most once.  A detection matched to an ignored GT is ignored.
* **Accumulation**, per category and area range: the detections of all images
  (in image order, each image's list in score order) are concatenated and stably
  sorted by descending score; ignored detections are skipped (they count neither as
  TP nor FP).  ``recall = cumTP / nGT`` (nGT = non-ignored GTs),
  ``precision = cumTP / (cumTP + cumFP + eps)``; precision is made monotonically
  non-increasing from the right; for each recall threshold r the precision at the
  first index with ``recall >= r`` (``searchsorted(side='left')``) is taken, 0 if
  none.  A category with nGT = 0 in that area range is left out (-1) of the mean.
* **Summary**: AP = mean over IoU thresholds, recall thresholds and categories;
  AP50 / AP75 use only that threshold; AP_small/medium/large use that area range.
  AR100 = mean over thresholds and categories of the final recall.

Examples::

    python3 tools/eval_pytorch.py --ckpt build_data/ckpt/model_final.pth --data data/synth_test \
        --dets-out build_data/dets_test.json
    python3 tools/eval_pytorch.py --dets-in build_data/dets_test.json --data data/synth_test
"""
import argparse
import json
import os
import sys
import time

import numpy as np

IOU_THRS = np.linspace(0.5, 0.95, 10)
REC_THRS = np.linspace(0.0, 1.0, 101)
AREAS = {"all": (0.0, 1e10), "small": (0.0, 32.0 ** 2), "medium": (32.0 ** 2, 96.0 ** 2), "large": (96.0 ** 2, 1e10)}


def box_iou_xywh(d, g):
    """(D, 4) x (G, 4) xywh -> (D, G) IoU."""
    dx2, dy2, gx2, gy2 = d[:, 0] + d[:, 2], d[:, 1] + d[:, 3], g[:, 0] + g[:, 2], g[:, 1] + g[:, 3]
    iw = np.clip(np.minimum(dx2[:, None], gx2[None]) - np.maximum(d[:, None, 0], g[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(dy2[:, None], gy2[None]) - np.maximum(d[:, None, 1], g[None, :, 1]), 0, None)
    inter = iw * ih
    union = (d[:, 2] * d[:, 3])[:, None] + (g[:, 2] * g[:, 3])[None] - inter
    return inter / np.maximum(union, np.finfo(np.float64).tiny)


def evaluate_img(dt_boxes, dt_scores, gt_boxes, gt_areas, area_rng, max_det):
    """One image, one category, one area range.  Returns (scores, matched (T, D),
    ignored (T, D), number of non-ignored GTs)."""
    g_ign = (gt_areas < area_rng[0]) | (gt_areas > area_rng[1])
    gorder = np.argsort(g_ign, kind="mergesort")          # non-ignored GTs first
    gt_boxes, g_ign = gt_boxes[gorder], g_ign[gorder]
    dorder = np.argsort(-dt_scores, kind="mergesort")[:max_det]
    dt_boxes, dt_scores = dt_boxes[dorder], dt_scores[dorder]
    T, D, G = len(IOU_THRS), len(dt_boxes), len(gt_boxes)
    ious = box_iou_xywh(dt_boxes, gt_boxes) if D and G else np.zeros((D, G))
    dtm = np.zeros((T, D), bool)
    dt_ign = np.zeros((T, D), bool)
    for ti, t in enumerate(IOU_THRS):
        gtm = np.zeros(G, bool)
        for di in range(D):
            best, m = min(t, 1 - 1e-10), -1
            for gi in range(G):
                if gtm[gi]:
                    continue
                if m > -1 and not g_ign[m] and g_ign[gi]:
                    break
                if ious[di, gi] < best:
                    continue
                best, m = ious[di, gi], gi
            if m == -1:
                continue
            dtm[ti, di], dt_ign[ti, di], gtm[m] = True, g_ign[m], True
    d_area = dt_boxes[:, 2] * dt_boxes[:, 3]
    d_out = (d_area < area_rng[0]) | (d_area > area_rng[1])
    dt_ign |= ~dtm & d_out[None]
    return dt_scores, dtm, dt_ign, int((~g_ign).sum())


def coco_eval(gt, dets, max_det=100):
    """gt: COCO dict; dets: list of {image_id, category_id, bbox, score}.
    Returns dict with AP, AP50, AP75, APs, APm, APl, AR100 and per-category AP."""
    img_ids = sorted(im["id"] for im in gt["images"])
    cat_ids = sorted(c["id"] for c in gt["categories"])
    G, D = {}, {}
    for a in gt["annotations"]:
        G.setdefault((a["image_id"], a["category_id"]), []).append(a)
    for d in dets:
        D.setdefault((d["image_id"], d["category_id"]), []).append(d)
    T, R, K, A = len(IOU_THRS), len(REC_THRS), len(cat_ids), len(AREAS)
    precision = -np.ones((T, R, K, A))
    recall = -np.ones((T, K, A))
    for k, c in enumerate(cat_ids):
        for a, rng in enumerate(AREAS.values()):
            scores, dtm, dtig, npig = [], [], [], 0
            for i in img_ids:
                g, d = G.get((i, c), []), D.get((i, c), [])
                if not g and not d:
                    continue
                r = evaluate_img(np.array([x["bbox"] for x in d], np.float64).reshape(-1, 4),
                                 np.array([x["score"] for x in d], np.float64),
                                 np.array([x["bbox"] for x in g], np.float64).reshape(-1, 4),
                                 np.array([x["area"] for x in g], np.float64), rng, max_det)
                scores.append(r[0]), dtm.append(r[1]), dtig.append(r[2])
                npig += r[3]
            if npig == 0:
                continue
            scores = np.concatenate(scores) if scores else np.zeros(0)
            order = np.argsort(-scores, kind="mergesort")
            dtm = np.concatenate(dtm, 1)[:, order] if dtm else np.zeros((T, 0), bool)
            dtig = np.concatenate(dtig, 1)[:, order] if dtig else np.zeros((T, 0), bool)
            tps = np.cumsum(dtm & ~dtig, 1).astype(np.float64)
            fps = np.cumsum(~dtm & ~dtig, 1).astype(np.float64)
            for t in range(T):
                tp, fp = tps[t], fps[t]
                rc = tp / npig
                pr = tp / (fp + tp + np.spacing(1))
                recall[t, k, a] = rc[-1] if len(tp) else 0.0
                pr = np.maximum.accumulate(pr[::-1])[::-1] if len(pr) else pr
                inds = np.searchsorted(rc, REC_THRS, side="left")
                q = np.zeros(R)
                ok = inds < len(pr)
                q[ok] = pr[inds[ok]]
                precision[t, :, k, a] = q

    def mean(x):
        x = x[x > -1]
        return float(x.mean()) if x.size else -1.0
    names = list(AREAS)
    stats = {"AP": mean(precision[:, :, :, 0]), "AP50": mean(precision[0, :, :, 0]),
             "AP75": mean(precision[5, :, :, 0]), "APs": mean(precision[:, :, :, names.index("small")]),
             "APm": mean(precision[:, :, :, names.index("medium")]),
             "APl": mean(precision[:, :, :, names.index("large")]), "AR100": mean(recall[:, :, 0])}
    cname = {c["id"]: c["name"] for c in gt["categories"]}
    stats["per_category_AP"] = {cname[c]: mean(precision[:, :, k, 0]) for k, c in enumerate(cat_ids)}
    stats["num_images"], stats["num_gt"], stats["num_dets"] = len(img_ids), len(gt["annotations"]), len(dets)
    return stats


def format_stats(s):
    return ("mAP@[.5:.95] {AP:.4f}  AP50 {AP50:.4f}  AP75 {AP75:.4f}  APs {APs:.4f}  APm {APm:.4f}  "
            "APl {APl:.4f}  AR100 {AR100:.4f}".format(**s))


def run_model(model, split_dir, gt, batch=8, threads=1):
    import cv2
    import torch
    torch.set_num_threads(threads)
    dets = []
    ims = sorted(gt["images"], key=lambda im: im["id"])
    model.eval()
    with torch.no_grad():
        for b in range(0, len(ims), batch):
            chunk = ims[b:b + batch]
            x = []
            for im in chunk:
                img = cv2.cvtColor(cv2.imread(os.path.join(split_dir, im["file_name"])), cv2.COLOR_BGR2RGB)
                x.append(torch.from_numpy(img.transpose(2, 0, 1).astype(np.float32) / 255.0))
            for im, out in zip(chunk, model(x)):
                for box, score, label in zip(out["boxes"].tolist(), out["scores"].tolist(), out["labels"].tolist()):
                    x0, y0, x1, y1 = box
                    dets.append({"image_id": im["id"], "category_id": int(label),
                                 "bbox": [round(x0, 3), round(y0, 3), round(x1 - x0, 3), round(y1 - y0, 3)],
                                 "score": round(score, 5)})
    return dets


def evaluate_model(model, split_dir, threads=1, dets_out=None):
    gt = json.load(open(os.path.join(split_dir, "annotations.json")))
    dets = run_model(model, split_dir, gt, threads=threads)
    if dets_out:
        with open(dets_out, "w") as f:
            json.dump(dets, f)
    return coco_eval(gt, dets)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default="build_data/ckpt/model_final.pth")
    ap.add_argument("--data", default="data/synth_test", help="split folder with annotations.json")
    ap.add_argument("--dets-in", help="evaluate this COCO results json instead of running the model")
    ap.add_argument("--dets-out", help="write the model's detections (COCO results json)")
    ap.add_argument("--score-thresh", type=float, default=0.05)
    ap.add_argument("--max-dets", type=int, default=100, help="detections per image kept by the model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", help="write the stats here")
    args = ap.parse_args()

    gt = json.load(open(os.path.join(args.data, "annotations.json")))
    t0 = time.time()
    if args.dets_in:
        dets = json.load(open(args.dets_in))
    else:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from train import load_model
        model, meta = load_model(args.ckpt, score_thresh=args.score_thresh, detections_per_img=args.max_dets)
        dets = run_model(model, args.data, gt, threads=args.threads)
        if args.dets_out:
            with open(args.dets_out, "w") as f:
                json.dump(dets, f)
    t1 = time.time()
    stats = coco_eval(gt, dets)
    print(f"[eval] {args.data}: {stats['num_images']} images, {stats['num_gt']} GT, {stats['num_dets']} dets "
          f"(inference {t1 - t0:.1f}s, eval {time.time() - t1:.1f}s)")
    print("[eval] " + format_stats(stats))
    print("[eval] per-category AP: " + ", ".join(f"{k} {v:.3f}" for k, v in stats["per_category_AP"].items()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(stats, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
