// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_CANDIDATES_HPP
#define DNN_RETINANET_CANDIDATES_HPP

#include "../precomp.hpp"
#include "../layout/head_layout.hpp"

#include <limits>

namespace cv { namespace dnn_retinanet {

/** @brief An (anchor, class) pair above the threshold. `index` is the pair's position in
 *  torchvision's (H*W*A, K) flattening, ((y*W + x)*A + a)*K + k, whatever the tensor layout, so that
 *  ordering and ties do not depend on the layout. `raw` is the logit (or the probability for
 *  probability and softmax scoring). */
struct Candidate
{
    float raw;
    uint32_t index;
};

//! Selection order: higher raw first, ties by lower index (documented in doc/decoder.md).
//! A function object so that std::nth_element / std::sort inline it.
struct BetterCandidate
{
    inline bool operator()(const Candidate& a, const Candidate& b) const
    {
        return a.raw > b.raw || (a.raw == b.raw && a.index < b.index);
    }
};

/** @brief Candidates of one scan chunk. With a top-k, the buffer never holds more than 2k items:
 *  when full it keeps its best k and raises its floor, so later values below it are skipped and
 *  scratch memory is O(k) per chunk even when everything passes the threshold. */
class CandidateBuffer
{
public:
    void reset(float threshold, int topk)
    {
        items.clear();
        aboveThreshold = 0;
        threshold_ = threshold;
        topk_ = topk;
        floorActive_ = false;
        capacity_ = topk > 0 ? (size_t)topk * 2 : 0;
        if (capacity_ && items.capacity() < capacity_)
            items.reserve(capacity_);
    }
    //! Values must be > threshold; once trimmed also >= the current k-th best.
    float threshold() const { return threshold_; }
    /** The bound a scan may compare against with `>`: the threshold, raised to just below the
     *  k-th best value once the buffer has been trimmed (so dense chunks stop producing pushes). */
    float scanThreshold() const
    {
        return floorActive_ ? std::max(threshold_, std::nextafter(floor_, -std::numeric_limits<float>::infinity()))
                            : threshold_;
    }
    inline void push(float raw, uint32_t index)
    {
        if (floorActive_ && raw < floor_)
            return;
        items.push_back(Candidate{raw, index});
        if (capacity_ && items.size() >= capacity_)
            trim();
    }
    //! Keeps the best k (unsorted); called when full and before merging.
    void trim();

    std::vector<Candidate> items;
    //! Values of the chunk above the threshold, including those a raised floor skipped.
    int64_t aboveThreshold = 0;

private:
    float threshold_ = 0.f;
    float floor_ = 0.f;
    bool floorActive_ = false;
    int topk_ = 0;
    size_t capacity_ = 0;
};

/** @brief Scans flat positions [begin, end) of one image's score block of a level and pushes every
 *  value > threshold, with its canonical index, into @p out. The common case (nothing above the
 *  threshold) is a vectorised compare of 16 values at a time: the scan runs at memory bandwidth. */
void scanScores(const LevelView& view, const float* block, size_t begin, size_t end, CandidateBuffer& out);

/** @brief Softmax scoring over K+1 channels with a background: scans pixels [pixBegin, pixEnd) and
 *  pushes (probability, index) of foreground classes whose probability passes @p threshold.
 *  An anchor is only normalised when some class is within log(t) of the anchor's max channel. */
void scanSoftmax(const LevelView& view, const float* block, size_t pixBegin, size_t pixEnd, int backgroundChannel,
                 float threshold, bool inclusive, CandidateBuffer& out);

/** @brief Best-first top-k of @p items (all of them when topk <= 0), sorted by betterCandidate. */
void selectTopK(std::vector<Candidate>& items, int topk);

}}

#endif
