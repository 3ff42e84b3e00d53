// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_TEST_DETECTION_MATCH_HPP
#define DNN_RETINANET_TEST_DETECTION_MATCH_HPP

// How every test of the project compares two lists of detections (module tests, integration tests,
// GStreamer tests): one IoU and one matching rule. Header-only, no test framework.

#include <opencv2/core.hpp>
#include <opencv2/dnn_retinanet.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace dnn_retinanet_test {

/** IoU of two (x1, y1, x2, y2) boxes in double. Zero-area (clipped to an edge) or inverted (corner
 *  coding) boxes have no meaningful IoU: they count as 1 when their coordinates agree, else 0. */
inline double boxIoU(const cv::Vec4f& a, const cv::Vec4f& b)
{
    if (!(a[2] > a[0] && a[3] > a[1]) || !(b[2] > b[0] && b[3] > b[1]))
    {
        for (int i = 0; i < 4; i++)
            if (std::abs(a[i] - b[i]) > 1e-3 * (1 + std::abs(a[i])))
                return 0.0;
        return 1.0;
    }
    const double iw = std::max(0.0, (double)std::min(a[2], b[2]) - std::max(a[0], b[0]));
    const double ih = std::max(0.0, (double)std::min(a[3], b[3]) - std::max(a[1], b[1]));
    const double inter = iw * ih;
    // all in double, so identical boxes give exactly 1
    const double areaA = ((double)a[2] - a[0]) * ((double)a[3] - a[1]);
    const double areaB = ((double)b[2] - b[0]) * ((double)b[3] - b[1]);
    const double uni = areaA + areaB - inter;
    return uni > 0 ? inter / uni : (a == b ? 1.0 : 0.0);
}

struct MatchResult
{
    int considered = 0;     //!< reference detections with score >= minScore
    int matched = 0;        //!< of those, how many found a partner
    std::string unmatched;  //!< the first one without a partner, described; empty when all matched
    double unmatchedBestIoU = 0;  //!< its best IoU among the same-class, close-score candidates
};

/** Greedy one-to-one matching, reference detections in their order: a partner has the same class,
 *  |score difference| <= @p scoreTol and IoU >= @p iouMin; the one with the highest IoU is taken
 *  (the first of equals) and used once. Reference detections below @p minScore are skipped. */
inline MatchResult matchDetections(const std::vector<cv::dnn_retinanet::Detection>& ref,
                                   const std::vector<cv::dnn_retinanet::Detection>& got, double scoreTol,
                                   double iouMin, float minScore = -std::numeric_limits<float>::infinity())
{
    MatchResult r;
    std::vector<bool> used(got.size(), false);
    for (size_t i = 0; i < ref.size(); i++)
    {
        const cv::dnn_retinanet::Detection& e = ref[i];
        if (e.score < minScore)
            continue;
        r.considered++;
        int best = -1;
        double bestIoU = -1;
        for (size_t j = 0; j < got.size(); j++)
        {
            if (used[j] || got[j].classId != e.classId || std::abs((double)got[j].score - e.score) > scoreTol)
                continue;
            const double v = boxIoU(e.box, got[j].box);
            if (v > bestIoU) { bestIoU = v; best = (int)j; }
        }
        if (best >= 0 && bestIoU >= iouMin)
        {
            used[best] = true;
            r.matched++;
        }
        else if (r.unmatched.empty())
        {
            r.unmatched = cv::format("detection #%d (class %d, score %.6f, box [%.3f %.3f %.3f %.3f])", (int)i,
                                     e.classId, e.score, e.box[0], e.box[1], e.box[2], e.box[3]);
            r.unmatchedBestIoU = std::max(bestIoU, 0.0);
        }
    }
    return r;
}

/** Empty when both lists have the same size and every reference detection has a partner
 *  (matchDetections); else what differs. */
inline std::string compareDetections(const std::vector<cv::dnn_retinanet::Detection>& ref,
                                     const std::vector<cv::dnn_retinanet::Detection>& got, double scoreTol,
                                     double iouMin)
{
    if (ref.size() != got.size())
        return cv::format("detection count differs: expected %d, got %d", (int)ref.size(), (int)got.size());
    const MatchResult m = matchDetections(ref, got, scoreTol, iouMin);
    if (m.matched == m.considered)
        return std::string();
    return "expected " + m.unmatched + " has no match (best IoU " + cv::format("%.6f", m.unmatchedBestIoU) + ")";
}

} // namespace dnn_retinanet_test

#endif
