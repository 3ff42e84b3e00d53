// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "nms.hpp"
#include "../box_coding/box_math.hpp"

namespace cv { namespace dnn_retinanet {

namespace {

// Greedy NMS inside one group (one class, or everything when class-agnostic), best first.
void greedyGroup(const std::vector<ScoredBox>& boxes, const int* order, int n, float iouThreshold, float e,
                 std::vector<uint8_t>& kept, std::vector<float>& areas)
{
    std::vector<int> local;
    local.reserve(n);
    for (int i = 0; i < n; i++)
    {
        const int idx = order[i];
        const float* b = &boxes[idx].box[0];
        const float area = areas[idx];
        bool suppressed = false;
        for (size_t j = 0; j < local.size() && !suppressed; j++)
        {
            const int k = local[j];
            suppressed = boxmath::iouWithAreas(&boxes[k].box[0], areas[k], b, area, e) > iouThreshold;
        }
        if (!suppressed)
        {
            local.push_back(idx);
            kept[idx] = 1;
        }
    }
}

} // namespace

void nonMaximumSuppression(const std::vector<ScoredBox>& boxes, float iouThreshold, bool classAgnostic,
                           bool plusOne, int maxKeep, std::vector<int>& keep, std::vector<int>& order)
{
    keep.clear();
    const int n = (int)boxes.size();
    const float e = plusOne ? 1.f : 0.f;
    order.resize(n);
    for (int i = 0; i < n; i++) order[i] = i;
    // Group by class (unless agnostic), best first inside a group.
    std::sort(order.begin(), order.end(), [&](int a, int b) {
        if (!classAgnostic && boxes[a].label != boxes[b].label)
            return boxes[a].label < boxes[b].label;
        return betterBox(boxes[a], boxes[b]);
    });
    std::vector<float> areas(n);
    for (int i = 0; i < n; i++) areas[i] = boxmath::boxArea(&boxes[i].box[0], e);
    std::vector<int> groupStart(1, 0);
    for (int i = 1; i < n && !classAgnostic; i++)
        if (boxes[order[i]].label != boxes[order[i - 1]].label)
            groupStart.push_back(i);
    groupStart.push_back(n);
    std::vector<uint8_t> kept(n, 0);
    const int groups = (int)groupStart.size() - 1;
    // Classes are independent: large class-aware sets run in parallel, one class per task.
    auto body = [&](const Range& r) {
        for (int g = r.start; g < r.end; g++)
            greedyGroup(boxes, order.data() + groupStart[g], groupStart[g + 1] - groupStart[g], iouThreshold, e, kept, areas);
    };
    if (groups > 1 && n > 512)
        parallel_for_(Range(0, groups), body);
    else
        body(Range(0, groups));
    for (int i = 0; i < n; i++)
        if (kept[i]) keep.push_back(i);
    auto better = [&](int a, int b) { return betterBox(boxes[a], boxes[b]); };
    if (maxKeep > 0 && (int)keep.size() > maxKeep)
    {
        std::partial_sort(keep.begin(), keep.begin() + maxKeep, keep.end(), better);
        keep.resize(maxKeep);
    }
    else
        std::sort(keep.begin(), keep.end(), better);
}

}}
