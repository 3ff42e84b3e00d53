"""RetinaNetDetectionModel from Python: the same detections as the C++ API, frame formats, batches."""
import json
import subprocess

import cv2
import numpy as np
import pytest

import dnn_retinanet as dr
from conftest import BIN_DIR, assert_same_detections, images


def cpp_detections(folder, model, config):
    """Detections of the C++ sample (retinanet_detect --json: floats with 9 digits, exact in float32)."""
    exe = BIN_DIR / "retinanet_detect"
    if not exe.exists():
        pytest.skip(f"{exe} not built")
    out = subprocess.run([str(exe), f"--model={model}", f"--config={config}", f"--input={folder}", "--json"],
                         check=True, capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        r = json.loads(line)
        d = r["detections"]
        res[r["image"]] = (np.array([x["class_id"] for x in d], np.int32),
                           np.array([x["score"] for x in d], np.float32),
                           np.array([x["box"] for x in d], np.float32).reshape(-1, 4))
    return res


@pytest.mark.parametrize("folder", ["demo", "e2e"])
def test_identical_to_cpp_sample(shipped_model, shipped_model_path, folder):
    files = images(folder)
    ref = cpp_detections(str(files[0]).rsplit("/", 1)[0], *shipped_model_path)
    assert sorted(ref) == files
    for f in files:
        ids, scores, boxes = shipped_model.detectAll(cv2.imread(f))
        rid, rscores, rboxes = ref[f]
        assert len(ids) > 0, f
        np.testing.assert_array_equal(ids, rid, err_msg=f)
        np.testing.assert_array_equal(scores, rscores, err_msg=f)
        np.testing.assert_array_equal(boxes, rboxes, err_msg=f)


def test_result_types(shipped_model, demo_image):
    ids, conf, boxes = shipped_model.detect(demo_image)
    assert ids.dtype == np.int32 and ids.shape == (len(ids),)
    assert conf.dtype == np.float32 and conf.shape == ids.shape
    assert boxes.dtype == np.int32 and boxes.shape == (len(ids), 4)
    ids, scores, fboxes = shipped_model.detectAll(demo_image)
    assert (ids.dtype, scores.dtype, fboxes.dtype) == (np.int32, np.float32, np.float32)
    assert fboxes.shape == (len(ids), 4)
    assert np.all(np.diff(scores) <= 0), "best first"
    names = shipped_model.getClassNames()
    assert len(names) == shipped_model.getConfig().numClasses == 9
    t = shipped_model.getLastTimings()
    assert t.network > 0 and t.preprocess >= 0 and t.decode >= 0 and t.postprocess >= 0
    assert t.total >= t.preprocess + t.network + t.decode + t.postprocess - 1e-6
    lb = shipped_model.getLastLetterbox()
    assert lb.frameSize == (demo_image.shape[1], demo_image.shape[0])


def test_detect_is_detectall_above_threshold_as_cv_rects(shipped_model, demo_image):
    """detect(): cv2.dnn.DetectionModel's (classIds, confidences, x y w h boxes) of the same detections."""
    aid, ascore, abox = shipped_model.detectAll(demo_image)
    ids, conf, boxes = shipped_model.detect(demo_image, confThreshold=0.3)
    keep = ascore >= 0.3
    assert 0 < keep.sum() < len(aid)
    np.testing.assert_array_equal(ids, aid[keep])
    np.testing.assert_array_equal(conf, ascore[keep])
    # x, y, w, h with inclusive right/bottom, as cv::dnn::DetectionModel::detect makes them
    x1, y1 = abox[keep, 0].astype(np.int32), abox[keep, 1].astype(np.int32)
    x2, y2 = abox[keep, 2].astype(np.int32), abox[keep, 3].astype(np.int32)
    h, w = demo_image.shape[:2]
    np.testing.assert_array_equal(boxes[:, 0], np.clip(x1, 0, w - 1))
    np.testing.assert_array_equal(boxes[:, 1], np.clip(y1, 0, h - 1))
    np.testing.assert_array_equal(boxes[:, 2], np.clip(x2 - x1 + 1, 1, w - boxes[:, 0]))
    np.testing.assert_array_equal(boxes[:, 3], np.clip(y2 - y1 + 1, 1, h - boxes[:, 1]))
    # the default confThreshold is cv2's 0.5; nmsThreshold overrides the config for one call
    assert len(shipped_model.detect(demo_image)[0]) == (ascore >= 0.5).sum()
    loose = shipped_model.detect(demo_image, confThreshold=0.05, nmsThreshold=0.9)[1]
    assert not np.array_equal(loose, ascore), "NMS at 0.9 keeps overlapping boxes that 0.5 removes"
    np.testing.assert_array_equal(shipped_model.detectAll(demo_image)[1], ascore)


def test_batch_equals_single_frames(shipped_model):
    """Frames of one size (same padded input alone and in the batch): the C++ tests' tolerance, as a
    batched forward pass may round differently."""
    frames = [cv2.imread(f) for f in images("demo")]
    batch = shipped_model.detectBatch(frames)
    assert len(batch) == len(frames)
    for f, got in zip(frames, batch):
        assert_same_detections(shipped_model.detectAll(f), got, 1e-5, 0.9999)
    with pytest.raises(TypeError, match="list of images"):
        shipped_model.detectBatch(frames[0])
    with pytest.raises(dr.error, match="empty batch"):
        shipped_model.detectBatch([])


def test_frame_formats(shipped_model, demo_image):
    """gray, BGRA, 16-bit, float [0, 1], crops and non-contiguous views, as the C++ API takes them."""
    ref = shipped_model.detectAll(demo_image)
    same = lambda a, b: all(np.array_equal(x, y) for x, y in zip(a, b))  # noqa: E731
    bgra = np.dstack([demo_image, np.full(demo_image.shape[:2], 7, np.uint8)])
    assert same(shipped_model.detectAll(bgra), ref)
    gray = cv2.cvtColor(demo_image, cv2.COLOR_BGR2GRAY)
    assert same(shipped_model.detectAll(gray), shipped_model.detectAll(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)))
    assert same(shipped_model.detectAll(gray[:, :, None]), shipped_model.detectAll(gray))
    # a crop is a view with a row stride, a flipped image has negative strides (copied), an
    # F-ordered one has non-contiguous pixels (copied): all give the contiguous copy's result
    crop = demo_image[17:250, 31:301]
    assert not crop.flags.c_contiguous
    assert same(shipped_model.detectAll(crop), shipped_model.detectAll(crop.copy()))
    flipped = demo_image[::-1, ::-1]
    assert same(shipped_model.detectAll(flipped), shipped_model.detectAll(flipped.copy()))
    fortran = np.asfortranarray(demo_image)
    assert same(shipped_model.detectAll(fortran), ref)
    # other depths: the same image up to rounding of the conversion to float
    for img in (demo_image.astype(np.uint16) * 257, demo_image.astype(np.float32) / 255):
        ids, scores, boxes = shipped_model.detectAll(img)
        n = min(20, len(ref[0]))
        np.testing.assert_array_equal(ids[:n], ref[0][:n])
        np.testing.assert_allclose(scores[:n], ref[1][:n], atol=1e-3)
        np.testing.assert_allclose(boxes[:n], ref[2][:n], atol=0.05)


def test_setters(tiny_model):
    frame = np.random.default_rng(3).integers(0, 255, (256, 320, 3), dtype=np.uint8)
    ids, scores, boxes = tiny_model.detectAll(frame)
    assert len(ids) == 300
    assert tiny_model.setMaxDetections(50) is tiny_model, "setters return the model, as in C++ and cv2"
    assert len(tiny_model.detectAll(frame)[0]) == 50
    tiny_model.setScoreThreshold(0.5).setMaxDetections(300)
    ids2, scores2, _ = tiny_model.detectAll(frame)
    assert scores2.min() > 0.5 and len(ids2) == (scores > 0.5).sum()
    tiny_model.setScoreThreshold(0.05).setNmsThreshold(0.3).setClassAgnosticNms(True).setTopK(100)
    cfg = tiny_model.getConfig()
    assert cfg.selection.nmsThreshold == pytest.approx(0.3) and cfg.selection.classAgnosticNms
    assert cfg.selection.topkPerLevel == 100
    tiny_model.setInputResize(dr.RESIZE_FIXED, (64, 64))
    tiny_model.detectAll(frame)
    lb = tiny_model.getLastLetterbox()
    assert (lb.frameSize, lb.imageSize, lb.inputSize) == ((320, 256), (64, 64), (64, 64))
    assert (lb.scaleX, lb.scaleY) == pytest.approx((0.2, 0.25))
    cfg = tiny_model.getConfig()  # the model's one config: the setters' changes, the user's output names
    assert cfg.preprocess.resize == dr.RESIZE_FIXED and cfg.preprocess.inputSize == (64, 64)
    assert list(cfg.outputs.clsNames) == ["cls_0", "cls_1", "cls_2", "cls_3", "cls_4"]
    t = tiny_model.getLastTimings()
    assert isinstance(t, dr.Timings) and t.network > 0 and t.total > 0 and "network=" in repr(t)
    tiny_model.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV).setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    assert (tiny_model.getBackend(), tiny_model.getTarget()) == (cv2.dnn.DNN_BACKEND_OPENCV, cv2.dnn.DNN_TARGET_CPU)


def test_model_from_config_object(shipped_model_path, demo_image):
    model, config = shipped_model_path
    c = dr.RetinaNetConfig.load(config)
    c.selection.scoreThreshold = 0.4
    ids, scores, _ = dr.RetinaNetDetectionModel(model, c).detectAll(demo_image)
    ref = dr.RetinaNetDetectionModel(model, config).setScoreThreshold(0.4).detectAll(demo_image)
    assert len(ids) > 0 and scores.min() > 0.4
    np.testing.assert_array_equal(scores, ref[1])


def test_raw_network_plus_decoder_equals_model(shipped_model_path):
    """The README's other-runtime path (here cv2.dnn in place of ONNX Runtime): blobFromFrame, the raw
    network, RetinaNetDecoder, boxes mapped to the frame: the model's detections."""
    model, config = shipped_model_path
    cfg = dr.RetinaNetConfig.load(config)
    frame = cv2.imread(images("e2e")[-1])  # 500x300: resized to fit 320
    ref = dr.RetinaNetDetectionModel(model, config).detectAll(frame)
    blob, info = dr.blobFromFrame(frame, cfg.preprocess)
    assert blob.dtype == np.float32 and blob.shape == (1, 3, info.inputSize[1], info.inputSize[0])
    assert info.imageSize != info.frameSize
    net = cv2.dnn.readNet(model)
    names = list(cfg.outputs.clsNames) + list(cfg.outputs.boxNames)
    net.setInput(blob)
    outputs = net.forward(names)
    (ids, scores, boxes), = dr.RetinaNetDecoder.create(cfg).decode(outputs, names, info.inputSize, [info.imageSize])
    np.testing.assert_array_equal(ids, ref[0])
    np.testing.assert_array_equal(scores, ref[1])
    # network-input pixels -> frame pixels: exactly the model's mapping, and the README's formula
    np.testing.assert_array_equal(dr.boxesToFrame(boxes, info, cfg.preprocess), ref[2])
    (fw, fh), (iw, ih) = info.frameSize, info.imageSize
    np.testing.assert_allclose(boxes * np.float32([fw / iw, fh / ih, fw / iw, fh / ih]), ref[2], rtol=1e-6, atol=1e-3)
    assert dr.boxesToFrame(np.zeros((0, 4), np.float32), info, cfg.preprocess).shape == (0, 4)
    with pytest.raises(ValueError):
        dr.boxesToFrame(boxes[:, :3], info, cfg.preprocess)
