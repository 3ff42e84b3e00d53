// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "select_best.hpp"

#include <cstring>

namespace cv { namespace dnn_retinanet {

namespace {

//! One integer in BetterCandidate's order, larger is better: higher raw, then lower index. NaN is
//! never a candidate.
inline uint64_t rankKey(const Candidate& c)
{
    const float r = c.raw == 0.f ? 0.f : c.raw; // -0 ties with +0, as comparing raws does
    uint32_t b;
    std::memcpy(&b, &r, sizeof(b));
    b = (b & 0x80000000u) ? ~b : (b | 0x80000000u); // monotone float -> unsigned
    return ((uint64_t)b << 32) | (uint32_t)~c.index;
}

} // namespace

void selectBest(Candidate* a, size_t n, size_t k, std::vector<Candidate>& scratch)
{
    CV_Assert(k >= 1 && k <= n);
    const int kSample = 31;
    if (scratch.size() < n)
        scratch.resize(n);
    Candidate* tmp = scratch.data();
    // a[0, lo) are among the best k; the rest of them are in a[lo, n).
    size_t lo = 0;
    for (int rounds = 0; n - lo > 128 && rounds < 48; rounds++)
    {
        Candidate* p = a + lo;
        const size_t m = n - lo, want = k - lo; // the want-th best of p[0, m), 1 <= want <= m
        // Pivot: the sampled candidate at the sought rank (not the median: a top-k of 1,000 among
        // 8,000 would otherwise take extra passes).
        std::pair<uint64_t, size_t> s[kSample];
        for (int j = 0; j < kSample; j++)
        {
            const size_t pos = (2 * j + 1) * m / (2 * kSample);
            s[j] = std::make_pair(rankKey(p[pos]), pos);
        }
        std::sort(s, s + kSample, std::greater<std::pair<uint64_t, size_t> >());
        const std::pair<uint64_t, size_t> pivot = s[std::min<size_t>(kSample - 1, want * kSample / m)];
        // Branch-free partition of p[0, m - 1) (pivot parked at the end) into tmp: the better ones
        // from the front, the others from the back. Both stores always happen (one of them is
        // overwritten later), so no branch and no store-to-load chain through the array.
        std::swap(p[pivot.second], p[m - 1]);
        const uint64_t pk = pivot.first;
        size_t better = 0, hi = m - 1;
        for (size_t i = 0; i + 1 < m; i++)
        {
            const Candidate c = p[i];
            const bool b = rankKey(c) > pk;
            tmp[better] = c;
            tmp[hi] = c;
            better += b;
            hi -= !b;
        }
        tmp[better] = p[m - 1]; // the pivot, right after the better ones: it is the (better+1)-th
        std::copy(tmp, tmp + m, p);
        if (better + 1 == want)
            return;
        if (better + 1 > want)
            n = lo + better; // among the better ones
        else
            lo += better + 1; // all of them and the pivot are in; continue above it
    }
    std::nth_element(a + lo, a + (k - 1), a + n, BetterCandidate());
}

}}
