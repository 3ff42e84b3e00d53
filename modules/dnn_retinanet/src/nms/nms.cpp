// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "nms.hpp"
#include "../box_coding/box_math.hpp"

namespace cv { namespace dnn_retinanet {

void nonMaximumSuppression(const std::vector<ScoredBox>& boxes, float iouThreshold, bool classAgnostic,
                           bool plusOne, int maxKeep, std::vector<int>& keep, std::vector<int>& order)
{
    keep.clear();
    const int n = (int)boxes.size();
    order.resize(n);
    for (int i = 0; i < n; i++) order[i] = i;
    // Group by class (unless agnostic), best first inside a group.
    std::sort(order.begin(), order.end(), [&](int a, int b) {
        if (!classAgnostic && boxes[a].label != boxes[b].label)
            return boxes[a].label < boxes[b].label;
        return betterBox(boxes[a], boxes[b]);
    });
    const float e = plusOne ? 1.f : 0.f;
    size_t groupBegin = keep.size();
    for (int i = 0; i < n; i++)
    {
        const ScoredBox& cand = boxes[order[i]];
        if (i > 0 && !classAgnostic && cand.label != boxes[order[i - 1]].label)
            groupBegin = keep.size();
        bool suppressed = false;
        for (size_t j = groupBegin; j < keep.size() && !suppressed; j++)
            suppressed = boxmath::iou(&boxes[keep[j]].box[0], &cand.box[0], e) > iouThreshold;
        if (!suppressed)
            keep.push_back(order[i]);
    }
    std::sort(keep.begin(), keep.end(), [&](int a, int b) { return betterBox(boxes[a], boxes[b]); });
    if (maxKeep > 0 && (int)keep.size() > maxKeep)
        keep.resize(maxKeep);
}

}}
