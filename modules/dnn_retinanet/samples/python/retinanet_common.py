"""Helpers shared by the Python samples (as ../sample_common.hpp for the C++ ones): the common
command-line keys, the model, class names, drawing."""
import argparse
import os

import cv2

import dnn_retinanet as dr


def _data_dir():
    """The data folder of the shipped model: $DNN_RETINANET_DATA, else the repository's data/ (this file is
    <repo>/modules/dnn_retinanet/samples/python/), else ./data (a copy of the module alone)."""
    if os.environ.get("DNN_RETINANET_DATA"):
        return os.environ["DNN_RETINANET_DATA"]
    repo_data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "data")
    return os.path.normpath(repo_data) if os.path.isdir(repo_data) else "data"


DATA = _data_dir()

# OpenCV's names (samples/dnn/common.py) and cv::dnn::Backend / Target numbers, as the C++ samples.
BACKENDS = {"default": 0, "halide": 1, "openvino": 2, "inference_engine": 2, "opencv": 3, "cpu": 3, "vkcom": 4,
            "cuda": 5, "webnn": 6, "timvx": 7}
TARGETS = {"cpu": 0, "opencl": 1, "opencl_fp16": 2, "myriad": 3, "ncs2_vpu": 3, "vulkan": 4, "fpga": 5, "cuda": 6,
           "cuda_fp16": 7, "hddl": 8, "hddl_vpu": 8, "npu": 9}


def _enum(names, top):
    def parse(s):
        if s in names:
            return names[s]
        if s.isdigit() and int(s) <= top:
            return int(s)
        raise argparse.ArgumentTypeError("unknown value %r; use a name or a number: %s"
                                         % (s, ", ".join("%s (%d)" % kv for kv in names.items())))
    return parse

PALETTE = [(56, 56, 255), (151, 157, 255), (31, 112, 255), (29, 178, 255), (49, 210, 207), (10, 249, 72),
           (23, 204, 146), (134, 219, 61), (52, 147, 26), (187, 212, 0), (168, 153, 44), (255, 194, 0),
           (147, 69, 52), (255, 115, 100), (236, 24, 0), (255, 56, 132)]


def parser(description):
    """The keys every sample shares (--model, --config, --classes, --thr, --nms, --backend, --target)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("-m", "--model", default=os.path.join(DATA, "models", "synth_retinanet", "model.onnx"),
                   help="network file (ONNX); default: the shipped model")
    p.add_argument("--retinanet_config", "--preset", "-c", "--config", dest="config",
                   help="RetinaNet config file or preset name (%s); default: config.yml next to the model. Not "
                        "OpenCV's --config (a network's second file): --config and -c are old names"
                        % ", ".join(dr.RetinaNetConfig.presetNames()))
    p.add_argument("--classes", help="text file, one class name per line, line k = class k (overrides the "
                                     "config's names; COCO: data/labels/coco80.txt or coco91.txt)")
    p.add_argument("--thr", type=float, default=-1, help="confidence threshold: detections with a score >= thr are "
                                                         "kept, printed and drawn (default: the config's)")
    p.add_argument("--nms", type=float, default=-1, help="NMS IoU threshold (default: the config's)")
    p.add_argument("--backend", default="default", type=_enum(BACKENDS, 7),
                   help="a name or OpenCV's number: 0 default, 1 halide, 2 openvino, 3 opencv (cpu), 4 vkcom, "
                        "5 cuda, 6 webnn, 7 timvx")
    p.add_argument("--target", default="cpu", type=_enum(TARGETS, 9),
                   help="a name or OpenCV's number: 0 cpu, 1 opencl, 2 opencl_fp16, 3 myriad, 4 vulkan, 5 fpga, "
                        "6 cuda, 7 cuda_fp16, 8 hddl, 9 npu")
    return p


def make_model(args, log):
    """The model of the common keys, and its class names."""
    config = args.config or os.path.join(os.path.dirname(args.model), "config.yml")
    model = dr.RetinaNetDetectionModel(args.model, config)
    if args.thr >= 0:
        model.setScoreThreshold(args.thr)
    if args.nms > 0:
        model.setNmsThreshold(args.nms)
    model.setPreferableBackend(args.backend).setPreferableTarget(args.target)
    names = model.getClassNames()
    if args.classes:
        with open(args.classes) as f:
            names = [line.rstrip("\r\n") for line in f]
        while names and not names[-1].strip():
            names.pop()
        if len(names) != model.getConfig().numClasses:
            raise SystemExit(f"--classes {args.classes} has {len(names)} names but the model has "
                             f"{model.getConfig().numClasses} classes; line k must name class k")
    print(f"model: {args.model}\nconfig: {config} ({model.getConfig().numClasses} classes)", file=log)
    return model, names


def class_name(names, k):
    return names[k] if 0 <= k < len(names) else f"class {k}"


def draw(img, detections, names, min_score=0.0):
    """Boxes with "name score" labels, best on top; line width and font follow the image size."""
    ids, scores, boxes = detections
    scale = max(0.4, min(img.shape[:2]) / 800.0)
    thick = max(1, round(2 * scale))
    for k, s, b in reversed(list(zip(ids, scores, boxes))):
        if s < min_score:
            continue
        color = PALETTE[k % len(PALETTE)]
        x1, y1, x2, y2 = (int(round(v)) for v in b)
        cv2.rectangle(img, (x1, y1, x2 - x1, y2 - y1), color, thick, cv2.LINE_AA)  # (x, y, w, h)
        label = f"{class_name(names, k)} {s:.2f}"
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.5 * scale, max(1, thick // 2))
        y = max(y1, th + base)
        cv2.rectangle(img, (x1, y - th - base, tw, th + base), color, cv2.FILLED)
        cv2.putText(img, label, (x1, y - base), cv2.FONT_HERSHEY_SIMPLEX, 0.5 * scale, (255, 255, 255),
                    max(1, thick // 2), cv2.LINE_AA)
    return img


def to_json(detections, names):
    """[{"class_id", "class", "score", "box": [x1, y1, x2, y2]}, ...] (floats read back to the same float32)."""
    return [{"class_id": int(k), "class": class_name(names, k), "score": float(s), "box": [float(v) for v in b]}
            for k, s, b in zip(*detections)]
