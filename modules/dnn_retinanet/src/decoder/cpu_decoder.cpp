// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The CPU decoder: a parallel threshold scan over each level's score block (the only pass that
// touches every value), per-level top-k over the few candidates, box decoding for the survivors
// only, then per-image NMS. Scratch buffers live in the decoder and are reused across calls.

#include "decode_plan.hpp"
#include "../nms/nms.hpp"
#include "../selection/candidates.hpp"

namespace cv { namespace dnn_retinanet {

RetinaNetDecoder::~RetinaNetDecoder() {}

namespace {

// Work unit of the scan: ~256 KB of scores keeps both cores busy even on one level.
const size_t kScanChunk = 1 << 16;

class CpuDecoder CV_FINAL : public RetinaNetDecoder
{
public:
    explicit CpuDecoder(const RetinaNetConfig& config)
        : config_(config), anchors_((config.validate(), config.anchors)), scoring_(config.scoring) {}

    void decode(InputArrayOfArrays outputs, const std::vector<std::string>& outputNames, const Size& inputSize,
                const std::vector<Size>& imageSizes, std::vector<std::vector<Detection> >& detections) CV_OVERRIDE
    {
        run(outputs, outputNames, inputSize, imageSizes);
        detections.resize(plan_.batch);
        for (int n = 0; n < plan_.batch; n++)
        {
            const std::vector<ScoredBox>& boxes = boxes_[n];
            const std::vector<int>& keep = keep_[n];
            std::vector<Detection>& out = detections[n];
            out.resize(keep.size());
            for (size_t i = 0; i < keep.size(); i++)
            {
                const ScoredBox& b = boxes[keep[i]];
                out[i].box = b.box;
                out[i].score = b.score;
                out[i].classId = b.label;
            }
        }
    }

    void decodeToBlob(InputArrayOfArrays outputs, const std::vector<std::string>& outputNames, const Size& inputSize,
                      const std::vector<Size>& imageSizes, OutputArray blob) CV_OVERRIDE
    {
        run(outputs, outputNames, inputSize, imageSizes);
        int total = 0;
        for (int n = 0; n < plan_.batch; n++) total += (int)keep_[n].size();
        const int sz[] = {1, 1, total, 7};
        blob.create(4, sz, CV_32F);
        Mat m = blob.getMat();
        float* p = m.ptr<float>();
        for (int n = 0; n < plan_.batch; n++)
            for (int idx : keep_[n])
            {
                const ScoredBox& b = boxes_[n][idx];
                p[0] = (float)n; p[1] = (float)b.label; p[2] = b.score;
                p[3] = b.box[0]; p[4] = b.box[1]; p[5] = b.box[2]; p[6] = b.box[3];
                p += 7;
            }
    }

    const RetinaNetConfig& getConfig() const CV_OVERRIDE { return config_; }
    void setScoreThreshold(float t) CV_OVERRIDE
    {
        if (!(t >= 0.f && t < 1.f))
            CV_Error(Error::StsOutOfRange, format("dnn_retinanet: score threshold must be in [0, 1), got %g", t));
        config_.selection.scoreThreshold = t;
        config_.selection.levelScoreThresholds.clear();
    }
    void setNmsThreshold(float t) CV_OVERRIDE
    {
        if (!(t > 0.f && t <= 1.f))
            CV_Error(Error::StsOutOfRange, format("dnn_retinanet: NMS threshold must be in (0, 1], got %g", t));
        config_.selection.nmsThreshold = t;
    }
    void setTopK(int k) CV_OVERRIDE { config_.selection.topkPerLevel = k; }
    void setMaxDetections(int m) CV_OVERRIDE { config_.selection.maxDetections = m; }
    void setClassAgnosticNms(bool a) CV_OVERRIDE { config_.selection.classAgnosticNms = a; }
    DecodeStats getLastStats() const CV_OVERRIDE { return stats_; }

private:
    struct WorkItem { int image, level; size_t begin, end; };

    void run(InputArrayOfArrays outputsArr, const std::vector<std::string>& names, const Size& inputSize,
             const std::vector<Size>& imageSizes)
    {
        outputsArr.getMatVector(outputs_);
        makeDecodePlan(config_, anchors_, scoring_, outputs_, names, inputSize, imageSizes, plan_);
        const int N = plan_.batch, L = plan_.numLevels;
        const int topk = config_.selection.topkPerLevel;

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
        if (buffers_.size() < items_.size())
            buffers_.resize(items_.size());

        // 2. Threshold scan (memory bound), in parallel over chunks.
        parallel_for_(Range(0, (int)items_.size()), [&](const Range& r) {
            for (int i = r.start; i < r.end; i++)
            {
                const WorkItem& w = items_[i];
                const LevelView& v = plan_.views[w.level];
                const float* block = v.cls + (size_t)w.image * v.clsImageStride;
                CandidateBuffer& buf = buffers_[i];
                buf.reset(plan_.rawThresholds[w.level], topk);
                if (scoring_.isSoftmax())
                    scanSoftmax(v, block, w.begin, w.end, config_.scoring.backgroundChannel,
                                plan_.probThresholds[w.level], config_.selection.thresholdInclusive, buf);
                else
                    scanScores(v, block, w.begin, w.end, buf);
            }
        });

        // 3. Per (image, level): merge chunks, top-k. Counted before the top-k for the stats.
        levelCandidates_.resize(N * L);
        candidateCounts_.assign(N * L, 0);
        parallel_for_(Range(0, N * L), [&](const Range& r) {
            for (int g = r.start; g < r.end; g++)
            {
                std::vector<Candidate>& cands = levelCandidates_[g];
                cands.clear();
                int64 above = 0;
                for (int i = groupBegin_[g]; i < groupBegin_[g + 1]; i++)
                {
                    buffers_[i].trim();
                    cands.insert(cands.end(), buffers_[i].items.begin(), buffers_[i].items.end());
                    above += buffers_[i].aboveThreshold;
                }
                candidateCounts_[g] = above;
                selectTopK(cands, topk);
            }
        });

        // 4. Per image: decode the survivors, clip, NMS.
        boxes_.resize(N);
        keep_.resize(N);
        nmsScratch_.resize(N);
        nonFinite_.assign(N, 0);
        parallel_for_(Range(0, N), [&](const Range& r) {
            for (int n = r.start; n < r.end; n++)
                decodeImage(n);
        });

        stats_ = DecodeStats();
        for (int l = 0; l < L; l++)
            stats_.scanned += (int64)plan_.views[l].clsBlockSize() * N;
        for (int g = 0; g < N * L; g++)
        {
            stats_.candidates += candidateCounts_[g];
            stats_.afterTopk += (int64)levelCandidates_[g].size();
        }
        for (int n = 0; n < N; n++)
        {
            stats_.nonFinite += nonFinite_[n];
            stats_.detections += (int64)keep_[n].size();
        }
    }

    void decodeImage(int n)
    {
        const int L = plan_.numLevels;
        const int clip = config_.boxCoding.clip;
        const Vec2f clipMax = plan_.clipMax[n];
        std::vector<ScoredBox>& boxes = boxes_[n];
        boxes.clear();
        for (int l = 0; l < L; l++)
            for (const Candidate& c : levelCandidates_[n * L + l])
            {
                ScoredBox b;
                decodeCandidateBox(plan_, anchors_, n, l, c.index, &b.box[0]);
                if (!boxmath::isFiniteBox(&b.box[0]))
                {
                    nonFinite_[n]++;
                    continue;
                }
                if (clip == CLIP_BEFORE_NMS)
                    boxmath::clipBox(&b.box[0], clipMax[0], clipMax[1]);
                b.raw = c.raw;
                b.score = scoring_.score(c.raw);
                b.label = (int)(c.index % (uint32_t)plan_.numClasses);
                b.order = ((uint64_t)l << 32) | c.index;
                boxes.push_back(b);
            }
        const SelectionConfig& s = config_.selection;
        nonMaximumSuppression(boxes, s.nmsThreshold, s.classAgnosticNms, s.nmsPlusOne, s.maxDetections,
                              keep_[n], nmsScratch_[n]);
        if (clip == CLIP_AFTER_NMS)
        {
            // detectron2 detector_postprocess: cut to max detections, then clip and drop empty boxes.
            std::vector<int>& keep = keep_[n];
            size_t out = 0;
            for (size_t i = 0; i < keep.size(); i++)
            {
                Vec4f& b = boxes[keep[i]].box;
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
    std::vector<int> groupBegin_;
    std::vector<CandidateBuffer> buffers_;
    std::vector<std::vector<Candidate> > levelCandidates_;
    std::vector<int64> candidateCounts_;
    std::vector<std::vector<ScoredBox> > boxes_;
    std::vector<std::vector<int> > keep_, nmsScratch_;
    std::vector<int64> nonFinite_;
};

} // namespace

Ptr<RetinaNetDecoder> RetinaNetDecoder::create(const RetinaNetConfig& config)
{
    return makePtr<CpuDecoder>(config);
}

}}
