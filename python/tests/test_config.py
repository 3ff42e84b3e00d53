"""RetinaNetConfig from Python: presets, files, fields and nested sections."""
import copy

import pytest

import dnn_retinanet as dr
from conftest import SHIPPED


def test_presets():
    names = dr.RetinaNetConfig.presetNames()
    assert {"torchvision", "torchvision_v2", "detectron2", "mmdetection", "keras_retinanet", "odtk"} <= set(names)
    d2 = dr.RetinaNetConfig.preset("detectron2")
    assert d2.anchors.order == dr.ANCHOR_ORDER_SIZE_MAJOR and d2.boxCoding.clip == dr.CLIP_AFTER_NMS
    assert d2.selection.maxDetections == 100
    keras = dr.RetinaNetConfig.load("keras_retinanet")  # load() takes preset names too
    assert keras.boxCoding.type == dr.BOX_CODING_CORNERS and keras.outputs.layout == dr.LAYOUT_CONCATENATED
    assert keras.scoring.activation == dr.SCORE_PROBABILITY
    with pytest.raises(dr.error) as e:
        dr.RetinaNetConfig.preset("yolo")
    assert "yolo" in e.value.err


def test_fields_and_sections_are_settable_in_place():
    c = dr.RetinaNetConfig.preset("torchvision")
    assert repr(c).startswith("<dnn_retinanet.RetinaNetConfig name='torchvision'")
    c.selection.scoreThreshold = 0.3
    sel = c.selection  # a reference into c, as attribute access on a Python object
    sel.nmsThreshold = 0.45
    assert c.selection.scoreThreshold == pytest.approx(0.3) and c.selection.nmsThreshold == pytest.approx(0.45)
    c.preprocess.mean = (0.5, 0.25, 0.125)
    assert c.preprocess.mean == (0.5, 0.25, 0.125, 0.0)  # cv::Scalar
    c.preprocess.inputSize = (640, 480)
    assert c.preprocess.inputSize == (640, 480)
    c.boxCoding.stds = (0.1, 0.1, 0.2, 0.2)
    assert c.boxCoding.stds == pytest.approx((0.1, 0.1, 0.2, 0.2))
    # list fields come out as copies: assign a new list
    c.anchors.strides.append(256.0)
    assert len(c.anchors.strides) == 5
    c.anchors.strides = c.anchors.strides[:3]
    assert c.anchors.strides == [8.0, 16.0, 32.0] and c.anchors.numLevels() == 3
    with pytest.raises(TypeError):
        c.preprocess.inputSize = (640, 480, 3)
    # copies are independent
    for other in (dr.RetinaNetConfig(c), copy.copy(c), copy.deepcopy(c)):
        other.selection.scoreThreshold = 0.9
        assert c.selection.scoreThreshold == pytest.approx(0.3)


def test_save_load_round_trip(tmp_path):
    c = dr.RetinaNetConfig.load(str(SHIPPED / "config.yml"))
    assert (c.name, c.numClasses, c.classNames[1]) == ("synth_retinanet", 9, "circle")
    c.selection.scoreThreshold = 0.25
    c.selection.levelScoreThresholds = [0.25, 0.25, 0.3, 0.3, 0.0]
    c.classNames = [f"k{i}" for i in range(9)]
    c.preprocess.resize = dr.RESIZE_LETTERBOX
    c.preprocess.inputSize = (416, 320)
    for ext in ("yml", "json"):  # .gz configs are refused (they cannot be pre-scanned, doc/robustness.md)
        path = str(tmp_path / f"c.{ext}")
        c.save(path)
        r = dr.RetinaNetConfig.load(path)
        assert r.selection.scoreThreshold == pytest.approx(0.25)
        assert r.selection.levelScoreThresholds == pytest.approx([0.25, 0.25, 0.3, 0.3, 0.0])
        assert r.classNames == c.classNames
        assert (r.preprocess.resize, r.preprocess.inputSize) == (dr.RESIZE_LETTERBOX, (416, 320))
        assert r.anchors.sizes == c.anchors.sizes and r.outputs.clsNames == c.outputs.clsNames


def test_validate_names_the_field():
    c = dr.RetinaNetConfig.preset("torchvision")
    c.validate()
    c.numClasses = 0
    with pytest.raises(dr.error) as e:
        c.validate()
    assert "num_classes" in e.value.err or "numClasses" in e.value.err
    with pytest.raises(dr.error) as e:
        dr.RetinaNetConfig.load("/nonexistent/config.yml")
    assert "/nonexistent/config.yml" in e.value.err


def test_every_cpp_field_and_constant_is_exposed():
    """Guards the binding against C++ changes: every CV_PROP_RW / CV_PROP field of the bound structs
    and every enumerator of config.hpp has its Python attribute (with the C++ value)."""
    import re
    from conftest import REPO
    include = REPO / "modules" / "dnn_retinanet" / "include" / "opencv2" / "dnn_retinanet"
    checked = 0
    for header in ("config.hpp", "decoder.hpp", "model.hpp"):
        text = (include / header).read_text()
        for name, body in re.findall(r"(?:struct|class) CV_EXPORTS_W_SIMPLE (\w+)\s*(?::[^{]*)?\{(.*?)\n\};", text, re.S):
            if not hasattr(dr, name):
                assert name in ("Detection", "RetinaNetDetectionModel"), f"{name} is not bound"
                continue
            obj = getattr(dr, name)
            for decl in re.findall(r"CV_PROP(?:_RW)?\s+[\w:<>, ]+?\s+(\w+(?:\s*,\s*\w+)*)\s*;", body):
                for field in re.split(r"\s*,\s*", decl):
                    assert hasattr(obj, field), f"{name}.{field} is not bound"
                    checked += 1
    text = (include / "config.hpp").read_text()
    for body in re.findall(r"\benum \w+\s*\{(.*?)\};", text, re.S):
        for const, value in re.findall(r"^\s*(?:/\*\*.*?\*/\s*)?([A-Z][A-Z0-9_]+)\s*=\s*(\d+)", body, re.S | re.M):
            assert getattr(dr, const) == int(value), const
            checked += 1
    assert checked > 80
