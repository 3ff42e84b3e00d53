// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_HEAD_LAYOUT_HPP
#define DNN_RETINANET_HEAD_LAYOUT_HPP

#include "../precomp.hpp"
#include "../anchors/anchor_generator.hpp"

namespace cv { namespace dnn_retinanet {

using dnn::MatShape;

/** @brief Which network output is which: per level, the index of the score and box tensor (for the
 *  concatenated layout a single pair), plus the feature-map sizes. Built from names and shapes
 *  only, so the model can validate a Net by shape inference before running it. */
struct HeadBinding
{
    std::vector<int> clsIndex, boxIndex;
    std::vector<Size> featureSizes; //!< per level (width = W, height = H)
    int batch = 0;
};

/** @brief Maps outputs to (level, kind) by the config's names, or, without names, by their shapes
 *  (channels A*C vs A*4, spatial size -> level). Throws a cv::Exception naming the offending
 *  output and the expected vs actual shape on any mismatch. */
HeadBinding bindHeads(const RetinaNetConfig& config, const AnchorGenerator& anchors,
                      const std::vector<std::string>& names, const std::vector<MatShape>& shapes,
                      const Size& inputSize);

/** @brief Addressing of one level's tensors for all images. A level block of one image is
 *  contiguous in every layout; `planar` tells the order inside it:
 *  planar (NCHW):  flat = (a*C + c) * HW + pix
 *  interleaved:    flat = (pix*A + a) * C + c      (concatenated, NHWC)
 *  with pix = y*W + x and C the channels per anchor (K, K+1 for softmax, 4 for boxes). */
struct LevelView
{
    int width = 0, height = 0, A = 0, C = 0;
    bool planar = true;
    const float* cls = nullptr;
    const float* box = nullptr;
    size_t clsImageStride = 0, boxImageStride = 0;

    size_t pixels() const { return (size_t)width * height; }
    size_t clsBlockSize() const { return pixels() * A * C; }
    inline size_t clsOffset(size_t pix, int a, int c) const
    {
        return planar ? ((size_t)a * C + c) * pixels() + pix : (pix * A + a) * C + c;
    }
    inline size_t boxOffset(size_t pix, int a, int c) const
    {
        return planar ? ((size_t)a * 4 + c) * pixels() + pix : (pix * A + a) * 4 + c;
    }
};

//! Views on the actual tensors; checks type (CV_32F) and continuity.
std::vector<LevelView> makeLevelViews(const RetinaNetConfig& config, const HeadBinding& binding,
                                      const std::vector<Mat>& outputs);

//! "1x720x60x80" for messages.
std::string shapeToString(const MatShape& shape);

/** @brief An output (layer) name as messages show it: the ONNX tensor name users know. OpenCV
 *  4.6's ONNX importer names layers "onnx_node!<name>"; the prefix is dropped ("onnx_node!cls_0"
 *  -> "cls_0"). Other names are returned as they are. Matching (findName) still accepts the
 *  prefixed and the bare name. */
CV_EXPORTS std::string outputDisplayName(const std::string& layerName); // exported for the unit tests

}}

#endif
