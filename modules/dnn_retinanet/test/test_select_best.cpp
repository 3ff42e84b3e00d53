// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// selectBest (the decoder's trim and per-level top-k) against std::nth_element with the same order.
#include "test_precomp.hpp"
#include "selection/select_best.hpp"

#include <limits>

namespace opencv_test { namespace {

using cv::dnn_retinanet::BetterCandidate;
using cv::dnn_retinanet::Candidate;

TEST(DnnRetinaNet_SelectBest, same_best_k_as_nth_element_with_ties_signed_zeros_and_infinities)
{
    RNG rng(3);
    std::vector<Candidate> scratch; // reused across trials, as the decoder does
    const float inf = std::numeric_limits<float>::infinity();
    for (int trial = 0; trial < 400; trial++)
    {
        const int n = trial < 100 ? rng.uniform(1, 70) : rng.uniform(70, 9000);
        const int k = rng.uniform(1, n + 1);
        const int kind = trial % 4;
        std::vector<Candidate> items(n);
        std::vector<int> idx(n);
        for (int i = 0; i < n; i++) idx[i] = i * 7 + 3;
        cv::randShuffle(idx, 1.0, &rng);
        for (int i = 0; i < n; i++)
        {
            float raw = rng.uniform(-3.f, 4.f);
            if (kind == 1) raw = (float)rng.uniform(0, 5); // heavy ties: the index decides
            if (kind == 2) raw = (rng.uniform(0, 3) == 0) ? -0.f : (rng.uniform(0, 2) ? 0.f : rng.uniform(-1.f, 1.f));
            if (kind == 3 && rng.uniform(0, 50) == 0) raw = rng.uniform(0, 2) ? inf : -inf;
            items[i] = Candidate(raw, (uint32_t)idx[i]);
        }
        std::vector<Candidate> want = items, got = items;
        std::nth_element(want.begin(), want.begin() + (k - 1), want.end(), BetterCandidate());
        cv::dnn_retinanet::selectBest(got.data(), got.size(), (size_t)k, scratch);
        ASSERT_EQ(want[k - 1].index, got[k - 1].index) << "k-th best, n=" << n << " k=" << k << " kind " << kind;
        std::sort(want.begin(), want.begin() + k, BetterCandidate());
        std::sort(got.begin(), got.begin() + k, BetterCandidate());
        for (int i = 0; i < k; i++)
            ASSERT_EQ(want[i].index, got[i].index) << "n=" << n << " k=" << k << " kind " << kind << " #" << i;
        // Nothing lost: the rest is the rest.
        std::sort(want.begin() + k, want.end(), BetterCandidate());
        std::sort(got.begin() + k, got.end(), BetterCandidate());
        for (int i = k; i < n; i++)
            ASSERT_EQ(want[i].index, got[i].index) << "n=" << n << " k=" << k << " kind " << kind << " #" << i;
    }
}

}} // namespace
