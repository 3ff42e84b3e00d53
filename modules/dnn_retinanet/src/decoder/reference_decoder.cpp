// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The reference decoder: the post-processing of a RetinaNet in its plainest form (see the header).
// Doubles for the boxes and IoU, every value activated, std::sort and pairwise NMS.

#include "reference_decoder.hpp"
#include "../anchors/anchor_generator.hpp"

#include <algorithm>
#include <cmath>

namespace cv { namespace dnn_retinanet {

namespace {

struct RefCand { double score; float raw; int level; long idx; int label; double box[4]; };

void decodeDouble(const RetinaNetConfig& c, const Vec4f& an, const float* raw, double* out)
{
    const BoxCodingConfig& b = c.boxCoding;
    double d[4];
    for (int i = 0; i < 4; i++) d[i] = (double)raw[i] * b.stds[i] + b.means[i];
    const double e = b.plusOne != PLUS_ONE_NONE ? 1 : 0;
    const double w = an[2] - an[0] + e, h = an[3] - an[1] + e;
    if (b.type == BOX_CODING_CORNERS)
    {
        out[0] = an[0] + d[0] * w; out[1] = an[1] + d[1] * h; out[2] = an[2] + d[2] * w; out[3] = an[3] + d[3] * h;
        return;
    }
    for (int i = 2; i < 4; i++)
    {
        if (b.clamp != DELTA_CLAMP_NONE) d[i] = std::min(d[i], (double)b.clampValue);
        if (b.clamp == DELTA_CLAMP_SYMMETRIC) d[i] = std::max(d[i], -(double)b.clampValue);
    }
    const double shift = b.plusOne == PLUS_ONE_SYMMETRIC ? 0.5 : 0.0;
    const double cx = an[0] + 0.5 * w - shift + d[0] * w, cy = an[1] + 0.5 * h - shift + d[1] * h;
    const double pw = std::exp(d[2]) * w, ph = std::exp(d[3]) * h;
    if (b.plusOne == PLUS_ONE_SYMMETRIC)
    {
        const double hw = 0.5 * std::max(pw - 1, 0.0), hh = 0.5 * std::max(ph - 1, 0.0);
        out[0] = cx - hw; out[1] = cy - hh; out[2] = cx + hw; out[3] = cy + hh;
        return;
    }
    out[0] = cx - 0.5 * pw; out[1] = cy - 0.5 * ph; out[2] = cx + 0.5 * pw - e; out[3] = cy + 0.5 * ph - e;
}

double iouDouble(const double* a, const double* b, double e)
{
    const double iw = std::max(0.0, std::min(a[2], b[2]) - std::max(a[0], b[0]) + e);
    const double ih = std::max(0.0, std::min(a[3], b[3]) - std::max(a[1], b[1]) + e);
    const double inter = iw * ih;
    return inter / ((a[2] - a[0] + e) * (a[3] - a[1] + e) + (b[2] - b[0] + e) * (b[3] - b[1] + e) - inter);
}

} // namespace

std::vector<Detection> referenceDecode(const RetinaNetConfig& c, const std::vector<Mat>& nchwCls,
                                      const std::vector<Mat>& nchwBox, const Size& inputSize, const Size& imageSize,
                                      const FrameInfo* frameInfo, int n)
{
    c.validate();
    AnchorGenerator gen(c.anchors);
    const int L = (int)nchwCls.size(), A = gen.numAnchors(), K = c.numClasses, C = c.channelsPerAnchor();
    CV_Assert(L == gen.numLevels() && (int)nchwBox.size() == L);
    const SelectionConfig& s = c.selection;
    std::vector<RefCand> all;
    for (int l = 0; l < L; l++)
    {
        CV_Assert(nchwCls[l].dims == 4 && nchwCls[l].type() == CV_32F && nchwCls[l].isContinuous() &&
                  nchwCls[l].size[1] == A * C && n < nchwCls[l].size[0]);
        const int H = nchwCls[l].size[2], W = nchwCls[l].size[3];
        CV_Assert(nchwBox[l].dims == 4 && nchwBox[l].type() == CV_32F && nchwBox[l].isContinuous() &&
                  nchwBox[l].size[1] == A * 4 && nchwBox[l].size[2] == H && nchwBox[l].size[3] == W);
        const float* cls = nchwCls[l].ptr<float>() + (size_t)n * A * C * H * W;
        const float* box = nchwBox[l].ptr<float>() + (size_t)n * A * 4 * H * W;
        const LevelGrid g = gen.grid(l, Size(W, H), inputSize);
        const float t = s.levelThreshold(l);
        std::vector<RefCand> level;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int a = 0; a < A; a++)
                {
                    const int pix = y * W + x;
                    // (1) activate: softmax over the K+1 channels of the anchor, else per value
                    double lse = 0, m = -1e300;
                    if (c.scoring.activation == SCORE_SOFTMAX)
                    {
                        for (int ch = 0; ch < C; ch++) m = std::max(m, (double)cls[(size_t)(a * C + ch) * H * W + pix]);
                        for (int ch = 0; ch < C; ch++) lse += std::exp(cls[(size_t)(a * C + ch) * H * W + pix] - m);
                    }
                    for (int k = 0, ch = 0; ch < C; ch++)
                    {
                        if (c.scoring.activation == SCORE_SOFTMAX && ch == c.scoring.backgroundChannel) continue;
                        const float raw = cls[(size_t)(a * C + ch) * H * W + pix];
                        RefCand rc;
                        rc.raw = raw;
                        rc.score = c.scoring.activation == SCORE_SOFTMAX ? (float)(std::exp(raw - m) / lse)
                                                                         : scoreFromRaw(c.scoring, raw);
                        rc.level = l;
                        rc.idx = ((long)pix * A + a) * K + k;
                        rc.label = k++;
                        float r[4];
                        for (int i = 0; i < 4; i++) r[i] = box[(size_t)(a * 4 + i) * H * W + pix];
                        const Vec4f an = AnchorGenerator::anchorAt(gen.cellAnchors(l)[a], g, y, x);
                        decodeDouble(c, an, r, rc.box);
                        // (4) decode, in double, from the anchor of (level, y, x, a)
                        // (2) threshold (AP-loss: after the top-k)
                        const bool pass = s.thresholdInclusive ? rc.score >= t : rc.score > t;
                        if (s.order == SELECT_TOPK_THEN_THRESHOLD || pass)
                            level.push_back(rc);
                    }
                }
        // (3) the level's top-k, ties broken by the canonical index (pixel, anchor, class)
        std::sort(level.begin(), level.end(), [](const RefCand& a, const RefCand& b) {
            return a.score != b.score ? a.score > b.score : a.idx < b.idx;
        });
        if (s.topkPerLevel > 0 && (int)level.size() > s.topkPerLevel) level.resize(s.topkPerLevel);
        for (const RefCand& rc : level)
            if (s.order == SELECT_THRESHOLD_THEN_TOPK || (s.thresholdInclusive ? rc.score >= t : rc.score > t))
                all.push_back(rc);
    }
    // (5) The frame of the image (none: the valid image, scale 1). In frame space every box is divided
    // by the scale first, and clipped to the frame.
    const bool frameSpace = c.boxCoding.clipSpace == CLIP_SPACE_FRAME;
    const FrameInfo frame = frameInfo ? *frameInfo : FrameInfo(imageSize, 1, 1);
    if (frameSpace)
        for (RefCand& rc : all)
        {
            rc.box[0] /= frame.scaleX; rc.box[2] /= frame.scaleX;
            rc.box[1] /= frame.scaleY; rc.box[3] /= frame.scaleY;
        }
    const Size clipSize = frameSpace ? frame.frameSize
                                     : c.boxCoding.clipTarget == CLIP_TO_INPUT ? inputSize : imageSize;
    const double mx = clipSize.width - c.boxCoding.clipMaxOffset, my = clipSize.height - c.boxCoding.clipMaxOffset;
    auto clip = [&](double* b) {
        b[0] = std::min(std::max(b[0], 0.0), mx); b[2] = std::min(std::max(b[2], 0.0), mx);
        b[1] = std::min(std::max(b[1], 0.0), my); b[3] = std::min(std::max(b[3], 0.0), my);
    };
    // (6) clip
    if (c.boxCoding.clip == CLIP_BEFORE_NMS)
        for (RefCand& rc : all) clip(rc.box);
    if (s.minBoxSize >= 0)
    {
        // (7) mmdetection: keep w > min and h > min, in frame pixels
        const double sx = frameSpace ? 1.0 : frame.scaleX, sy = frameSpace ? 1.0 : frame.scaleY;
        std::vector<RefCand> large;
        for (const RefCand& rc : all)
            if ((rc.box[2] - rc.box[0]) / sx > s.minBoxSize && (rc.box[3] - rc.box[1]) / sy > s.minBoxSize)
                large.push_back(rc);
        all.swap(large);
    }
    // (8) greedy NMS over all levels, best first (stable: level order, then the level's order)
    std::stable_sort(all.begin(), all.end(), [](const RefCand& a, const RefCand& b) { return a.score > b.score; });
    std::vector<RefCand> kept;
    const double e = s.nmsPlusOne ? 1 : 0;
    for (const RefCand& rc : all)
    {
        bool suppressed = false;
        for (const RefCand& k : kept)
            if (s.classAgnosticNms || k.label == rc.label)
            {
                const double iou = iouDouble(k.box, rc.box, e);
                suppressed = suppressed || (s.nmsInclusive ? iou >= s.nmsThreshold : iou > s.nmsThreshold);
            }
        if (!suppressed) kept.push_back(rc);
    }
    // (9) max detections; clip after NMS (detectron2), dropping boxes it empties
    if (s.maxDetections > 0 && (int)kept.size() > s.maxDetections) kept.resize(s.maxDetections);
    std::vector<Detection> out;
    for (RefCand& rc : kept)
    {
        if (c.boxCoding.clip == CLIP_AFTER_NMS)
        {
            clip(rc.box);
            if (!(rc.box[2] > rc.box[0] && rc.box[3] > rc.box[1])) continue;
        }
        Detection d;
        d.box = Vec4f((float)rc.box[0], (float)rc.box[1], (float)rc.box[2], (float)rc.box[3]);
        d.score = (float)rc.score;
        d.classId = rc.label;
        out.push_back(d);
    }
    return out;
}

}}
