// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "../precomp.hpp"
#include "selection_setters.hpp"

namespace cv { namespace dnn_retinanet { namespace detail {

void setScoreThreshold(SelectionConfig& s, float t)
{
    if (!(t >= 0.f && t < 1.f))
        CV_Error(Error::StsOutOfRange, format("dnn_retinanet: score threshold must be in [0, 1), got %g", t));
    s.scoreThreshold = t;
    s.levelScoreThresholds.clear();
}

void setNmsThreshold(SelectionConfig& s, float t)
{
    if (!(t > 0.f && t <= 1.f))
        CV_Error(Error::StsOutOfRange, format("dnn_retinanet: NMS threshold must be in (0, 1], got %g", t));
    s.nmsThreshold = t;
}

void setTopK(SelectionConfig& s, int k)
{
    if (k > 1000000)
        CV_Error(Error::StsOutOfRange, format("dnn_retinanet: top-k per level %d is over the limit of 1000000 (<= 0: no limit)", k));
    s.topkPerLevel = k;
}

void setMaxDetections(SelectionConfig& s, int m)
{
    if (m > 100000)
        CV_Error(Error::StsOutOfRange, format("dnn_retinanet: max detections %d is over the limit of 100000 (<= 0: unlimited)", m));
    s.maxDetections = m;
}

void setClassAgnosticNms(SelectionConfig& s, bool a)
{
    s.classAgnosticNms = a;
}

}}} // namespace cv::dnn_retinanet::detail
