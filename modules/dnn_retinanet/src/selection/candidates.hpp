// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_CANDIDATES_HPP
#define DNN_RETINANET_CANDIDATES_HPP

#include "../precomp.hpp"
#include "../layout/head_layout.hpp"

#include <atomic>
#include <limits>

namespace cv { namespace dnn_retinanet {

/** @brief An (anchor, class) pair above the threshold. `index` is the pair's position in
 *  torchvision's (H*W*A, K) flattening, ((y*W + x)*A + a)*K + k, whatever the tensor layout, so that
 *  ordering and ties do not depend on the layout. `raw` is the logit (or the probability for
 *  probability and softmax scoring). */
struct Candidate
{
    Candidate() = default;
    Candidate(float r, uint32_t i) : raw(r), index(i) {}

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

//! The reverse order: std heaps keep the *largest* by their comparator at the front, so a heap by
//! WorseCandidate has the best candidate there.
struct WorseCandidate
{
    inline bool operator()(const Candidate& a, const Candidate& b) const { return BetterCandidate()(b, a); }
};

/** @brief The top-k floor shared by all chunks of one (image, level): the largest k-th best value
 *  any chunk has seen. No value below it can be in the level's top-k (that chunk alone holds k
 *  values that are at least as good), so every chunk of the level may skip such values.
 *
 *  It also carries the level's sampled floor guess (selection/floor_guess.hpp), made once by the
 *  first chunk whose density shows the level is very dense, then used like the floor. Unlike the
 *  floor it is not a proof, so the decoder checks it after the scan. */
struct SharedFloor
{
    std::atomic<float> value{-std::numeric_limits<float>::infinity()};
    std::atomic<float> guess{-std::numeric_limits<float>::infinity()};
    std::atomic<bool> guessTaken{false};

    /** Ready for a new scan of the level's score block [block, block + n). @p allowGuess false:
     *  scan with the exact floor only (the rescan after a failed guess). */
    void reset(const float* block, size_t n, bool allowGuess)
    {
        value.store(-std::numeric_limits<float>::infinity(), std::memory_order_relaxed);
        guess.store(-std::numeric_limits<float>::infinity(), std::memory_order_relaxed);
        guessTaken.store(!allowGuess, std::memory_order_relaxed);
        block_ = block;
        blockSize_ = n;
    }
    float get() const { return value.load(std::memory_order_relaxed); }
    void raise(float v)
    {
        float cur = get();
        while (v > cur && !value.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {}
    }
    float getGuess() const { return guess.load(std::memory_order_relaxed); }
    /** Samples the level for a floor guess, once per scan, when a chunk that has seen a fraction
     *  @p density of its values above the threshold suggests the level has enough candidates
     *  (>= kGuessFromCandidatesOverK * topk) for the guess to save more pushes than it costs. */
    void guessOnce(float threshold, int topk, double density);

private:
    const float* block_ = nullptr;
    size_t blockSize_ = 0;
    std::vector<size_t> lines_; // sampling scratch, kept across calls
};

/** @brief Candidates of one scan chunk. With a top-k, the buffer never holds more than 2k items
 *  (4k once its level has a floor guess): when full it keeps its best k (by BetterCandidate, so ties
 *  cannot pile up) and raises its floor, and the level's SharedFloor, so later values below it are
 *  skipped; scratch memory is O(k) per chunk even when everything passes the threshold. */
class CandidateBuffer
{
public:
    void reset(float threshold, int topk, SharedFloor* shared = nullptr)
    {
        items.clear();
        aboveThreshold = 0;
        scanned = 0;
        threshold_ = threshold;
        topk_ = topk;
        shared_ = topk > 0 ? shared : nullptr;
        floor_ = -std::numeric_limits<float>::infinity();
        // No reserve: spare pooled buffers often receive nothing; used ones grow once and keep
        // their capacity across calls.
        capacity_ = topk > 0 ? (size_t)topk * 2 : 0;
    }
    //! Values must be > threshold; once a floor is known also >= the floor.
    float threshold() const { return threshold_; }
    /** Pulls the level's shared floor in and returns the bound a scan may compare against with `>`:
     *  the threshold, raised to just below the floor or the level's floor guess, whichever is higher
     *  (so dense chunks stop producing pushes). */
    float scanThreshold()
    {
        if (!shared_)
            return bound(floor_);
        floor_ = std::max(floor_, shared_->get());
        const float guess = shared_->getGuess();
        // Under a guess only ~kExpectedOverK * k values of the whole level arrive: room for them
        // all (still O(k)) makes the level's one final selection the only one.
        if (guess != -std::numeric_limits<float>::infinity())
            capacity_ = std::max(capacity_, (size_t)topk_ * kGuessedCapacityOverK);
        return bound(std::max(floor_, guess));
    }
    inline void push(float raw, uint32_t index)
    {
        if (raw < floor_)
            return;
        items.emplace_back(raw, index); // in place: no 2 x 4-byte temporary read back as 8 bytes
        if (capacity_ && items.size() >= capacity_)
            trim();
    }
    //! Keeps the best k (unsorted) and publishes the k-th value as a floor; called when full and
    //! before merging.
    void trim();
    /** After a scan batch of @p n values: once the chunk has seen enough values above the threshold
     *  to know the density (a few hundred), the level may be worth a floor guess. */
    void noteScanned(size_t n)
    {
        scanned += (int64_t)n;
        if (shared_ && aboveThreshold >= kDensityEvidence && !shared_->guessTaken.load(std::memory_order_relaxed))
            shared_->guessOnce(threshold_, topk_, (double)aboveThreshold / (double)scanned);
    }

    std::vector<Candidate> items;
    //! Values of the chunk above the threshold, including those a raised floor skipped.
    int64_t aboveThreshold = 0;
    //! Values the chunk has scanned (with aboveThreshold: the density that decides a floor guess).
    int64_t scanned = 0;

private:
    static const int64_t kDensityEvidence = 512;
    static const int kGuessedCapacityOverK = 4;

    //! The threshold, raised to just below @p floor so that values equal to it still pass.
    float bound(float floor) const
    {
        return floor == -std::numeric_limits<float>::infinity()
                   ? threshold_
                   : std::max(threshold_, std::nextafter(floor, -std::numeric_limits<float>::infinity()));
    }

    float threshold_ = 0.f;
    float floor_ = -std::numeric_limits<float>::infinity();
    int topk_ = 0;
    size_t capacity_ = 0;
    SharedFloor* shared_ = nullptr;
    std::vector<Candidate> scratch_; //!< selectBest's, kept across calls
};

/** @brief Scans flat positions [begin, end) of one image's score block of a level and pushes every
 *  value > threshold, with its canonical index, into @p out. The common case (nothing above the
 *  threshold) is one vectorised test per 64 values (scan_kernels: 128-bit universal intrinsics /
 *  AVX2 / AVX-512, picked at run time): the scan runs at memory bandwidth. */
void scanScores(const LevelView& view, const float* block, size_t begin, size_t end, CandidateBuffer& out);

/** @brief Softmax scoring over K+1 channels with a background: scans pixels [pixBegin, pixEnd) and
 *  pushes (probability, index) of foreground classes whose probability passes @p threshold.
 *  An anchor is only normalised when some class is within log(t) of the anchor's max channel. */
void scanSoftmax(const LevelView& view, const float* block, size_t pixBegin, size_t pixEnd, int backgroundChannel,
                 float threshold, bool inclusive, CandidateBuffer& out);

/** @brief Keeps the best @p topk of @p items (all of them when topk <= 0) as a heap whose front is
 *  the best: takeBest() then yields them best first, paying O(log k) only for those taken (the NMS
 *  usually stops long before the last). */
void selectTopK(std::vector<Candidate>& items, int topk, std::vector<Candidate>& scratch);

//! Removes and returns the best of the heap items[0, size) made by selectTopK; decrements size.
inline Candidate takeBest(std::vector<Candidate>& items, size_t& size)
{
    std::pop_heap(items.begin(), items.begin() + size, WorseCandidate());
    return items[--size];
}

}}

#endif
