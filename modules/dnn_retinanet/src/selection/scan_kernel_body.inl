// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The body of scan::FindAboveFn, written once and included by scan_kernels.cpp once per
// instruction set with these macros:
//   SCAN_FN            function name          SCAN_TARGET          function attribute (or empty)
//   SCAN_VEC           broadcast type         SCAN_SET(t)          broadcast
//   SCAN_MASK64(q, tv) 64-bit mask of q[0..64) > t (NaN compares false)
//   SCAN_ACC / SCAN_ACC_ZERO / SCAN_ACC_ADD64(acc, q, tv) / SCAN_ACC_SUM(acc)
//                      branch-free per-lane counting of q[0..64) > t
// and undefines them at its end, ready for the next instruction set.

static SCAN_TARGET size_t SCAN_FN(const float* p, size_t n, float t, float tCount, uint32_t* hits, size_t cap,
                                  size_t& nHits, int64_t& above)
{
    const SCAN_VEC tv = SCAN_SET(t), cv = SCAN_SET(tCount);
    // With a raised top-k floor (t > tCount) the real threshold is still counted for the stats;
    // the values above the floor are a subset of the counted ones.
    const bool dual = t != tCount;
    size_t h = nHits, i = 0;
    int64_t count = 0;
    SCAN_ACC acc = SCAN_ACC_ZERO;
    for (; i + 64 <= n && cap - h >= 64; i += 64)
    {
        const float* q = p + i;
        uint64_t m;
        if (dual)
        {
            // Dense data: count without branching on the data, then look for values above the floor.
            SCAN_ACC_ADD64(acc, q, cv);
            m = SCAN_MASK64(q, tv);
            if (m == 0)
                continue;
        }
        else
        {
            m = SCAN_MASK64(q, tv); // the common case: nothing passes
            if (m == 0)
                continue;
            count += popcount64(m);
        }
        for (; m != 0; m &= m - 1)
            hits[h++] = (uint32_t)(i + ctz64(m));
    }
    if (cap - h >= 64) // fewer than 64 values left
        for (; i < n; i++)
        {
            count += p[i] > tCount;
            if (p[i] > t)
                hits[h++] = (uint32_t)i;
        }
    nHits = h;
    above += count + (int64_t)SCAN_ACC_SUM(acc);
    return i;
}

#undef SCAN_FN
#undef SCAN_TARGET
#undef SCAN_VEC
#undef SCAN_SET
#undef SCAN_MASK64
#undef SCAN_ACC
#undef SCAN_ACC_ZERO
#undef SCAN_ACC_ADD64
#undef SCAN_ACC_SUM
