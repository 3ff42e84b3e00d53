#!/usr/bin/python3
"""Cost of the Python module (import dnn_retinanet) over the C++ calls it wraps, and its decoder
against torchvision's RetinaNet.postprocess_detections on the same arrays, from Python.

1. Model: RetinaNetDetectionModel.detect() / detectAll() from Python against the same C++
   RetinaNetDetectionModel::detect(frame, detections) timed inside C++ (_cppDetectTimes: a C++ loop,
   same model, frame and process), repetitions interleaved (the order rotates every repetition),
   medians. On the shipped model (data/models/synth_retinanet, demo_00.png) and, to resolve the
   fixed per-call cost that the network's run-to-run noise hides, on the tiny model at 64x64.
2. Decoder: RetinaNetDecoder.decode() from Python on COCO-scale heads (800x1216 input, A = 9, K = 91
   and 80, the sparsities and tensor recipe of bench/decoder_vs_torchvision.py) against
   postprocess_detections on the same arrays (torch.from_numpy, anchors precomputed, --threads torch
   threads) and against the same decode timed in C++; interleaved, medians. Detection counts and the
   best scores are checked to agree.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_overhead.py [--reps 21] [--decoder-reps 7]

Needs the built module, python3-opencv, python3-numpy; part 2 also python3-torch and
python3-torchvision (scripts/install_deps.sh --python), else it is skipped. Not a test: timings
depend on the machine; check its load (uptime) first.
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time

import cv2
import numpy as np

import dnn_retinanet as dr

REPO = pathlib.Path(__file__).resolve().parents[1]
DATA = REPO / "data"


def median_ms(xs):
    return statistics.median(xs) * 1e3


def interleaved(fns, reps, calls=1):
    """fns: name -> callable returning the seconds of one call (or a list of them). The order rotates
    each repetition so that drift hits every candidate alike. Returns name -> list of seconds."""
    names = list(fns)
    out = {n: [] for n in names}
    for r in range(reps):
        for n in names[r % len(names):] + names[:r % len(names)]:
            for _ in range(calls):
                t = fns[n]()
                out[n] += t if isinstance(t, list) else [t]
    return out


def paired_difference_ms(a, b):
    """Median of the differences of the i-th calls (run next to each other): the overhead estimate."""
    return statistics.median(x - y for x, y in zip(a, b)) * 1e3


def wall(f):
    def run():
        t0 = time.perf_counter()
        f()
        return time.perf_counter() - t0
    return run


def model_overhead(model, frame, reps, calls, label):
    for _ in range(3):
        model.detectAll(frame)
    t = interleaved({
        "detect": wall(lambda: model.detect(frame, confThreshold=0.05)),
        "C++ detect": lambda: model._cppDetectTimes(frame, 1, 0.05),
        "detectAll": wall(lambda: model.detectAll(frame)),
        "C++ detectAll": lambda: model._cppDetectTimes(frame, 1),
    }, reps, calls)
    rows = []
    for n in ("detect", "detectAll"):
        py, cpp = median_ms(t[n]), median_ms(t["C++ " + n])
        diff = paired_difference_ms(t[n], t["C++ " + n])
        rows.append(f"| {label} | {n}() | {py:.3f} | {cpp:.3f} | {diff * 1e3:+.0f} µs | {diff / cpp * 100:+.2f} % |")
    return rows, median_ms(t["C++ detectAll"])


def part_model(args):
    print("## Python detect() vs the C++ call\n")
    print(f"medians of {args.reps} interleaved repetitions (tiny: {args.reps} x 20 calls)\n")
    print("| model, frame | Python call | Python (ms) | C++ (ms) | overhead (median of paired differences) | overhead / C++ |")
    print("|---|---|---|---|---|---|")
    shipped = DATA / "models" / "synth_retinanet"
    model = dr.RetinaNetDetectionModel(str(shipped / "model.onnx"), str(shipped / "config.yml"))
    frame = cv2.imread(str(DATA / "images" / "demo" / "demo_00.png"))
    rows, shipped_ms = model_overhead(model, frame, args.reps, 1, "synth_retinanet, 320x320")
    print("\n".join(rows))
    tiny = DATA / "models" / "tiny_torchvision"
    model = dr.RetinaNetDetectionModel(str(tiny / "model.onnx"), str(tiny / "config.yml"))
    model.setInputResize(dr.RESIZE_FIXED, (64, 64))
    frame = np.random.default_rng(0).integers(0, 255, (256, 320, 3), dtype=np.uint8)
    rows, _ = model_overhead(model, frame, args.reps, 20, "tiny_torchvision, 64x64 input")
    print("\n".join(rows))
    print(f"\n(the tiny model's per-call overhead is the binding's fixed cost; the shipped model's C++ call "
          f"takes {shipped_ms:.1f} ms)\n")


def part_decoder(args):
    try:
        import torch
        import torchvision
    except ImportError:
        print("## Decoder vs torchvision: skipped (no torch / torchvision)\n")
        return
    sys.path.insert(0, str(REPO / "bench"))
    import decoder_vs_torchvision as dvt
    from torchvision.models.detection import RetinaNet
    from torchvision.models.detection.image_list import ImageList

    torch.set_num_threads(args.threads)
    H, W, A = dvt.H, dvt.W, dvt.A
    print("## RetinaNetDecoder.decode() from Python vs torchvision postprocess_detections\n")
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, torch threads {args.threads}, "
          f"OpenCV threads {cv2.getNumThreads()}; {W}x{H} input, A = {A}; medians of {args.decoder_reps} "
          "interleaved repetitions (ms)\n")
    print("| K | above threshold | torchvision | Python decode() | C++ decode() | speed-up | Python overhead | detections |")
    print("|---|---|---|---|---|---|---|---|")
    for K in (91, 80):
        tv_model = RetinaNet(dvt._Backbone(), num_classes=K).eval()
        image_list = ImageList(torch.zeros(1, 3, H, W), [(H, W)])
        feats = [torch.zeros(1, 1, h, w) for (h, w) in dvt.grids()]
        anchors = tv_model.anchor_generator(image_list, feats)
        hwa = [h * w * A for (h, w) in dvt.grids()]
        split_anchors = [list(a.split(hwa)) for a in anchors]
        config = dr.RetinaNetConfig.preset("torchvision")
        config.numClasses = K
        config.outputs.clsNames = [f"cls_{l}" for l in range(5)]
        config.outputs.boxNames = [f"box_{l}" for l in range(5)]
        decoder = dr.RetinaNetDecoder.create(config)
        for si, (tag, frac) in enumerate(dvt.SPARSITY):
            cls, box = dvt.make_tensors(K, frac, seed=1000 * K + si)
            outputs = cls + box
            names = config.outputs.clsNames + config.outputs.boxNames

            def to_nhwak(t, c):
                n, _, h, w = t.shape
                return torch.from_numpy(t).view(n, -1, c, h, w).permute(0, 3, 4, 1, 2).reshape(n, -1, c)

            head = {"cls_logits": [to_nhwak(c, K) for c in cls], "bbox_regression": [to_nhwak(b, 4) for b in box]}

            def torchvision_call():
                with torch.no_grad():
                    return tv_model.postprocess_detections(head, split_anchors, [(H, W)])[0]

            ref = torchvision_call()
            (ids, scores, boxes), = decoder.decode(outputs, names, (W, H), [(W, H)])
            assert len(ids) == len(ref["scores"]), (len(ids), len(ref["scores"]))
            np.testing.assert_allclose(scores[:10], ref["scores"][:10].numpy(), atol=1e-5)
            t = interleaved({
                "torchvision": wall(torchvision_call),
                "python": wall(lambda: decoder.decode(outputs, names, (W, H), [(W, H)])),
                "cpp": lambda: decoder._cppDecodeTimes(outputs, names, (W, H), [(W, H)], 1),
            }, args.decoder_reps)
            tv, py, cpp = median_ms(t["torchvision"]), median_ms(t["python"]), median_ms(t["cpp"])
            diff = paired_difference_ms(t["python"], t["cpp"])
            print(f"| {K} | {tag} | {tv:.1f} | {py:.2f} | {cpp:.2f} | {tv / py:.0f}x | {diff * 1e3:+.0f} µs "
                  f"| {len(ids)} |")
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=21, help="repetitions of the model comparison")
    ap.add_argument("--decoder-reps", type=int, default=7, help="repetitions of the decoder comparison")
    ap.add_argument("--threads", type=int, default=2, help="torch threads")
    ap.add_argument("--skip-decoder", action="store_true")
    args = ap.parse_args()
    load = lambda: subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()  # noqa: E731
    print(f"dnn_retinanet {dr.__version__}, OpenCV {cv2.__version__}, numpy {np.__version__}, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\nbefore: {load()}\n")
    part_model(args)
    if not args.skip_decoder:
        part_decoder(args)
    print(f"after: {load()}")


if __name__ == "__main__":
    main()
