// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#include "test_precomp.hpp"

#include <cstdio>
#include <fstream>
#include <limits>

namespace opencv_test { namespace {

std::string writeTemp(const std::string& name, const std::string& text)
{
    const std::string path = ::testing::TempDir() + "/" + name;
    std::ofstream(path.c_str()) << text;
    return path;
}

TEST(DnnRetinaNet_Config, all_presets_load_and_validate)
{
    const std::vector<std::string> names = RetinaNetConfig::presetNames();
    for (const char* expected : {"torchvision", "torchvision_v2", "detectron2", "mmdetection", "keras_retinanet",
                                 "odtk", "odtk_19.04", "detectron", "aploss"})
        EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
    for (const std::string& n : names)
    {
        RetinaNetConfig c = RetinaNetConfig::preset(n);
        EXPECT_EQ(c.name, n);
        EXPECT_NO_THROW(c.validate()) << n;
        EXPECT_EQ(c.anchors.numLevels(), 5) << n;
    }
}

TEST(DnnRetinaNet_Config, presets_set_framework_conventions)
{
    RetinaNetConfig tv = RetinaNetConfig::load("torchvision");
    EXPECT_EQ(tv.numClasses, 91);
    EXPECT_EQ(tv.anchors.rounding, ANCHOR_ROUNDING_ROUND);
    EXPECT_EQ(tv.anchors.strideMode, STRIDE_PADDED_DIV_GRID);
    EXPECT_EQ(tv.selection.maxDetections, 300);
    EXPECT_FLOAT_EQ(tv.anchors.size(4, 2), 812.f);

    RetinaNetConfig d2 = RetinaNetConfig::load("detectron2");
    EXPECT_EQ(d2.anchors.order, ANCHOR_ORDER_SIZE_MAJOR);
    EXPECT_EQ(d2.boxCoding.clip, CLIP_AFTER_NMS);
    EXPECT_FALSE(d2.preprocess.swapRB);

    RetinaNetConfig mm = RetinaNetConfig::load("mmdetection");
    EXPECT_EQ(mm.boxCoding.clamp, DELTA_CLAMP_SYMMETRIC);
    EXPECT_EQ(mm.selection.minBoxSize, 0.f) << "test_cfg min_bbox_size=0";

    RetinaNetConfig keras = RetinaNetConfig::load("keras_retinanet");
    EXPECT_EQ(keras.boxCoding.type, BOX_CODING_CORNERS);
    EXPECT_EQ(keras.scoring.activation, SCORE_PROBABILITY);
    EXPECT_EQ(keras.outputs.layout, LAYOUT_CONCATENATED);
    EXPECT_LE(keras.selection.topkPerLevel, 0);

    RetinaNetConfig zoo = RetinaNetConfig::load("odtk_19.04");
    EXPECT_EQ(zoo.anchors.rounding, ANCHOR_ROUNDING_QUANTIZED);
    EXPECT_EQ(zoo.outputs.clsNames.size(), 5u);

    RetinaNetConfig det = RetinaNetConfig::load("detectron");
    ASSERT_EQ(det.selection.levelScoreThresholds.size(), 5u);
    EXPECT_EQ(det.selection.levelThreshold(4), 0.f);
    EXPECT_TRUE(det.selection.nmsInclusive) << "cython_nms.pyx: ovr >= thresh";
    EXPECT_EQ(det.boxCoding.clipSpace, CLIP_SPACE_FRAME) << "test_retinanet.py clips and suppresses in the image";
    EXPECT_EQ(det.scoring.activation, SCORE_PROBABILITY) << "the test net ends in a Sigmoid";

    // The new conventions are Detectron1's (frame space, >=) and mmdetection's (min size) only.
    for (const std::string& n : RetinaNetConfig::presetNames())
    {
        const RetinaNetConfig c = RetinaNetConfig::preset(n);
        EXPECT_EQ(c.selection.nmsInclusive, n == "detectron") << n;
        EXPECT_EQ(c.boxCoding.clipSpace, n == "detectron" ? CLIP_SPACE_FRAME : CLIP_SPACE_NETWORK) << n;
        EXPECT_EQ(c.selection.minBoxSize, n == "mmdetection" ? 0.f : -1.f) << n;
    }

    RetinaNetConfig ap = RetinaNetConfig::load("aploss");
    EXPECT_EQ(ap.anchors.numAnchors(), 6);
    EXPECT_EQ(ap.selection.order, SELECT_TOPK_THEN_THRESHOLD);
    EXPECT_EQ(ap.boxCoding.plusOne, PLUS_ONE_SYMMETRIC);
}

TEST(DnnRetinaNet_Config, save_load_roundtrip_yaml_and_json)
{
    for (const std::string& n : RetinaNetConfig::presetNames())
        for (const char* ext : {".yml", ".json"})
        {
            RetinaNetConfig c = RetinaNetConfig::preset(n);
            c.classNames.assign(c.numClasses, "x");
            c.classNames[0] = "first class";
            const std::string path = ::testing::TempDir() + "/roundtrip_" + n + ext;
            c.save(path);
            RetinaNetConfig r = RetinaNetConfig::load(path);
            EXPECT_EQ(r.numClasses, c.numClasses);
            EXPECT_EQ(r.classNames, c.classNames);
            EXPECT_EQ(r.anchors.sizes, c.anchors.sizes) << n << ext;
            EXPECT_EQ(r.anchors.aspectRatios, c.anchors.aspectRatios);
            EXPECT_EQ(r.anchors.order, c.anchors.order);
            EXPECT_EQ(r.anchors.rounding, c.anchors.rounding);
            EXPECT_EQ(r.anchors.plusOne, c.anchors.plusOne);
            EXPECT_EQ(r.boxCoding.type, c.boxCoding.type);
            EXPECT_EQ(r.boxCoding.stds, c.boxCoding.stds);
            EXPECT_EQ(r.boxCoding.clip, c.boxCoding.clip);
            EXPECT_EQ(r.scoring.activation, c.scoring.activation);
            EXPECT_EQ(r.selection.levelScoreThresholds, c.selection.levelScoreThresholds);
            EXPECT_EQ(r.selection.maxDetections, c.selection.maxDetections);
            EXPECT_EQ(r.outputs.clsNames, c.outputs.clsNames);
            EXPECT_EQ(r.preprocess.swapRB, c.preprocess.swapRB);
            EXPECT_EQ(r.preprocess.padDivisor, c.preprocess.padDivisor);
            EXPECT_EQ(r.preprocess.mean, c.preprocess.mean);
            EXPECT_EQ(r.boxCoding.clipSpace, c.boxCoding.clipSpace);
            EXPECT_EQ(r.selection.nmsInclusive, c.selection.nmsInclusive);
            EXPECT_EQ(r.selection.minBoxSize, c.selection.minBoxSize);
            std::remove(path.c_str());
        }
}

TEST(DnnRetinaNet_Config, decoder_conventions_roundtrip_and_defaults)
{
    RetinaNetConfig d;
    EXPECT_EQ(d.boxCoding.clipSpace, CLIP_SPACE_NETWORK);
    EXPECT_FALSE(d.selection.nmsInclusive);
    EXPECT_LT(d.selection.minBoxSize, 0.f) << "no size filter by default";

    // Every non-default value survives save + load, in YAML and JSON.
    for (const char* ext : {".yml", ".json"})
    {
        RetinaNetConfig c = RetinaNetConfig::preset("torchvision");
        c.boxCoding.clipSpace = CLIP_SPACE_FRAME;
        c.selection.nmsInclusive = true;
        c.selection.minBoxSize = 2.5f;
        const std::string path = ::testing::TempDir() + "/conventions" + ext;
        c.save(path);
        RetinaNetConfig r = RetinaNetConfig::load(path);
        EXPECT_EQ(r.boxCoding.clipSpace, CLIP_SPACE_FRAME) << ext;
        EXPECT_TRUE(r.selection.nmsInclusive) << ext;
        EXPECT_EQ(r.selection.minBoxSize, 2.5f) << ext;
        std::remove(path.c_str());
    }

    // Read from text, over a base that sets the other values.
    RetinaNetConfig t = RetinaNetConfig::load(writeTemp("conv.yml",
        "%YAML:1.0\n---\nbase: detectron\nbox_coding:\n  clip_space: network\nselection:\n  nms_inclusive: false\n"
        "  min_box_size: 1\n"));
    EXPECT_EQ(t.boxCoding.clipSpace, CLIP_SPACE_NETWORK);
    EXPECT_FALSE(t.selection.nmsInclusive);
    EXPECT_EQ(t.selection.minBoxSize, 1.f) << "an integer is a number";
    RetinaNetConfig m = RetinaNetConfig::load(writeTemp("mm.yml", "%YAML:1.0\n---\nbase: mmdetection\nselection:\n  min_box_size: -1\n"));
    EXPECT_EQ(m.selection.minBoxSize, -1.f) << "negative: the filter is off";
}

TEST(DnnRetinaNet_Config, decoder_convention_errors)
{
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("space.yml", "%YAML:1.0\n---\nbase: detectron\nbox_coding:\n  clip_space: image\n")),
                    "'box_coding.clip_space' has unknown value 'image' (expected one of: network, frame)");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("space2.yml", "%YAML:1.0\n---\nbase: odtk\nbox_coding:\n  clip_space: frame\n")),
                    "needs 'box_coding.clip_target: image'");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("incl.yml", "%YAML:1.0\n---\nbase: detectron\nselection:\n  nms_inclusive: maybe\n")),
                    "'selection.nms_inclusive' must be true or false");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("min.yml", "%YAML:1.0\n---\nbase: mmdetection\nselection:\n  min_box_size: small\n")),
                    "'selection.min_box_size' must be a number");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("min2.yml", "%YAML:1.0\n---\nbase: mmdetection\nselection:\n  min_bbox_size: 0\n")),
                    "unknown field 'selection.min_bbox_size'");
    RetinaNetConfig c = RetinaNetConfig::preset("mmdetection");
    c.selection.minBoxSize = std::numeric_limits<float>::quiet_NaN();
    EXPECT_CV_ERROR(c.validate(), "'selection.min_box_size' must be finite");
    c = RetinaNetConfig::preset("torchvision");
    c.boxCoding.clipSpace = 7;
    EXPECT_CV_ERROR(c.validate(), "invalid 'box_coding.clip_space'");
}

TEST(DnnRetinaNet_Config, base_preset_with_overrides)
{
    const std::string path = writeTemp("base.yml",
        "%YAML:1.0\n---\nbase: detectron2\nnum_classes: 3\nselection:\n  score_threshold: 0.3\n"
        "anchors:\n  octave_base_scale: 4\n  scales_per_octave: 2\n");
    RetinaNetConfig c = RetinaNetConfig::load(path);
    EXPECT_EQ(c.numClasses, 3);
    EXPECT_FLOAT_EQ(c.selection.scoreThreshold, 0.3f);
    EXPECT_EQ(c.anchors.order, ANCHOR_ORDER_SIZE_MAJOR);  // kept from the base
    EXPECT_EQ(c.anchors.sizesPerLevel, 2);
    EXPECT_NEAR(c.anchors.size(1, 1), 64 * std::sqrt(2.0), 1e-3);
}

TEST(DnnRetinaNet_Config, errors_name_the_problem)
{
    EXPECT_CV_ERROR(RetinaNetConfig::load("no_such_preset"), "unknown preset 'no_such_preset'");
    EXPECT_CV_ERROR(RetinaNetConfig::load("/nonexistent/dir/cfg.yml"), "config file not found");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("typo.yml", "%YAML:1.0\n---\nbase: torchvision\nanchors:\n  sizez: [1]\n")),
                    "unknown field 'anchors.sizez'");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("typo2.yml", "%YAML:1.0\n---\nbase: torchvision\nnum_clases: 3\n")),
                    "unknown field 'num_clases'");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("enum.yml", "%YAML:1.0\n---\nbase: torchvision\nanchors:\n  order: diagonal\n")),
                    "'anchors.order' has unknown value 'diagonal'");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("neg.yml", "%YAML:1.0\n---\nbase: torchvision\nanchors:\n  strides: [8, 16, -32, 64, 128]\n")),
                    "'anchors.strides' must be positive");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("zero.yml", "%YAML:1.0\n---\nbase: torchvision\nnum_classes: 0\n")),
                    "'num_classes' must be positive");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("rows.yml", "%YAML:1.0\n---\nbase: torchvision\nanchors:\n  sizes: [[32], [64]]\n")),
                    "'anchors.sizes' has 2 rows but there are 5 levels");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("thr.yml", "%YAML:1.0\n---\nbase: torchvision\nselection:\n  score_threshold: 1.5\n")),
                    "'selection.score_threshold' must be in [0, 1)");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("type.yml", "%YAML:1.0\n---\nbase: torchvision\nselection:\n  topk_per_level: many\n")),
                    "'selection.topk_per_level' must be an integer");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("oct.yml", "%YAML:1.0\n---\nbase: torchvision\nanchors:\n  octave_base_scale: 4\n")),
                    "must be given together");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("w.yml", "%YAML:1.0\n---\nbase: torchvision\nbox_coding:\n  weights: [10, 10, 5, 5]\n  stds: [1, 1, 1, 1]\n")),
                    "not both");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("bad.yml", "this: is: not: yaml: [")), "bad.yml");
    EXPECT_CV_ERROR(RetinaNetConfig::load(writeTemp("names.yml", "%YAML:1.0\n---\nbase: torchvision\nnum_classes: 2\nclass_names: [a, b, c]\n")),
                    "'class_names' has 3 entries but 'num_classes' is 2");
}

}} // namespace
