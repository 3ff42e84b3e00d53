// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "decode_plan.hpp"

namespace cv { namespace dnn_retinanet {

boxmath::BoxCoderParams boxCoderParams(const BoxCodingConfig& c)
{
    boxmath::BoxCoderParams p;
    p.type = c.type;
    p.plusOne = c.plusOne;
    p.clamp = c.clamp;
    p.clampValue = c.clampValue;
    for (int i = 0; i < 4; i++)
    {
        p.mean[i] = c.means[i];
        p.std[i] = c.stds[i];
    }
    return p;
}

void makeDecodePlan(const RetinaNetConfig& config, const AnchorGenerator& anchors, const ScoreTransform& scoring,
                    const std::vector<Mat>& outputs, const std::vector<std::string>& names,
                    const Size& inputSize, const std::vector<Size>& imageSizes,
                    const std::vector<FrameInfo>& frames, DecodePlan& plan)
{
    std::vector<MatShape> shapes(outputs.size());
    for (size_t i = 0; i < outputs.size(); i++)
    {
        if (outputs[i].empty())
            CV_Error(Error::StsBadArg, format("dnn_retinanet: output #%d is empty", (int)i));
        shapes[i] = MatShape(outputs[i].size.p, outputs[i].size.p + outputs[i].dims);
    }
    const HeadBinding binding = bindHeads(config, anchors, names, shapes, inputSize);
    if (binding.batch <= 0)
        CV_Error(Error::StsBadSize, "dnn_retinanet: empty batch (the outputs have batch size 0)");

    plan.batch = binding.batch;
    plan.numLevels = anchors.numLevels();
    plan.numAnchors = anchors.numAnchors();
    plan.numClasses = config.numClasses;
    plan.inputSize = inputSize;
    plan.views = makeLevelViews(config, binding, outputs);

    if (imageSizes.empty())
        plan.imageSizes.assign(plan.batch, inputSize);
    else
    {
        if ((int)imageSizes.size() != plan.batch)
            CV_Error(Error::StsBadArg, format("dnn_retinanet: %d image sizes given for a batch of %d",
                                              (int)imageSizes.size(), plan.batch));
        plan.imageSizes = imageSizes;
        for (size_t n = 0; n < imageSizes.size(); n++)
            if (imageSizes[n].width <= 0 || imageSizes[n].height <= 0 ||
                imageSizes[n].width > inputSize.width || imageSizes[n].height > inputSize.height)
                CV_Error(Error::StsBadSize, format("dnn_retinanet: image %d has size %dx%d, which is empty or larger "
                                                   "than the %dx%d network input", (int)n, imageSizes[n].width,
                                                   imageSizes[n].height, inputSize.width, inputSize.height));
    }

    plan.grids.resize(plan.numLevels);
    plan.rawThresholds.resize(plan.numLevels);
    plan.probThresholds.resize(plan.numLevels);
    for (int l = 0; l < plan.numLevels; l++)
    {
        plan.grids[l] = anchors.grid(l, binding.featureSizes[l], inputSize);
        const float t = config.selection.levelThreshold(l);
        plan.probThresholds[l] = t;
        plan.rawThresholds[l] = scoring.isSoftmax() ? t : scoring.rawThreshold(t, config.selection.thresholdInclusive);
    }
    plan.box = boxCoderParams(config.boxCoding);

    // Frames: where each image came from. Without them the frame is the valid image, scale 1.
    if (!frames.empty() && (int)frames.size() != plan.batch)
        CV_Error(Error::StsBadArg, format("dnn_retinanet: %d frames given for a batch of %d", (int)frames.size(), plan.batch));
    for (size_t n = 0; n < frames.size(); n++)
    {
        const FrameInfo& f = frames[n];
        const float sx = (float)f.scaleX, sy = (float)f.scaleY;
        if (f.frameSize.width <= 0 || f.frameSize.height <= 0 || !(sx > 0) || !(sy > 0) || !std::isfinite(sx) ||
            !std::isfinite(sy))
            CV_Error(Error::StsBadArg, format("dnn_retinanet: frame %d has size %dx%d and scale (%g, %g): the size and "
                                              "the scale must be positive (and the scale finite)", (int)n,
                                              f.frameSize.width, f.frameSize.height, f.scaleX, f.scaleY));
    }
    plan.frameSpace = config.boxCoding.clipSpace == CLIP_SPACE_FRAME;
    plan.minSizeFilter = config.selection.minBoxSize >= 0.f;
    plan.minBoxSize = config.selection.minBoxSize;
    plan.frameScale.resize(plan.batch);
    plan.clipMax.resize(plan.batch);
    for (int n = 0; n < plan.batch; n++)
    {
        plan.frameScale[n] = frames.empty() ? Vec2f(1.f, 1.f) : Vec2f((float)frames[n].scaleX, (float)frames[n].scaleY);
        // Clip rectangle in the space boxes are clipped in (frame space clips to the frame: validate()
        // allows only clip_target: image there).
        Size s = config.boxCoding.clipTarget == CLIP_TO_INPUT ? inputSize : plan.imageSizes[n];
        if (plan.frameSpace && !frames.empty())
            s = frames[n].frameSize;
        plan.clipMax[n] = Vec2f(s.width - config.boxCoding.clipMaxOffset, s.height - config.boxCoding.clipMaxOffset);
    }
}

}}
