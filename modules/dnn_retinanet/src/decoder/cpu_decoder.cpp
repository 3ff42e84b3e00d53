// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The CPU decoder: a parallel threshold scan over each level's score block (the only pass that
// touches every value; dense levels get a sampled top-k floor guess, checked afterwards), per-level
// top-k over the few candidates (done by whichever thread finishes the level's last unit, while the
// others still scan), then per-image NMS that takes the survivors best first, decodes a box only
// when it reaches it and stops at max detections. Scratch buffers live in the decoder and are reused.

#include "decode_plan.hpp"
#include "selection_setters.hpp"
#include "../busy_guard.hpp"
#include "../nms/nms.hpp"
#include "../selection/candidates.hpp"

#include <memory>
#include <thread>

namespace cv { namespace dnn_retinanet {

RetinaNetDecoder::~RetinaNetDecoder() {}

namespace {

// Work unit of the scan: 128 K scores (512 KB), handed out one by one so the threads stay balanced.
// A unit borrows one of its level's few pooled candidate buffers, so a dense level raises its top-k
// floor over everything a buffer has seen, and the merge has a few buffers per level, not hundreds.
const size_t kScanChunk = 1 << 17;

//! A pooled candidate buffer, borrowed by one scan unit at a time.
struct PooledBuffer
{
    CandidateBuffer buffer;
    std::atomic<bool> busy{false};

    bool tryAcquire()
    {
        bool expected = false;
        return !busy.load(std::memory_order_relaxed) &&
               busy.compare_exchange_strong(expected, true, std::memory_order_acquire);
    }
    void release() { busy.store(false, std::memory_order_release); }
};

//! Per (image, level): the shared top-k floor (and floor guess), the count of units still to scan.
struct LevelSync
{
    SharedFloor floor;
    std::atomic<int> unitsLeft{0};
    bool guessFailed = false;             //!< set by selectLevel: the level must be rescanned
    std::vector<Candidate> selectScratch; //!< the level's top-k scratch, kept across calls
};

class CpuDecoder CV_FINAL : public RetinaNetDecoder
{
public:
    explicit CpuDecoder(const RetinaNetConfig& config)
        : config_(config), anchors_((config.validate(), config.anchors)), scoring_(config.scoring) {}

    void decode(InputArrayOfArrays outputs, const std::vector<std::string>& outputNames, const Size& inputSize,
                const std::vector<Size>& imageSizes, std::vector<std::vector<Detection> >& detections) CV_OVERRIDE
    {
        decode(outputs, outputNames, inputSize, imageSizes, std::vector<FrameInfo>(), detections);
    }

    void decode(InputArrayOfArrays outputs, const std::vector<std::string>& outputNames, const Size& inputSize,
                const std::vector<Size>& imageSizes, const std::vector<FrameInfo>& frames,
                std::vector<std::vector<Detection> >& detections) CV_OVERRIDE
    {
        detail::BusyGuard busy(busy_, "RetinaNetDecoder::decode");
        run(outputs, outputNames, inputSize, imageSizes, frames);
        detections.resize(plan_.batch);
        for (int n = 0; n < plan_.batch; n++)
        {
            const std::vector<ScoredBox*>& keep = keep_[n];
            std::vector<Detection>& out = detections[n];
            out.resize(keep.size());
            for (size_t i = 0; i < keep.size(); i++)
            {
                const ScoredBox& b = *keep[i];
                out[i].box = b.box;
                out[i].score = b.score;
                out[i].classId = b.label;
            }
        }
    }

    void decodeToBlob(InputArrayOfArrays outputs, const std::vector<std::string>& outputNames, const Size& inputSize,
                      const std::vector<Size>& imageSizes, OutputArray blob) CV_OVERRIDE
    {
        decodeToBlob(outputs, outputNames, inputSize, imageSizes, std::vector<FrameInfo>(), blob);
    }

    void decodeToBlob(InputArrayOfArrays outputs, const std::vector<std::string>& outputNames, const Size& inputSize,
                      const std::vector<Size>& imageSizes, const std::vector<FrameInfo>& frames,
                      OutputArray blob) CV_OVERRIDE
    {
        detail::BusyGuard busy(busy_, "RetinaNetDecoder::decodeToBlob");
        run(outputs, outputNames, inputSize, imageSizes, frames);
        int total = 0;
        for (int n = 0; n < plan_.batch; n++) total += (int)keep_[n].size();
        const int sz[] = {1, 1, total, 7};
        blob.create(4, sz, CV_32F);
        Mat m = blob.getMat();
        float* p = m.ptr<float>();
        for (int n = 0; n < plan_.batch; n++)
            for (const ScoredBox* kept : keep_[n])
            {
                const ScoredBox& b = *kept;
                p[0] = (float)n; p[1] = (float)b.label; p[2] = b.score;
                p[3] = b.box[0]; p[4] = b.box[1]; p[5] = b.box[2]; p[6] = b.box[3];
                p += 7;
            }
    }

    const RetinaNetConfig& getConfig() const CV_OVERRIDE { return config_; }
    void setScoreThreshold(float t) CV_OVERRIDE { detail::setScoreThreshold(config_.selection, t); }
    void setNmsThreshold(float t) CV_OVERRIDE { detail::setNmsThreshold(config_.selection, t); }
    void setTopK(int k) CV_OVERRIDE { detail::setTopK(config_.selection, k); }
    void setMaxDetections(int m) CV_OVERRIDE { detail::setMaxDetections(config_.selection, m); }
    void setClassAgnosticNms(bool a) CV_OVERRIDE { detail::setClassAgnosticNms(config_.selection, a); }
    DecodeStats getLastStats() const CV_OVERRIDE { return stats_; }

private:
    std::atomic<bool> busy_{false};
    struct WorkItem { int image, level; size_t begin, end; };

    void run(InputArrayOfArrays outputsArr, const std::vector<std::string>& names, const Size& inputSize,
             const std::vector<Size>& imageSizes, const std::vector<FrameInfo>& frames)
    {
        outputsArr.getMatVector(outputs_);
        makeDecodePlan(config_, anchors_, scoring_, outputs_, names, inputSize, imageSizes, frames, plan_);
        const int N = plan_.batch, L = plan_.numLevels;

        // 1. Work items: chunks of every (image, level) block.
        items_.clear();
        groupBegin_.assign(N * L + 1, 0);
        for (int n = 0; n < N; n++)
            for (int l = 0; l < L; l++)
            {
                groupBegin_[n * L + l] = (int)items_.size();
                const LevelView& v = plan_.views[l];
                const size_t total = scoring_.isSoftmax() ? v.pixels() : v.clsBlockSize();
                const size_t unit = scoring_.isSoftmax() ? std::max<size_t>(1, kScanChunk / ((size_t)v.A * v.C)) : kScanChunk;
                for (size_t b = 0; b < total; b += unit)
                    items_.push_back(WorkItem{n, l, b, std::min(total, b + unit)});
            }
        groupBegin_[N * L] = (int)items_.size();
        // As many pooled buffers per level as threads can scan it at once (+1: the caller may join).
        poolPerGroup_ = getNumThreads() + 1;
        const size_t poolSize = (size_t)N * L * poolPerGroup_;
        if (poolCapacity_ < poolSize)
        {
            pool_.reset(new PooledBuffer[poolSize]);
            poolCapacity_ = poolSize;
        }
        if (syncCapacity_ < (size_t)(N * L))
        {
            sync_.reset(new LevelSync[N * L]);
            syncCapacity_ = (size_t)(N * L);
        }
        levelCandidates_.resize(N * L);
        levelBoxes_.resize(N * L);
        heapSize_.assign(N * L, 0);
        candidateCounts_.assign(N * L, 0);
        nonFinite_.assign(N * L, 0);
        for (int g = 0; g < N * L; g++)
            resetGroup(g, true);

        // 2. Threshold scan (memory bound), in parallel over chunks (3. runs inside it).
        parallel_for_(Range(0, (int)items_.size()), [&](const Range& r) {
            for (int i = r.start; i < r.end; i++)
                scanUnit(items_[i]);
        });

        // 2b. Levels whose sampled floor guess proved too high (rare): scanned again without it.
        rescanned_ = 0;
        std::vector<WorkItem>& retry = retryItems_;
        retry.clear();
        for (int g = 0; g < N * L; g++)
            if (sync_[g].guessFailed)
            {
                resetGroup(g, false);
                retry.insert(retry.end(), items_.begin() + groupBegin_[g], items_.begin() + groupBegin_[g + 1]);
                rescanned_++;
            }
        if (!retry.empty())
            parallel_for_(Range(0, (int)retry.size()), [&](const Range& r) {
                for (int i = r.start; i < r.end; i++)
                    scanUnit(retry[i]);
            });

        // 4. Per image: NMS over the levels' lists.
        keep_.resize(N);
        nmsScratch_.resize(N);
        parallel_for_(Range(0, N), [&](const Range& r) {
            for (int n = r.start; n < r.end; n++)
                suppressImage(n);
        });

        stats_ = DecodeStats();
        for (int l = 0; l < L; l++)
            stats_.scanned += (int64)plan_.views[l].clsBlockSize() * N;
        for (int g = 0; g < N * L; g++)
        {
            stats_.candidates += candidateCounts_[g];
            stats_.afterTopk += (int64)levelCandidates_[g].size();
        }
        for (int g = 0; g < N * L; g++)
            stats_.nonFinite += nonFinite_[g];
        for (int n = 0; n < N; n++)
            stats_.detections += (int64)keep_[n].size();
        stats_.rescans = rescanned_;
    }

    //! Ready to scan group g = (image, level) from scratch; @p allowGuess false for a rescan.
    void resetGroup(int g, bool allowGuess)
    {
        LevelSync& sync = sync_[g];
        sync.unitsLeft.store(groupBegin_[g + 1] - groupBegin_[g], std::memory_order_relaxed);
        const int L = plan_.numLevels;
        const LevelView& v = plan_.views[g % L];
        // Softmax scoring pushes probabilities, not the block's values: no guess there.
        sync.floor.reset(v.cls + (size_t)(g / L) * v.clsImageStride, v.clsBlockSize(), allowGuess && !scoring_.isSoftmax());
        sync.guessFailed = false;
        const float threshold = plan_.rawThresholds[g % L];
        for (int j = 0; j < poolPerGroup_; j++)
        {
            PooledBuffer& p = pool_[(size_t)g * poolPerGroup_ + j];
            p.buffer.reset(threshold, config_.selection.topkPerLevel, &sync.floor);
            p.busy.store(false, std::memory_order_relaxed); // even if a previous call threw mid-scan
        }
    }

    //! Scans one unit; the last unit of its (image, level) then selects the level's top-k.
    void scanUnit(const WorkItem& w)
    {
        const int L = plan_.numLevels;
        const LevelView& v = plan_.views[w.level];
        const float* block = v.cls + (size_t)w.image * v.clsImageStride;
        const int g = w.image * L + w.level;
        PooledBuffer& pooled = acquire(g);
        CandidateBuffer& buf = pooled.buffer;
        if (scoring_.isSoftmax())
            scanSoftmax(v, block, w.begin, w.end, config_.scoring.backgroundChannel, plan_.probThresholds[w.level],
                        config_.selection.thresholdInclusive, buf);
        else
            scanScores(v, block, w.begin, w.end, buf);
        pooled.release();
        // 3. The unit that finishes its (image, level) selects that level's top-k, while the other
        //    threads still scan other levels.
        if (sync_[g].unitsLeft.fetch_sub(1, std::memory_order_acq_rel) == 1)
            selectLevel(g);
    }

    /** A free pooled buffer of group g. There is one more than the threads that can scan at once,
     *  so the first pass finds one; should a runtime ever run more, a holder frees one within a unit. */
    PooledBuffer& acquire(int g)
    {
        PooledBuffer* slots = &pool_[(size_t)g * poolPerGroup_];
        for (;;)
        {
            for (int j = 0; j < poolPerGroup_; j++)
                if (slots[j].tryAcquire())
                    return slots[j];
            std::this_thread::yield();
        }
    }

    //! Merges the buffers of group g = (image, level) and keeps its top-k, best first on demand.
    void selectLevel(int g)
    {
        const int L = plan_.numLevels;
        const int topk = config_.selection.topkPerLevel;
        std::vector<Candidate>& cands = levelCandidates_[g];
        cands.clear();
        int64 above = 0; // counted before the top-k, for the stats
        auto take = [&](CandidateBuffer& b) {
            // Only values at or above the level's final floor can still be in its top-k (one
            // selection over the merged survivors, not one per buffer).
            const float floor = sync_[g].floor.get();
            for (const Candidate& c : b.items)
                if (c.raw >= floor)
                    cands.push_back(c);
            above += b.aboveThreshold;
        };
        for (int j = 0; j < poolPerGroup_; j++)
            take(pool_[(size_t)g * poolPerGroup_ + j].buffer);
        candidateCounts_[g] = above;
        // The guess skipped values below it: exact only if the level has >= k values at or above it
        // (proved by the floor having reached it, or by counting them).
        const float guess = sync_[g].floor.getGuess();
        if (guess > plan_.rawThresholds[g % L] && !(sync_[g].floor.get() >= guess))
        {
            size_t atOrAbove = 0;
            for (const Candidate& c : cands)
                atOrAbove += c.raw >= guess;
            if (atOrAbove < (size_t)topk)
            {
                sync_[g].guessFailed = true;
                cands.clear();
                heapSize_[g] = 0;
                return;
            }
        }
        selectTopK(cands, topk, sync_[g].selectScratch);
        heapSize_[g] = cands.size();
    }

    /** One image's per-level top-k lists as NMS input: each level's survivors come out of their heap
     *  best first, and a box is decoded (mapped to the frame, clipped before NMS and size-filtered,
     *  as configured) only when taken. */
    class LevelLists CV_FINAL : public NmsLists
    {
    public:
        LevelLists(CpuDecoder& d, int n) : d_(d), n_(n), g0_(n * d.plan_.numLevels) {}

        int count() const CV_OVERRIDE { return d_.plan_.numLevels; }
        bool head(int l, ScoredBox& keys) CV_OVERRIDE
        {
            if (d_.heapSize_[g0_ + l] == 0)
                return false;
            const std::vector<Candidate>& heap = d_.levelCandidates_[g0_ + l];
            const Candidate& c = heap.front();
            // The head and the two next in line (its heap children): their deltas are loading while
            // the NMS works on other boxes.
            for (size_t i = 0; i < 3 && i < d_.heapSize_[g0_ + l]; i++)
                prefetchCandidateBox(d_.plan_, n_, l, heap[i].index);
            keys.raw = c.raw;
            keys.score = d_.scoring_.score(c.raw);
            keys.label = (int)(c.index % (uint32_t)d_.plan_.numClasses);
            keys.order = ((uint64_t)l << 32) | c.index;
            return true;
        }
        ScoredBox* take(int l, const ScoredBox& keys) CV_OVERRIDE
        {
            const int g = g0_ + l;
            const Candidate c = takeBest(d_.levelCandidates_[g], d_.heapSize_[g]);
            ScoredBox b = keys;
            decodeCandidateBox(d_.plan_, d_.anchors_, n_, l, c.index, &b.box[0]);
            const DecodePlan& p = d_.plan_;
            const int ready = boxmath::prepareForNms(&b.box[0], p.frameSpace, p.frameScale[n_][0], p.frameScale[n_][1],
                                                     d_.config_.boxCoding.clip == CLIP_BEFORE_NMS, p.clipMax[n_][0],
                                                     p.clipMax[n_][1], p.minSizeFilter, p.minBoxSize);
            if (ready != boxmath::BOX_READY)
            {
                if (ready == boxmath::BOX_NOT_FINITE)
                    d_.nonFinite_[g]++;
                return nullptr;
            }
            std::vector<ScoredBox>& boxes = d_.levelBoxes_[g];
            CV_DbgAssert(boxes.size() < boxes.capacity()); // reserved: kept pointers stay valid
            boxes.push_back(b);
            return &boxes.back();
        }

    private:
        CpuDecoder& d_;
        const int n_, g0_;
    };

    void suppressImage(int n)
    {
        const int L = plan_.numLevels;
        const int clip = config_.boxCoding.clip;
        const Vec2f clipMax = plan_.clipMax[n];
        const SelectionConfig& s = config_.selection;
        // NMS merges the levels best first and stops at max detections; boxes are decoded as it goes
        // (room for every survivor up front, so the kept pointers stay valid).
        for (int l = 0; l < L; l++)
        {
            levelBoxes_[n * L + l].clear();
            levelBoxes_[n * L + l].reserve(heapSize_[n * L + l]);
        }
        LevelLists lists(*this, n);
        nonMaximumSuppression(lists, plan_.numClasses, s.nmsThreshold, s.nmsInclusive, s.classAgnosticNms, s.nmsPlusOne,
                              s.maxDetections, keep_[n], nmsScratch_[n]);
        if (clip == CLIP_AFTER_NMS)
        {
            // detectron2 detector_postprocess: cut to max detections, then clip and drop empty boxes.
            std::vector<ScoredBox*>& keep = keep_[n];
            size_t out = 0;
            for (size_t i = 0; i < keep.size(); i++)
            {
                Vec4f& b = keep[i]->box;
                boxmath::clipBox(&b[0], clipMax[0], clipMax[1]);
                if (b[2] > b[0] && b[3] > b[1])
                    keep[out++] = keep[i];
            }
            keep.resize(out);
        }
    }

    RetinaNetConfig config_;
    AnchorGenerator anchors_;
    ScoreTransform scoring_;
    DecodePlan plan_;
    DecodeStats stats_;

    // Reused scratch (capacity kept across calls).
    std::vector<Mat> outputs_;
    std::vector<WorkItem> items_;
    std::vector<WorkItem> retryItems_;
    int rescanned_ = 0;
    std::vector<int> groupBegin_;
    std::unique_ptr<PooledBuffer[]> pool_;
    size_t poolCapacity_ = 0;
    int poolPerGroup_ = 0;
    std::unique_ptr<LevelSync[]> sync_;
    size_t syncCapacity_ = 0;
    std::vector<std::vector<Candidate> > levelCandidates_;
    std::vector<int64> candidateCounts_;
    std::vector<size_t> heapSize_; //!< survivors of each level's top-k not yet taken by the NMS
    std::vector<std::vector<ScoredBox> > levelBoxes_;
    std::vector<std::vector<ScoredBox*> > keep_;
    std::vector<NmsScratch> nmsScratch_;
    std::vector<int64> nonFinite_;
};

} // namespace

Ptr<RetinaNetDecoder> RetinaNetDecoder::create(const RetinaNetConfig& config)
{
    return makePtr<CpuDecoder>(config);
}

}}
