// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "scan_kernels.hpp"

#include <opencv2/core/hal/intrin.hpp>

#include <atomic>
#include <cstdlib>
#include <cstring>

// Every CPU OpenCV has 128-bit universal intrinsics for (SSE2 on x86-64, NEON on ARM, ...) gets the
// simd128 kernel. x86-64 with GCC/Clang also gets AVX2 / AVX-512 kernels, each with its own target
// attribute, run only when the CPU (and the OS) supports them.
#if defined(__x86_64__) && defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
#define DNN_RETINANET_SCAN_X86 1
#include <immintrin.h>
#endif

namespace cv { namespace dnn_retinanet { namespace scan {

namespace {

#if defined(__GNUC__) || defined(__clang__)
inline int popcount64(uint64_t m) { return __builtin_popcountll(m); }
inline unsigned ctz64(uint64_t m) { return (unsigned)__builtin_ctzll(m); }
#else
inline int popcount64(uint64_t m)
{
    int c = 0;
    for (; m != 0; m &= m - 1) c++;
    return c;
}
inline unsigned ctz64(uint64_t m)
{
    unsigned k = 0;
    while (!(m & 1u)) { m >>= 1; k++; }
    return k;
}
#endif

// ---- portable scalar kernel
inline uint64_t scalarMask64(const float* q, float t)
{
    uint64_t m = 0;
    for (int k = 0; k < 64; k++)
        m |= (uint64_t)(q[k] > t) << k;
    return m;
}
#define SCAN_FN findAboveScalar
#define SCAN_TARGET
#define SCAN_VEC float
#define SCAN_SET(t) (t)
#define SCAN_MASK64(q, tv) scalarMask64(q, tv)
#define SCAN_ACC int64_t
#define SCAN_ACC_ZERO 0
#define SCAN_ACC_ADD64(acc, q, tv) acc += popcount64(scalarMask64(q, tv))
#define SCAN_ACC_SUM(acc) (acc)
#include "scan_kernel_body.inl"

#if CV_SIMD128
// ---- 128-bit OpenCV universal intrinsics: SSE2 on x86-64, NEON on ARM (and VSX, RVV, ...).
// One "any above?" test per 64 values before the mask (a full mask costs more than a compare on NEON).
inline uint64_t simd128Mask16(const float* q, const v_float32x4& t)
{
    return (uint64_t)(v_signmask(v_load(q) > t) | (v_signmask(v_load(q + 4) > t) << 4) |
                      (v_signmask(v_load(q + 8) > t) << 8) | (v_signmask(v_load(q + 12) > t) << 12));
}
inline uint64_t simd128Mask64(const float* q, const v_float32x4& t)
{
    v_float32x4 any = v_load(q) > t;
    for (int k = 4; k < 64; k += 4)
        any = any | (v_load(q + k) > t);
    if (!v_check_any(any))
        return 0;
    return simd128Mask16(q, t) | (simd128Mask16(q + 16, t) << 16) | (simd128Mask16(q + 32, t) << 32) |
           (simd128Mask16(q + 48, t) << 48);
}
// Per-lane counters: a true compare is -1, so subtracting it counts.
inline v_int32x4 simd128Count64(v_int32x4 acc, const float* q, const v_float32x4& t)
{
    for (int k = 0; k < 64; k += 4)
        acc = acc - v_reinterpret_as_s32(v_load(q + k) > t);
    return acc;
}
#define SCAN_FN findAboveSimd128
#define SCAN_TARGET
#define SCAN_VEC v_float32x4
#define SCAN_SET(t) v_setall_f32(t)
#define SCAN_MASK64(q, tv) simd128Mask64(q, tv)
#define SCAN_ACC v_int32x4
#define SCAN_ACC_ZERO v_setzero_s32()
#define SCAN_ACC_ADD64(acc, q, tv) acc = simd128Count64(acc, q, tv)
#define SCAN_ACC_SUM(acc) v_reduce_sum(acc)
#include "scan_kernel_body.inl"
#endif // CV_SIMD128

#ifdef DNN_RETINANET_SCAN_X86
// ---- AVX2: 2 compares per 16 values. The helpers carry the kernel's target so they inline into it.
#define DNN_RETINANET_AVX2_TARGET __attribute__((target("avx2,popcnt,bmi")))
DNN_RETINANET_AVX2_TARGET inline uint64_t avx2Mask16(const float* q, __m256 t)
{
    return (uint64_t)(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(q), t, _CMP_GT_OQ)) |
                      (_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(q + 8), t, _CMP_GT_OQ)) << 8));
}
DNN_RETINANET_AVX2_TARGET inline uint64_t avx2Mask64(const float* q, __m256 t)
{
    return avx2Mask16(q, t) | (avx2Mask16(q + 16, t) << 16) | (avx2Mask16(q + 32, t) << 32) | (avx2Mask16(q + 48, t) << 48);
}
DNN_RETINANET_AVX2_TARGET inline __m256i avx2Count64(__m256i acc, const float* q, __m256 t)
{
    for (int k = 0; k < 64; k += 8)
        acc = _mm256_sub_epi32(acc, _mm256_castps_si256(_mm256_cmp_ps(_mm256_loadu_ps(q + k), t, _CMP_GT_OQ)));
    return acc;
}
DNN_RETINANET_AVX2_TARGET inline int avx2Sum(__m256i acc)
{
    int v[8];
    _mm256_storeu_si256((__m256i*)v, acc);
    return v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
}
#define SCAN_FN findAboveAvx2
#define SCAN_TARGET DNN_RETINANET_AVX2_TARGET
#define SCAN_VEC __m256
#define SCAN_SET(t) _mm256_set1_ps(t)
#define SCAN_MASK64(q, tv) avx2Mask64(q, tv)
#define SCAN_ACC __m256i
#define SCAN_ACC_ZERO _mm256_setzero_si256()
#define SCAN_ACC_ADD64(acc, q, tv) acc = avx2Count64(acc, q, tv)
#define SCAN_ACC_SUM(acc) avx2Sum(acc)
#include "scan_kernel_body.inl"

// ---- AVX-512: one compare per 16 values, straight into a mask register
#define DNN_RETINANET_AVX512_TARGET __attribute__((target("avx512f,popcnt,bmi")))
DNN_RETINANET_AVX512_TARGET inline uint64_t avx512Mask64(const float* q, __m512 t)
{
    return (uint64_t)_mm512_cmp_ps_mask(_mm512_loadu_ps(q), t, _CMP_GT_OQ) |
           ((uint64_t)_mm512_cmp_ps_mask(_mm512_loadu_ps(q + 16), t, _CMP_GT_OQ) << 16) |
           ((uint64_t)_mm512_cmp_ps_mask(_mm512_loadu_ps(q + 32), t, _CMP_GT_OQ) << 32) |
           ((uint64_t)_mm512_cmp_ps_mask(_mm512_loadu_ps(q + 48), t, _CMP_GT_OQ) << 48);
}
DNN_RETINANET_AVX512_TARGET inline __m512i avx512Count64(__m512i acc, const float* q, __m512 t)
{
    const __m512i one = _mm512_set1_epi32(1);
    for (int k = 0; k < 64; k += 16)
        acc = _mm512_mask_add_epi32(acc, _mm512_cmp_ps_mask(_mm512_loadu_ps(q + k), t, _CMP_GT_OQ), acc, one);
    return acc;
}
DNN_RETINANET_AVX512_TARGET inline int avx512Sum(__m512i acc)
{
    int v[16]; // not _mm512_reduce_add_epi32: GCC 12's version trips -Wuninitialized
    _mm512_storeu_si512((void*)v, acc);
    int s = 0;
    for (int k = 0; k < 16; k++) s += v[k];
    return s;
}
#define SCAN_FN findAboveAvx512
#define SCAN_TARGET DNN_RETINANET_AVX512_TARGET
#define SCAN_VEC __m512
#define SCAN_SET(t) _mm512_set1_ps(t)
#define SCAN_MASK64(q, tv) avx512Mask64(q, tv)
#define SCAN_ACC __m512i
#define SCAN_ACC_ZERO _mm512_setzero_si512()
#define SCAN_ACC_ADD64(acc, q, tv) acc = avx512Count64(acc, q, tv)
#define SCAN_ACC_SUM(acc) avx512Sum(acc)
#include "scan_kernel_body.inl"
#endif // DNN_RETINANET_SCAN_X86

Isa detectBestIsa()
{
#ifdef DNN_RETINANET_SCAN_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("popcnt"))
        return ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt"))
        return ISA_AVX2;
#endif
#if CV_SIMD128
    return ISA_SIMD128;
#else
    return ISA_SCALAR;
#endif
}

const FindAboveFn kKernels[] = {
    findAboveScalar,
#if CV_SIMD128
    findAboveSimd128,
#else
    findAboveScalar,
#endif
#ifdef DNN_RETINANET_SCAN_X86
    findAboveAvx2, findAboveAvx512
#else
    findAboveScalar, findAboveScalar
#endif
};

std::atomic<int>& isaSlot()
{
    // First use: the best ISA, or DNN_RETINANET_SCAN_ISA when it names a supported one.
    static std::atomic<int> slot([] {
        int isa = (int)detectBestIsa();
        if (const char* env = std::getenv("DNN_RETINANET_SCAN_ISA"))
            for (int k = ISA_SCALAR; k <= isa; k++)
                if (std::strcmp(env, isaName((Isa)k)) == 0)
                    return k;
        return isa;
    }());
    return slot;
}

} // namespace

const char* isaName(Isa isa)
{
    switch (isa)
    {
    case ISA_SCALAR: return "scalar";
    case ISA_SIMD128: return "simd128";
    case ISA_AVX2: return "avx2";
    case ISA_AVX512: return "avx512";
    }
    return "?";
}

Isa bestIsa()
{
    static const Isa best = detectBestIsa();
    return best;
}

Isa currentIsa() { return (Isa)isaSlot().load(std::memory_order_relaxed); }

bool setIsa(Isa isa)
{
    if ((int)isa < ISA_SCALAR || (int)isa > (int)bestIsa())
        return false;
    isaSlot().store((int)isa, std::memory_order_relaxed);
    return true;
}

FindAboveFn findAbove() { return kKernels[isaSlot().load(std::memory_order_relaxed)]; }

}}}
