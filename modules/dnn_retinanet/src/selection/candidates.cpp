// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "candidates.hpp"

// GCC/Clang on x86-64 (SSE2 is baseline there); other targets use the scalar loop.
#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
#include <emmintrin.h>
#define DNN_RETINANET_SCAN_SSE2 1
#endif

namespace cv { namespace dnn_retinanet {

void CandidateBuffer::trim()
{
    if (topk_ <= 0 || items.size() <= (size_t)topk_)
        return;
    std::nth_element(items.begin(), items.begin() + (topk_ - 1), items.end(), BetterCandidate());
    floor_ = items[topk_ - 1].raw;
    floorActive_ = true;
    // Keep everything tied with the k-th value: a tie with a lower index may still win the merge.
    auto mid = std::partition(items.begin() + topk_, items.end(),
                              [&](const Candidate& c) { return c.raw >= floor_; });
    items.erase(mid, items.end());
}

namespace {

/** Scans values [begin, end) of a contiguous run whose canonical index is base + i * step, with a
 *  16-wide vector compare; only blocks with a hit look at individual lanes (by mask bits). */
inline void scanRun(const float* p, size_t n, uint32_t base, uint32_t step, CandidateBuffer& out)
{
    const float threshold = out.threshold();
    float thr = out.scanThreshold();
    size_t i = 0;
    int64_t above = 0;
#ifdef DNN_RETINANET_SCAN_SSE2
    const __m128 tBase = _mm_set1_ps(threshold);
    __m128 t = _mm_set1_ps(thr);
    for (; i + 16 <= n; i += 16)
    {
        const float* q = p + i;
        const __m128 v0 = _mm_loadu_ps(q), v1 = _mm_loadu_ps(q + 4), v2 = _mm_loadu_ps(q + 8), v3 = _mm_loadu_ps(q + 12);
        if (thr != threshold)
        {
            // A raised floor (dense chunk): still count every value above the real threshold.
            const int all = _mm_movemask_ps(_mm_cmpgt_ps(v0, tBase)) | (_mm_movemask_ps(_mm_cmpgt_ps(v1, tBase)) << 4) |
                            (_mm_movemask_ps(_mm_cmpgt_ps(v2, tBase)) << 8) | (_mm_movemask_ps(_mm_cmpgt_ps(v3, tBase)) << 12);
            above += __builtin_popcount((unsigned)all);
        }
        else
        {
            // Common case: one test for the 16 values; nothing passes in almost every block.
            const __m128 any = _mm_or_ps(_mm_or_ps(_mm_cmpgt_ps(v0, t), _mm_cmpgt_ps(v1, t)),
                                         _mm_or_ps(_mm_cmpgt_ps(v2, t), _mm_cmpgt_ps(v3, t)));
            if (_mm_movemask_ps(any) == 0)
                continue;
        }
        const int mask = _mm_movemask_ps(_mm_cmpgt_ps(v0, t)) | (_mm_movemask_ps(_mm_cmpgt_ps(v1, t)) << 4) |
                         (_mm_movemask_ps(_mm_cmpgt_ps(v2, t)) << 8) | (_mm_movemask_ps(_mm_cmpgt_ps(v3, t)) << 12);
        if (thr == threshold)
            above += __builtin_popcount((unsigned)mask);
        if (mask == 0)
            continue;
        for (int m = mask; m != 0; m &= m - 1)
        {
            const int lane = __builtin_ctz((unsigned)m);
            out.push(q[lane], base + (uint32_t)(i + lane) * step);
        }
        const float nt = out.scanThreshold(); // may have risen after a trim
        if (nt != thr)
        {
            thr = nt;
            t = _mm_set1_ps(thr);
        }
    }
#endif
    for (; i < n; i++)
    {
        above += p[i] > threshold;
        if (p[i] > thr)
        {
            out.push(p[i], base + (uint32_t)i * step);
            thr = out.scanThreshold();
        }
    }
    out.aboveThreshold += above;
}

} // namespace

void scanScores(const LevelView& view, const float* block, size_t begin, size_t end, CandidateBuffer& out)
{
    if (!view.planar)
    {
        // (pix*A + a)*C + c is already the canonical index.
        scanRun(block + begin, end - begin, (uint32_t)begin, 1, out);
        return;
    }
    // Planar: split at channel planes; inside plane ch = a*C + c the index is pix*A*C + ch.
    const size_t pixels = view.pixels();
    const uint32_t step = (uint32_t)(view.A * view.C);
    for (size_t pos = begin; pos < end;)
    {
        const size_t ch = pos / pixels, pix = pos - ch * pixels;
        const size_t n = std::min(end - pos, pixels - pix);
        scanRun(block + pos, n, (uint32_t)(pix * step + ch), step, out);
        pos += n;
    }
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
                {
                    out.aboveThreshold++;
                    out.push(p, (uint32_t)((pix * A + a) * K + k));
                }
                k++;
            }
        }
    }
}

void selectTopK(std::vector<Candidate>& items, int topk)
{
    if (topk > 0 && items.size() > (size_t)topk)
    {
        std::nth_element(items.begin(), items.begin() + (topk - 1), items.end(), BetterCandidate());
        items.resize(topk);
    }
    std::sort(items.begin(), items.end(), BetterCandidate());
}

}}
