// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The threshold-scan kernels (scalar, SSE2, AVX2, AVX-512: every one this CPU runs) against a plain
// loop, and the whole decoder under each of them on inputs large and dense enough that levels span
// many scan units, pooled buffers are shared between threads and top-k floors rise mid-scan.
#include "test_precomp.hpp"
#include "decoder_test_utils.hpp"
#include "selection/scan_kernels.hpp"

#include <limits>

namespace opencv_test { namespace {

using namespace cv::dnn_retinanet::scan;

std::vector<Isa> availableIsas()
{
    std::vector<Isa> isas;
    for (int k = ISA_SCALAR; k <= (int)bestIsa(); k++)
        isas.push_back((Isa)k);
    return isas;
}

//! Restores the process-wide ISA and thread count when a test ends.
struct IsaGuard
{
    Isa saved = currentIsa();
    int threads = getNumThreads();
    ~IsaGuard()
    {
        setIsa(saved);
        setNumThreads(threads);
    }
};

TEST(DnnRetinaNet_ScanKernels, every_isa_finds_exactly_the_values_above_the_bound)
{
    IsaGuard guard;
    RNG rng(7);
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    for (Isa isa : availableIsas())
    {
        ASSERT_TRUE(setIsa(isa));
        const FindAboveFn findAbove = cv::dnn_retinanet::scan::findAbove();
        for (int trial = 0; trial < 200; trial++)
        {
            // lengths around the 64-value blocks, densities from none to all, NaN and +-Inf
            const size_t n = trial < 100 ? (size_t)trial * 3 : (size_t)rng.uniform(0, 5000);
            const double dense = trial % 4 == 0 ? 1.0 : trial % 4 == 1 ? 0.3 : trial % 4 == 2 ? 0.01 : 0.0;
            std::vector<float> v(n);
            for (float& x : v)
            {
                x = rng.uniform(0.0, 1.0) < dense ? rng.uniform(-1.f, 2.f) : rng.uniform(-9.f, -3.f);
                const double u = rng.uniform(0.0, 1.0);
                if (u < 0.002) x = nan;
                else if (u < 0.003) x = inf;
                else if (u < 0.004) x = -inf;
            }
            const float tCount = -1.f;
            const float t = trial % 3 == 0 ? tCount : 0.5f; // plain threshold, or a raised floor
            const size_t cap = trial % 5 == 0 ? 64 + (size_t)rng.uniform(0, 64) : 512; // forces early stops

            std::vector<uint32_t> got;
            int64_t above = 0;
            std::vector<uint32_t> hits(cap);
            size_t begin = 0;
            do
            {
                size_t nHits = 0;
                const size_t used = findAbove(v.data() + begin, n - begin, t, tCount, hits.data(), cap, nHits, above);
                ASSERT_LE(nHits, cap);
                ASSERT_TRUE(used > 0 || n == 0) << isaName(isa) << ": no progress";
                ASSERT_TRUE(used == n - begin || used % 16 == 0) << isaName(isa) << ": stopped inside a block";
                for (size_t h = 0; h < nHits; h++)
                    got.push_back((uint32_t)(begin + hits[h]));
                begin += used;
            } while (begin < n);
            std::vector<uint32_t> want;
            int64_t wantAbove = 0;
            for (size_t i = 0; i < n; i++)
            {
                wantAbove += v[i] > tCount;
                if (v[i] > t)
                    want.push_back((uint32_t)i);
            }
            ASSERT_EQ(want, got) << isaName(isa) << " n=" << n << " trial " << trial;
            ASSERT_EQ(wantAbove, above) << isaName(isa) << " n=" << n << " trial " << trial;
        }
    }
}

TEST(DnnRetinaNet_ScanKernels, decoder_is_identical_under_every_isa_and_thread_count)
{
    IsaGuard guard;
    // P3 alone is 128*96*9*20 = 2.2 M values: 17 scan units sharing pooled buffers and one floor.
    RetinaNetConfig c = testConfig(20, LAYOUT_PER_LEVEL_NCHW);
    c.selection.maxDetections = 0;
    for (double frac : {0.0005, 0.02, 1.0})
    {
        SyntheticHead head = makeHead(c, Size(1024, 768), 1, frac, 31);
        const std::vector<Detection> ref = bruteForceDecode(c, head, 0);
        ASSERT_FALSE(ref.empty());
        DecodeStats first;
        for (Isa isa : availableIsas())
            for (int threads : {1, 2})
            {
                ASSERT_TRUE(setIsa(isa));
                setNumThreads(threads);
                Ptr<RetinaNetDecoder> dec = RetinaNetDecoder::create(c);
                std::vector<std::vector<Detection> > got;
                for (int rep = 0; rep < 2; rep++) // the second call reuses the scratch buffers
                    dec->decode(head.outputs, head.names, head.inputSize, head.imageSizes, got);
                // IoU 0.9999: the reference decodes in double; boxes clipped to < 0.1 px differ most.
                EXPECT_TRUE(sameDetections(ref, got[0], 1e-6, 0.9999))
                    << isaName(isa) << ", " << threads << " threads, fraction above " << frac;
                const DecodeStats st = dec->getLastStats();
                if (isa == ISA_SCALAR && threads == 1)
                    first = st;
                EXPECT_EQ(first.candidates, st.candidates) << isaName(isa) << ", " << threads << " threads";
                EXPECT_EQ(first.afterTopk, st.afterTopk) << isaName(isa) << ", " << threads << " threads";
                EXPECT_EQ(first.detections, st.detections) << isaName(isa) << ", " << threads << " threads";
                EXPECT_EQ(0, st.rescans) << "the sampled floor guess held on i.i.d. data";
            }
        if (frac == 1.0)
        {
            EXPECT_EQ(first.candidates, first.scanned);
        }
    }
}

TEST(DnnRetinaNet_ScanKernels, unsupported_isa_is_refused)
{
    IsaGuard guard;
    EXPECT_TRUE(setIsa(ISA_SCALAR));
    EXPECT_EQ(ISA_SCALAR, currentIsa());
    if (bestIsa() < ISA_AVX512)
    {
        EXPECT_FALSE(setIsa(ISA_AVX512));
    }
    EXPECT_FALSE(setIsa((Isa)42));
}

}} // namespace
