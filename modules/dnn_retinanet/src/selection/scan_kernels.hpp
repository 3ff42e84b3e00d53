// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_SCAN_KERNELS_HPP
#define DNN_RETINANET_SCAN_KERNELS_HPP

// The one loop that reads every logit: "where is a value above t?". It is pure arithmetic on a
// float array (no buffers, no containers), so it can be compiled for several instruction sets
// with per-function target attributes and picked at run time, without building any translation
// unit with -mavx2 / -mavx512f (which would make the linker free to keep AVX copies of shared
// inline functions and crash older CPUs).

#include "../precomp.hpp"

namespace cv { namespace dnn_retinanet { namespace scan {

enum Isa : int  // fixed underlying type: setIsa((Isa)42) in the tests is a defined out-of-range value, not UB
{
    ISA_SCALAR = 0,
    ISA_SIMD128 = 1, //!< OpenCV 128-bit universal intrinsics: SSE2 (x86-64 baseline), NEON (ARM), ...
    ISA_AVX2 = 2,    //!< 2 compares per 16 values, hardware popcount
    ISA_AVX512 = 3   //!< 1 compare per 16 values straight into a mask register
};

/** @brief Scans p[0, n): appends the offsets of the values > @p t to @p hits (ascending) and adds
 *  to @p above the number of values > @p tCount (tCount <= t: the real threshold, when t is a
 *  raised top-k floor). Reads 64 values per step (one 64-bit mask) and stops early, at a 64-value
 *  boundary, once fewer than 64 slots of @p cap are free; returns the number of values consumed
 *  (n when it did not stop early).
 *  NaN is never above anything. */
typedef size_t (*FindAboveFn)(const float* p, size_t n, float t, float tCount, uint32_t* hits, size_t cap,
                              size_t& nHits, int64_t& above);

//! The kernel of the current ISA (the best one this CPU has, unless overridden).
CV_EXPORTS FindAboveFn findAbove();

//! The best ISA this CPU and this build support.
CV_EXPORTS Isa bestIsa();
//! The ISA in use.
CV_EXPORTS Isa currentIsa();
/** @brief Selects @p isa for the whole process (tests and benchmarks compare kernels); an ISA above
 *  bestIsa() is refused with false. Also settable at start-up with DNN_RETINANET_SCAN_ISA=
 *  scalar|simd128|avx2|avx512. */
CV_EXPORTS bool setIsa(Isa isa);
CV_EXPORTS const char* isaName(Isa isa);

}}}

#endif
