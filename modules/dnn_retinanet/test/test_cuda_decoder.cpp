// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The CUDA decoder against the CPU decoder (the reference semantics): same detections in the same
// order, same counters, on torchvision's reference cases, random heads in every layout, every
// preset, batches, ties, empty and dense inputs. Without a CUDA device (or in a build without
// CUDA) every test that needs one is skipped with the reason.
#include "test_precomp.hpp"
#include "decoder_test_utils.hpp"

#include <opencv2/dnn_retinanet/cuda_decoder.hpp>

#include <climits>
#include <functional>
#include <limits>

#ifdef DNN_RETINANET_WITH_CUDA
#include <cuda_runtime.h>
#endif

namespace opencv_test { namespace {

//! Empty when the CUDA decoder can run here, else the reason it cannot.
std::string cudaUnavailable()
{
#ifndef DNN_RETINANET_WITH_CUDA
    return "the module was built without CUDA (configure with -DDNN_RETINANET_WITH_CUDA=ON)";
#else
    if (!CudaRetinaNetDecoder::isAvailable())
    {
        int count = 0;
        const cudaError_t e = cudaGetDeviceCount(&count);
        cudaGetLastError();
        return e != cudaSuccess ? std::string("cudaGetDeviceCount: ") + cudaGetErrorString(e)
                                : std::string("the CUDA runtime reports 0 devices");
    }
    return std::string();
#endif
}

#define DNN_RETINANET_SKIP_WITHOUT_CUDA()                          \
    do {                                                           \
        const std::string why_ = cudaUnavailable();                \
        if (!why_.empty())                                         \
            GTEST_SKIP() << "no CUDA device: " << why_;            \
    } while (0)

struct Decoded
{
    std::vector<std::vector<Detection> > dets;
    DecodeStats stats;
};

Decoded decodeCpu(const RetinaNetConfig& c, const std::vector<Mat>& outputs, const std::vector<std::string>& names,
                  Size inputSize, const std::vector<Size>& imageSizes,
                  const std::vector<FrameInfo>& frames = std::vector<FrameInfo>())
{
    Ptr<RetinaNetDecoder> dec = RetinaNetDecoder::create(c);
    Decoded d;
    dec->decode(outputs, names, inputSize, imageSizes, frames, d.dets);
    d.stats = dec->getLastStats();
    return d;
}

Decoded decodeCuda(const Ptr<CudaRetinaNetDecoder>& dec, const std::vector<Mat>& outputs,
                   const std::vector<std::string>& names, Size inputSize, const std::vector<Size>& imageSizes,
                   const std::vector<FrameInfo>& frames = std::vector<FrameInfo>())
{
    Decoded d;
    if (frames.empty())
        dec->decodeHost(outputs, names, inputSize, imageSizes, d.dets); // the overload without frames
    else
        dec->decodeHost(outputs, names, inputSize, imageSizes, frames, d.dets);
    d.stats = dec->getLastStats();
    return d;
}

/** Same detections (sameDetections: count, class, score within 1e-5, IoU >= 0.9999) and, since
 *  both decoders break ties the same way, in the same order; same counters. The CPU's `candidates`
 *  is counted after its per-chunk top-k trimming (a chunk holding 2k candidates drops those below
 *  its k-th), so it is only exact below 2k candidates or without top-k; the CUDA decoder counts
 *  every value above the threshold. */
::testing::AssertionResult sameAsCpu(const Decoded& cpu, const Decoded& gpu, int topk)
{
    if (cpu.dets.size() != gpu.dets.size())
        return ::testing::AssertionFailure() << "batch size differs: CPU " << cpu.dets.size() << ", CUDA " << gpu.dets.size();
    for (size_t n = 0; n < cpu.dets.size(); n++)
    {
        ::testing::AssertionResult same = sameDetections(cpu.dets[n], gpu.dets[n], 1e-5, 0.9999);
        if (!same)
            return ::testing::AssertionFailure() << "image " << n << ": " << same.message();
        for (size_t i = 0; i < cpu.dets[n].size(); i++)
        {
            const Detection &a = cpu.dets[n][i], &b = gpu.dets[n][i];
            if (a.classId != b.classId || std::abs(a.score - b.score) > 1e-5 || boxIoU(a.box, b.box) < 0.9999)
                return ::testing::AssertionFailure()
                       << "image " << n << ", detection #" << i << " differs in order: CPU (class " << a.classId
                       << ", score " << a.score << ", box " << a.box << "), CUDA (class " << b.classId << ", score "
                       << b.score << ", box " << b.box << ")";
        }
    }
    const DecodeStats &s = cpu.stats, &t = gpu.stats;
    const bool candidatesExact = topk <= 0 || t.candidates < 2 * (int64)topk;
    // The CPU decodes only the boxes its NMS reaches (it stops at max detections), CUDA all top-k
    // survivors: the CPU's non-finite boxes are a subset.
    if (s.scanned != t.scanned || (candidatesExact ? s.candidates != t.candidates : s.candidates > t.candidates) ||
        s.afterTopk != t.afterTopk || s.nonFinite > t.nonFinite || s.detections != t.detections)
        return ::testing::AssertionFailure()
               << "stats differ: CPU scanned/candidates/afterTopk/nonFinite/detections = " << s.scanned << "/"
               << s.candidates << "/" << s.afterTopk << "/" << s.nonFinite << "/" << s.detections << ", CUDA "
               << t.scanned << "/" << t.candidates << "/" << t.afterTopk << "/" << t.nonFinite << "/" << t.detections;
    return ::testing::AssertionSuccess();
}

size_t countDetections(const Decoded& d)
{
    size_t total = 0;
    for (const std::vector<Detection>& v : d.dets) total += v.size();
    return total;
}

//! Decodes @p head with both decoders and compares; returns the CPU result for further checks.
Decoded expectSameAsCpu(const RetinaNetConfig& c, const SyntheticHead& head, const std::string& what)
{
    SCOPED_TRACE(what);
    Decoded cpu = decodeCpu(c, head.outputs, head.names, head.inputSize, head.imageSizes, head.frames);
    Decoded gpu = decodeCuda(CudaRetinaNetDecoder::create(c), head.outputs, head.names, head.inputSize, head.imageSizes,
                             head.frames);
    EXPECT_TRUE(sameAsCpu(cpu, gpu, c.selection.topkPerLevel));
    return cpu;
}

TEST(DnnRetinaNet_Cuda, create_without_device_throws_a_clear_error)
{
    if (CudaRetinaNetDecoder::isAvailable())
        GTEST_SKIP() << "a CUDA device is present: the no-device error path cannot be exercised here";
    RetinaNetConfig c = testConfig(3, LAYOUT_PER_LEVEL_NCHW);
#ifdef DNN_RETINANET_WITH_CUDA
    EXPECT_CV_ERROR(CudaRetinaNetDecoder::create(c), "no CUDA device");
#else
    EXPECT_CV_ERROR(CudaRetinaNetDecoder::create(c), "built without CUDA");
#endif
}

class DnnRetinaNet_CudaTorchvision : public ::testing::TestWithParam<std::string> {};

TEST_P(DnnRetinaNet_CudaTorchvision, same_detections_as_cpu_and_torchvision)
{
    DNN_RETINANET_SKIP_WITHOUT_CUDA();
    TorchvisionCase c = loadTorchvisionCase(GetParam());
    Decoded cpu = decodeCpu(c.config, c.outputs, c.names, c.inputSize, c.imageSizes);
    Decoded gpu = decodeCuda(CudaRetinaNetDecoder::create(c.config), c.outputs, c.names, c.inputSize, c.imageSizes);
    EXPECT_TRUE(sameAsCpu(cpu, gpu, c.config.selection.topkPerLevel));
    ASSERT_EQ(gpu.dets.size(), c.expected.size());
    for (size_t n = 0; n < gpu.dets.size(); n++)
    {
        SCOPED_TRACE(format("image %d", (int)n));
        EXPECT_TRUE(sameDetections(c.expected[n], gpu.dets[n], 1e-5, 0.9999));
    }
}

INSTANTIATE_TEST_SUITE_P(/**/, DnnRetinaNet_CudaTorchvision, ::testing::ValuesIn(torchvisionCaseNames()));

TEST(DnnRetinaNet_Cuda, random_heads_match_cpu_in_every_layout)
{
    DNN_RETINANET_SKIP_WITHOUT_CUDA();
    const int layouts[] = {LAYOUT_PER_LEVEL_NCHW, LAYOUT_PER_LEVEL_NHWC, LAYOUT_CONCATENATED};
    uint64 seed = 100;
    for (int K : {1, 3, 20, 80})
        for (double frac : {0.002, 0.03})
            for (int topk : {1000, 25})
            {
                RetinaNetConfig nchw = testConfig(K, LAYOUT_PER_LEVEL_NCHW);
                nchw.selection.topkPerLevel = topk;
                const Size input = K > 20 ? Size(200, 136) : Size(320, 256);
                SyntheticHead head = makeHead(nchw, input, 2, frac, seed++);
                head.imageSizes = {input, Size(input.width - 37, input.height / 2)};
                for (int layout : layouts)
                {
                    RetinaNetConfig c = testConfig(K, layout);
                    c.selection.topkPerLevel = topk;
                    SyntheticHead h = layout == LAYOUT_PER_LEVEL_NCHW ? head : toLayout(nchw, head, layout);
                    Decoded cpu = expectSameAsCpu(c, h, format("K=%d frac=%g topk=%d layout=%d", K, frac, topk, layout));
                    EXPECT_GT(countDetections(cpu), 0u);
                }
            }
}

TEST(DnnRetinaNet_Cuda, every_preset_matches_cpu_and_bruteforce)
{
    DNN_RETINANET_SKIP_WITHOUT_CUDA();
    for (const std::string& name : RetinaNetConfig::presetNames())
    {
        SCOPED_TRACE(name);
        RetinaNetConfig c = presetTestConfig(name);
        SyntheticHead head = makeHead(c, Size(256, 192), 2, 0.01, 3, c.scoring.activation == SCORE_PROBABILITY);
        // frames: Detectron1 clips and suppresses in them, mmdetection measures min_box_size there
        head.frames = {FrameInfo(Size(160, 120), 1.6, 1.6), FrameInfo(Size(512, 384), 0.5, 0.5)};
        expectSameAsCpu(c, head, name);
        Decoded gpu = decodeCuda(CudaRetinaNetDecoder::create(c), head.outputs, head.names, head.inputSize, head.imageSizes,
                                 head.frames);
        for (int n = 0; n < 2; n++)
        {
            std::vector<Detection> ref = bruteForceDecode(c, head, n);
            ASSERT_GT(ref.size(), 0u);
            EXPECT_TRUE(sameDetections(ref, gpu.dets[n], 1e-5, 0.9999)) << "image " << n;
        }
    }
}

TEST(DnnRetinaNet_Cuda, batches_of_1_to_4_match_cpu_and_single_images)
{
    DNN_RETINANET_SKIP_WITHOUT_CUDA();
    RetinaNetConfig c = testConfig(6, LAYOUT_PER_LEVEL_NCHW);
    const Size input(256, 192);
    const std::vector<Size> sizes = {Size(256, 192), Size(200, 150), Size(256, 100), Size(97, 192)};
    Ptr<CudaRetinaNetDecoder> dec = CudaRetinaNetDecoder::create(c); // reused: buffers grow and shrink in use
    for (int N = 1; N <= 4; N++)
    {
        SCOPED_TRACE(format("batch %d", N));
        SyntheticHead head = makeHead(c, input, N, 0.01, 40 + N);
        head.imageSizes.assign(sizes.begin(), sizes.begin() + N);
        Decoded cpu = decodeCpu(c, head.outputs, head.names, head.inputSize, head.imageSizes);
        Decoded gpu = decodeCuda(dec, head.outputs, head.names, head.inputSize, head.imageSizes);
        EXPECT_TRUE(sameAsCpu(cpu, gpu, c.selection.topkPerLevel));
        for (int n = 0; n < N; n++)
        {
            Decoded one = decodeCuda(dec, sliceImage(c, head, n).outputs, head.names, input, {sizes[n]});
            ASSERT_EQ(one.dets.size(), 1u);
            ASSERT_EQ(one.dets[0].size(), gpu.dets[n].size()) << "image " << n << " alone";
            for (size_t i = 0; i < one.dets[0].size(); i++)
            {
                EXPECT_EQ(one.dets[0][i].box, gpu.dets[n][i].box);
                EXPECT_EQ(one.dets[0][i].score, gpu.dets[n][i].score);
                EXPECT_EQ(one.dets[0][i].classId, gpu.dets[n][i].classId);
            }
            for (const Detection& d : gpu.dets[n])
            {
                EXPECT_LE(d.box[2], sizes[n].width);
                EXPECT_LE(d.box[3], sizes[n].height);
            }
        }
    }
    // Empty image sizes: the whole input.
    SyntheticHead head = makeHead(c, input, 3, 0.01, 77);
    Decoded cpu = decodeCpu(c, head.outputs, head.names, input, {});
    EXPECT_TRUE(sameAsCpu(cpu, decodeCuda(dec, head.outputs, head.names, input, {}), c.selection.topkPerLevel));
}

TEST(DnnRetinaNet_Cuda, nothing_above_threshold_gives_empty_results)
{
    DNN_RETINANET_SKIP_WITHOUT_CUDA();
    RetinaNetConfig c = testConfig(7, LAYOUT_PER_LEVEL_NCHW);
    Ptr<CudaRetinaNetDecoder> dec = CudaRetinaNetDecoder::create(c);
    SyntheticHead busy = makeHead(c, Size(192, 160), 2, 0.02, 5);
    Decoded first = decodeCuda(dec, busy.outputs, busy.names, busy.inputSize, busy.imageSizes);
    EXPECT_GT(countDetections(first), 0u);
    SyntheticHead empty = makeHead(c, Size(192, 160), 2, 0.0, 6);
    Decoded cpu = decodeCpu(c, empty.outputs, empty.names, empty.inputSize, empty.imageSizes);
    Decoded gpu = decodeCuda(dec, empty.outputs, empty.names, empty.inputSize, empty.imageSizes);
    EXPECT_TRUE(sameAsCpu(cpu, gpu, c.selection.topkPerLevel));
    ASSERT_EQ(gpu.dets.size(), 2u);
    EXPECT_TRUE(gpu.dets[0].empty());
    EXPECT_TRUE(gpu.dets[1].empty());
    EXPECT_EQ(gpu.stats.candidates, 0);
    EXPECT_EQ(gpu.stats.detections, 0);
    // and the counters are reset for the next call
    EXPECT_TRUE(sameAsCpu(first, decodeCuda(dec, busy.outputs, busy.names, busy.inputSize, busy.imageSizes), 0));
}

TEST(DnnRetinaNet_Cuda, everything_above_threshold_matches_cpu)
{
    DNN_RETINANET_SKIP_WITHOUT_CUDA();
    {
        // Every logit passes: the radix select must cut exactly k per level.
        RetinaNetConfig c = testConfig(4, LAYOUT_PER_LEVEL_NCHW);
        c.selection.topkPerLevel = 100;
        c.selection.maxDetections = 0;
        SyntheticHead head = makeHead(c, Size(512, 384), 1, 1.0, 17);
        Decoded cpu = expectSameAsCpu(c, head, "topk 100");
        EXPECT_EQ(cpu.stats.afterTopk, 5 * 100);
        c.selection.topkPerLevel = 1000;
        c.selection.maxDetections = 300;
        expectSameAsCpu(c, head, "topk 1000");
    }
    {
        // No top-k: thousands of boxes per class, NMS groups larger than the shared-memory tile.
        RetinaNetConfig c = testConfig(3, LAYOUT_PER_LEVEL_NHWC);
        c.selection.topkPerLevel = 0;
        c.selection.maxDetections = 0;
        RetinaNetConfig nchw = c;
        nchw.outputs.layout = LAYOUT_PER_LEVEL_NCHW;
        SyntheticHead head = toLayout(nchw, makeHead(nchw, Size(160, 160), 1, 1.0, 18), LAYOUT_PER_LEVEL_NHWC);
        expectSameAsCpu(c, head, "no top-k, class-aware");
        c.selection.classAgnosticNms = true;
        expectSameAsCpu(c, head, "no top-k, class-agnostic");
    }
}

TEST(DnnRetinaNet_Cuda, ties_are_broken_like_the_cpu)
{
    DNN_RETINANET_SKIP_WITHOUT_CUDA();
    // Logits on a 0.25 grid (thousands of equal raw values, across classes and levels) and zero
    // deltas (boxes = anchors, computed exactly alike): which of the tied candidates survive the
    // top-k and NMS shows in the boxes, which must then be identical, in the same order.
    for (int layout : {LAYOUT_PER_LEVEL_NCHW, LAYOUT_CONCATENATED})
        for (bool inclusive : {false, true})
            for (bool agnostic : {false, true})
            {
                RetinaNetConfig nchw = testConfig(5, LAYOUT_PER_LEVEL_NCHW);
                SyntheticHead head = makeHead(nchw, Size(256, 224), 2, 0.05, 29);
                for (size_t l = 0; l < head.nchwCls.size(); l++)
                {
                    float* p = head.nchwCls[l].ptr<float>();
                    for (size_t i = 0; i < head.nchwCls[l].total(); i++)
                        p[i] = std::round(p[i] * 4.f) / 4.f;
                    head.nchwBox[l].setTo(Scalar::all(0));
                }
                RetinaNetConfig c = testConfig(5, layout);
                c.selection.topkPerLevel = 30;
                c.selection.maxDetections = 50;
                c.selection.thresholdInclusive = inclusive;
                c.selection.scoreThreshold = inclusive ? 0.5f : 0.05f; // inclusive: raw == 0 is on the boundary
                c.selection.classAgnosticNms = agnostic;
                head = toLayout(nchw, head, layout);
                SCOPED_TRACE(format("layout %d inclusive %d agnostic %d", layout, (int)inclusive, (int)agnostic));
                Decoded cpu = decodeCpu(c, head.outputs, head.names, head.inputSize, head.imageSizes);
                Decoded gpu = decodeCuda(CudaRetinaNetDecoder::create(c), head.outputs, head.names, head.inputSize,
                                         head.imageSizes);
                EXPECT_TRUE(sameAsCpu(cpu, gpu, c.selection.topkPerLevel));
                EXPECT_GT(countDetections(cpu), 0u);
                for (size_t n = 0; n < cpu.dets.size() && n < gpu.dets.size(); n++)
                    for (size_t i = 0; i < cpu.dets[n].size() && i < gpu.dets[n].size(); i++)
                        ASSERT_EQ(cpu.dets[n][i].box, gpu.dets[n][i].box) << "image " << n << " detection " << i;
            }
}

TEST(DnnRetinaNet_Cuda, softmax_scoring_matches_cpu)
{
    DNN_RETINANET_SKIP_WITHOUT_CUDA();
    for (int background : {0, 4})
        for (int layout : {LAYOUT_PER_LEVEL_NCHW, LAYOUT_PER_LEVEL_NHWC, LAYOUT_CONCATENATED})
        {
            RetinaNetConfig nchw = testConfig(4, LAYOUT_PER_LEVEL_NCHW);
            nchw.scoring.activation = SCORE_SOFTMAX;
            nchw.scoring.backgroundChannel = background;
            SyntheticHead head = makeHead(nchw, Size(192, 160), 2, 0.02, 21 + background);
            RetinaNetConfig c = testConfig(4, layout);
            c.scoring = nchw.scoring;
            c.selection.topkPerLevel = 60;
            Decoded cpu = expectSameAsCpu(c, layout == LAYOUT_PER_LEVEL_NCHW ? head : toLayout(nchw, head, layout),
                                          format("background %d layout %d", background, layout));
            EXPECT_GT(countDetections(cpu), 0u);
        }
}

TEST(DnnRetinaNet_Cuda, scoring_box_coding_and_nms_variants_match_cpu)
{
    DNN_RETINANET_SKIP_WITHOUT_CUDA();
    RetinaNetConfig base = testConfig(5, LAYOUT_PER_LEVEL_NCHW);
    base.selection.topkPerLevel = 200;
    SyntheticHead head = makeHead(base, Size(224, 192), 2, 0.02, 33);
    head.imageSizes = {Size(224, 150), Size(180, 192)};
    struct Variant { const char* name; std::function<void(RetinaNetConfig&)> apply; };
    const std::vector<Variant> variants = {
        {"default", [](RetinaNetConfig&) {}},
        {"agnostic", [](RetinaNetConfig& c) { c.selection.classAgnosticNms = true; }},
        {"nms plus one", [](RetinaNetConfig& c) { c.selection.nmsPlusOne = true; }},
        {"nms 0.3", [](RetinaNetConfig& c) { c.selection.nmsThreshold = 0.3f; }},
        {"nms 1.0", [](RetinaNetConfig& c) { c.selection.nmsThreshold = 1.0f; }},
        {"max detections 17", [](RetinaNetConfig& c) { c.selection.maxDetections = 17; }},
        {"max detections 1", [](RetinaNetConfig& c) { c.selection.maxDetections = 1; }},
        {"unlimited detections", [](RetinaNetConfig& c) { c.selection.maxDetections = 0; }},
        {"top-k 1", [](RetinaNetConfig& c) { c.selection.topkPerLevel = 1; }},
        {"clip after nms", [](RetinaNetConfig& c) { c.boxCoding.clip = CLIP_AFTER_NMS; }},
        {"no clip", [](RetinaNetConfig& c) { c.boxCoding.clip = CLIP_NONE; }},
        {"clip to input - 1", [](RetinaNetConfig& c) { c.boxCoding.clipTarget = CLIP_TO_INPUT; c.boxCoding.clipMaxOffset = 1; }},
        {"FL*", [](RetinaNetConfig& c) { c.scoring.activation = SCORE_FL_STAR; c.scoring.gamma = 2; c.scoring.beta = 1; }},
        {"per-level thresholds", [](RetinaNetConfig& c) { c.selection.levelScoreThresholds = {0.3f, 0.2f, 0.1f, 0.05f, 0.f}; }},
        {"legacy plus one", [](RetinaNetConfig& c) { c.boxCoding.plusOne = PLUS_ONE_LEGACY; }},
        {"symmetric plus one", [](RetinaNetConfig& c) { c.boxCoding.plusOne = PLUS_ONE_SYMMETRIC; c.boxCoding.clamp = DELTA_CLAMP_NONE; }},
        {"symmetric clamp, stds", [](RetinaNetConfig& c) { c.boxCoding.clamp = DELTA_CLAMP_SYMMETRIC; c.boxCoding.stds = Vec4f(0.1f, 0.1f, 0.2f, 0.2f); }},
        {"corners", [](RetinaNetConfig& c) { c.boxCoding.type = BOX_CODING_CORNERS; c.boxCoding.stds = Vec4f::all(0.2f); }},
    };
    for (const Variant& v : variants)
    {
        RetinaNetConfig c = base;
        v.apply(c);
        expectSameAsCpu(c, head, v.name);
    }
    RetinaNetConfig prob = base;
    prob.scoring.activation = SCORE_PROBABILITY;
    expectSameAsCpu(prob, makeHead(prob, Size(224, 192), 2, 0.02, 34, true), "probabilities");
}

TEST(DnnRetinaNet_Cuda, decoder_conventions_match_cpu)
{
    // min_box_size, nms_inclusive and clip_space: frame (issue 11) on random heads with frames ...
    DNN_RETINANET_SKIP_WITHOUT_CUDA();
    RetinaNetConfig base = testConfig(5, LAYOUT_PER_LEVEL_NCHW);
    base.selection.topkPerLevel = 200;
    SyntheticHead head = makeHead(base, Size(224, 192), 2, 0.02, 35);
    head.imageSizes = {Size(224, 150), Size(180, 192)};
    head.frames = {FrameInfo(Size(448, 300), 0.5, 0.5), FrameInfo(Size(120, 100), 1.5, 1.92)};
    struct Variant { const char* name; std::function<void(RetinaNetConfig&)> apply; };
    const std::vector<Variant> variants = {
        {"min size 0", [](RetinaNetConfig& c) { c.selection.minBoxSize = 0.f; }},
        {"min size 12 (frame pixels)", [](RetinaNetConfig& c) { c.selection.minBoxSize = 12.f; }},
        {"nms inclusive", [](RetinaNetConfig& c) { c.selection.nmsInclusive = true; }},
        {"frame space", [](RetinaNetConfig& c) { c.boxCoding.clipSpace = CLIP_SPACE_FRAME; }},
        {"frame space, W-1, +1, >=", [](RetinaNetConfig& c) {
             c.boxCoding.clipSpace = CLIP_SPACE_FRAME; c.boxCoding.clipMaxOffset = 1;
             c.selection.nmsPlusOne = true; c.selection.nmsInclusive = true; }},
        {"frame space, min size 8", [](RetinaNetConfig& c) { c.boxCoding.clipSpace = CLIP_SPACE_FRAME; c.selection.minBoxSize = 8.f; }},
        {"frame space, clip after nms", [](RetinaNetConfig& c) { c.boxCoding.clipSpace = CLIP_SPACE_FRAME; c.boxCoding.clip = CLIP_AFTER_NMS; }},
        {"frame space, max detections 3", [](RetinaNetConfig& c) { c.boxCoding.clipSpace = CLIP_SPACE_FRAME; c.selection.maxDetections = 3; }},
    };
    for (const Variant& v : variants)
    {
        RetinaNetConfig c = base;
        v.apply(c);
        expectSameAsCpu(c, head, v.name);
        SyntheticHead noFrames = head;
        noFrames.frames.clear();
        expectSameAsCpu(c, noFrames, std::string(v.name) + ", no frames");
    }

    // ... and on exact boxes: IoU exactly 0.5 (suppressed only with >=), a box clipped to width 0
    // (dropped at min size 0), a box past the frame's edge (clipped to the frame).
    RetinaNetConfig c = exactBoxConfig(1);
    SyntheticHead exact = exactBoxHead(1, {{2, 2, 0, 0.9f, Vec4f(0, 0, 30, 10)}, {3, 2, 0, 0.8f, Vec4f(10, 0, 40, 10)},
                                           {0, 5, 0, 0.7f, Vec4f(-30, 40, -2, 50)}, {6, 6, 0, 0.6f, Vec4f(40, 40, 70, 60)}});
    exact.frames = {FrameInfo(Size(30, 30), 2.0, 2.0)};
    for (bool inclusive : {false, true})
        for (float minSize : {-1.f, 0.f})
            for (int space : {CLIP_SPACE_NETWORK, CLIP_SPACE_FRAME})
            {
                c.selection.nmsInclusive = inclusive;
                c.selection.minBoxSize = minSize;
                c.boxCoding.clipSpace = space;
                Decoded cpu = expectSameAsCpu(c, exact, format("exact boxes, inclusive %d, min size %g, space %d",
                                                                inclusive, minSize, space));
                EXPECT_EQ(cpu.dets[0].size(), 4u - (inclusive ? 1 : 0) - (minSize >= 0 ? 1 : 0));
            }
}

TEST(DnnRetinaNet_Cuda, non_finite_values_match_cpu)
{
    DNN_RETINANET_SKIP_WITHOUT_CUDA();
    RetinaNetConfig c = testConfig(3, LAYOUT_PER_LEVEL_NCHW);
    SyntheticHead head = makeHead(c, Size(128, 128), 1, 0.0, 2);
    Mat& cls0 = head.outputs[0];
    Mat& box0 = head.outputs[5];
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    float* p = cls0.ptr<float>();
    const size_t hw = (size_t)cls0.size[2] * cls0.size[3];
    p[0] = nan;                 // never a candidate
    p[1] = inf;                 // score 1
    p[hw * 1 + 2] = 5.f;        // valid logit, NaN deltas: dropped and counted
    p[hw * 2 + 3] = -inf;
    float* b = box0.ptr<float>();
    for (int c4 = 0; c4 < 4; c4++) b[hw * c4 + 2] = nan;
    Ptr<CudaRetinaNetDecoder> dec = CudaRetinaNetDecoder::create(c);
    Decoded cpu = decodeCpu(c, head.outputs, head.names, head.inputSize, {});
    Decoded gpu = decodeCuda(dec, head.outputs, head.names, head.inputSize, {});
    EXPECT_TRUE(sameAsCpu(cpu, gpu, c.selection.topkPerLevel));
    ASSERT_EQ(gpu.dets[0].size(), 1u);
    EXPECT_EQ(gpu.dets[0][0].score, 1.f);
    EXPECT_EQ(gpu.dets[0][0].classId, 0);
    EXPECT_EQ(gpu.stats.nonFinite, 1);
}

TEST(DnnRetinaNet_Cuda, repeated_decodes_are_identical)
{
    DNN_RETINANET_SKIP_WITHOUT_CUDA();
    RetinaNetConfig c = testConfig(20, LAYOUT_PER_LEVEL_NCHW);
    SyntheticHead head = makeHead(c, Size(320, 256), 2, 0.05, 8);
    Ptr<CudaRetinaNetDecoder> dec = CudaRetinaNetDecoder::create(c);
    Decoded a = decodeCuda(dec, head.outputs, head.names, head.inputSize, head.imageSizes);
    for (int rep = 0; rep < 3; rep++)
    {
        Decoded b = decodeCuda(dec, head.outputs, head.names, head.inputSize, head.imageSizes);
        ASSERT_EQ(a.dets.size(), b.dets.size());
        for (size_t n = 0; n < a.dets.size(); n++)
        {
            ASSERT_EQ(a.dets[n].size(), b.dets[n].size());
            for (size_t i = 0; i < a.dets[n].size(); i++)
            {
                EXPECT_EQ(a.dets[n][i].box, b.dets[n][i].box);
                EXPECT_EQ(a.dets[n][i].score, b.dets[n][i].score);
                EXPECT_EQ(a.dets[n][i].classId, b.dets[n][i].classId);
            }
        }
    }
}

#ifdef DNN_RETINANET_WITH_CUDA
//! Device copies of a head's tensors, freed on destruction.
struct DeviceHead
{
    std::vector<float*> buffers;
    std::vector<const float*> pointers;
    std::vector<std::vector<int> > shapes;
    explicit DeviceHead(const std::vector<Mat>& outputs)
    {
        for (const Mat& m : outputs)
        {
            float* d = nullptr;
            EXPECT_EQ(cudaMalloc(&d, m.total() * sizeof(float)), cudaSuccess);
            EXPECT_EQ(cudaMemcpy(d, m.ptr<float>(), m.total() * sizeof(float), cudaMemcpyHostToDevice), cudaSuccess);
            buffers.push_back(d);
            pointers.push_back(d);
            shapes.push_back(std::vector<int>(m.size.p, m.size.p + m.dims));
        }
    }
    ~DeviceHead()
    {
        for (float* d : buffers) cudaFree(d);
    }
};
#endif // DNN_RETINANET_WITH_CUDA

TEST(DnnRetinaNet_Cuda, device_pointer_api_on_user_streams)
{
    DNN_RETINANET_SKIP_WITHOUT_CUDA();
#ifdef DNN_RETINANET_WITH_CUDA
    RetinaNetConfig c = testConfig(9, LAYOUT_CONCATENATED);
    RetinaNetConfig nchw = testConfig(9, LAYOUT_PER_LEVEL_NCHW);
    Ptr<CudaRetinaNetDecoder> dec = CudaRetinaNetDecoder::create(c);
    cudaStream_t stream = nullptr;
    ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
    // growing then shrinking inputs on one decoder, on a user stream and on the default stream
    const Size inputs[] = {Size(128, 96), Size(384, 320), Size(160, 128)};
    const int batches[] = {1, 3, 2};
    for (int i = 0; i < 3; i++)
    {
        SCOPED_TRACE(format("call %d", i));
        SyntheticHead head = toLayout(nchw, makeHead(nchw, inputs[i], batches[i], 0.01, 50 + i), LAYOUT_CONCATENATED);
        DeviceHead device(head.outputs);
        Decoded cpu = decodeCpu(c, head.outputs, head.names, head.inputSize, head.imageSizes);
        for (void* s : {(void*)stream, (void*)nullptr})
        {
            Decoded gpu;
            dec->decode(device.pointers, device.shapes, head.names, head.inputSize, head.imageSizes, s, gpu.dets);
            gpu.stats = dec->getLastStats();
            EXPECT_TRUE(sameAsCpu(cpu, gpu, c.selection.topkPerLevel));
        }
    }
    cudaStreamDestroy(stream);
#endif
}

TEST(DnnRetinaNet_Cuda, bad_input_is_reported_like_the_cpu)
{
    DNN_RETINANET_SKIP_WITHOUT_CUDA();
#ifdef DNN_RETINANET_WITH_CUDA
    RetinaNetConfig c = testConfig(3, LAYOUT_PER_LEVEL_NCHW);
    SyntheticHead head = makeHead(c, Size(128, 128), 1, 0.01, 3);
    DeviceHead device(head.outputs);
    Ptr<CudaRetinaNetDecoder> dec = CudaRetinaNetDecoder::create(c);
    std::vector<std::vector<Detection> > out;
    std::vector<std::vector<int> > shapes = device.shapes;
    EXPECT_CV_ERROR(dec->decode(device.pointers, std::vector<std::vector<int> >(), head.names, head.inputSize, {}, nullptr, out),
                    "device outputs but");
    shapes[0][1] += 1; // A*K + 1 channels
    EXPECT_CV_ERROR(dec->decode(device.pointers, shapes, head.names, head.inputSize, {}, nullptr, out), "channels");
    shapes = device.shapes;
    shapes[2] = {1, 27};
    EXPECT_CV_ERROR(dec->decode(device.pointers, shapes, head.names, head.inputSize, {}, nullptr, out), "dimensions");
    EXPECT_CV_ERROR(dec->decode(device.pointers, device.shapes, head.names, head.inputSize, {Size(500, 10)}, nullptr, out),
                    "larger");
    std::vector<const float*> nulls = device.pointers;
    nulls[1] = nullptr;
    EXPECT_CV_ERROR(dec->decode(nulls, device.shapes, head.names, head.inputSize, {}, nullptr, out), "null pointer");
    Mat half;
    head.outputs[0].convertTo(half, CV_64F);
    std::vector<Mat> wrongType = head.outputs;
    wrongType[0] = half;
    EXPECT_CV_ERROR(dec->decodeHost(wrongType, head.names, head.inputSize, {}, out), "CV_32F");
    // still usable after the errors
    Decoded cpu = decodeCpu(c, head.outputs, head.names, head.inputSize, {});
    EXPECT_TRUE(sameAsCpu(cpu, decodeCuda(dec, head.outputs, head.names, head.inputSize, {}), c.selection.topkPerLevel));
#endif
}

// The CUDA decoder has the CPU decoder's setters (this compiles without a device too), with the
// same validation and effect: the same messages for bad values, the config unchanged by a rejected
// value, and after each change the same detections as a CPU decoder changed the same way.
TEST(DnnRetinaNet_Cuda, setters_validate_and_act_like_the_cpu_decoder)
{
    using Setter = std::function<void(RetinaNetDecoder&, CudaRetinaNetDecoder&)>;
    const struct { const char* what; std::function<void(RetinaNetDecoder&)> cpu;
                   std::function<void(CudaRetinaNetDecoder&)> gpu; } bad[] = {
        {"score threshold 1", [](RetinaNetDecoder& d) { d.setScoreThreshold(1.f); },
                              [](CudaRetinaNetDecoder& d) { d.setScoreThreshold(1.f); }},
        {"score threshold NaN", [](RetinaNetDecoder& d) { d.setScoreThreshold(std::numeric_limits<float>::quiet_NaN()); },
                                [](CudaRetinaNetDecoder& d) { d.setScoreThreshold(std::numeric_limits<float>::quiet_NaN()); }},
        {"NMS threshold 0", [](RetinaNetDecoder& d) { d.setNmsThreshold(0.f); },
                            [](CudaRetinaNetDecoder& d) { d.setNmsThreshold(0.f); }},
        {"NMS threshold 1.5", [](RetinaNetDecoder& d) { d.setNmsThreshold(1.5f); },
                              [](CudaRetinaNetDecoder& d) { d.setNmsThreshold(1.5f); }},
        {"top-k INT_MAX", [](RetinaNetDecoder& d) { d.setTopK(INT_MAX); },
                          [](CudaRetinaNetDecoder& d) { d.setTopK(INT_MAX); }},
        {"max detections INT_MAX", [](RetinaNetDecoder& d) { d.setMaxDetections(INT_MAX); },
                                   [](CudaRetinaNetDecoder& d) { d.setMaxDetections(INT_MAX); }},
    };
    DNN_RETINANET_SKIP_WITHOUT_CUDA();
    RetinaNetConfig c = testConfig(5, LAYOUT_PER_LEVEL_NCHW);
    c.selection.levelScoreThresholds = std::vector<float>(c.anchors.numLevels(), 0.1f);
    Ptr<RetinaNetDecoder> cpu = RetinaNetDecoder::create(c);
    Ptr<CudaRetinaNetDecoder> gpu = CudaRetinaNetDecoder::create(c);
    for (const auto& b : bad)
    {
        SCOPED_TRACE(b.what);
        std::string cpuMessage, gpuMessage;
        try { b.cpu(*cpu); } catch (const cv::Exception& e) { cpuMessage = e.err; }
        try { b.gpu(*gpu); } catch (const cv::Exception& e) { gpuMessage = e.err; }
        EXPECT_FALSE(cpuMessage.empty());
        EXPECT_EQ(cpuMessage, gpuMessage);
    }
    EXPECT_EQ(gpu->getConfig().selection.scoreThreshold, c.selection.scoreThreshold) << "rejected values change nothing";
    EXPECT_EQ(gpu->getConfig().selection.levelScoreThresholds.size(), (size_t)c.anchors.numLevels());
    EXPECT_EQ(gpu->getConfig().selection.nmsThreshold, c.selection.nmsThreshold);
    EXPECT_EQ(gpu->getConfig().selection.topkPerLevel, c.selection.topkPerLevel);
    EXPECT_EQ(gpu->getConfig().selection.maxDetections, c.selection.maxDetections);

    const SyntheticHead head = makeHead(c, Size(256, 192), 2, 0.02, 91);
    const Setter steps[] = {
        [](RetinaNetDecoder& a, CudaRetinaNetDecoder& b) { a.setScoreThreshold(0.3f); b.setScoreThreshold(0.3f); },
        [](RetinaNetDecoder& a, CudaRetinaNetDecoder& b) { a.setNmsThreshold(0.3f); b.setNmsThreshold(0.3f); },
        [](RetinaNetDecoder& a, CudaRetinaNetDecoder& b) { a.setTopK(50); b.setTopK(50); },
        [](RetinaNetDecoder& a, CudaRetinaNetDecoder& b) { a.setMaxDetections(7); b.setMaxDetections(7); },
        [](RetinaNetDecoder& a, CudaRetinaNetDecoder& b) { a.setClassAgnosticNms(true); b.setClassAgnosticNms(true); },
        [](RetinaNetDecoder& a, CudaRetinaNetDecoder& b) { a.setTopK(0); b.setTopK(0); a.setMaxDetections(0); b.setMaxDetections(0); },
    };
    int step = 0;
    for (const Setter& set : steps)
    {
        SCOPED_TRACE(format("step %d", step++));
        set(*cpu, *gpu);
        const SelectionConfig &a = cpu->getConfig().selection, &g = gpu->getConfig().selection;
        EXPECT_EQ(a.scoreThreshold, g.scoreThreshold);
        EXPECT_EQ(a.levelScoreThresholds, g.levelScoreThresholds);
        EXPECT_EQ(a.nmsThreshold, g.nmsThreshold);
        EXPECT_EQ(a.topkPerLevel, g.topkPerLevel);
        EXPECT_EQ(a.maxDetections, g.maxDetections);
        EXPECT_EQ(a.classAgnosticNms, g.classAgnosticNms);
        Decoded x;
        cpu->decode(head.outputs, head.names, head.inputSize, head.imageSizes, x.dets);
        x.stats = cpu->getLastStats();
        EXPECT_TRUE(sameAsCpu(x, decodeCuda(gpu, head.outputs, head.names, head.inputSize, head.imageSizes), a.topkPerLevel));
    }
    EXPECT_TRUE(gpu->getConfig().selection.levelScoreThresholds.empty()) << "setScoreThreshold resets them";
    EXPECT_EQ(gpu->getConfig().selection.maxDetections, 0);
}

}} // namespace
