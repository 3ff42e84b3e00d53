#!/usr/bin/python3
"""Exports the RetinaNet trained by tools/train.py to the shipped model folder.

    /usr/bin/python3 tools/export_trained.py --ckpt build_data/ckpt/model_final.pth \
        --out data/models/synth_retinanet

Also writes data/reference/synth_demo/demo_00.yml: the PyTorch model's detections on a demo image,
the expectation of the sample test (test/test_sample_detect.cpp).

Writes model.onnx (raw per-level heads, the export path of tools/export_torchvision.py: Identity
folding, static FPN upsampling, cv2.dnn-vs-PyTorch verification) and config.yml, which starts from
the torchvision preset (`base: torchvision`) and overrides what the training changed: anchor sizes
(base 2 x stride), the 9 classes (index 0 unused: labels are the COCO category ids 1..8), 100
detections per image, the outputs and the 320 px preprocessing.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_torchvision as ex  # noqa: E402
import train  # noqa: E402


def write_config(path, meta, categories, cls_names, box_names, size):
    names = ["unused"] * meta.get("num_classes", 9)
    for c in categories:
        names[c["id"]] = c["name"]
    sizes = ", ".join("[%s]" % ", ".join(str(v) for v in s) for s in meta["anchor_sizes"])
    q = lambda xs: "[%s]" % ", ".join('"%s"' % x for x in xs)
    text = f"""%YAML:1.0
---
# RetinaNet trained with focal loss on the synthetic shapes dataset (tools/train.py, model card:
# doc/model_card.md). torchvision conventions; anchors 2 x stride.
base: torchvision
name: synth_retinanet
num_classes: {len(names)}
class_names: {q(names)}
anchors:
  sizes: [{sizes}]
selection:
  max_detections: {meta.get('detections_per_img', 100)}
outputs:
  layout: per_level_nchw
  cls_names: {q(cls_names)}
  box_names: {q(box_names)}
preprocess:
  color_order: rgb
  scale: 0.00392156862745098
  mean: {list(meta['image_mean'])}
  std: {list(meta['image_std'])}
  resize: keep_ratio
  min_size: {size}
  max_size: {size}
  pad_divisor: 32
  pad_value: 0.0
"""
    with open(path, "w") as f:
        f.write(text)
    print("wrote %s" % path)


def write_reference(model, image_path, out_path):
    """torchvision's FULL model (transform + backbone + head + postprocess) on one image, as the
    sample test's expectation (frame coordinates)."""
    import cv2
    import numpy as np
    import torch
    img = cv2.cvtColor(cv2.imread(image_path, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    x = torch.from_numpy(np.ascontiguousarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0)
    with torch.no_grad():
        det = model.eval()([x])[0]
    fs = cv2.FileStorage(out_path, cv2.FILE_STORAGE_WRITE)
    fs.write("image", os.path.basename(image_path))
    fs.write("count", int(det["boxes"].shape[0]))
    if det["boxes"].shape[0]:
        fs.write("boxes", det["boxes"].numpy().astype(np.float32))
        fs.write("scores", det["scores"].numpy().astype(np.float32).reshape(-1, 1))
        fs.write("labels", det["labels"].numpy().astype(np.int32).reshape(-1, 1))
    fs.release()
    print("wrote %s (%d detections, best score %.3f)" % (out_path, det["boxes"].shape[0],
                                                          float(det["scores"].max()) if len(det["scores"]) else 0))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default="build_data/ckpt/model_final.pth")
    ap.add_argument("--out", default="data/models/synth_retinanet")
    ap.add_argument("--categories", default="data/synth_test/annotations.json",
                    help="COCO json whose categories name the classes")
    ap.add_argument("--reference-image", default="data/images/demo/demo_00.png",
                    help="image whose PyTorch detections become the sample test's expectation")
    ap.add_argument("--reference-out", default="data/reference/synth_demo/demo_00.yml")
    args = ap.parse_args()

    model, meta = train.load_model(args.ckpt)
    size = int(meta.get("size", 320))
    with open(args.categories) as f:
        categories = json.load(f)["categories"]
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    wrapper = ex.HeadsWrapper(model)
    cls_names, box_names = ex.export_onnx(wrapper, onnx_path, (size, size))
    ex.verify_onnx(onnx_path, wrapper, [(1, size, size), (2, 256, 416)])
    write_config(os.path.join(args.out, "config.yml"), meta, categories, cls_names, box_names, size)
    os.makedirs(os.path.dirname(args.reference_out), exist_ok=True)
    write_reference(model, args.reference_image, args.reference_out)


if __name__ == "__main__":
    main()
