#!/usr/bin/python3
"""torchvision's RetinaNet.postprocess_detections on CUDA tensors, with the statistics of the C++
benchmarks (perf/perf_cuda_decoder.cpp, BM_CudaDecode), so that the two can be compared.

COCO-scale heads: 800x1216 input, A=9 anchors, K=91 and 80 classes; 1e-4, 1e-3, 1e-2 of the logits
above the 0.05 threshold and the worst case where all are (background logits U(-8,-3), candidates
U(-2.5,4), deltas N(0,0.3)); batch 1 and 8 (one generated image repeated, like the C++ benchmark).
Heads and anchors are on the device before timing; one timing is the wall time of
postprocess_detections followed by torch.cuda.synchronize(). Prints the median (and min) of --reps
runs per case as a markdown table; --json also writes one JSON line per case to stderr, and
--json-out FILE writes {"torch", "torchvision", "gpu", "reps", "cases": [...]} to FILE, rewritten after
each case (a run cut short leaves the cases done; scripts/gpu_check.sh reads it).

    python3 bench/torchvision_cuda_postprocess.py [--reps 20] [--device cuda:0] [--json] [--json-out FILE]

Without CUDA (a CPU-only torch, or no torch / torchvision at all) it says so and exits 0: there is
nothing to time on such a machine.
"""
import argparse
import json
import statistics
import sys
import time

H, W, A = 800, 1216, 9
SPARSITY = [("1e-4", 1e-4), ("1e-3", 1e-3), ("1e-2", 1e-2), ("worst", 1.0)]


def grids():
    g = []
    for l in range(5):
        s = 8 << l
        g.append(((H + s - 1) // s, (W + s - 1) // s))
    return g


def make_image(torch, K, frac, seed):
    """One image's heads, (1, HWA, K) and (1, HWA, 4) per level as RetinaNet's heads return them."""
    gen = torch.Generator().manual_seed(seed)
    cls, box = [], []
    for (h, w) in grids():
        n = A * K * h * w
        if frac >= 1.0:
            c = torch.empty(n).uniform_(-2.5, 4.0, generator=gen)
        else:
            c = torch.empty(n).uniform_(-8.0, -3.0, generator=gen)
            idx = torch.randint(0, n, (int(n * frac),), generator=gen)
            c[idx] = torch.empty(idx.numel()).uniform_(-2.5, 4.0, generator=gen)
        b = torch.empty(A * 4 * h * w).normal_(0.0, 0.3, generator=gen)
        # (1, A*C, H, W) -> (1, H*W*A, C), as RetinaNet{Classification,Regression}Head.forward
        cls.append(c.view(1, A, K, h, w).permute(0, 3, 4, 1, 2).reshape(1, -1, K))
        box.append(b.view(1, A, 4, h, w).permute(0, 3, 4, 1, 2).reshape(1, -1, 4))
    return cls, box


def time_case(torch, RetinaNet, ImageList, backbone, K, frac, batch, seed, device, reps):
    model = RetinaNet(backbone, num_classes=K).eval().to(device)
    image_list = ImageList(torch.zeros(batch, 3, H, W, device=device), [(H, W)] * batch)
    feats = [torch.zeros(batch, 1, h, w, device=device) for (h, w) in grids()]
    with torch.no_grad():
        anchors = model.anchor_generator(image_list, feats)
    hwa = [h * w * A for (h, w) in grids()]
    split_anchors = [list(a.split(hwa)) for a in anchors]
    cls, box = make_image(torch, K, frac, seed)
    head = {
        "cls_logits": [c.expand(batch, -1, -1).contiguous().to(device) for c in cls],
        "bbox_regression": [b.expand(batch, -1, -1).contiguous().to(device) for b in box],
    }
    shapes = [(H, W)] * batch
    times = []
    detections = 0
    with torch.no_grad():
        for i in range(reps + 3):  # 3 warm-up runs
            torch.cuda.synchronize(device)
            t0 = time.perf_counter()
            dets = model.postprocess_detections(head, split_anchors, shapes)
            torch.cuda.synchronize(device)
            if i >= 3:
                times.append((time.perf_counter() - t0) * 1000)
            detections = sum(len(d["boxes"]) for d in dets)
    del head, anchors, split_anchors, model
    torch.cuda.empty_cache()
    return statistics.median(times), min(times), detections


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=20, help="timed runs per case (after 3 warm-up runs)")
    ap.add_argument("--device", default="cuda:0")
    ap.add_argument("--json", action="store_true", help="also print one JSON line per case to stderr")
    ap.add_argument("--json-out", metavar="FILE", help="write the results as one JSON document to FILE")
    args = ap.parse_args()

    def write_json(doc):
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump(doc, f, indent=1)

    try:
        import torch
        import torchvision
        from torchvision.models.detection import RetinaNet
        from torchvision.models.detection.image_list import ImageList
    except ImportError as e:
        print(f"torchvision_cuda_postprocess: torch / torchvision not available ({e}): no CUDA to time, skipped")
        write_json({"skipped": f"torch / torchvision not available ({e})", "cases": []})
        return 0
    if not torch.cuda.is_available():
        print(f"torchvision_cuda_postprocess: torch {torch.__version__} has no CUDA "
              f"(torch.cuda.is_available() is False): nothing to time, skipped")
        write_json({"skipped": f"torch {torch.__version__}: no CUDA device", "torch": torch.__version__,
                    "torchvision": torchvision.__version__, "cases": []})
        return 0

    class _Backbone(torch.nn.Module):
        out_channels = 8

        def forward(self, x):
            return x

    device = torch.device(args.device)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, {torch.cuda.get_device_name(device)}; "
          f"RetinaNet.postprocess_detections on CUDA tensors, {H}x{W} input, A={A}; "
          f"median (min) of {args.reps} runs, ms\n")
    print("| K | above threshold | batch | torchvision CUDA | detections |")
    print("|---|---|---|---|---|")
    doc = {"torch": torch.__version__, "torchvision": torchvision.__version__,
           "gpu": torch.cuda.get_device_name(device), "reps": args.reps, "cases": []}
    for K in (91, 80):
        for si, (tag, frac) in enumerate(SPARSITY):
            for batch in (1, 8):
                med, best, ndet = time_case(torch, RetinaNet, ImageList, _Backbone(), K, frac, batch,
                                            1000 * K + si, device, args.reps)
                print(f"| {K} | {tag} | {batch} | {med:.2f} ({best:.2f}) | {ndet} |", flush=True)
                case = {"K": K, "sparsity": tag, "batch": batch, "median_ms": med, "min_ms": best, "detections": ndet}
                doc["cases"].append(case)
                write_json(doc)
                if args.json:
                    print(json.dumps(case), file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
