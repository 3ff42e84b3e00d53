"""Shared fixtures of the dnn_retinanet Python tests.

Run by ctest (python/CMakeLists.txt: PYTHONPATH=<build>/python, DNN_RETINANET_BIN_DIR=<build>/bin),
or by hand from the repository root:

    PYTHONPATH=build/python /usr/bin/python3 -m pytest python/tests -q
"""
import os
import pathlib

import cv2
import numpy as np
import pytest

import dnn_retinanet as dr

REPO = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("DNN_RETINANET_TEST_DATA", REPO / "data"))
BIN_DIR = pathlib.Path(os.environ.get("DNN_RETINANET_BIN_DIR", REPO / "build" / "bin"))
SHIPPED = DATA / "models" / "synth_retinanet"
TINY = DATA / "models" / "tiny_torchvision"


def images(folder):
    return sorted(str(p) for p in (DATA / "images" / folder).glob("*.png"))


@pytest.fixture(scope="session")
def shipped_model_path():
    return str(SHIPPED / "model.onnx"), str(SHIPPED / "config.yml")


@pytest.fixture
def shipped_model(shipped_model_path):
    return dr.RetinaNetDetectionModel(*shipped_model_path)


@pytest.fixture
def tiny_model():
    """The tiny torchvision export (random calibrated weights, K = 5): cheap, many detections."""
    return dr.RetinaNetDetectionModel(str(TINY / "model.onnx"), str(TINY / "config.yml"))


@pytest.fixture(scope="session")
def demo_image():
    img = cv2.imread(images("demo")[0])
    assert img is not None
    return img


def synthetic_head(config, input_size, seed=0, batch=1):
    """Random per-level NCHW heads for @p config on an input of @p input_size (w, h): names, arrays."""
    rng = np.random.default_rng(seed)
    A = config.anchors.numAnchors()
    K = config.numClasses
    w, h = input_size
    outs, names = [], []
    for l, s in enumerate(config.anchors.strides):
        gh, gw = -(-h // int(s)), -(-w // int(s))
        cls = rng.uniform(-8, -3, (batch, A * K, gh, gw)).astype(np.float32)
        hot = rng.random(cls.shape) < 0.02
        cls[hot] = rng.uniform(-2, 4, hot.sum()).astype(np.float32)
        outs += [cls, rng.normal(0, 0.3, (batch, A * 4, gh, gw)).astype(np.float32)]
        names += [f"cls_{l}", f"box_{l}"]
    return outs, names


def small_config(K=3):
    """torchvision conventions, three levels, named outputs: a cheap decoder for many calls."""
    c = dr.RetinaNetConfig.preset("torchvision")
    c.numClasses = K
    c.anchors.strides = [8.0, 16.0, 32.0]
    c.anchors.sizes = [32.0, 64.0, 128.0]
    c.anchors.sizesPerLevel = 1
    c.outputs.clsNames = [f"cls_{l}" for l in range(3)]
    c.outputs.boxNames = [f"box_{l}" for l in range(3)]
    return c


def iou(a, b):
    w = np.maximum(0, np.minimum(a[2], b[2]) - np.maximum(a[0], b[0]))
    h = np.maximum(0, np.minimum(a[3], b[3]) - np.maximum(a[1], b[1]))
    inter = float(w) * float(h)
    union = (float(a[2]) - a[0]) * (float(a[3]) - a[1]) + (float(b[2]) - b[0]) * (float(b[3]) - b[1]) - inter
    return inter / union if union > 0 else float(np.array_equal(a, b))


def assert_same_detections(expected, got, score_tol=1e-5, iou_min=0.9999):
    """The C++ tests' sameDetections(): same count; each expected detection has an unused one of the
    same class, score within score_tol and IoU >= iou_min."""
    eid, escore, ebox = expected
    gid, gscore, gbox = got
    assert len(gid) == len(eid)
    used = np.zeros(len(gid), bool)
    for i in range(len(eid)):
        cand = np.flatnonzero(~used & (gid == eid[i]) & (np.abs(gscore - escore[i]) <= score_tol))
        assert len(cand), f"expected detection #{i} (class {eid[i]}, score {escore[i]}) not found"
        ious = [iou(ebox[i], gbox[j]) for j in cand]
        best = int(np.argmax(ious))
        assert ious[best] >= iou_min, f"detection #{i}: IoU {ious[best]}"
        used[cand[best]] = True
