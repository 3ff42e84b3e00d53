// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "candidates.hpp"

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define DNN_RETINANET_SCAN_SSE2 1
#endif

namespace cv { namespace dnn_retinanet {

void CandidateBuffer::trim()
{
    if (topk_ <= 0 || items.size() <= (size_t)topk_)
        return;
    std::nth_element(items.begin(), items.begin() + (topk_ - 1), items.end(), betterCandidate);
    floor_ = items[topk_ - 1].raw;
    floorActive_ = true;
    // Keep everything tied with the k-th value: a tie with a lower index may still win the merge.
    auto mid = std::partition(items.begin() + topk_, items.end(),
                              [&](const Candidate& c) { return c.raw >= floor_; });
    items.erase(mid, items.end());
}

namespace {

// flat position inside an image's score block -> canonical (torchvision) pair index
struct CanonicalIndex
{
    explicit CanonicalIndex(const LevelView& v) : planar(v.planar), pixels(v.pixels()), A(v.A), C(v.C) {}
    inline uint32_t operator()(size_t flat) const
    {
        if (!planar)
            return (uint32_t)flat; // (pix*A + a)*C + c is already canonical
        const size_t ch = flat / pixels, pix = flat - ch * pixels;
        const size_t a = ch / C, c = ch - a * C;
        return (uint32_t)((pix * A + a) * C + c);
    }
    bool planar;
    size_t pixels;
    size_t A, C;
};

inline void pushRange(const float* block, size_t i, size_t end, float thr, const CanonicalIndex& canon,
                      CandidateBuffer& out)
{
    for (; i < end; i++)
    {
        const float v = block[i];
        if (v > thr)
            out.push(v, canon(i));
    }
}

} // namespace

void scanScores(const LevelView& view, const float* block, size_t begin, size_t end, CandidateBuffer& out)
{
    const CanonicalIndex canon(view);
    const float thr = out.threshold();
    size_t i = begin;
#ifdef DNN_RETINANET_SCAN_SSE2
    // Align, then test 16 floats per iteration with one branch; NaN compares false.
    while (i < end && ((uintptr_t)(block + i) & 15) != 0)
    {
        if (block[i] > thr) out.push(block[i], canon(i));
        i++;
    }
    const __m128 t = _mm_set1_ps(thr);
    for (; i + 16 <= end; i += 16)
    {
        const float* p = block + i;
        const __m128 m0 = _mm_cmpgt_ps(_mm_load_ps(p), t);
        const __m128 m1 = _mm_cmpgt_ps(_mm_load_ps(p + 4), t);
        const __m128 m2 = _mm_cmpgt_ps(_mm_load_ps(p + 8), t);
        const __m128 m3 = _mm_cmpgt_ps(_mm_load_ps(p + 12), t);
        if (_mm_movemask_ps(_mm_or_ps(_mm_or_ps(m0, m1), _mm_or_ps(m2, m3))) != 0)
            pushRange(block, i, i + 16, thr, canon, out);
    }
#endif
    pushRange(block, i, end, thr, canon, out);
}

void scanSoftmax(const LevelView& view, const float* block, size_t pixBegin, size_t pixEnd, int backgroundChannel,
                 float threshold, bool inclusive, CandidateBuffer& out)
{
    const int A = view.A, C = view.C, K = C - 1;
    const float logT = threshold > 0 ? std::log(threshold) : -std::numeric_limits<float>::infinity();
    for (size_t pix = pixBegin; pix < pixEnd; pix++)
    {
        for (int a = 0; a < A; a++)
        {
            float m = -std::numeric_limits<float>::infinity();
            bool finite = true;
            for (int c = 0; c < C; c++)
            {
                const float v = block[view.clsOffset(pix, a, c)];
                finite &= (v == v);
                m = std::max(m, v);
            }
            if (!finite || !std::isfinite(m))
                continue; // NaN or +-Inf logits: no meaningful distribution; never a detection
            // p_k <= exp(x_k - m): anchors whose classes are all far below the max are skipped
            // without normalising.
            bool any = false;
            for (int c = 0; c < C && !any; c++)
                any = c != backgroundChannel && block[view.clsOffset(pix, a, c)] - m >= logT;
            if (!any)
                continue;
            double sum = 0;
            for (int c = 0; c < C; c++)
                sum += std::exp((double)block[view.clsOffset(pix, a, c)] - m);
            for (int c = 0, k = 0; c < C; c++)
            {
                if (c == backgroundChannel)
                    continue;
                const float p = (float)(std::exp((double)block[view.clsOffset(pix, a, c)] - m) / sum);
                if (inclusive ? p >= threshold : p > threshold)
                    out.push(p, (uint32_t)((pix * A + a) * K + k));
                k++;
            }
        }
    }
}

void selectTopK(std::vector<Candidate>& items, int topk)
{
    if (topk > 0 && items.size() > (size_t)topk)
    {
        std::nth_element(items.begin(), items.begin() + (topk - 1), items.end(), betterCandidate);
        items.resize(topk);
    }
    std::sort(items.begin(), items.end(), betterCandidate);
}

}}
