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

/** The post-processing written the obvious way (activate all values, threshold, top-k, decode in
 *  double, NMS by pairwise IoU), reading the canonical NCHW copy. Independent of the decoder's
 *  scan, trimming, layouts and box math. */
std::vector<Detection> bruteForceDecode(const RetinaNetConfig& config, const SyntheticHead& head, int image);

} // namespace opencv_test

#endif
