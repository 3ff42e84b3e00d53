"""No memory growth over many calls: resident set size (/proc/self/statm) after warm-up, before and
after, within 1 MiB (a leak of 100 bytes per call over 10,000 calls would show)."""
import gc
import os

import numpy as np
import pytest

import dnn_retinanet as dr
from conftest import TINY, small_config, synthetic_head

LIMIT = 1 << 20


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def growth(fn, calls, warm=500):
    for _ in range(warm):
        fn()
    gc.collect()
    before = rss()
    for _ in range(calls):
        fn()
    gc.collect()
    return rss() - before


def test_decoder_10000_calls():
    config = small_config()
    outputs, names = synthetic_head(config, (128, 96), batch=2)
    dec = dr.RetinaNetDecoder.create(config)
    assert len(dec.decode(outputs, names, (128, 96))[0][0]) > 0
    assert growth(lambda: dec.decode(outputs, names, (128, 96)), 10000) < LIMIT
    # non-contiguous inputs (copied by the binding) and the blob output
    views = [np.asfortranarray(o) for o in outputs]
    assert growth(lambda: dec.decodeToBlob(views, names, (128, 96)), 10000) < LIMIT


def test_errors_10000_calls():
    config = small_config()
    outputs, names = synthetic_head(config, (128, 96))
    dec = dr.RetinaNetDecoder.create(config)
    bad = [o.astype(np.float64) for o in outputs]

    def fail():
        with pytest.raises(dr.error):
            dec.decode(bad, names, (128, 96))

    assert growth(fail, 10000) < LIMIT


def test_config_10000_calls():
    def use():
        c = dr.RetinaNetConfig.preset("torchvision")
        c.selection.scoreThreshold = 0.3
        c.preprocess.mean = (1, 2, 3)
        return c.anchors.sizes, c.classNames

    assert growth(use, 10000) < LIMIT


def test_model_1000_calls():
    """The model on a 64x64 input (~1-5 ms a call): frames in, arrays out, errors."""
    model = dr.RetinaNetDetectionModel(str(TINY / "model.onnx"), str(TINY / "config.yml"))
    model.setInputResize(dr.RESIZE_FIXED, (64, 64))
    frame = np.random.default_rng(0).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    assert len(model.detectAll(frame)[0]) > 0

    def use():
        model.detect(frame, confThreshold=0.1)
        model.detectAll(frame[::2, ::2])
        with pytest.raises(dr.error):
            model.detectAll(None)

    assert growth(use, 1000, warm=50) < LIMIT
