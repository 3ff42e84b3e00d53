// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_DECODER_TEST_UTILS_HPP
#define DNN_RETINANET_DECODER_TEST_UTILS_HPP

#include "test_precomp.hpp"

namespace opencv_test {

/** Synthetic raw head outputs. `nchw` always holds per-level (N, A*C, H, W) tensors (the
 *  canonical copy the brute-force reference reads); `outputs`/`names` are in the config's layout. */
struct SyntheticHead
{
    std::vector<Mat> nchwCls, nchwBox;
    std::vector<Mat> outputs;
    std::vector<std::string> names;
    Size inputSize;
    std::vector<Size> imageSizes;
    std::vector<Size> featureSizes;
    std::vector<FrameInfo> frames;   //!< empty: decoded without frames
};

//! A torchvision-like config with K classes, names for the outputs, 1000 top-k.
RetinaNetConfig testConfig(int K, int layout);
//! Preset @p name with 5 classes, outputs bound by shape, top-k 40 (none if the preset has none).
RetinaNetConfig presetTestConfig(const std::string& name);

/** Raw outputs for @p config: logits ~ N(-4.6, 1) kept below the threshold, a fraction
 *  @p fracAbove of them in [-2.5, 4]; deltas ~ N(0, 0.3) with some beyond the dw/dh clamp.
 *  @p probabilities writes sigmoid(logit) instead (keras / ODTK graphs). */
SyntheticHead makeHead(const RetinaNetConfig& config, Size inputSize, int batch, double fracAbove, uint64 seed,
                       bool probabilities = false);
//! The same values in another layout.
SyntheticHead toLayout(const RetinaNetConfig& config, const SyntheticHead& head, int layout);
//! Image n alone.
SyntheticHead sliceImage(const RetinaNetConfig& config, const SyntheticHead& head, int n);

/** One level, stride 8, one 8x8 anchor per cell centred on (8x, 8y), corner deltas (keras style)
 *  with std 1: a box b comes from the deltas (b - anchor) / 8, which are exact in float, so every
 *  decoded box is exactly the integer box asked for. Scores are probabilities. K classes, outputs
 *  named "cls" and "box", 100 detections. */
RetinaNetConfig exactBoxConfig(int K);

struct ExactBox
{
    int x, y;     //!< cell: the anchor is (8x - 4, 8y - 4, 8x + 4, 8y + 4)
    int label;
    float score;
    Vec4f box;    //!< the decoded box, network-input pixels
};

//! Heads of exactBoxConfig(K) for a 64x64 input (8x8 cells) holding exactly @p boxes (scores 0 elsewhere).
SyntheticHead exactBoxHead(int K, const std::vector<ExactBox>& boxes);

//! RetinaNetDecoder::decode of @p head (with head.frames).
std::vector<std::vector<Detection> > decodeBatch(const RetinaNetConfig& config, const SyntheticHead& head);
std::vector<Detection> decodeOne(const RetinaNetConfig& config, const SyntheticHead& head);

/** A reference case of torchvision's RetinaNet.postprocess_detections (data/reference/decoder,
 *  made by tools/make_decoder_reference.py): raw heads, anchors and torchvision's detections. */
struct TorchvisionCase
{
    RetinaNetConfig config;
    std::vector<Mat> outputs;
    std::vector<std::string> names;
    std::vector<Mat> anchors;
    Size inputSize;
    std::vector<Size> imageSizes;
    std::vector<std::vector<Detection> > expected;
};

//! Loads torchvision_case_<name>.yml.gz (box outputs first in the list: the mapping is by name).
TorchvisionCase loadTorchvisionCase(const std::string& name);

//! Names of the shipped torchvision reference cases.
std::vector<std::string> torchvisionCaseNames();

/** referenceDecode (src/decoder/reference_decoder.cpp, the decoder's specification) on image
 *  @p image of the head's canonical NCHW copy, with head.frames. Independent of the decoder's scan,
 *  trimming, layouts and box math. */
std::vector<Detection> bruteForceDecode(const RetinaNetConfig& config, const SyntheticHead& head, int image);

} // namespace opencv_test

#endif
