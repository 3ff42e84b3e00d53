// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "candidates.hpp"

#include "floor_guess.hpp"
#include "scan_kernels.hpp"
#include "select_best.hpp"

namespace cv { namespace dnn_retinanet {

void SharedFloor::guessOnce(float threshold, int topk, double density)
{
    // Without a guess a chunk pushes ~k * (1 + ln(candidates / k)) values, with one ~4k plus the
    // sampling: it pays from some tens of k candidates on.
    const double kGuessFromCandidatesOverK = 8;
    if (guessTaken.load(std::memory_order_relaxed) || density * (double)blockSize_ < kGuessFromCandidatesOverK * topk ||
        guessTaken.exchange(true, std::memory_order_relaxed))
        return;
    guess.store(floor_guess::guessFloor(block_, blockSize_, threshold, topk, lines_),
                std::memory_order_relaxed);
}

void CandidateBuffer::trim()
{
    if (topk_ <= 0 || items.size() <= (size_t)topk_)
        return;
    // Exactly the best k by (raw, index): a value outside the chunk's best k has k better ones in
    // the level, so dropping it is exact even for ties.
    selectBest(items.data(), items.size(), (size_t)topk_, scratch_);
    floor_ = std::max(floor_, items[topk_ - 1].raw);
    items.resize(topk_);
    if (shared_)
        shared_->raise(floor_);
}

// The block is contiguous in memory whatever the layout: the kernel finds the values above the
// current bound in batches, the buffer takes them with their canonical index; between batches the
// bound follows the raised (local or shared) floor. Planar blocks are not cut at channel planes (a
// P7 plane is 70 values: cutting there meant a call and a scalar tail every few vectors); a hit's
// plane is found by walking forward, since hits come in increasing order.
void scanScores(const LevelView& view, const float* block, size_t begin, size_t end, CandidateBuffer& out)
{
    const scan::FindAboveFn findAbove = scan::findAbove();
    const size_t pixels = view.pixels();
    const uint32_t step = (uint32_t)(view.A * view.C); // planar: index = pix * A*C + (a*C + c)
    size_t ch = view.planar ? begin / pixels : 0, planeBegin = ch * pixels;
    uint32_t hits[512];
    for (size_t pos = begin; pos < end;)
    {
        size_t nHits = 0;
        const size_t used = findAbove(block + pos, end - pos, out.scanThreshold(), out.threshold(), hits, 512, nHits,
                                      out.aboveThreshold);
        for (size_t h = 0; h < nHits; h++)
        {
            const size_t i = pos + hits[h];
            uint32_t index = (uint32_t)i; // NHWC / concatenated: (pix*A + a)*C + c already
            if (view.planar)
            {
                for (; i >= planeBegin + pixels; planeBegin += pixels)
                    ch++;
                index = (uint32_t)(i - planeBegin) * step + (uint32_t)ch;
            }
            out.push(block[i], index);
        }
        pos += used;
        out.noteScanned(used);
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

void selectTopK(std::vector<Candidate>& items, int topk, std::vector<Candidate>& scratch)
{
    if (topk > 0 && items.size() > (size_t)topk)
    {
        selectBest(items.data(), items.size(), (size_t)topk, scratch);
        items.resize(topk);
    }
    std::make_heap(items.begin(), items.end(), WorseCandidate());
}

}}
