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
    std::vector<ScoredBox> heads;
    std::vector<char> hasHead;
    std::vector<int> classHead, keptNext;
    std::vector<float> keptArea;
};

/** @brief Best-first lists of boxes, read lazily by the NMS: a list's head is ranked by its keys
 *  (score, raw, order, label) and decoded only when the NMS takes it, so boxes past the point where
 *  max detections are reached are never decoded. */
class NmsLists
{
public:
    virtual ~NmsLists() {}
    virtual int count() const = 0;
    //! The ranking keys of list @p r's best remaining box (its box need not be set); false when empty.
    virtual bool head(int r, ScoredBox& keys) = 0;
    /** Removes list @p r's head and returns it with its box, or nullptr when the box is dropped
     *  before NMS (not finite, or under the minimum size). @p keys: what head(r) just gave (not computed again). The pointer stays
     *  valid until the lists are refilled. */
    virtual ScoredBox* take(int r, const ScoredBox& keys) = 0;
};

/** @brief Greedy NMS with torchvision's batched_nms semantics: per class (or across classes), a box
 *  is suppressed when its IoU with a kept higher-ranked box is > @p iouThreshold (>= with
 *  @p inclusive, Detectron1).
 *
 *  Boxes are visited best first (betterBox) and the visit stops once @p maxKeep boxes are kept
 *  (<= 0: no limit): a box's fate depends only on better boxes of its class, so greedy NMS's first
 *  M kept boxes in that order are exactly its M best, and the rest need no IoU work (nor decoding).
 *  The lists must each be best first; they are merged lazily. Labels are < @p numLabels.
 *  Returns pointers to the kept boxes, best first. */
void nonMaximumSuppression(NmsLists& lists, int numLabels, float iouThreshold, bool inclusive, bool classAgnostic,
                           bool plusOne, int maxKeep, std::vector<ScoredBox*>& keep, NmsScratch& scratch);

}}

#endif
