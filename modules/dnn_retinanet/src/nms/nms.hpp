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

//! Reused buffers of nonMaximumSuppression (no allocation once warm).
struct NmsScratch
{
    std::vector<int> cursor, classHead, keptNext;
    std::vector<float> keptArea;
};

/** @brief Greedy NMS with torchvision's batched_nms semantics: per class (or across classes), a box
 *  is suppressed when its IoU with a kept higher-ranked box is > @p iouThreshold.
 *
 *  Boxes are visited best first (betterBox) and the visit stops once @p maxKeep boxes are kept
 *  (<= 0: no limit): a box's fate depends only on better boxes of its class, so greedy NMS's first
 *  M kept boxes in that order are exactly its M best, and the rest need no IoU work.
 *  @p runs[0 .. numRuns): lists that are each best first (the decoder's per-level lists); they are
 *  merged lazily. A list found out of order is sorted first.
 *  Returns pointers to the kept boxes, best first. */
void nonMaximumSuppression(std::vector<ScoredBox>* runs, int numRuns, float iouThreshold, bool classAgnostic,
                           bool plusOne, int maxKeep, std::vector<ScoredBox*>& keep, NmsScratch& scratch);

}}

#endif
