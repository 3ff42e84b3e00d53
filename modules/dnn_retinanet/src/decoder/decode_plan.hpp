// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_DECODE_PLAN_HPP
#define DNN_RETINANET_DECODE_PLAN_HPP

#include "../precomp.hpp"
#include "../anchors/anchor_generator.hpp"
#include "../box_coding/box_math.hpp"
#include "../layout/head_layout.hpp"
#include "../scoring/score_transform.hpp"

namespace cv { namespace dnn_retinanet {

/** @brief Everything a decode needs that does not depend on the values of the tensors: the
 *  output binding, the anchor grid of every level, the raw-domain thresholds and the clip
 *  rectangles. Built once per call by both the CPU and the CUDA decoder (only kernels differ). */
struct DecodePlan
{
    int batch = 0;
    int numLevels = 0;
    int numAnchors = 0;
    int numClasses = 0;
    Size inputSize;
    std::vector<Size> imageSizes;         //!< per image, valid region
    std::vector<LevelView> views;
    std::vector<LevelGrid> grids;
    std::vector<float> rawThresholds;     //!< per level, raw > value passes (sigmoid/probability/FL*)
    std::vector<float> probThresholds;    //!< per level, in probability (softmax)
    boxmath::BoxCoderParams box;
    std::vector<Vec2f> clipMax;           //!< per image, upper clip bound (x, y), in the clip space
    bool frameSpace = false;              //!< boxes are divided by frameScale right after decoding
    std::vector<Vec2f> frameScale;        //!< per image, input = frame * scale (1, 1 without frames)
    bool minSizeFilter = false;           //!< drop boxes not wider and taller than minBoxSize (frame pixels)
    float minBoxSize = 0.f;
};

/** @brief Validates and binds the outputs and computes the plan. Throws cv::Exception naming the
 *  problem (bad shapes, empty batch, image sizes, non-float tensors). */
void makeDecodePlan(const RetinaNetConfig& config, const AnchorGenerator& anchors, const ScoreTransform& scoring,
                    const std::vector<Mat>& outputs, const std::vector<std::string>& names,
                    const Size& inputSize, const std::vector<Size>& imageSizes,
                    const std::vector<FrameInfo>& frames, DecodePlan& plan);

boxmath::BoxCoderParams boxCoderParams(const BoxCodingConfig& c);

//! Starts loading the box deltas of candidate @p index (four planes apart in NCHW) so that a later
//! decodeCandidateBox() does not wait for them.
inline void prefetchCandidateBox(const DecodePlan& plan, int n, int l, uint32_t index)
{
#if defined(__GNUC__) || defined(__clang__)
    const LevelView& v = plan.views[l];
    const uint32_t anchorIndex = index / (uint32_t)plan.numClasses;
    const uint32_t pix = anchorIndex / (uint32_t)v.A;
    const int a = (int)(anchorIndex - pix * (uint32_t)v.A);
    const float* boxBlock = v.box + (size_t)n * v.boxImageStride;
    for (int c = 0; c < 4; c++)
        __builtin_prefetch(boxBlock + v.boxOffset(pix, a, c));
#else
    (void)plan; (void)n; (void)l; (void)index;
#endif
}

//! Decodes the box of candidate pair @p index (canonical) of level @p l, image @p n.
inline void decodeCandidateBox(const DecodePlan& plan, const AnchorGenerator& anchors, int n, int l,
                               uint32_t index, float out[4])
{
    const LevelView& v = plan.views[l];
    const uint32_t anchorIndex = index / (uint32_t)plan.numClasses; // (pix*A + a)
    const uint32_t pix = anchorIndex / (uint32_t)v.A;
    const int a = (int)(anchorIndex - pix * (uint32_t)v.A);
    const int y = (int)(pix / (uint32_t)v.width), x = (int)(pix - (uint32_t)y * v.width);
    const Vec4f anchor = AnchorGenerator::anchorAt(anchors.cellAnchors(l)[a], plan.grids[l], y, x);
    const float* boxBlock = v.box + (size_t)n * v.boxImageStride;
    float raw[4];
    for (int c = 0; c < 4; c++)
        raw[c] = boxBlock[v.boxOffset(pix, a, c)];
    boxmath::decodeBox(plan.box, &anchor[0], raw, out);
}

}}

#endif
