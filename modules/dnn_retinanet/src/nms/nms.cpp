// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "nms.hpp"
#include "../box_coding/box_math.hpp"

namespace cv { namespace dnn_retinanet {

void nonMaximumSuppression(NmsLists& lists, int numLabels, float iouThreshold, bool inclusive, bool classAgnostic,
                           bool plusOne, int maxKeep, std::vector<ScoredBox*>& keep, NmsScratch& s)
{
    keep.clear();
    const float e = plusOne ? 1.f : 0.f;
    const int numLists = lists.count();
    s.heads.resize(numLists);
    s.hasHead.resize(numLists);
    for (int r = 0; r < numLists; r++)
        s.hasHead[r] = lists.head(r, s.heads[r]);
    // Kept boxes of each class as linked lists: classHead[label] -> keptNext[...] -> -1.
    s.classHead.assign(classAgnostic ? 1 : std::max(numLabels, 1), -1);
    s.keptNext.clear();
    s.keptArea.clear();
    while (maxKeep <= 0 || (int)keep.size() < maxKeep)
    {
        // The best head among the lists (few levels: a linear pick beats a heap).
        int bestList = -1;
        for (int r = 0; r < numLists; r++)
            if (s.hasHead[r] && (bestList < 0 || betterBox(s.heads[r], s.heads[bestList])))
                bestList = r;
        if (bestList < 0)
            break;
        ScoredBox* best = lists.take(bestList, s.heads[bestList]);
        s.hasHead[bestList] = lists.head(bestList, s.heads[bestList]);
        if (!best)
            continue; // dropped before NMS (not finite, too small)
        const float area = boxmath::boxArea(&best->box[0], e);
        const int label = classAgnostic ? 0 : best->label;
        CV_DbgAssert(label >= 0 && label < (int)s.classHead.size());
        bool suppressed = false;
        for (int k = s.classHead[label]; k >= 0 && !suppressed; k = s.keptNext[k])
            suppressed = boxmath::suppresses(boxmath::iouWithAreas(&keep[k]->box[0], s.keptArea[k], &best->box[0], area, e),
                                             iouThreshold, inclusive);
        if (suppressed)
            continue;
        s.keptNext.push_back(s.classHead[label]);
        s.keptArea.push_back(area);
        s.classHead[label] = (int)keep.size();
        keep.push_back(best);
    }
}

}}
