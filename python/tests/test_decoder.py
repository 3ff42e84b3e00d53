"""RetinaNetDecoder from Python: torchvision's post-processing on its committed reference cases,
every layout, batches, the blob output and the decoder's own errors."""
import cv2
import numpy as np
import pytest

import dnn_retinanet as dr
from conftest import DATA, assert_same_detections, small_config, synthetic_head

CASES = ["basic", "batch", "topk", "coco91", "odd"]


def load_case(name):
    """data/reference/decoder/torchvision_case_<name>.yml.gz (tools/make_decoder_reference.py), read as
    modules/dnn_retinanet/test/decoder_test_utils.cpp reads it: box outputs listed first."""
    fs = cv2.FileStorage(str(DATA / "reference" / "decoder" / f"torchvision_case_{name}.yml.gz"), cv2.FILE_STORAGE_READ)
    assert fs.isOpened()
    c = dr.RetinaNetConfig.preset("torchvision")
    c.numClasses = int(fs.getNode("num_classes").real())
    c.selection.scoreThreshold = fs.getNode("score_thresh").real()
    c.selection.nmsThreshold = fs.getNode("nms_thresh").real()
    c.selection.maxDetections = int(fs.getNode("detections_per_img").real())
    c.selection.topkPerLevel = int(fs.getNode("topk_candidates").real())
    L = int(fs.getNode("num_levels").real())
    c.outputs.clsNames = [f"cls_logits_{l}" for l in range(L)]
    c.outputs.boxNames = [f"bbox_regression_{l}" for l in range(L)]
    input_size = tuple(int(v) for v in fs.getNode("input_size").mat().ravel())
    image_sizes = [tuple(int(v) for v in row) for row in fs.getNode("image_sizes").mat()]

    def tensor(key):
        return fs.getNode(key).mat().reshape(tuple(int(v) for v in fs.getNode(key + "_shape").mat().ravel()))

    outputs = [tensor(f"box_{l}") for l in range(L)] + [tensor(f"cls_{l}") for l in range(L)]
    names = c.outputs.boxNames + c.outputs.clsNames
    expected = []
    for n in range(len(image_sizes)):
        count = int(fs.getNode(f"det_{n}_count").real())
        assert count > 0
        expected.append((fs.getNode(f"det_{n}_labels").mat().ravel().astype(np.int32),
                         fs.getNode(f"det_{n}_scores").mat().ravel(),
                         fs.getNode(f"det_{n}_boxes").mat().reshape(-1, 4)))
    return c, outputs, names, input_size, image_sizes, expected


@pytest.mark.parametrize("case", CASES)
def test_torchvision_reference_cases(case):
    config, outputs, names, input_size, image_sizes, expected = load_case(case)
    dets = dr.RetinaNetDecoder.create(config).decode(outputs, names, input_size, image_sizes)
    assert len(dets) == len(expected) == len(image_sizes)
    for e, g in zip(expected, dets):
        assert_same_detections(e, g)
        assert np.all(np.diff(g[1]) <= 0)


def test_layouts_give_the_same_detections():
    """NCHW as given, NHWC (transposed views: copied to contiguous by the binding) and concatenated."""
    config, outputs, names, input_size, image_sizes, _ = load_case("batch")
    ref = dr.RetinaNetDecoder.create(config).decode(outputs, names, input_size, image_sizes)
    L, A, K = config.anchors.numLevels(), config.anchors.numAnchors(), config.numClasses

    nhwc = dr.RetinaNetConfig(config)
    nhwc.outputs.layout = dr.LAYOUT_PER_LEVEL_NHWC
    got = dr.RetinaNetDecoder.create(nhwc).decode([o.transpose(0, 2, 3, 1) for o in outputs], names,
                                                 input_size, image_sizes)
    for r, g in zip(ref, got):
        for x, y in zip(r, g):
            np.testing.assert_array_equal(x, y)

    def concat(tensors, c):  # (N, A*c, H, W) per level -> (N, sum(H*W*A), c), level -> y -> x -> a
        return np.concatenate([t.reshape(t.shape[0], A, c, t.shape[2], t.shape[3]).transpose(0, 3, 4, 1, 2)
                               .reshape(t.shape[0], -1, c) for t in tensors], axis=1)

    cat = dr.RetinaNetConfig(config)
    cat.outputs.layout = dr.LAYOUT_CONCATENATED
    cat.outputs.clsNames, cat.outputs.boxNames = ["cls"], ["box"]
    got = dr.RetinaNetDecoder.create(cat).decode([concat(outputs[L:], K), concat(outputs[:L], 4)], ["cls", "box"],
                                                input_size, image_sizes)
    for r, g in zip(ref, got):
        for x, y in zip(r, g):
            np.testing.assert_array_equal(x, y)


def test_unnamed_outputs_and_blob():
    config = small_config()
    outputs, names = synthetic_head(config, (128, 96), seed=1, batch=2)
    dec = dr.RetinaNetDecoder.create(config)
    dets = dec.decode(outputs, names, (128, 96))
    assert len(dets) == 2 and all(len(d[0]) > 0 for d in dets)
    unnamed = dr.RetinaNetConfig(config)
    unnamed.outputs.clsNames, unnamed.outputs.boxNames = [], []
    by_shape = dr.RetinaNetDecoder.create(unnamed).decode(outputs[::-1], [], (128, 96))
    for r, g in zip(dets, by_shape):
        for x, y in zip(r, g):
            np.testing.assert_array_equal(x, y)
    stats = dec.getLastStats()
    assert stats.detections == sum(len(d[0]) for d in dets) and stats.scanned > 0
    blob = dec.decodeToBlob(outputs, names, (128, 96), [(128, 96), (100, 90)])
    dets = dec.decode(outputs, names, (128, 96), [(128, 96), (100, 90)])
    assert blob.dtype == np.float32 and blob.ndim == 4 and blob.shape[:2] == (1, 1) and blob.shape[3] == 7
    rows = blob.reshape(-1, 7)
    for n, (ids, scores, boxes) in enumerate(dets):
        mine = rows[rows[:, 0] == n]
        np.testing.assert_array_equal(mine[:, 1].astype(np.int32), ids)
        np.testing.assert_array_equal(mine[:, 2], scores)
        np.testing.assert_array_equal(mine[:, 3:], boxes)
        assert np.all(boxes[:, 2] <= (128, 100)[n]) and np.all(boxes[:, 3] <= (96, 90)[n])


def test_setters_and_config():
    config = small_config()
    outputs, names = synthetic_head(config, (128, 96), seed=2)
    dec = dr.RetinaNetDecoder.create(config)
    all_ids, all_scores, _ = dec.decode(outputs, names, (128, 96))[0]
    dec.setScoreThreshold(0.5)
    dec.setMaxDetections(5)
    ids, scores, _ = dec.decode(outputs, names, (128, 96))[0]
    np.testing.assert_array_equal(scores, all_scores[all_scores > 0.5][:5])
    c = dec.getConfig()
    assert c.selection.scoreThreshold == pytest.approx(0.5) and c.selection.maxDetections == 5
    dec.setNmsThreshold(0.3)
    dec.setTopK(10)
    dec.setClassAgnosticNms(True)
    c = dec.getConfig()
    assert (c.selection.topkPerLevel, c.selection.classAgnosticNms) == (10, True)
    assert c.selection.nmsThreshold == pytest.approx(0.3)


def test_frames_overload_clip_space_frame():
    """decode(frames=...): with clip_space frame the boxes come back in frame pixels, clipped to it."""
    config = small_config()
    config.boxCoding.clipSpace = dr.CLIP_SPACE_FRAME
    outputs, names = synthetic_head(config, (128, 96), seed=3)
    dec = dr.RetinaNetDecoder.create(config)
    (_, _, net_boxes), = dec.decode(outputs, names, (128, 96), [(128, 96)])
    (_, _, frame_boxes), = dec.decode(outputs, names, (128, 96), [(128, 96)], [dr.FrameInfo((64, 48), 2.0, 2.0)])
    assert frame_boxes[:, 2].max() <= 64 and frame_boxes[:, 3].max() <= 48
    assert net_boxes[:, 2].max() > 64


def test_errors_are_the_decoders():
    config = small_config()
    outputs, names = synthetic_head(config, (128, 96))
    dec = dr.RetinaNetDecoder.create(config)
    with pytest.raises(dr.error) as e:
        dec.decode([o.astype(np.float64) for o in outputs], names, (128, 96))
    assert e.value.err == "dnn_retinanet: output #0 has depth CV_64FC1; only CV_32F is supported"
    with pytest.raises(dr.error, match="dnn_retinanet: "):
        dec.decode(outputs[:-1], names[:-1], (128, 96))
    with pytest.raises(TypeError, match="list of arrays"):
        dec.decode(outputs[0], names, (128, 96))
    with pytest.raises(TypeError):
        dec.decode(outputs, names, "128x96")
    bad = small_config()
    bad.numClasses = 0
    with pytest.raises(cv2.error):  # dnn_retinanet.error is a cv2.error
        dr.RetinaNetDecoder.create(bad)
