// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The sampled top-k floor guess (selection/floor_guess): where it samples, how close it lands on
// data it knows nothing about, and the decoder catching a guess that is too high and rescanning.
#include "test_precomp.hpp"
#include "decoder_test_utils.hpp"
#include "selection/floor_guess.hpp"

#include <limits>
#include <set>

namespace opencv_test { namespace {

using namespace cv::dnn_retinanet::floor_guess;

TEST(DnnRetinaNet_FloorGuess, samples_one_line_per_stratum_inside_the_block)
{
    std::vector<size_t> lines;
    for (size_t n : {(size_t)64000, (size_t)1000003, (size_t)12448800})
        for (int topk : {64, 1000, 5000})
        {
            sampleLines(n, topk, lines);
            if (n < (size_t)32 * topk)
            {
                EXPECT_TRUE(lines.empty()) << n << " values, top-" << topk << ": too small to pay";
                continue;
            }
            // kSampleRank of the sampled values ~ kExpectedOverK * topk of the block.
            const size_t strata = n * kSampleRank / ((size_t)kExpectedOverK * topk * kLineValues);
            ASSERT_EQ(strata, lines.size()) << n << " " << topk;
            const size_t stride = n / strata;
            std::set<size_t> offsets;
            for (size_t j = 0; j < lines.size(); j++)
            {
                ASSERT_GE(lines[j], j * stride) << "line " << j;
                ASSERT_LE(lines[j] + kLineValues, (j + 1) * stride) << "line " << j;
                offsets.insert(lines[j] - j * stride);
            }
            // Not a fixed period (which a layout's channel planes could alias with).
            EXPECT_GT(offsets.size(), std::min(lines.size(), stride - kLineValues + 1) / 2) << n << " " << topk;
        }
    sampleLines(1 << 20, 32, lines);
    EXPECT_TRUE(lines.empty()) << "small top-k: the exact floor climbs fast enough";
}

TEST(DnnRetinaNet_FloorGuess, lands_near_four_k_values_and_ignores_nan)
{
    const int topk = 1000;
    const float threshold = -2.9444f;
    std::vector<size_t> lines;
    RNG rng(7);
    for (int trial = 0; trial < 4; trial++)
    {
        Mat block(1, 4 << 20, CV_32F);
        rng.fill(block, RNG::UNIFORM, -2.5, 4.0);
        float* p = block.ptr<float>();
        for (int i = 0; i < 1000; i++)
            p[rng.uniform(0, (int)block.total())] = std::numeric_limits<float>::quiet_NaN();
        const float g = guessFloor(p, block.total(), threshold, topk, lines);
        ASSERT_TRUE(std::isfinite(g)) << "trial " << trial;
        const int atOrAbove = countNonZero(block >= g); // NaN compares false
        EXPECT_GE(atOrAbove, topk) << "the guess must not cut into the top-k (trial " << trial << ")";
        EXPECT_GE(atOrAbove, 2 * topk) << "trial " << trial;
        EXPECT_LE(atOrAbove, 8 * topk) << "a guess this low saves little (trial " << trial << ")";
    }
    // Sparse: fewer than kSampleRank sampled values above the threshold, no guess.
    Mat sparse(1, 4 << 20, CV_32F, Scalar(-5.f));
    for (int i = 0; i < 2000; i++)
        sparse.at<float>(rng.uniform(0, (int)sparse.total())) = 3.f;
    EXPECT_EQ(-std::numeric_limits<float>::infinity(),
              guessFloor(sparse.ptr<float>(), sparse.total(), threshold, topk, lines));
}

// Real heads are not i.i.d.: candidates come in runs (an object covers neighbouring pixels of one
// class plane), so a sampled line is often all hot or all cold. The guess must still leave >= k
// values at or above it (else a rescan), whatever the clustering.
TEST(DnnRetinaNet_FloorGuess, holds_when_candidates_come_in_runs)
{
    const int topk = 1000;
    const float threshold = -2.9444f;
    std::vector<size_t> lines;
    int guessed = 0;
    for (int trial = 0; trial < 120; trial++)
    {
        RNG rng(100 + trial);
        Mat block(1, 4 << 20, CV_32F);
        rng.fill(block, RNG::UNIFORM, -8.0, -3.0);
        float* p = block.ptr<float>();
        const int run = 64 << (trial / 3 % 3);                 // 64, 128, 256 values
        const int hot = (trial % 3 == 0 ? 8000 : trial % 3 == 1 ? 30000 : 120000) / run; // candidates / run
        for (int r = 0; r < hot; r++)
        {
            const size_t start = (size_t)rng.uniform(0, (int)block.total() - run);
            const float level = rng.uniform(-2.f, 3.f); // one object: similar scores over its run
            for (int i = 0; i < run; i++)
                p[start + i] = level + rng.uniform(0.f, 1.f);
        }
        const float g = guessFloor(p, block.total(), threshold, topk, lines);
        if (!std::isfinite(g))
            continue;
        guessed++;
        EXPECT_GE(countNonZero(block >= g), topk) << "trial " << trial << ", runs of " << run;
    }
    // A guess needs kSampleRank sampled lines above the threshold: the 120,000-candidate blocks
    // (~30 expected) nearly always, the 8,000 ones (~2) never.
    EXPECT_GE(guessed, 40) << "guesses made";
}

// The sampled lines hold the level's best values and the rest is dense below them: the guess lands
// above the k-th best, the decoder must notice (fewer than k values at or above it), scan the level
// again without it, and still give exactly the brute-force result.
TEST(DnnRetinaNet_FloorGuess, too_high_a_guess_is_caught_and_the_level_rescanned)
{
    RetinaNetConfig c = testConfig(20, LAYOUT_PER_LEVEL_NCHW);
    c.selection.maxDetections = 0;
    SyntheticHead head = makeHead(c, Size(1024, 768), 1, 0.05, 11);
    Mat& p3 = head.outputs[0];
    std::vector<size_t> lines;
    sampleLines(p3.total(), c.selection.topkPerLevel, lines);
    ASSERT_GT(lines.size() * kLineValues, (size_t)c.selection.topkPerLevel);
    float* p = p3.ptr<float>();
    // Above makeHead's values (<= 4), and far enough apart that their float scores differ (no ties).
    float v = 4.2f;
    for (size_t start : lines)
        for (int k = 0; k < kLineValues; k++, v += 1e-4f)
            p[start + k] = v;

    const std::vector<Detection> ref = bruteForceDecode(c, head, 0);
    for (int threads : {1, 2})
    {
        const int saved = getNumThreads();
        setNumThreads(threads);
        Ptr<RetinaNetDecoder> dec = RetinaNetDecoder::create(c);
        std::vector<std::vector<Detection> > got;
        for (int rep = 0; rep < 2; rep++)
            dec->decode(head.outputs, head.names, head.inputSize, head.imageSizes, got);
        setNumThreads(saved);
        EXPECT_TRUE(sameDetections(ref, got[0], 1e-6, 0.9999)) << threads << " threads";
        EXPECT_EQ(1, dec->getLastStats().rescans) << threads << " threads";
    }
}

// Two dense images in one batch: each (image, level) has its own floor and its own guess.
TEST(DnnRetinaNet_FloorGuess, every_image_of_a_batch_is_exact)
{
    RetinaNetConfig c = testConfig(20, LAYOUT_PER_LEVEL_NCHW);
    c.selection.maxDetections = 0;
    SyntheticHead head = makeHead(c, Size(1024, 768), 2, 0.05, 23);
    Ptr<RetinaNetDecoder> dec = RetinaNetDecoder::create(c);
    std::vector<std::vector<Detection> > got;
    dec->decode(head.outputs, head.names, head.inputSize, head.imageSizes, got);
    ASSERT_EQ(2u, got.size());
    for (int n = 0; n < 2; n++)
        EXPECT_TRUE(sameDetections(bruteForceDecode(c, head, n), got[n], 1e-6, 0.9999)) << "image " << n;
    EXPECT_EQ(0, dec->getLastStats().rescans);
}

}} // namespace
