// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_REFERENCE_DECODER_HPP
#define DNN_RETINANET_REFERENCE_DECODER_HPP

#include "../precomp.hpp"

namespace cv { namespace dnn_retinanet {

/** @brief What the decoder computes, written the obvious way: the specification that
 *  cpu_decoder.cpp and the CUDA decoder are tested against (doc/decoder.md).
 *
 * Steps (numbered as in doc/decoder.md): (1) activate every value of every level (sigmoid / FL* /
 * probability / softmax over the K+1 channels); (2) keep those above the level's threshold (or
 * first the top-k, for AP-loss's order); (3) the best top_k_per_level of each level; (4) decode their
 * boxes in double from the anchors; [(5) map them to the frame for `clip_space: frame`]; (6) clip;
 * (7) drop boxes not larger than min_box_size; (8) greedy NMS by pairwise IoU, best first;
 * (9) keep max_detections; clip after NMS where the convention says so.
 *
 * No scan kernels, floors, buffers, layouts or shared box math: O(values) memory and time, for tests
 * only. Reads per-level NCHW tensors (N, A*C, H, W) and (N, A*4, H, W), image @p n of the batch.
 * @param frame the image's frame and scale (`clip_space: frame`); nullptr: the valid image, scale 1.
 * Exported (CV_EXPORTS) for the unit tests only. */
CV_EXPORTS std::vector<Detection> referenceDecode(const RetinaNetConfig& config, const std::vector<Mat>& nchwCls,
                                                  const std::vector<Mat>& nchwBox, const Size& inputSize,
                                                  const Size& imageSize, const FrameInfo* frame, int n);

}}

#endif
