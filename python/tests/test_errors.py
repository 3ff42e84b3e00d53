"""C++ errors reach Python as dnn_retinanet.error (a cv2.error and a RuntimeError) with the C++
message; inputs Python cannot hand to the C++ API raise TypeError."""
import subprocess

import cv2
import numpy as np
import pytest

import dnn_retinanet as dr
from conftest import BIN_DIR, SHIPPED, images


def test_bad_model_path_same_message_as_cpp():
    missing = "/nonexistent/retinanet.onnx"
    with pytest.raises(dr.error) as e:
        dr.RetinaNetDetectionModel(missing, str(SHIPPED / "config.yml"))
    assert e.value.err == f"dnn_retinanet: model file not found: '{missing}'"
    exe = BIN_DIR / "retinanet_detect"
    if exe.exists():  # the C++ sample prints "error: " + cv::Exception::err
        r = subprocess.run([str(exe), f"--model={missing}", f"--config={SHIPPED / 'config.yml'}",
                            f"--input={images('demo')[0]}"], capture_output=True, text=True)
        assert r.returncode == 2
        assert f"error: {e.value.err}" in r.stderr.splitlines()
    # cv2.error's interface
    err = e.value
    assert isinstance(err, cv2.error) and isinstance(err, RuntimeError)
    assert str(err).startswith("OpenCV(") and err.err in str(err) and err.msg == str(err)
    assert err.code == cv2.Error.StsObjectNotFound and err.func == "readModel"
    assert err.file.endswith("retinanet_model.cpp") and err.line > 0
    with pytest.raises(dr.error, match="not found|cannot"):
        dr.RetinaNetDetectionModel(str(SHIPPED / "model.onnx"), "/nonexistent/config.yml")


@pytest.mark.parametrize("frame, message", [
    (np.zeros((0, 0, 3), np.uint8), "dnn_retinanet: empty frame"),
    (None, "dnn_retinanet: empty frame"),  # cv2.imread of a missing file
    (np.zeros((64, 64, 3), np.float64), "dnn_retinanet: unsupported frame depth CV_64FC3 (use 8U, 16U or 32F in [0, 1])"),
    (np.zeros((64, 64, 3), np.int32), "dnn_retinanet: unsupported frame depth CV_32SC3 (use 8U, 16U or 32F in [0, 1])"),
    (np.zeros((64, 64, 2), np.uint8), "dnn_retinanet: frames must have 1, 3 or 4 channels (got 2)"),
    (np.zeros((2, 64, 64, 3), np.uint8), "dnn_retinanet: frames must be 2-D images (got 4 dimensions)"),
    (np.zeros(64, np.uint8), "dnn_retinanet: frames must be 2-D images (got 1 dimensions)"),
    (np.full((64, 64, 3), np.nan, np.float32), "dnn_retinanet: the frame contains NaN or Inf values"),
])
def test_bad_frames(shipped_model, frame, message):
    for call in (shipped_model.detect, shipped_model.detectAll, lambda f: shipped_model.detectBatch([f])):
        with pytest.raises(dr.error) as e:
            call(frame)
        assert e.value.err == message


@pytest.mark.parametrize("frame", [np.zeros((64, 64, 3), np.int64), np.zeros((64, 64, 3), bool), "image.png"])
def test_frames_python_cannot_pass(shipped_model, frame):
    with pytest.raises(TypeError):
        shipped_model.detect(frame)


def test_model_still_works_after_errors(shipped_model):
    img = cv2.imread(images("demo")[0])
    ref = shipped_model.detectAll(img)
    with pytest.raises(dr.error):
        shipped_model.detectAll(np.zeros((0, 0), np.uint8))
    with pytest.raises(dr.error, match="max detections"):
        shipped_model.setMaxDetections(0)
    with pytest.raises(dr.error):
        shipped_model.setScoreThreshold(2.0)
    np.testing.assert_array_equal(shipped_model.detectAll(img)[1], ref[1])
