#!/usr/bin/python3
"""Decoder speed vs torchvision's RetinaNet.postprocess_detections on identical tensors, one run.

Writes COCO-scale head tensors (800x1216 input, A=9, K=91 and 80; 1e-4, 1e-3, 1e-2 of the logits
above the 0.05 threshold, and the worst case where all are) to a temporary folder, times
torchvision's postprocess_detections on them (anchors precomputed, torch threads = --threads),
then runs the C++ Google Benchmark (opencv_perf_dnn_retinanet, BM_Decode and BM_StreamingRead) on
the same files and prints a markdown table of medians and ratios.

    /usr/bin/python3 bench/decoder_vs_torchvision.py --perf build/modules/dnn_retinanet/opencv_perf_dnn_retinanet

Needs python3-torch, python3-torchvision, python3-numpy (scripts/install_deps.sh --python).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torchvision
from torchvision.models.detection import RetinaNet
from torchvision.models.detection.image_list import ImageList

H, W, A = 800, 1216, 9
SPARSITY = [("1e-4", 1e-4), ("1e-3", 1e-3), ("1e-2", 1e-2), ("worst", 1.0)]


def grids():
    g = []
    for l in range(5):
        s = 8 << l
        g.append(((H + s - 1) // s, (W + s - 1) // s))
    return g


def make_tensors(K, frac, seed):
    """Same statistics as perf/perf_decoder.cpp: background U(-8,-3), candidates U(-2.5,4)."""
    rng = np.random.default_rng(seed)
    cls, box = [], []
    for (h, w) in grids():
        n = A * K * h * w
        c = rng.uniform(-8.0, -3.0, n).astype(np.float32)
        if frac >= 1.0:
            c = rng.uniform(-2.5, 4.0, n).astype(np.float32)
        else:
            idx = rng.integers(0, n, int(n * frac))
            c[idx] = rng.uniform(-2.5, 4.0, idx.size).astype(np.float32)
        cls.append(c.reshape(1, A * K, h, w))
        box.append(rng.normal(0, 0.3, A * 4 * h * w).astype(np.float32).reshape(1, A * 4, h, w))
    return cls, box


class _Backbone(torch.nn.Module):
    out_channels = 8

    def forward(self, x):
        return x


def time_torchvision(cls, box, K, reps):
    model = RetinaNet(_Backbone(), num_classes=K).eval()
    image_list = ImageList(torch.zeros(1, 3, H, W), [(H, W)])
    feats = [torch.zeros(1, 1, h, w) for (h, w) in grids()]
    anchors = model.anchor_generator(image_list, feats)
    hwa = [h * w * A for (h, w) in grids()]
    split_anchors = [list(a.split(hwa)) for a in anchors]

    def to_nhwak(t, c):  # (N, A*c, H, W) -> (N, HWA, c), as RetinaNet{Classification,Regression}Head
        n, _, h, w = t.shape
        return torch.from_numpy(t).view(n, -1, c, h, w).permute(0, 3, 4, 1, 2).reshape(n, -1, c)

    head = {"cls_logits": [to_nhwak(c, K) for c in cls], "bbox_regression": [to_nhwak(b, 4) for b in box]}
    times = []
    with torch.no_grad():
        for _ in range(reps + 1):
            t0 = time.perf_counter()
            dets = model.postprocess_detections(head, split_anchors, [(H, W)])
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times[1:]), len(dets[0]["boxes"])


def run_cpp(perf, folder, reps):
    env = dict(os.environ, DNN_RETINANET_BENCH_TENSORS=folder)
    out = subprocess.run([perf, "--benchmark_format=json", f"--benchmark_repetitions={reps}",
                          "--benchmark_filter=BM_Decode/|BM_StreamingRead/",
                          "--benchmark_report_aggregates_only=true",
                          # decode and read repetitions interleaved: machine drift hits both alike
                          "--benchmark_enable_random_interleaving=true"],
                         env=env, check=True, capture_output=True, text=True).stdout
    res = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            res[b["run_name"]] = b["real_time"]  # ms (kMillisecond)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--perf", required=True, help="path of opencv_perf_dnn_retinanet")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as folder:
        tv = {}
        for K in (91, 80):
            for si, (tag, frac) in enumerate(SPARSITY):
                cls, box = make_tensors(K, frac, seed=1000 * K + si)
                name = f"k{K}_{tag}"
                with open(os.path.join(folder, name + ".txt"), "w") as f:
                    f.write(" ".join(f"{h} {w}" for (h, w) in grids()) + "\n")
                for l in range(5):
                    cls[l].tofile(os.path.join(folder, f"{name}_cls_{l}.f32"))
                    box[l].tofile(os.path.join(folder, f"{name}_box_{l}.f32"))
                tv[(K, si)] = time_torchvision(cls, box, K, args.reps)
                print(f"torchvision K={K} {tag}: {tv[(K, si)][0]:.1f} ms ({tv[(K, si)][1]} detections)",
                      file=sys.stderr)
        cpp = run_cpp(args.perf, folder, args.reps)

    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, threads {args.threads}; "
          f"medians of {args.reps} runs (ms)\n")
    print("| K | above threshold | torchvision | dnn_retinanet | speed-up | streaming read | decode / read |")
    print("|---|---|---|---|---|---|---|")
    for K in (91, 80):
        for si, (tag, _) in enumerate(SPARSITY):
            dec = cpp[f"BM_Decode/K:{K}/sparsity:{si}/real_time"]
            rd = cpp[f"BM_StreamingRead/K:{K}/sparsity:{si}/real_time"]
            t = tv[(K, si)][0]
            print(f"| {K} | {tag} | {t:.1f} | {dec:.2f} | {t / dec:.0f}x | {rd:.2f} | {dec / rd:.2f} |")


if __name__ == "__main__":
    main()
