// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "floor_guess.hpp"

#include <opencv2/core/hal/intrin.hpp>

#include <algorithm>
#include <limits>

namespace cv { namespace dnn_retinanet { namespace floor_guess {

namespace {

//! splitmix64's finaliser: a fixed, well-mixed offset per stratum (no RNG state, reproducible).
inline uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

inline void prefetch(const float* p)
{
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

//! Whether any of q[0, kLineValues) is > t (NaN is not): the test nearly every sampled line ends at.
inline bool anyAbove(const float* q, float t)
{
#if CV_SIMD128
    const v_float32x4 tv = v_setall_f32(t);
    v_float32x4 m = v_load(q) > tv;
    for (int k = 4; k < kLineValues; k += 4)
        m = m | (v_load(q + k) > tv);
    return v_check_any(m);
#else
    bool any = false;
    for (int k = 0; k < kLineValues; k++)
        any |= q[k] > t;
    return any;
#endif
}

} // namespace

void sampleLines(size_t n, int topk, std::vector<size_t>& lineStarts)
{
    lineStarts.clear();
    if (topk < 64 || n < (size_t)32 * topk)
        return;
    // kSampleRank of kLineValues * strata sampled values ~ kExpectedOverK * topk of n.
    const size_t strata = std::max<size_t>(1, n * kSampleRank / ((size_t)kExpectedOverK * topk * kLineValues));
    const size_t stride = n / strata; // >= 2 * kLineValues by the size test above
    const uint64_t range = stride - kLineValues + 1; // < 2^32: n is a level's value count
    for (size_t j = 0; j < strata; j++)
        lineStarts.push_back(j * stride + (size_t)(((mix(j) >> 32) * range) >> 32)); // no division
}

float guessFloor(const float* block, size_t n, float threshold, int topk, std::vector<size_t>& lines)
{
    const float none = -std::numeric_limits<float>::infinity();
    sampleLines(n, topk, lines);
    // The kSampleRank best sampled lines by their best value above the threshold, kept sorted
    // (best first). One value per line: candidates come in runs (an object covers neighbouring
    // pixels of a class plane), so the values of one line are not independent evidence, the lines
    // are. In a dense level few lines beat the current last one, so inserting is rare; lines are
    // far apart, so they are prefetched a few ahead.
    float best[kSampleRank];
    std::fill(best, best + kSampleRank, threshold);
    const size_t S = lines.size(), ahead = 8;
    for (size_t j = 0; j < S; j++)
    {
        if (j + ahead < S)
            prefetch(block + lines[j + ahead]);
        const float* q = block + lines[j];
        if (!anyAbove(q, best[kSampleRank - 1]))
            continue;
        float v = best[kSampleRank - 1];
        for (int k = 0; k < kLineValues; k++)
            v = q[k] > v ? q[k] : v; // NaN is never above
        int i = kSampleRank - 1;
        for (; i > 0 && best[i - 1] < v; i--)
            best[i] = best[i - 1];
        best[i] = v;
    }
    // Fewer than kSampleRank sampled lines above the threshold: a sparse level, no guess.
    return best[kSampleRank - 1] > threshold ? best[kSampleRank - 1] : none;
}

}}}
