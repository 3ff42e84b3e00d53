"""The Python samples run, and print and draw what the C++ sample prints and draws."""
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from conftest import BIN_DIR, DATA, REPO

SAMPLES = REPO / "modules" / "dnn_retinanet" / "samples" / "python"


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, env=dict(os.environ), timeout=600, **kw)


def parse(stdout):
    out = {}
    for line in stdout.splitlines():
        r = json.loads(line)
        out[os.path.basename(r["image"])] = (r["width"], r["height"], [
            (d["class_id"], d["class"], np.float32(d["score"]), np.float32(d["box"]).tolist()) for d in r["detections"]])
    return out


def test_image_sample_matches_cpp_sample(tmp_path):
    demo = str(DATA / "images" / "demo")
    py = run([sys.executable, str(SAMPLES / "retinanet_detect.py"), f"--input={demo}", "--json",
              f"--output={tmp_path / 'py'}"])
    assert py.returncode == 0, py.stderr
    got = parse(py.stdout)
    assert sorted(got) == [f"demo_0{i}.png" for i in range(4)]
    assert all(len(v[2]) > 0 for v in got.values())
    exe = BIN_DIR / "retinanet_detect"
    if not exe.exists():
        pytest.skip(f"{exe} not built")
    cpp = run([str(exe), f"--input={demo}", "--json", f"--output={tmp_path / 'cpp'}"])
    assert cpp.returncode == 0, cpp.stderr
    assert got == parse(cpp.stdout)
    for name in got:
        out = os.path.splitext(name)[0] + "_detections.png"
        a, b = cv2.imread(str(tmp_path / "py" / out)), cv2.imread(str(tmp_path / "cpp" / out))
        assert a is not None and a.shape == b.shape
        assert np.array_equal(a, b), f"{out}: the drawings differ"


def test_image_sample_errors():
    r = run([sys.executable, str(SAMPLES / "retinanet_detect.py"), "--model=/nonexistent.onnx", "--config=torchvision",
             f"--input={DATA / 'images' / 'demo'}"])
    assert r.returncode == 2 and "error: dnn_retinanet: model file not found: '/nonexistent.onnx'" in r.stderr


def test_video_sample(tmp_path):
    video = DATA / "video" / "synth_test.avi"
    out = tmp_path / "out.avi"
    r = run([sys.executable, str(SAMPLES / "retinanet_video.py"), f"--input={video}", f"--output={out}", "--json",
             "--max-frames=3"])
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["frame"] for x in lines] == [0, 1, 2] and all(x["detections"] for x in lines)
    cap = cv2.VideoCapture(str(out))
    assert cap.isOpened() and int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 3
