#!/usr/bin/python3
"""Write torchvision RetinaNet anchor reference data for the C++ tests.

What it does
------------
Runs the REAL torchvision code (``torchvision.models.detection.anchor_utils.
AnchorGenerator`` configured exactly like ``retinanet._default_anchorgen()``,
i.e. sizes ``(x, int(x*2**(1/3)), int(x*2**(2/3)))`` for x in 32..512 and
aspect ratios (0.5, 1.0, 2.0) on 5 levels) for several padded input sizes and
stores the result in ``data/reference/anchors/torchvision_anchors.yml.gz``
(cv::FileStorage YAML, base64 matrices, gzip), so the C++ tests need no Python.
The YAML text is produced by cv2.FileStorage (FILE_STORAGE_WRITE |
FILE_STORAGE_BASE64, in memory) and gzip-compressed by Python at level 9 with
mtime 0; cv::FileStorage reads it like any .yml.gz.

The feature grid sizes of P3..P7 are obtained by running a dummy chain of
stride-2 3x3 convolutions with padding 1 on a zero tensor of the padded input
size (3 convs -> P3, then one more per level -> P4..P7), which reproduces the
``ceil(x / 2)`` chain of a ResNet-FPN with stride-2 P6/P7 convs.

Nodes written (i = 0 .. num_cases-1, L = 5 levels):
  num_cases              int
  case_i_input           int32 1x2   (W, H) of the padded input
  case_i_grids           int32 Lx2   (W, H) of the feature grid per level
  case_i_strides         int32 Lx2   (stride_w, stride_h) = image_size // grid_size
                                      (torchvision's integer formula, NOT 2**level)
  case_i_cell_anchors    float32 (L*9)x4  generator.cell_anchors, levels concatenated
  case_i_num_anchors     int32 Lx1   number of anchors (H*W*9) per level
  case_i_sample_index    int32 Sx1   global anchor indices in torchvision's
                                      concatenated order level -> y -> x -> a
  case_i_sample_boxes    float32 Sx4 (x1, y1, x2, y2) of those anchors

How to rerun
------------
    /usr/bin/python3 tools/make_anchor_reference.py

(tested with torch 1.13 / torchvision 0.14 / OpenCV 4.6 from Debian 12). The
output is deterministic (no randomness, gzip mtime 0): reruns are byte-identical.
"""

import gzip
import os
import sys

import cv2
import numpy as np
import torch
from torch import nn

from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.image_list import ImageList

try:
    from torchvision.models.detection.retinanet import _default_anchorgen
except ImportError:  # older/newer torchvision without the helper
    def _default_anchorgen():
        anchor_sizes = tuple((x, int(x * 2 ** (1.0 / 3)), int(x * 2 ** (2.0 / 3))) for x in [32, 64, 128, 256, 512])
        aspect_ratios = ((0.5, 1.0, 2.0),) * len(anchor_sizes)
        return AnchorGenerator(anchor_sizes, aspect_ratios)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(REPO_ROOT, "data", "reference", "anchors", "torchvision_anchors.yml.gz")

# padded input sizes (H, W)
CASES = [(800, 1216), (512, 512), (384, 640), (224, 320), (96, 128)]
NUM_LEVELS = 5
SAMPLE_SPREAD = 2000
SAMPLE_EDGE = 20


def feature_grid_sizes(h, w):
    """Grid sizes (h, w) of P3..P7 via a dummy chain of stride-2 3x3 pad-1 convs."""
    conv = nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1, bias=False)
    x = torch.zeros(1, 1, h, w)
    sizes = []
    with torch.no_grad():
        for step in range(3 + NUM_LEVELS - 1):
            x = conv(x)
            if step >= 2:
                sizes.append((int(x.shape[-2]), int(x.shape[-1])))
    return sizes


def sample_indices(level_counts):
    total = int(sum(level_counts))
    idx = set(np.linspace(0, total - 1, SAMPLE_SPREAD).round().astype(np.int64).tolist())
    start = 0
    for c in level_counts:
        idx.update(range(start, start + min(SAMPLE_EDGE, c)))
        idx.update(range(max(start, start + c - SAMPLE_EDGE), start + c))
        start += c
    return np.array(sorted(idx), dtype=np.int64)


def main():
    torch.set_num_threads(1)
    generator = _default_anchorgen()
    generator.eval()
    assert generator.num_anchors_per_location() == [9] * NUM_LEVELS

    os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
    fs = cv2.FileStorage(".yml", cv2.FILE_STORAGE_WRITE | cv2.FILE_STORAGE_MEMORY | cv2.FILE_STORAGE_BASE64)
    fs.write("num_cases", len(CASES))
    for i, (h, w) in enumerate(CASES):
        grids = feature_grid_sizes(h, w)
        images = ImageList(torch.zeros(1, 3, h, w), [(h, w)])
        features = [torch.zeros(1, 1, gh, gw) for gh, gw in grids]
        with torch.no_grad():
            anchors = generator(images, features)[0]  # (sum HWA, 4), level -> y -> x -> a
        strides = [(h // gh, w // gw) for gh, gw in grids]  # same formula as AnchorGenerator.forward
        counts = [gh * gw * 9 for gh, gw in grids]
        assert anchors.shape[0] == sum(counts)
        cell = torch.cat(generator.cell_anchors, dim=0).numpy().astype(np.float32)
        assert cell.shape == (NUM_LEVELS * 9, 4)

        # cross-check the concatenated order level -> y -> x -> a against the cell anchors
        a_np = anchors.numpy()
        start = 0
        for l, ((gh, gw), (sh, sw)) in enumerate(zip(grids, strides)):
            lev = a_np[start:start + counts[l]].reshape(gh, gw, 9, 4)
            ys, xs = np.meshgrid(np.arange(gh) * sh, np.arange(gw) * sw, indexing="ij")
            shift = np.stack([xs, ys, xs, ys], axis=-1)[:, :, None, :].astype(np.float32)
            assert np.array_equal(lev, shift + cell[l * 9:(l + 1) * 9][None, None]), "unexpected anchor layout"
            start += counts[l]

        sel = sample_indices(counts)
        fs.write("case_%d_input" % i, np.array([[w, h]], dtype=np.int32))
        fs.write("case_%d_grids" % i, np.array([[gw, gh] for gh, gw in grids], dtype=np.int32))
        fs.write("case_%d_strides" % i, np.array([[sw, sh] for sh, sw in strides], dtype=np.int32))
        fs.write("case_%d_cell_anchors" % i, cell)
        fs.write("case_%d_num_anchors" % i, np.array(counts, dtype=np.int32).reshape(-1, 1))
        fs.write("case_%d_sample_index" % i, sel.astype(np.int32).reshape(-1, 1))
        fs.write("case_%d_sample_boxes" % i, np.ascontiguousarray(a_np[sel].astype(np.float32)))
        print("case %d: input HxW %dx%d grids(HxW) %s strides(h,w) %s anchors %d sampled %d"
              % (i, h, w, grids, strides, anchors.shape[0], len(sel)))
    with open(OUT_PATH, "wb") as f:
        f.write(gzip.compress(fs.releaseAndGetString().encode("utf-8"), compresslevel=9, mtime=0))
    print("wrote %s (%d bytes)" % (os.path.relpath(OUT_PATH, REPO_ROOT), os.path.getsize(OUT_PATH)))
    verify()


def verify():
    """Read the file back with cv2.FileStorage and compare against a fresh torchvision run."""
    fs = cv2.FileStorage(OUT_PATH, cv2.FILE_STORAGE_READ)
    n = int(fs.getNode("num_cases").real())
    assert n == len(CASES)
    generator = _default_anchorgen()
    for i, (h, w) in enumerate(CASES):
        inp = fs.getNode("case_%d_input" % i).mat()
        assert inp.dtype == np.int32 and inp.tolist() == [[w, h]]
        grids = fs.getNode("case_%d_grids" % i).mat()
        feats = [torch.zeros(1, 1, int(gh), int(gw)) for gw, gh in grids]
        with torch.no_grad():
            anchors = generator(ImageList(torch.zeros(1, 3, h, w), [(h, w)]), feats)[0].numpy()
        idx = fs.getNode("case_%d_sample_index" % i).mat().ravel()
        boxes = fs.getNode("case_%d_sample_boxes" % i).mat()
        assert boxes.dtype == np.float32 and np.array_equal(boxes, anchors[idx])
        assert fs.getNode("case_%d_cell_anchors" % i).mat().shape == (45, 4)
        assert fs.getNode("case_%d_strides" % i).mat().dtype == np.int32
    fs.release()
    print("read-back check OK")


if __name__ == "__main__":
    sys.exit(main())
