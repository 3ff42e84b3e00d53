#!/usr/bin/env python
# This file is part of the dnn_retinanet module.
# It is subject to the license terms in the LICENSE file found in the top-level directory.
"""cv2.dnn_retinanet in an OpenCV build with this module (OPENCV_EXTRA_MODULES_PATH), in OpenCV's
contrib test style (run by modules/python/test/test.py). Not run by the standalone build, whose
Python module is `dnn_retinanet` (python/tests)."""
import os

import numpy as np
import cv2 as cv

from tests_common import NewOpenCVTests


def data_dir():
    """The repository's data/: $DNN_RETINANET_TEST_DATA, else $OPENCV_TEST_DATA_PATH/dnn_retinanet (OpenCV's
    opencv_extra convention), else data/ of the repository this module folder sits in."""
    d = os.environ.get("DNN_RETINANET_TEST_DATA")
    if d:
        return d
    extra = os.environ.get("OPENCV_TEST_DATA_PATH")
    if extra and os.path.isdir(os.path.join(extra, "dnn_retinanet")):
        return os.path.join(extra, "dnn_retinanet")
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "..", "data")


class dnn_retinanet_test(NewOpenCVTests):

    def setUp(self):
        super(dnn_retinanet_test, self).setUp()
        if not hasattr(cv, "dnn_retinanet"):
            self.skipTest("OpenCV built without dnn_retinanet")
        self.model_dir = os.path.join(data_dir(), "models", "synth_retinanet")
        if not os.path.isfile(os.path.join(self.model_dir, "model.onnx")):
            self.skipTest("dnn_retinanet data not found (set DNN_RETINANET_TEST_DATA)")

    def test_config(self):
        self.assertIn("torchvision", cv.dnn_retinanet.RetinaNetConfig_presetNames())
        cfg = cv.dnn_retinanet.RetinaNetConfig_preset("detectron2")
        self.assertEqual(cfg.anchors.order, cv.dnn_retinanet.ANCHOR_ORDER_SIZE_MAJOR)
        cfg = cv.dnn_retinanet.RetinaNetConfig_load(os.path.join(self.model_dir, "config.yml"))
        self.assertEqual(cfg.numClasses, 9)

    def test_detect(self):
        model = cv.dnn_retinanet.RetinaNetDetectionModel(os.path.join(self.model_dir, "model.onnx"),
                                                         os.path.join(self.model_dir, "config.yml"))
        img = cv.imread(os.path.join(data_dir(), "images", "demo", "demo_00.png"))
        self.assertIsNotNone(img)
        class_ids, confidences, boxes = model.detect(img, confThreshold=0.5)
        self.assertGreater(len(class_ids), 0)
        self.assertEqual(len(class_ids), len(confidences))
        self.assertEqual(len(class_ids), len(boxes))
        self.assertTrue(np.all(np.asarray(confidences) >= 0.5))
        self.assertEqual(len(model.getClassNames()), 9)
        t = model.getLastTimings()
        self.assertGreater(t.network, 0)
        self.assertGreaterEqual(t.total, t.preprocess + t.network + t.decode + t.postprocess - 1e-6)

    def test_detect_matches_pytorch_reference(self):
        """The shipped model on demo_00.png: the PyTorch model's own detections (data/reference/synth_demo,
        written by tools/make_e2e_reference.py from the model the ONNX was exported from)."""
        ref = cv.FileStorage(os.path.join(data_dir(), "reference", "synth_demo", "demo_00.yml"), cv.FILE_STORAGE_READ)
        self.assertTrue(ref.isOpened())
        count = int(ref.getNode("count").real())
        ref_boxes = ref.getNode("boxes").mat()
        ref_scores = ref.getNode("scores").mat().ravel()
        ref_labels = ref.getNode("labels").mat().ravel()
        model = cv.dnn_retinanet.RetinaNetDetectionModel(os.path.join(self.model_dir, "model.onnx"),
                                                         os.path.join(self.model_dir, "config.yml"))
        self.assertIsInstance(model, cv.dnn.DetectionModel)
        img = cv.imread(os.path.join(data_dir(), "images", "demo", "demo_00.png"))
        class_ids, confidences, boxes = model.detect(img, confThreshold=0.0)
        self.assertEqual(len(class_ids), count)
        used = [False] * count
        for i in range(count):
            x1, y1, x2, y2 = ref_boxes[i]
            match = -1
            for j in range(count):
                if used[j] or int(class_ids[j]) != int(ref_labels[i]) or abs(confidences[j] - ref_scores[i]) > 1e-4:
                    continue
                x, y, w, h = boxes[j]   # cv::Rect of the sub-pixel box
                if max(abs(x - x1), abs(y - y1), abs(x + w - x2), abs(y + h - y2)) <= 1.5:
                    match = j
                    break
            self.assertGreaterEqual(match, 0, "no match for reference detection %d (label %d, score %.4f)"
                                    % (i, ref_labels[i], ref_scores[i]))
            used[match] = True

    def test_bad_input_names_the_problem(self):
        with self.assertRaises(cv.error) as ctx:
            cv.dnn_retinanet.RetinaNetConfig_preset("no_such_preset")
        self.assertIn("no_such_preset", str(ctx.exception))
        # OpenCV 4.6's generated constructors of CV_EXPORTS_W_SIMPLE classes return success with the
        # cv2.error set, so Python raises SystemError from it (cv.dnn.DetectionModel does the same);
        # the cv2.error, with the message, is its __cause__. Later versions raise the cv2.error itself.
        with self.assertRaises((cv.error, SystemError)) as ctx:
            cv.dnn_retinanet.RetinaNetDetectionModel("/nonexistent/model.onnx", "torchvision")
        err = ctx.exception if isinstance(ctx.exception, cv.error) else ctx.exception.__cause__
        self.assertIsInstance(err, cv.error)
        self.assertIn("model file not found: '/nonexistent/model.onnx'", str(err))

    def test_decoder(self):
        cfg = cv.dnn_retinanet.RetinaNetConfig_preset("torchvision")
        cfg.numClasses = 2
        decoder = cv.dnn_retinanet.RetinaNetDecoder_create(cfg)
        rng = np.random.RandomState(0)
        outputs = []
        for s in (8, 16, 32, 64, 128):
            g = -(-128 // s)
            outputs.append(rng.uniform(-6, 2, (1, 9 * 2, g, g)).astype(np.float32))
            outputs.append(rng.normal(0, 0.3, (1, 9 * 4, g, g)).astype(np.float32))
        blob = decoder.decodeToBlob(outputs, [], (128, 128), [])
        rows = blob.reshape(-1, 7)
        self.assertGreater(len(rows), 0)
        self.assertTrue(np.all(rows[:, 2] > 0.05))


if __name__ == "__main__":
    NewOpenCVTests.bootstrap()
