// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Upper bounds, finiteness and setters callable between detections (issue 13, doc/robustness.md).
#include "test_precomp.hpp"

#include <fstream>
#include <limits>

namespace opencv_test { namespace {

using namespace cv::dnn_retinanet;

RetinaNetConfig tv() { return RetinaNetConfig::preset("torchvision"); }

TEST(DnnRetinaNet_Limits, config_upper_bounds_name_field_value_and_limit)
{
    RetinaNetConfig c = tv();
    c.numClasses = 2000000000; c.classNames.clear();
    EXPECT_CV_ERROR(c.validate(), "'num_classes' is 2000000000, over the limit of 100000");
    c = tv(); c.anchors.sizesPerLevel = 100000000;
    EXPECT_CV_ERROR(c.validate(), "over the limit of 64");
    c = tv(); c.anchors.aspectRatios.assign(1000000, 1.f);
    EXPECT_CV_ERROR(c.validate(), "'anchors.aspect_ratios (count)' is 1000000, over the limit of 64");
    c = tv(); c.numClasses = 90000; c.classNames.clear(); c.anchors.aspectRatios.assign(40, 1.f);
    EXPECT_CV_ERROR(c.validate(), "classification channels per level");  // 120 * 90001 > 1e7, no int overflow
    c = tv(); c.preprocess.padDivisor = 2147483647;
    EXPECT_CV_ERROR(c.validate(), "'preprocess.pad_divisor' is 2147483647, over the limit of 4096");
    c = tv(); c.preprocess.resize = RESIZE_LETTERBOX; c.preprocess.inputSize = Size(65536, 65536);
    EXPECT_CV_ERROR(c.validate(), "'preprocess.input_size width' is 65536");
    c = tv(); c.preprocess.minSize = 2000000000; c.preprocess.maxSize = 2000000000;
    EXPECT_CV_ERROR(c.validate(), "'preprocess.min_size' is 2000000000");
    c = tv(); c.selection.maxDetections = INT_MAX;
    EXPECT_CV_ERROR(c.validate(), "'selection.max_detections' is 2147483647");
    c = tv(); c.selection.topkPerLevel = INT_MAX;
    EXPECT_CV_ERROR(c.validate(), "'selection.topk_per_level' is 2147483647");
    c = tv(); c.anchors.strides[0] = 1e9f;
    EXPECT_CV_ERROR(c.validate(), "'anchors.strides' value");
    c = tv(); c.anchors.sizes[0] = 1e9f;
    EXPECT_CV_ERROR(c.validate(), "'anchors.sizes' value");
}

TEST(DnnRetinaNet_Limits, non_finite_fields_are_rejected)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    RetinaNetConfig c = tv(); c.preprocess.mean[1] = nan;
    EXPECT_CV_ERROR(c.validate(), "'preprocess.mean' must be finite");
    c = tv(); c.preprocess.padValue = nan;
    EXPECT_CV_ERROR(c.validate(), "'preprocess.pad_value' must be finite");
    c = tv(); c.preprocess.std[0] = std::numeric_limits<double>::infinity();
    EXPECT_CV_ERROR(c.validate(), "'preprocess.std' must be positive and finite");
    c = tv(); c.scoring.gamma = (float)nan;
    EXPECT_CV_ERROR(c.validate(), "'scoring.gamma' and 'scoring.beta' must be finite");
    c = tv(); c.anchors.aspectRatios[0] = (float)nan;
    EXPECT_CV_ERROR(c.validate(), "'anchors.aspect_ratios' must be in");
    // Through the file path too: .nan in YAML.
    const std::string path = cv::tempfile(".yml");
    { std::ofstream f(path.c_str()); f << "%YAML:1.0\n---\nbase: torchvision\npreprocess:\n  mean: [.nan, 0, 0]\n"; }
    EXPECT_CV_ERROR(RetinaNetConfig::load(path), "'preprocess.mean' must be finite");
}

TEST(DnnRetinaNet_Limits, decoder_setters_bounded)
{
    Ptr<RetinaNetDecoder> d = RetinaNetDecoder::create(tv());
    EXPECT_CV_ERROR(d->setMaxDetections(INT_MAX), "max detections 2147483647 is over the limit of 100000");
    EXPECT_CV_ERROR(d->setTopK(INT_MAX), "over the limit of 1000000");
    EXPECT_CV_ERROR(d->setScoreThreshold(std::numeric_limits<float>::quiet_NaN()), "score threshold");
    EXPECT_CV_ERROR(d->setNmsThreshold(std::numeric_limits<float>::quiet_NaN()), "NMS threshold");
    EXPECT_NO_THROW(d->setMaxDetections(0));
    EXPECT_NO_THROW(d->setTopK(-1));
}

Mat texturedFrame(Size size)
{
    Mat img(size, CV_8UC3);
    RNG rng(7);
    rng.fill(img, RNG::UNIFORM, 0, 255);
    GaussianBlur(img, img, Size(0, 0), 3);
    return img;
}

TEST(DnnRetinaNet_Limits, set_max_detections_between_detections_at_the_same_size)
{
    // Used to throw "out.total() >= ... * rows * 7": the layer's output was sized for the first
    // max_detections and never re-derived at the same frame size.
    RetinaNetConfig c = RetinaNetConfig::load(findDataFile("models/tiny_torchvision/config.yml"));
    c.selection.scoreThreshold = 0.f;
    const std::string path = cv::tempfile(".yml");
    c.save(path);
    RetinaNetDetectionModel model(findDataFile("models/tiny_torchvision/model.onnx"), path);
    const Mat frame = texturedFrame(Size(320, 256));
    std::vector<Detection> d;
    model.setMaxDetections(5);
    model.detect(frame, d);
    EXPECT_EQ(5u, d.size());
    model.setMaxDetections(50);
    ASSERT_NO_THROW(model.detect(frame, d));
    EXPECT_EQ(50u, d.size());
    model.setMaxDetections(7);
    ASSERT_NO_THROW(model.detect(frame, d));
    EXPECT_EQ(7u, d.size());
    model.setMaxDetections(300).setTopK(100).setNmsThreshold(0.6f).setScoreThreshold(0.01f);
    ASSERT_NO_THROW(model.detect(frame, d));
    EXPECT_LE(d.size(), 300u);
    EXPECT_CV_ERROR(model.setMaxDetections(INT_MAX), "max detections");
}

TEST(DnnRetinaNet_Limits, detect_rejects_nan_and_out_of_range_thresholds)
{
    RetinaNetDetectionModel model(findDataFile("models/tiny_torchvision/model.onnx"),
                                  findDataFile("models/tiny_torchvision/config.yml"));
    const Mat frame = texturedFrame(Size(128, 96));
    std::vector<int> ids; std::vector<float> conf; std::vector<Rect> boxes;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    EXPECT_CV_ERROR(model.detect(frame, ids, conf, boxes, 1.5f, 0.f), "confThreshold must be in [0, 1]");
    EXPECT_CV_ERROR(model.detect(frame, ids, conf, boxes, nan, 0.f), "confThreshold must be in [0, 1]");
    EXPECT_CV_ERROR(model.detect(frame, ids, conf, boxes, 0.5f, nan), "nmsThreshold must be in (0, 1]");
    EXPECT_CV_ERROR(model.detect(frame, ids, conf, boxes, 0.5f, 1.5f), "nmsThreshold must be in (0, 1]");
    EXPECT_NO_THROW(model.detect(frame, ids, conf, boxes, 0.5f, 0.f));
}

}} // namespace
