// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "score_transform.hpp"

#include <cstring>
#include <limits>

namespace cv { namespace dnn_retinanet {

namespace {

// Floats mapped to unsigned integers in the same order (negative floats reversed).
inline uint32_t orderedKey(float f)
{
    uint32_t u;
    std::memcpy(&u, &f, sizeof(u));
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

inline float fromOrderedKey(uint32_t k)
{
    uint32_t u = (k & 0x80000000u) ? (k & 0x7fffffffu) : ~k;
    float f;
    std::memcpy(&f, &u, sizeof(f));
    return f;
}

} // namespace

float ScoreTransform::rawThreshold(float t, bool inclusive) const
{
    CV_Assert(!isSoftmax());
    // The predicate "score(raw) passes" is monotone in raw. Binary search over the ordered floats
    // finds the largest raw value that does not pass, so that `raw > boundary` is exactly the
    // predicate for our own float activation: log(t/(1-t)) alone can be one ulp off.
    auto passes = [&](float raw) {
        const float s = score(raw);
        return inclusive ? s >= t : s > t;
    };
    const float inf = std::numeric_limits<float>::infinity();
    if (passes(-inf))
        return -inf;
    if (!passes(inf))
        return inf;
    uint32_t lo = orderedKey(-inf), hi = orderedKey(inf);
    while (hi - lo > 1)
    {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (passes(fromOrderedKey(mid)))
            hi = mid;
        else
            lo = mid;
    }
    return fromOrderedKey(lo);
}

float rawScoreThreshold(const ScoringConfig& scoring, float t, bool inclusive)
{
    if (scoring.activation == SCORE_SOFTMAX)
        CV_Error(Error::StsBadArg, "dnn_retinanet: a softmax score has no per-value raw threshold");
    return ScoreTransform(scoring).rawThreshold(t, inclusive);
}

float scoreFromRaw(const ScoringConfig& scoring, float raw)
{
    return ScoreTransform(scoring).score(raw);
}

}}
