// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "nms.hpp"
#include "../box_coding/box_math.hpp"

namespace cv { namespace dnn_retinanet {

void nonMaximumSuppression(std::vector<ScoredBox>* runs, int numRuns, float iouThreshold, bool classAgnostic,
                           bool plusOne, int maxKeep, std::vector<ScoredBox*>& keep, NmsScratch& s)
{
    keep.clear();
    const float e = plusOne ? 1.f : 0.f;
    int numLabels = 1;
    for (int r = 0; r < numRuns; r++)
    {
        // The decoder's lists are sorted by (raw, index); only a non-monotone score could break that.
        std::vector<ScoredBox>& run = runs[r];
        if (!std::is_sorted(run.begin(), run.end(), betterBox))
            std::sort(run.begin(), run.end(), betterBox);
        for (size_t i = 0; i < run.size() && !classAgnostic; i++)
            numLabels = std::max(numLabels, run[i].label + 1);
    }
    s.cursor.assign(numRuns, 0);
    // Kept boxes of each class as linked lists: classHead[label] -> keptNext[...] -> -1.
    s.classHead.assign(numLabels, -1);
    s.keptNext.clear();
    s.keptArea.clear();
    while (maxKeep <= 0 || (int)keep.size() < maxKeep)
    {
        // The best head among the lists (few levels: a linear pick beats a heap).
        ScoredBox* best = nullptr;
        int bestRun = -1;
        for (int r = 0; r < numRuns; r++)
            if (s.cursor[r] < (int)runs[r].size() && (!best || betterBox(runs[r][s.cursor[r]], *best)))
            {
                best = &runs[r][s.cursor[r]];
                bestRun = r;
            }
        if (!best)
            break;
        s.cursor[bestRun]++;
        const float area = boxmath::boxArea(&best->box[0], e);
        const int label = classAgnostic ? 0 : best->label;
        bool suppressed = false;
        for (int k = s.classHead[label]; k >= 0 && !suppressed; k = s.keptNext[k])
            suppressed = boxmath::iouWithAreas(&keep[k]->box[0], s.keptArea[k], &best->box[0], area, e) > iouThreshold;
        if (suppressed)
            continue;
        s.keptNext.push_back(s.classHead[label]);
        s.keptArea.push_back(area);
        s.classHead[label] = (int)keep.size();
        keep.push_back(best);
    }
}

}}
