// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Defaults and validation of RetinaNetConfig. Defaults follow torchvision's RetinaNet except
// num_classes, which every model must state.

#include "../precomp.hpp"

namespace cv {
namespace dnn_retinanet {

RetinaNetConfig::RetinaNetConfig()
    : numClasses(0)
{
    anchors.strides = {8, 16, 32, 64, 128};
    anchors.sizes = {32, 40, 50, 64, 80, 101, 128, 161, 203, 256, 322, 406, 512, 645, 812};
    anchors.sizesPerLevel = 3;
    anchors.aspectRatios = {0.5f, 1.f, 2.f};
    anchors.order = ANCHOR_ORDER_RATIO_MAJOR;
    anchors.rounding = ANCHOR_ROUNDING_ROUND;
    anchors.strideMode = STRIDE_PADDED_DIV_GRID;
}

namespace {
void fail(const std::string& what)
{
    CV_Error(Error::StsBadArg, "dnn_retinanet config: " + what);
}
bool finite(float v) { return std::isfinite(v); }
}

void RetinaNetConfig::validate() const
{
    if (numClasses <= 0)
        fail(format("'num_classes' must be positive (got %d)", numClasses));
    if (!classNames.empty() && (int)classNames.size() != numClasses)
        fail(format("'class_names' has %d entries but 'num_classes' is %d", (int)classNames.size(), numClasses));

    const int L = anchors.numLevels();
    if (L <= 0)
        fail("'anchors.strides' is empty");
    for (float s : anchors.strides)
        if (!(s > 0) || !finite(s))
            fail(format("'anchors.strides' must be positive (got %g)", s));
    if (anchors.sizesPerLevel <= 0 || anchors.sizes.empty())
        fail("'anchors.sizes' is empty");
    if ((int)anchors.sizes.size() != L * anchors.sizesPerLevel)
        fail(format("'anchors.sizes' has %d rows but there are %d levels (strides)",
                    (int)anchors.sizes.size() / anchors.sizesPerLevel, L));
    for (float s : anchors.sizes)
        if (!(s > 0) || !finite(s))
            fail(format("'anchors.sizes' must be positive (got %g)", s));
    if (anchors.aspectRatios.empty())
        fail("'anchors.aspect_ratios' is empty");
    for (float r : anchors.aspectRatios)
        if (!(r > 0) || !finite(r))
            fail(format("'anchors.aspect_ratios' must be positive (got %g)", r));
    if (anchors.order != ANCHOR_ORDER_RATIO_MAJOR && anchors.order != ANCHOR_ORDER_SIZE_MAJOR)
        fail("invalid 'anchors.order'");
    if (anchors.rounding < ANCHOR_ROUNDING_NONE || anchors.rounding > ANCHOR_ROUNDING_QUANTIZED)
        fail("invalid 'anchors.rounding'");
    if (anchors.strideMode != STRIDE_FIXED && anchors.strideMode != STRIDE_PADDED_DIV_GRID)
        fail("invalid 'anchors.stride_mode'");
    if (!finite(anchors.centerOffset) || !finite(anchors.centerOffsetPixels))
        fail("'anchors.center_offset' must be finite");

    if (boxCoding.type != BOX_CODING_CENTER_SIZE && boxCoding.type != BOX_CODING_CORNERS)
        fail("invalid 'box_coding.type'");
    for (int i = 0; i < 4; i++)
    {
        if (!finite(boxCoding.means[i]) || !finite(boxCoding.stds[i]))
            fail("'box_coding.means/stds' must be finite");
        if (!(boxCoding.stds[i] > 0))
            fail("'box_coding.stds' must be positive");
    }
    if (boxCoding.plusOne < PLUS_ONE_NONE || boxCoding.plusOne > PLUS_ONE_SYMMETRIC)
        fail("invalid 'box_coding.plus_one'");
    if (boxCoding.clamp < DELTA_CLAMP_NONE || boxCoding.clamp > DELTA_CLAMP_SYMMETRIC)
        fail("invalid 'box_coding.clamp'");
    if (boxCoding.clamp != DELTA_CLAMP_NONE && !(boxCoding.clampValue > 0))
        fail(format("'box_coding.clamp_value' must be positive (got %g)", boxCoding.clampValue));
    if (boxCoding.clip < CLIP_NONE || boxCoding.clip > CLIP_AFTER_NMS)
        fail("invalid 'box_coding.clip'");
    if (boxCoding.clipTarget != CLIP_TO_IMAGE && boxCoding.clipTarget != CLIP_TO_INPUT)
        fail("invalid 'box_coding.clip_target'");
    if (!finite(boxCoding.clipMaxOffset))
        fail("'box_coding.clip_max_offset' must be finite");
    if (boxCoding.clipSpace != CLIP_SPACE_NETWORK && boxCoding.clipSpace != CLIP_SPACE_FRAME)
        fail("invalid 'box_coding.clip_space'");
    if (boxCoding.clipSpace == CLIP_SPACE_FRAME && boxCoding.clipTarget != CLIP_TO_IMAGE)
        fail("'box_coding.clip_space: frame' clips to the original frame: it needs 'box_coding.clip_target: image'");

    if (scoring.activation < SCORE_SIGMOID || scoring.activation > SCORE_SOFTMAX)
        fail("invalid 'scoring.activation'");
    if (scoring.activation == SCORE_FL_STAR && (!(scoring.gamma > 0) || !finite(scoring.beta)))
        fail(format("FL* needs 'scoring.gamma' > 0 (got %g) and a finite 'scoring.beta'", scoring.gamma));
    if (scoring.activation == SCORE_SOFTMAX &&
        (scoring.backgroundChannel < 0 || scoring.backgroundChannel > numClasses))
        fail(format("'scoring.background_channel' must be in [0, %d]", numClasses));

    auto checkThreshold = [](float t, const char* key) {
        if (!(t >= 0.f && t < 1.f))
            fail(format("'%s' must be in [0, 1) (got %g)", key, t));
    };
    checkThreshold(selection.scoreThreshold, "selection.score_threshold");
    if (!selection.levelScoreThresholds.empty() && (int)selection.levelScoreThresholds.size() != L)
        fail(format("'selection.level_score_thresholds' has %d values for %d levels",
                    (int)selection.levelScoreThresholds.size(), L));
    for (float t : selection.levelScoreThresholds)
        checkThreshold(t, "selection.level_score_thresholds");
    if (selection.order != SELECT_THRESHOLD_THEN_TOPK && selection.order != SELECT_TOPK_THEN_THRESHOLD)
        fail("invalid 'selection.order'");
    if (!(selection.nmsThreshold > 0.f && selection.nmsThreshold <= 1.f))
        fail(format("'selection.nms_threshold' must be in (0, 1] (got %g)", selection.nmsThreshold));
    if (!finite(selection.minBoxSize))
        fail(format("'selection.min_box_size' must be finite (negative: no filter; got %g)", selection.minBoxSize));

    if (outputs.layout < LAYOUT_PER_LEVEL_NCHW || outputs.layout > LAYOUT_PER_LEVEL_NHWC)
        fail("invalid 'outputs.layout'");
    const int expectedNames = outputs.layout == LAYOUT_CONCATENATED ? 1 : L;
    if (!outputs.clsNames.empty() && (int)outputs.clsNames.size() != expectedNames)
        fail(format("'outputs.cls_names' has %d names, expected %d", (int)outputs.clsNames.size(), expectedNames));
    if (!outputs.boxNames.empty() && (int)outputs.boxNames.size() != expectedNames)
        fail(format("'outputs.box_names' has %d names, expected %d", (int)outputs.boxNames.size(), expectedNames));
    if (outputs.clsNames.empty() != outputs.boxNames.empty())
        fail("'outputs.cls_names' and 'outputs.box_names' must be given together");

    const PreprocessConfig& p = preprocess;
    if (!(p.scale > 0) || !std::isfinite(p.scale))
        fail("'preprocess.scale' must be positive");
    for (int c = 0; c < 3; c++)
        if (!(p.std[c] > 0))
            fail("'preprocess.std' must be positive");
    if (p.resize < RESIZE_NONE || p.resize > RESIZE_LETTERBOX)
        fail("invalid 'preprocess.resize'");
    if ((p.resize == RESIZE_FIXED || p.resize == RESIZE_LETTERBOX) && (p.inputSize.width <= 0 || p.inputSize.height <= 0))
        fail("'preprocess.input_size' must be set (positive) for fixed / letterbox resize");
    if (p.resize == RESIZE_KEEP_RATIO && (p.minSize <= 0 || p.maxSize < p.minSize))
        fail(format("'preprocess.min_size'/'max_size' must satisfy 0 < min <= max (got %d, %d)", p.minSize, p.maxSize));
    if (p.interpolation != INTER_NEAREST && p.interpolation != INTER_LINEAR && p.interpolation != INTER_CUBIC &&
        p.interpolation != INTER_AREA && p.interpolation != INTER_TORCH_LINEAR)
        fail(format("'preprocess.interpolation' must be nearest, linear, cubic, area or torch_linear (got %d)",
                    p.interpolation));
    if (p.resizeRule < RESIZE_RULE_TORCHVISION || p.resizeRule > RESIZE_RULE_ODTK)
        fail(format("invalid 'preprocess.resize_rule' (%d)", p.resizeRule));
    if (p.resizeInput != RESIZE_INPUT_FLOAT && p.resizeInput != RESIZE_INPUT_UINT8)
        fail(format("invalid 'preprocess.resize_input' (%d)", p.resizeInput));
    if (p.padDivisor <= 0)
        fail(format("'preprocess.pad_divisor' must be >= 1 (got %d)", p.padDivisor));
}

}} // namespace cv::dnn_retinanet
