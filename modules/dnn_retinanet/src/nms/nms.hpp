// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_NMS_HPP
#define DNN_RETINANET_NMS_HPP

#include "../precomp.hpp"

namespace cv { namespace dnn_retinanet {

/** @brief A decoded box before NMS. `order` ranks equal scores (level, then canonical index), so
 *  the result never depends on the tensor layout or on thread scheduling. */
struct ScoredBox
{
    Vec4f box;
    float score;
    float raw;
    int label;
    uint64_t order;
};

//! NMS order: higher score first, then higher raw value, then lower `order`.
inline bool betterBox(const ScoredBox& a, const ScoredBox& b)
{
    if (a.score != b.score) return a.score > b.score;
    if (a.raw != b.raw) return a.raw > b.raw;
    return a.order < b.order;
}

/** @brief Greedy NMS as torchvision's batched_nms: per class (or across classes), a box is
 *  suppressed when its IoU with a kept higher-ranked box is > @p iouThreshold. Returns the kept
 *  indices into @p boxes sorted by betterBox; at most @p maxKeep (<= 0: all).
 *  @p scratch is reused between calls (no allocation once warm). */
void nonMaximumSuppression(const std::vector<ScoredBox>& boxes, float iouThreshold, bool classAgnostic,
                           bool plusOne, int maxKeep, std::vector<int>& keep, std::vector<int>& scratch);

}}

#endif
