// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Properties of the decoder that must hold for any input: thresholds in logit space, layouts,
// selection order variants, NMS invariants, batches.
#include "test_precomp.hpp"
#include "decoder_test_utils.hpp"
#include "box_coding/box_math.hpp"

#include <limits>

namespace opencv_test { namespace {

TEST(DnnRetinaNet_Scoring, logit_threshold_is_exact_at_the_boundary)
{
    ScoringConfig sig;
    for (float t : {0.0f, 0.01f, 0.05f, 0.3f, 0.5f, 0.9f, 0.999f})
        for (bool inclusive : {false, true})
        {
            const float raw = rawScoreThreshold(sig, t, inclusive);
            if (t > 0)
            {
                EXPECT_NEAR(raw, std::log((double)t / (1 - (double)t)), 1e-4 * (1 + std::abs(raw))) << t;
            }
            else if (!inclusive)
            {
                EXPECT_EQ(scoreFromRaw(sig, raw), 0.f) << "t = 0: the boundary is where sigmoid underflows";
            }
            // The boundary and its float neighbours: raw > boundary <=> sigmoid(raw) passes.
            float x = raw;
            for (int i = 0; i < 8; i++) x = std::nextafter(x, -std::numeric_limits<float>::infinity());
            for (int i = 0; i < 16; i++, x = std::nextafter(x, std::numeric_limits<float>::infinity()))
            {
                if (std::isinf(x))
                    continue;
                const float s = scoreFromRaw(sig, x);
                EXPECT_EQ(x > raw, inclusive ? s >= t : s > t) << "t=" << t << " x=" << x;
            }
        }
    ScoringConfig fl;
    fl.activation = SCORE_FL_STAR;
    fl.gamma = 2;
    fl.beta = 1;
    // sigmoid(2x+1) > 0.05  <=>  x > (logit(0.05) - 1) / 2
    EXPECT_NEAR(rawScoreThreshold(fl, 0.05f), (std::log(0.05 / 0.95) - 1) / 2, 1e-5);
    ScoringConfig prob;
    prob.activation = SCORE_PROBABILITY;
    EXPECT_EQ(rawScoreThreshold(prob, 0.05f), 0.05f);
    EXPECT_LT(rawScoreThreshold(prob, 0.05f, true), 0.05f);
}

TEST(DnnRetinaNet_Scoring, monotone_activations_keep_the_ranking)
{
    // sigmoid, FL* and identity are increasing: the same raw tensor gives the same ranked boxes,
    // only the scores differ, when every variant uses the equivalent threshold.
    RetinaNetConfig base = testConfig(4, LAYOUT_PER_LEVEL_NCHW);
    base.selection.maxDetections = 0;
    SyntheticHead head = makeHead(base, Size(160, 128), 1, 0.01, 11);
    std::vector<Detection> ref = decodeOne(base, head);
    ASSERT_GT(ref.size(), 10u);

    RetinaNetConfig fl = base;
    fl.scoring.activation = SCORE_FL_STAR;
    fl.scoring.gamma = 2;
    fl.scoring.beta = 1;
    // same candidate set: sigmoid(x) > 0.05 <=> sigmoid(2x + 1) > sigmoid(2 logit(0.05) + 1)
    fl.selection.scoreThreshold = 1.f / (1.f + std::exp(-(2.f * std::log(0.05f / 0.95f) + 1.f)));
    std::vector<Detection> got = decodeOne(fl, head);
    ASSERT_EQ(got.size(), ref.size());
    for (size_t i = 0; i < ref.size(); i++)
    {
        EXPECT_EQ(got[i].classId, ref[i].classId);
        EXPECT_EQ(got[i].box, ref[i].box);
        const float x = std::log(ref[i].score / (1 - ref[i].score));
        EXPECT_NEAR(got[i].score, 1.f / (1.f + std::exp(-(2 * x + 1))), 1e-4);
    }
}

TEST(DnnRetinaNet_Decoder, layouts_give_identical_results)
{
    for (int K : {3, 7})
    {
        RetinaNetConfig nchw = testConfig(K, LAYOUT_PER_LEVEL_NCHW);
        SyntheticHead head = makeHead(nchw, Size(224, 160), 2, 0.005, 5 + K);
        std::vector<std::vector<Detection> > a = decodeBatch(nchw, head);
        RetinaNetConfig nhwc = testConfig(K, LAYOUT_PER_LEVEL_NHWC);
        std::vector<std::vector<Detection> > b = decodeBatch(nhwc, toLayout(nchw, head, LAYOUT_PER_LEVEL_NHWC));
        RetinaNetConfig cat = testConfig(K, LAYOUT_CONCATENATED);
        std::vector<std::vector<Detection> > c = decodeBatch(cat, toLayout(nchw, head, LAYOUT_CONCATENATED));
        ASSERT_EQ(a.size(), 2u);
        for (int n = 0; n < 2; n++)
        {
            ASSERT_GT(a[n].size(), 0u);
            ASSERT_EQ(a[n].size(), b[n].size());
            ASSERT_EQ(a[n].size(), c[n].size());
            for (size_t i = 0; i < a[n].size(); i++)
            {
                EXPECT_EQ(a[n][i].box, b[n][i].box); EXPECT_EQ(a[n][i].score, b[n][i].score);
                EXPECT_EQ(a[n][i].classId, b[n][i].classId);
                EXPECT_EQ(a[n][i].box, c[n][i].box); EXPECT_EQ(a[n][i].score, c[n][i].score);
                EXPECT_EQ(a[n][i].classId, c[n][i].classId);
            }
        }
    }
}

TEST(DnnRetinaNet_Decoder, matches_bruteforce_reference_for_every_preset)
{
    // The straightforward algorithm (activate every value, threshold, top-k, decode, NMS) written
    // in the test must agree with the optimised decoder on every preset's conventions.
    for (const std::string& name : RetinaNetConfig::presetNames())
    {
        SCOPED_TRACE(name);
        RetinaNetConfig c = presetTestConfig(name);
        SyntheticHead head = makeHead(c, Size(256, 192), 2, 0.01, 3, c.scoring.activation == SCORE_PROBABILITY);
        std::vector<std::vector<Detection> > got = decodeBatch(c, head);
        for (int n = 0; n < 2; n++)
        {
            std::vector<Detection> ref = bruteForceDecode(c, head, n);
            ASSERT_GT(ref.size(), 0u);
            EXPECT_TRUE(sameDetections(ref, got[n], 1e-6, 0.99999)) << "image " << n;
        }
    }
}

TEST(DnnRetinaNet_Decoder, softmax_with_background_matches_bruteforce)
{
    RetinaNetConfig c = testConfig(4, LAYOUT_PER_LEVEL_NCHW);
    c.scoring.activation = SCORE_SOFTMAX;
    c.scoring.backgroundChannel = 0;
    SyntheticHead head = makeHead(c, Size(128, 128), 1, 0.02, 21);
    std::vector<Detection> got = decodeOne(c, head);
    std::vector<Detection> ref = bruteForceDecode(c, head, 0);
    ASSERT_GT(ref.size(), 0u);
    EXPECT_TRUE(sameDetections(ref, got, 1e-5, 0.99999));
}

TEST(DnnRetinaNet_Decoder, aploss_topk_then_threshold_equals_bruteforce_order)
{
    // AP-loss: top-k over all pairs first, then the per-level threshold (0 on P7).
    RetinaNetConfig c = RetinaNetConfig::preset("aploss");
    c.numClasses = 6;
    c.selection.topkPerLevel = 50;
    SyntheticHead head = makeHead(c, Size(256, 256), 1, 0.02, 8);
    std::vector<Detection> got = decodeOne(c, head);
    std::vector<Detection> ref = bruteForceDecode(c, head, 0); // implements topk-then-threshold literally
    ASSERT_GT(ref.size(), 0u);
    EXPECT_TRUE(sameDetections(ref, got, 1e-6, 0.99999));
}

TEST(DnnRetinaNet_Decoder, stats_count_every_value_above_the_threshold)
{
    RetinaNetConfig c = testConfig(4, LAYOUT_PER_LEVEL_NCHW);
    c.selection.topkPerLevel = 50; // small k: chunks get trimmed and raise their floor
    SyntheticHead h = makeHead(c, Size(512, 384), 2, 0.3, 23);
    const float t = rawScoreThreshold(c.scoring, c.selection.scoreThreshold);
    int64 expected = 0, total = 0;
    for (const Mat& m : h.nchwCls)
        for (size_t i = 0; i < m.total(); i++, total++)
            expected += m.ptr<float>()[i] > t;
    Ptr<RetinaNetDecoder> dec = RetinaNetDecoder::create(c);
    std::vector<std::vector<Detection> > d;
    dec->decode(h.outputs, h.names, h.inputSize, h.imageSizes, d);
    EXPECT_EQ(dec->getLastStats().scanned, total);
    EXPECT_EQ(dec->getLastStats().candidates, expected);
    EXPECT_EQ(dec->getLastStats().afterTopk, 2 * 5 * 50);
}

TEST(DnnRetinaNet_Decoder, nms_invariants)
{
    RetinaNetConfig c = testConfig(3, LAYOUT_PER_LEVEL_NCHW);
    c.selection.maxDetections = 0;
    SyntheticHead head = makeHead(c, Size(192, 192), 1, 0.03, 4);
    for (bool agnostic : {false, true})
    {
        c.selection.classAgnosticNms = agnostic;
        std::vector<Detection> d = decodeOne(c, head);
        ASSERT_GT(d.size(), 5u);
        for (size_t i = 0; i < d.size(); i++)
        {
            if (i > 0)
            {
                EXPECT_GE(d[i - 1].score, d[i].score) << "sorted by score";
            }
            EXPECT_GT(d[i].score, 0.05f);
            for (size_t j = 0; j < i; j++)
                if (agnostic || d[i].classId == d[j].classId)
                {
                    EXPECT_LE(boxIoU(d[i].box, d[j].box), 0.5 + 1e-6) << "kept boxes overlap";
                }
        }
        // Every suppressed-or-kept candidate: a higher threshold keeps a subset of detections.
        RetinaNetConfig stricter = c;
        stricter.selection.nmsThreshold = 0.3f;
        EXPECT_LE(decodeOne(stricter, head).size(), d.size());
    }
}

TEST(DnnRetinaNet_Decoder, max_detections_and_topk_are_prefixes)
{
    RetinaNetConfig c = testConfig(5, LAYOUT_PER_LEVEL_NCHW);
    c.selection.maxDetections = 0;
    SyntheticHead head = makeHead(c, Size(256, 256), 1, 0.02, 9);
    std::vector<Detection> all = decodeOne(c, head);
    ASSERT_GT(all.size(), 30u);
    c.selection.maxDetections = 17;
    std::vector<Detection> cut = decodeOne(c, head);
    ASSERT_EQ(cut.size(), 17u);
    for (size_t i = 0; i < cut.size(); i++)
    {
        EXPECT_EQ(cut[i].box, all[i].box);
        EXPECT_EQ(cut[i].score, all[i].score);
    }
}

TEST(DnnRetinaNet_Decoder, batch_equals_single_images)
{
    RetinaNetConfig c = testConfig(6, LAYOUT_PER_LEVEL_NCHW);
    SyntheticHead head = makeHead(c, Size(256, 192), 3, 0.005, 12);
    head.imageSizes = {Size(256, 192), Size(200, 150), Size(256, 100)};
    std::vector<std::vector<Detection> > batch = decodeBatch(c, head);
    for (int n = 0; n < 3; n++)
    {
        SyntheticHead one = sliceImage(c, head, n);
        std::vector<Detection> single = decodeOne(c, one);
        ASSERT_EQ(single.size(), batch[n].size());
        for (size_t i = 0; i < single.size(); i++)
        {
            EXPECT_EQ(single[i].box, batch[n][i].box);
            EXPECT_EQ(single[i].score, batch[n][i].score);
            // clipped to the image's own valid size
            EXPECT_LE(single[i].box[2], head.imageSizes[n].width);
            EXPECT_LE(single[i].box[3], head.imageSizes[n].height);
        }
    }
}

TEST(DnnRetinaNet_Decoder, everything_above_threshold_keeps_memory_bounded_and_exact)
{
    // Worst case: every logit passes. Per-chunk top-k trimming must still give the exact top-k.
    RetinaNetConfig c = testConfig(4, LAYOUT_PER_LEVEL_NCHW);
    c.selection.topkPerLevel = 100;
    c.selection.maxDetections = 0;
    SyntheticHead head = makeHead(c, Size(512, 384), 1, 1.0, 17);
    Ptr<RetinaNetDecoder> dec = RetinaNetDecoder::create(c);
    std::vector<std::vector<Detection> > got;
    dec->decode(head.outputs, head.names, head.inputSize, head.imageSizes, got);
    DecodeStats st = dec->getLastStats();
    EXPECT_EQ(st.candidates, st.scanned) << "every value is above the threshold, even those a raised floor skipped";
    EXPECT_EQ(st.afterTopk, 5 * 100);
    std::vector<Detection> ref = bruteForceDecode(c, head, 0);
    EXPECT_TRUE(sameDetections(ref, got[0], 1e-6, 0.99999));
}

TEST(DnnRetinaNet_Decoder, non_finite_values_are_documented_not_undefined)
{
    RetinaNetConfig c = testConfig(3, LAYOUT_PER_LEVEL_NCHW);
    SyntheticHead head = makeHead(c, Size(128, 128), 1, 0.0, 2); // nothing above threshold
    Mat& cls0 = head.outputs[0];
    Mat& box0 = head.outputs[5];
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    float* p = cls0.ptr<float>();
    const size_t hw = (size_t)cls0.size[2] * cls0.size[3];
    p[0] = nan;                 // a, k = 0, pixel 0: never a candidate
    p[1] = inf;                 // pixel 1, class 0: score 1
    p[hw * 1 + 2] = 5.f;        // pixel 2, class 1: valid logit but its box deltas are NaN
    float* b = box0.ptr<float>();
    for (int c4 = 0; c4 < 4; c4++) b[hw * c4 + 2] = nan;
    Ptr<RetinaNetDecoder> dec = RetinaNetDecoder::create(c);
    std::vector<std::vector<Detection> > d;
    dec->decode(head.outputs, head.names, head.inputSize, {}, d);
    ASSERT_EQ(d[0].size(), 1u);
    EXPECT_EQ(d[0][0].score, 1.f);
    EXPECT_EQ(d[0][0].classId, 0);
    EXPECT_EQ(dec->getLastStats().nonFinite, 1);
}

TEST(DnnRetinaNet_Decoder, blob_output_matches_detections)
{
    RetinaNetConfig c = testConfig(3, LAYOUT_PER_LEVEL_NCHW);
    SyntheticHead head = makeHead(c, Size(160, 160), 2, 0.01, 6);
    Ptr<RetinaNetDecoder> dec = RetinaNetDecoder::create(c);
    std::vector<std::vector<Detection> > d;
    dec->decode(head.outputs, head.names, head.inputSize, head.imageSizes, d);
    Mat blob;
    dec->decodeToBlob(head.outputs, head.names, head.inputSize, head.imageSizes, blob);
    ASSERT_EQ(blob.dims, 4);
    ASSERT_EQ(blob.size[3], 7);
    ASSERT_EQ((size_t)blob.size[2], d[0].size() + d[1].size());
    const float* p = blob.ptr<float>();
    for (int n = 0, row = 0; n < 2; n++)
        for (const Detection& det : d[n])
        {
            const float* r = p + 7 * row++;
            EXPECT_EQ(r[0], n); EXPECT_EQ(r[1], det.classId); EXPECT_EQ(r[2], det.score);
            EXPECT_EQ(Vec4f(r[3], r[4], r[5], r[6]), det.box);
        }
}

TEST(DnnRetinaNet_BoxMath, conventions)
{
    using namespace cv::dnn_retinanet::boxmath;
    const float anchor[4] = {10, 20, 50, 40};
    const float zero[4] = {0, 0, 0, 0};
    float out[4];
    BoxCoderParams p = {BOX_CODING_CENTER_SIZE, PLUS_ONE_NONE, DELTA_CLAMP_UPPER, 4.135f, {0, 0, 0, 0}, {1, 1, 1, 1}};
    decodeBox(p, anchor, zero, out);
    EXPECT_EQ(Vec4f(out[0], out[1], out[2], out[3]), Vec4f(10, 20, 50, 40));
    p.plusOne = PLUS_ONE_LEGACY;      // Detectron: w = 41, ctr = 30.5, x2 = ctr + w/2 - 1
    decodeBox(p, anchor, zero, out);
    EXPECT_EQ(Vec4f(out[0], out[1], out[2], out[3]), Vec4f(10, 20, 50, 40));
    p.plusOne = PLUS_ONE_SYMMETRIC;   // AP-loss: ctr = 30, half = (41 - 1)/2
    decodeBox(p, anchor, zero, out);
    EXPECT_EQ(Vec4f(out[0], out[1], out[2], out[3]), Vec4f(10, 20, 50, 40));
    // clamp: upper only vs symmetric
    p.plusOne = PLUS_ONE_NONE;
    const float big[4] = {0, 0, 10, -10};
    decodeBox(p, anchor, big, out);
    EXPECT_NEAR(out[2] - out[0], 40 * std::exp(4.135f), 1e-2);
    EXPECT_NEAR(out[3] - out[1], 20 * std::exp(-10.f), 1e-6);
    p.clamp = DELTA_CLAMP_SYMMETRIC;
    decodeBox(p, anchor, big, out);
    EXPECT_NEAR(out[3] - out[1], 20 * std::exp(-4.135f), 1e-4);
    // keras corners: x1 += d0 * 0.2 * w
    BoxCoderParams k = {BOX_CODING_CORNERS, PLUS_ONE_NONE, DELTA_CLAMP_NONE, 0, {0, 0, 0, 0}, {0.2f, 0.2f, 0.2f, 0.2f}};
    const float d[4] = {1, -1, 0.5f, 0};
    decodeBox(k, anchor, d, out);
    EXPECT_NEAR(out[0], 10 + 0.2f * 40, 1e-5);
    EXPECT_NEAR(out[1], 20 - 0.2f * 20, 1e-5);
    EXPECT_NEAR(out[2], 50 + 0.1f * 40, 1e-5);
    EXPECT_NEAR(out[3], 40, 1e-5);
}

}} // namespace
