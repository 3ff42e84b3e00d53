// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// CUDA kernels of the RetinaNet decoder. They reproduce cpu_decoder.cpp exactly; how each stage
// gets the CPU's order and ties is explained next to it. Everything is batched over images and
// levels: a "segment" g = image * numLevels + level is one (image, level) score block.
//
//  1. scan      threshold in the raw domain + block-aggregated stream compaction of 64-bit keys
//               (orderedBits(raw) << 32 | ~index): descending key order = raw desc, index asc.
//  2. select    exact top-k per segment: 11-bit radix select over the keys (6 histogram passes at
//               most) finds the k-th largest key; gather keeps the keys >= it (exactly k).
//  3. sort      segmented radix sort of the <= k keys per segment, descending.
//  4. decode    box, frame mapping, clip, size filter, label for each survivor, written level after
//               level per image, so that an image's slots are ordered by (level, raw desc, index asc).
//  5. NMS order stable segmented sort per image on (label, raw desc): ties keep the slot order,
//               i.e. (level, index) asc = the CPU's `order`.
//  6. NMS       greedy per (image, label) group, one block per group, exact.
//  7. output    stable sort on (not kept, raw desc), first maxDetections, clip after NMS.
//
// The host synchronises once, after copying back the compact results (cuda_decoder.cpp).

#include "decode_kernels.hpp"

#include <cuda_runtime.h>
#include <cub/block/block_scan.cuh>
#include <cub/device/device_segmented_radix_sort.cuh>
#include <cub/util_type.cuh>

namespace cv { namespace dnn_retinanet { namespace gpu {

namespace {

constexpr int kScanThreads = 256;
constexpr int kScanItems = kScanTile / kScanThreads;          // 16 values per thread
constexpr int kSoftmaxThreads = 128;
constexpr int kSoftmaxItems = kSoftmaxTile / kSoftmaxThreads; // 4 anchors per thread
constexpr int kThreads = 256;                                 // every other kernel
constexpr int kRadixBits = 11;
constexpr int kRadixPasses = (64 + kRadixBits - 1) / kRadixBits; // 6
constexpr int kNmsSharedBoxes = 2048;                         // 32 KB of boxes + 2 KB of flags
constexpr unsigned long long kNotKeptBit = 1ull << 32;

static_assert(kScanTile % kScanThreads == 0 && kSoftmaxTile % kSoftmaxThreads == 0, "tiles");
static_assert(kRadixBins == 1 << kRadixBits && kRadixBins % kThreads == 0, "radix bins");

// Floats as unsigned integers in the same order, -0 and +0 equal (the CPU compares floats with
// `>` and `==`, for which they are equal). NaN never reaches a key: it fails every threshold.
__device__ __forceinline__ unsigned int orderedBits(float f)
{
    unsigned int u = __float_as_uint(f);
    if ((u & 0x7fffffffu) == 0u)
        u = 0u;
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

__device__ __forceinline__ float fromOrderedBits(unsigned int k)
{
    return __uint_as_float((k & 0x80000000u) ? (k & 0x7fffffffu) : ~k);
}

// Candidate key: larger key = better candidate (higher raw, then lower canonical index), exactly
// BetterCandidate of selection/candidates.hpp. Keys of one segment are distinct (distinct indices).
__device__ __forceinline__ unsigned long long candidateKey(float raw, unsigned int index)
{
    return ((unsigned long long)orderedBits(raw) << 32) | (unsigned long long)(~index);
}

__device__ __forceinline__ int levelOfTile(const DecodeParams& p, unsigned int tileInImage)
{
    int l = 0;
    while (l + 1 < p.numLevels && tileInImage >= p.levels[l + 1].tileOffset)
        ++l;
    return l;
}

__device__ __forceinline__ size_t candBase(const DecodeParams& p, int n, int l)
{
    return (size_t)n * p.candPerImage + p.levels[l].candOffset;
}

// ------------------------------------------------------------------------------------------------
// 1. Threshold scan (sigmoid, FL*, probability): raw > rawThreshold, the CPU's scanScores().
// One block scans kScanTile consecutive values of one segment (coalesced loads, 16 per thread
// in flight); a block without a hit leaves after one barrier. Hits are compacted with a block
// scan and one atomicAdd per block. Slot order inside a segment is arbitrary: every later stage
// orders by key, and keys are distinct.
__global__ void __launch_bounds__(kScanThreads) scanLogitsKernel(const __grid_constant__ DecodeParams p)
{
    using BlockScan = cub::BlockScan<int, kScanThreads>;
    __shared__ typename BlockScan::TempStorage scanStorage;
    __shared__ unsigned int blockBase;

    const int n = (int)(blockIdx.x / p.tilesPerImage);
    const unsigned int tileInImage = blockIdx.x - (unsigned int)n * p.tilesPerImage;
    const int l = levelOfTile(p, tileInImage);
    const LevelParams& lv = p.levels[l];
    const unsigned int start = (tileInImage - lv.tileOffset) * (unsigned int)kScanTile;
    const float* src = lv.cls + (size_t)n * lv.clsImageStride;
    const float thr = lv.rawThreshold;

    float v[kScanItems];
    unsigned int hits = 0;
    int count = 0;
#pragma unroll
    for (int j = 0; j < kScanItems; ++j)
    {
        const unsigned int pos = start + (unsigned int)(j * kScanThreads) + threadIdx.x;
        v[j] = pos < lv.scanCount ? __ldg(src + pos) : 0.f;
        const bool hit = pos < lv.scanCount && v[j] > thr;
        hits |= (unsigned int)hit << j;
        count += hit ? 1 : 0;
    }
    if (!__syncthreads_or(count))
        return;
    int offset = 0, total = 0;
    BlockScan(scanStorage).ExclusiveSum(count, offset, total);
    if (threadIdx.x == 0)
        blockBase = (unsigned int)atomicAdd(p.candCount + n * p.numLevels + l, total);
    __syncthreads();
    unsigned long long* out = p.cand + candBase(p, n, l) + blockBase + (unsigned int)offset;
    const unsigned int hw = (unsigned int)lv.width * (unsigned int)lv.height;
    const unsigned int ac = (unsigned int)(p.numAnchors * p.numClasses);
#pragma unroll
    for (int j = 0; j < kScanItems; ++j)
        if (hits & (1u << j))
        {
            const unsigned int pos = start + (unsigned int)(j * kScanThreads) + threadIdx.x;
            // canonical index ((y*W + x)*A + a)*K + k: planar flat = (a*K + k)*HW + pix
            const unsigned int index = lv.planar ? (pos % hw) * ac + pos / hw : pos;
            *out++ = candidateKey(v[j], index);
        }
}

// 1'. Softmax over K+1 channels with a background: scanSoftmax() of candidates.cpp, operation for
// operation (float max, float "any class within log(t) of the max", double sum of exp in channel
// order, float probability), one anchor per thread. Pass 1 counts the passing classes, pass 2
// recomputes and writes them after the block's compaction.
struct SoftmaxAnchor
{
    const float* p;
    size_t step;   // between channels
    __device__ __forceinline__ float at(int c) const { return p[(size_t)c * step]; }
};

__device__ __forceinline__ SoftmaxAnchor softmaxAnchor(const LevelParams& lv, const float* block, unsigned int anchor,
                                                       int A, int C)
{
    SoftmaxAnchor s;
    if (lv.planar)
    {
        const size_t hw = (size_t)lv.width * lv.height;
        const unsigned int pix = anchor / (unsigned int)A, a = anchor - pix * (unsigned int)A;
        s.p = block + (size_t)a * C * hw + pix;
        s.step = hw;
    }
    else
    {
        s.p = block + (size_t)anchor * C; // (pix*A + a)*C + c
        s.step = 1;
    }
    return s;
}

__global__ void __launch_bounds__(kSoftmaxThreads) scanSoftmaxKernel(const __grid_constant__ DecodeParams p)
{
    using BlockScan = cub::BlockScan<int, kSoftmaxThreads>;
    __shared__ typename BlockScan::TempStorage scanStorage;
    __shared__ unsigned int blockBase;

    const int n = (int)(blockIdx.x / p.tilesPerImage);
    const unsigned int tileInImage = blockIdx.x - (unsigned int)n * p.tilesPerImage;
    const int l = levelOfTile(p, tileInImage);
    const LevelParams& lv = p.levels[l];
    const unsigned int start = (tileInImage - lv.tileOffset) * (unsigned int)kSoftmaxTile;
    const float* block = lv.cls + (size_t)n * lv.clsImageStride;
    const int A = p.numAnchors, C = p.channels, K = p.numClasses, bg = p.backgroundChannel;
    const float thr = lv.probThreshold, logT = lv.logThreshold;
    const bool inclusive = p.inclusive != 0;

    float maxv[kSoftmaxItems];
    double sums[kSoftmaxItems];
    int counts[kSoftmaxItems];
    int count = 0;
#pragma unroll
    for (int j = 0; j < kSoftmaxItems; ++j)
    {
        counts[j] = 0;
        maxv[j] = 0.f;
        sums[j] = 1.0;
        const unsigned int anchor = start + (unsigned int)(j * kSoftmaxThreads) + threadIdx.x;
        if (anchor >= lv.scanCount)
            continue;
        const SoftmaxAnchor s = softmaxAnchor(lv, block, anchor, A, C);
        float m = __int_as_float(0xff800000); // -inf
        bool finite = true;
        for (int c = 0; c < C; ++c)
        {
            const float x = s.at(c);
            finite &= (x == x);
            m = (m < x) ? x : m; // std::max(m, x)
        }
        if (!finite || !isfinite(m))
            continue;
        bool any = false;
        for (int c = 0; c < C && !any; ++c)
            any = c != bg && s.at(c) - m >= logT;
        if (!any)
            continue;
        double sum = 0;
        for (int c = 0; c < C; ++c)
            sum += exp((double)s.at(c) - (double)m);
        for (int c = 0; c < C; ++c)
        {
            if (c == bg)
                continue;
            const float prob = (float)(exp((double)s.at(c) - (double)m) / sum);
            counts[j] += (inclusive ? prob >= thr : prob > thr) ? 1 : 0;
        }
        maxv[j] = m;
        sums[j] = sum;
        count += counts[j];
    }
    if (!__syncthreads_or(count))
        return;
    int offset = 0, total = 0;
    BlockScan(scanStorage).ExclusiveSum(count, offset, total);
    if (threadIdx.x == 0)
        blockBase = (unsigned int)atomicAdd(p.candCount + n * p.numLevels + l, total);
    __syncthreads();
    unsigned long long* out = p.cand + candBase(p, n, l) + blockBase + (unsigned int)offset;
#pragma unroll
    for (int j = 0; j < kSoftmaxItems; ++j)
    {
        if (counts[j] == 0)
            continue;
        const unsigned int anchor = start + (unsigned int)(j * kSoftmaxThreads) + threadIdx.x;
        const SoftmaxAnchor s = softmaxAnchor(lv, block, anchor, A, C);
        for (int c = 0, k = 0; c < C; ++c)
        {
            if (c == bg)
                continue;
            const float prob = (float)(exp((double)s.at(c) - (double)maxv[j]) / sums[j]);
            if (inclusive ? prob >= thr : prob > thr)
                *out++ = candidateKey(prob, anchor * (unsigned int)K + (unsigned int)k); // (pix*A + a)*K + k
            ++k;
        }
    }
}

// ------------------------------------------------------------------------------------------------
// 2. Exact top-k per segment by radix select on the distinct 64-bit keys: pass p histograms the
// 11-bit digit below the already fixed prefix, over the keys that match the prefix; the select
// kernel then finds the digit of the k-th largest key. When the chosen bucket holds exactly the
// keys still needed, the segment keeps all keys >= (prefix with the remaining bits 0), which are
// exactly k; the last pass reaches single keys, so every segment finishes. Segments with
// count <= k (or top-k <= 0) keep everything (threshold 0). This is the CPU's selectTopK():
// the k largest keys are the k best (raw desc, index asc) candidates, ties included.
__device__ __forceinline__ void digitOf(int pass, int& shift, int& width)
{
    const int hi = 64 - kRadixBits * pass;
    shift = hi - kRadixBits > 0 ? hi - kRadixBits : 0;
    width = hi - shift;
}

__global__ void __launch_bounds__(kThreads) radixHistogramKernel(const __grid_constant__ DecodeParams p, int pass)
{
    __shared__ unsigned int bins[kRadixBins];
    const int g = blockIdx.y;
    const int count = p.candCount[g];
    unsigned long long prefix = 0, mask = 0;
    if (pass == 0)
    {
        if (!(p.topk > 0 && count > p.topk))
            return;
    }
    else
    {
        const SelectState s = p.selState[g];
        if (s.done)
            return;
        prefix = s.prefix;
        mask = ~((1ull << (64 - kRadixBits * pass)) - 1ull);
    }
    if ((long long)blockIdx.x * kThreads >= count)
        return;
    int shift, width;
    digitOf(pass, shift, width);
    const unsigned int digitMask = (1u << width) - 1u;
    for (int b = threadIdx.x; b < kRadixBins; b += kThreads)
        bins[b] = 0;
    __syncthreads();
    const int n = g / p.numLevels, l = g - n * p.numLevels;
    const unsigned long long* keys = p.cand + candBase(p, n, l);
    for (long long i = (long long)blockIdx.x * kThreads + threadIdx.x; i < count; i += (long long)gridDim.x * kThreads)
    {
        const unsigned long long key = keys[i];
        if ((key & mask) == prefix)
            atomicAdd(&bins[(unsigned int)(key >> shift) & digitMask], 1u);
    }
    __syncthreads();
    unsigned int* hist = p.hist + (size_t)g * kRadixBins;
    for (int b = threadIdx.x; b <= (int)digitMask; b += kThreads)
        if (bins[b])
            atomicAdd(hist + b, bins[b]);
}

__global__ void __launch_bounds__(kThreads) radixSelectKernel(const __grid_constant__ DecodeParams p, int pass)
{
    using BlockScan = cub::BlockScan<int, kThreads>;
    __shared__ typename BlockScan::TempStorage scanStorage;
    const int g = blockIdx.x;
    const int count = p.candCount[g];
    const int n = g / p.numLevels, l = g - n * p.numLevels;
    SelectState s;
    if (pass == 0)
    {
        const bool needed = p.topk > 0 && count > p.topk;
        if (threadIdx.x == 0)
        {
            const int begin = (int)((unsigned int)n * p.selPerImage + p.levels[l].selOffset);
            const int kept = needed ? p.topk : count;
            p.selCount[g] = kept;
            p.selBegin[g] = begin;
            p.selEnd[g] = begin + kept;
            if (!needed)
            {
                SelectState all = {0ull, 0ull, 0, 1};
                p.selState[g] = all;
            }
        }
        if (!needed)
            return;
        s.prefix = 0;
        s.remaining = p.topk;
    }
    else
    {
        s = p.selState[g];
        if (s.done)
            return;
    }
    int shift, width;
    digitOf(pass, shift, width);
    const int numBins = 1 << width;
    const int perThread = numBins / kThreads; // 8, or 2 for the last 9-bit digit
    unsigned int* hist = p.hist + (size_t)g * kRadixBins;
    // Thread t owns bins numBins-1-t*perThread ... downwards: thread order = descending digits.
    int local = 0;
    for (int i = 0; i < perThread; ++i)
        local += (int)hist[numBins - 1 - (threadIdx.x * perThread + i)];
    int above = 0;
    BlockScan(scanStorage).ExclusiveSum(local, above);
    for (int i = 0; i < perThread; ++i)
    {
        const int b = numBins - 1 - (threadIdx.x * perThread + i);
        const int h = (int)hist[b];
        if (above < s.remaining && s.remaining <= above + h)
        {
            // Exactly one thread gets here: the k-th key's digit is b.
            SelectState next;
            next.prefix = s.prefix | ((unsigned long long)b << shift);
            next.remaining = s.remaining - above;
            next.done = h == next.remaining ? 1 : 0;
            next.threshold = next.prefix;
            p.selState[g] = next;
        }
        above += h;
    }
    __syncthreads(); // every thread has read the histogram
    for (int i = 0; i < perThread; ++i)
        hist[numBins - 1 - (threadIdx.x * perThread + i)] = 0u;
}

// Keeps the keys >= the segment's threshold (exactly selCount of them), warp-aggregated atomics.
__global__ void __launch_bounds__(kThreads) gatherTopkKernel(const __grid_constant__ DecodeParams p)
{
    const int g = blockIdx.y;
    const int count = p.candCount[g];
    if ((long long)blockIdx.x * kThreads >= count)
        return;
    const int n = g / p.numLevels, l = g - n * p.numLevels;
    const unsigned long long thr = p.selState[g].threshold;
    const unsigned long long* keys = p.cand + candBase(p, n, l);
    unsigned long long* out = p.selKeys[0] + p.selBegin[g];
    const unsigned int lane = threadIdx.x & 31u;
    // i0 is uniform over the block: every lane of a warp takes part in each ballot.
    for (long long i0 = (long long)blockIdx.x * kThreads; i0 < count; i0 += (long long)gridDim.x * kThreads)
    {
        const long long i = i0 + threadIdx.x;
        const unsigned long long key = i < count ? keys[i] : 0ull;
        const bool take = i < count && key >= thr;
        const unsigned int ballot = __ballot_sync(0xffffffffu, take);
        if (!ballot)
            continue;
        const int leader = __ffs(ballot) - 1;
        int base = 0;
        if ((int)lane == leader)
            base = atomicAdd(p.gatherCursor + g, __popc(ballot));
        base = __shfl_sync(0xffffffffu, base, leader);
        if (take)
            out[base + __popc(ballot & ((1u << lane) - 1u))] = key;
    }
}

// ------------------------------------------------------------------------------------------------
// 4. Decoding of the survivors (sorted by key, so raw desc then index asc inside a level), written
// to the image's slots level after level: slot order = (level asc, raw desc, index asc). Box math
// is box_math.hpp's, the anchor is AnchorGenerator::anchorAt's expression (no FMA: --fmad=false).
// What happens before NMS (frame mapping, clip, min size) is prepareForNms(), as on the CPU.
// Non-finite boxes are counted; they and boxes under the minimum size get keys that sort after
// every valid box (never kept).
__global__ void __launch_bounds__(kThreads) decodeBoxesKernel(const __grid_constant__ DecodeParams p,
                                                              const unsigned long long* sortedKeys)
{
    const int g = blockIdx.y;
    const int n = g / p.numLevels, l = g - n * p.numLevels;
    const LevelParams& lv = p.levels[l];
    const int count = p.selCount[g];
    int before = 0, total = 0;
    for (int q = 0; q < p.numLevels; ++q)
    {
        const int c = p.selCount[n * p.numLevels + q];
        before += q < l ? c : 0;
        total += c;
    }
    const int imageBase = (int)((unsigned int)n * p.selPerImage);
    if (l == 0 && blockIdx.x == 0 && threadIdx.x == 0)
    {
        p.imgBegin[n] = imageBase;
        p.imgEnd[n] = imageBase + total;
    }
    const unsigned long long* keys = sortedKeys + p.selBegin[g];
    const unsigned int K = (unsigned int)p.numClasses, A = (unsigned int)p.numAnchors;
    const unsigned int W = (unsigned int)lv.width;
    const size_t hw = (size_t)lv.width * lv.height;
    const float* boxBlock = lv.box + (size_t)n * lv.boxImageStride;
    const unsigned int invalidLabel = p.agnostic ? 1u : K;
    for (int r = blockIdx.x * kThreads + threadIdx.x; r < count; r += gridDim.x * kThreads) // count <= selCap
    {
        const unsigned long long key = keys[r];
        const unsigned int rawBits = (unsigned int)(key >> 32);
        const float raw = fromOrderedBits(rawBits);
        const unsigned int index = ~(unsigned int)key;
        const unsigned int anchorIndex = index / K;
        const unsigned int label = index - anchorIndex * K;
        const unsigned int pix = anchorIndex / A;
        const unsigned int a = anchorIndex - pix * A;
        const unsigned int y = pix / W, x = pix - y * W;

        const float* cell = p.cellAnchors + 4 * (lv.cellOffset + (int)a);
        const float sx = (float)x * lv.strideX + lv.originX;
        const float sy = (float)y * lv.strideY + lv.originY;
        const float anchor[4] = {cell[0] + sx, cell[1] + sy, cell[2] + sx, cell[3] + sy};
        float deltas[4];
        for (int c = 0; c < 4; ++c)
            deltas[c] = boxBlock[lv.planar ? ((size_t)a * 4 + c) * hw + pix : ((size_t)pix * A + a) * 4 + c];
        float b[4];
        boxmath::decodeBox(p.box, anchor, deltas, b);

        const int pos = imageBase + before + r;
        const int ready = boxmath::prepareForNms(b, p.frameSpace != 0, p.frameScale[2 * n], p.frameScale[2 * n + 1],
                                                 p.clip == kClipBeforeNms, p.clipMax[2 * n], p.clipMax[2 * n + 1],
                                                 p.minSizeFilter != 0, p.minBoxSize);
        if (ready == boxmath::BOX_NOT_FINITE)
            atomicAdd(p.nonFinite + n, 1);
        reinterpret_cast<float4*>(p.recBox)[pos] = make_float4(b[0], b[1], b[2], b[3]);
        p.recRaw[pos] = raw;
        p.recLabel[pos] = (int)label;
        const unsigned long long rawDesc = (unsigned long long)(~rawBits); // ascending = raw descending
        const unsigned long long groupLabel = ready == boxmath::BOX_READY ? (p.agnostic ? 0ull : label) : invalidLabel;
        p.nmsKeys[0][pos] = (groupLabel << 32) | rawDesc;
        p.nmsVals[0][pos] = pos;
        p.finKeys[0][pos] = kNotKeptBit | rawDesc; // NMS clears the bit of kept boxes
        p.finVals[0][pos] = pos;
    }
}

// ------------------------------------------------------------------------------------------------
// 6. Greedy NMS, one block per (label, image) group (one group per image when class-agnostic).
// The group is contiguous in the NMS order (label, raw desc, level, index), which is the CPU's
// (label, score desc, raw desc, order) because every score activation is non-decreasing in raw
// (sigmoid, FL* with gamma > 0, identity). Box i, in that order, is kept when no kept box before it
// has IoU(kept, i) > threshold (>= with nmsInclusive): each kept box, in order, flags the later
// boxes it suppresses, and a flagged box is skipped. This is nonMaximumSuppression() of nms/nms.cpp
// exactly (same IoU function, same argument order, same boxmath::suppresses test).
__device__ __forceinline__ int lowerBoundLabel(const unsigned long long* keys, int lo, int hi, unsigned int label)
{
    while (lo < hi)
    {
        const int mid = (lo + hi) >> 1;
        if ((unsigned int)(keys[mid] >> 32) < label)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

__global__ void nmsKernel(const __grid_constant__ DecodeParams p, const unsigned long long* keys, const int* vals)
{
    __shared__ float4 sharedBoxes[kNmsSharedBoxes];
    __shared__ unsigned char sharedRemoved[kNmsSharedBoxes];
    __shared__ int range[2];
    const int n = blockIdx.y;
    const unsigned int label = blockIdx.x;
    if (threadIdx.x < 2)
        range[threadIdx.x] = lowerBoundLabel(keys, p.imgBegin[n], p.imgEnd[n], label + threadIdx.x);
    __syncthreads();
    const int begin = range[0], m = range[1] - range[0];
    if (m <= 0)
        return;
    float4* boxes = sharedBoxes;
    unsigned char* removed = sharedRemoved;
    if (m > kNmsSharedBoxes)
    {
        boxes = reinterpret_cast<float4*>(p.nmsBox) + begin;
        removed = p.nmsRemoved + begin;
    }
    const float4* recBox = reinterpret_cast<const float4*>(p.recBox);
    for (int j = threadIdx.x; j < m; j += blockDim.x)
    {
        boxes[j] = recBox[vals[begin + j]];
        removed[j] = 0;
    }
    __syncthreads();
    const float e = p.nmsPlusOne ? 1.f : 0.f, thr = p.nmsThreshold;
    const bool inclusive = p.nmsInclusive != 0;
    int kept = 0;
    for (int i = 0; i < m; ++i)
    {
        // Uniform: flags only change between the barriers of a kept box.
        if (removed[i])
            continue;
        const float4 bi = boxes[i];
        const float keptBox[4] = {bi.x, bi.y, bi.z, bi.w};
        if (threadIdx.x == 0)
        {
            ++kept;
            p.finKeys[0][vals[begin + i]] &= ~kNotKeptBit;
        }
        for (int j = i + 1 + (int)threadIdx.x; j < m; j += blockDim.x)
        {
            if (removed[j])
                continue;
            const float4 bj = boxes[j];
            const float cand[4] = {bj.x, bj.y, bj.z, bj.w};
            if (boxmath::suppresses(boxmath::iou(keptBox, cand, e), thr, inclusive))
                removed[j] = 1;
        }
        __syncthreads();
    }
    if (threadIdx.x == 0)
        atomicAdd(p.keptCount + n, kept);
}

// ------------------------------------------------------------------------------------------------
// 7. Output: kept boxes come first in the (not kept, raw desc) order, ties in slot order, i.e. the
// CPU's final sort by (score desc, raw desc, order asc). The first maxDetections are written
// (clipped after NMS and dropped when empty, for detectron2), order preserved by a block scan.
__device__ __forceinline__ float scoreOf(const DecodeParams& p, float raw)
{
    if (p.activation == kScoreSigmoid)
        return 1.f / (1.f + expf(-raw));
    if (p.activation == kScoreFlStar)
        return 1.f / (1.f + expf(-(p.gamma * raw + p.beta)));
    return raw; // probability, softmax: the candidate carries its probability
}

__global__ void __launch_bounds__(kThreads) outputKernel(const __grid_constant__ DecodeParams p, const int* order)
{
    using BlockScan = cub::BlockScan<int, kThreads>;
    __shared__ typename BlockScan::TempStorage scanStorage;
    const int n = blockIdx.x;
    const int kept = p.keptCount[n];
    const int take = p.maxDetections > 0 && kept > p.maxDetections ? p.maxDetections : kept;
    const int begin = p.imgBegin[n];
    const float4* recBox = reinterpret_cast<const float4*>(p.recBox);
    OutputDetection* out = p.out + (size_t)n * p.outCap;
    const float clipX = p.clipMax[2 * n], clipY = p.clipMax[2 * n + 1];
    int written = 0;
    for (int i0 = 0; i0 < take; i0 += kThreads)
    {
        const int i = i0 + (int)threadIdx.x;
        int valid = 0, pos = 0;
        float b[4] = {0.f, 0.f, 0.f, 0.f};
        if (i < take)
        {
            pos = order[begin + i];
            const float4 r = recBox[pos];
            b[0] = r.x; b[1] = r.y; b[2] = r.z; b[3] = r.w;
            valid = 1;
            if (p.clip == kClipAfterNms)
            {
                boxmath::clipBox(b, clipX, clipY);
                valid = b[2] > b[0] && b[3] > b[1] ? 1 : 0;
            }
        }
        int offset = 0, total = 0;
        BlockScan(scanStorage).ExclusiveSum(valid, offset, total);
        if (valid)
        {
            OutputDetection d;
            for (int c = 0; c < 4; ++c)
                d.box[c] = b[c];
            d.score = scoreOf(p, p.recRaw[pos]);
            d.label = p.recLabel[pos];
            out[written + offset] = d;
        }
        written += total;
        __syncthreads(); // scanStorage is reused
    }
    if (threadIdx.x == 0)
        p.outCount[n] = written;
}

int bitsFor(unsigned int v)
{
    int b = 0;
    while (v >> b)
        ++b;
    return b;
}

} // namespace

int checkKernelImage()
{
    cudaFuncAttributes attr;
    return (int)cudaFuncGetAttributes(&attr, scanLogitsKernel);
}

size_t sortTempBytes(const DecodeParams& p)
{
    // DoubleBuffer sorts need only O(segments) temporary storage.
    const int G = p.batch * p.numLevels;
    size_t a = 0, b = 0;
    cub::DoubleBuffer<unsigned long long> keys(nullptr, nullptr);
    cub::DoubleBuffer<int> vals(nullptr, nullptr);
    cub::DeviceSegmentedRadixSort::SortKeysDescending(nullptr, a, keys, p.selTotal, G, p.selBegin, p.selEnd, 0, 64);
    cub::DeviceSegmentedRadixSort::SortPairs(nullptr, b, keys, vals, p.selTotal, p.batch, p.imgBegin, p.imgEnd, 0, 64);
    return (a > b ? a : b) + 256;
}

#define DNN_RETINANET_CUDA_TRY(expr)                \
    do {                                            \
        const cudaError_t e_ = (expr);              \
        if (e_ != cudaSuccess) return (int)e_;      \
    } while (0)

int enqueueDecode(const DecodeParams& p, void* streamPtr)
{
    cudaStream_t stream = static_cast<cudaStream_t>(streamPtr);
    const int G = p.batch * p.numLevels;
    size_t temp = p.sortTempBytes;

    // 1. scan
    const unsigned int tiles = p.tilesPerImage * (unsigned int)p.batch;
    if (p.activation == kScoreSoftmax)
        scanSoftmaxKernel<<<tiles, kSoftmaxThreads, 0, stream>>>(p);
    else
        scanLogitsKernel<<<tiles, kScanThreads, 0, stream>>>(p);
    DNN_RETINANET_CUDA_TRY(cudaGetLastError());

    // 2. top-k: radix select (pass 0 also sets every segment's output range), gather
    const dim3 candGrid(p.gridCand, G), selGrid(p.gridSel, G);
    const int passes = p.topk > 0 ? kRadixPasses : 1;
    for (int pass = 0; pass < passes; ++pass)
    {
        if (p.topk > 0)
            radixHistogramKernel<<<candGrid, kThreads, 0, stream>>>(p, pass);
        radixSelectKernel<<<G, kThreads, 0, stream>>>(p, pass);
    }
    DNN_RETINANET_CUDA_TRY(cudaGetLastError());
    gatherTopkKernel<<<candGrid, kThreads, 0, stream>>>(p);
    DNN_RETINANET_CUDA_TRY(cudaGetLastError());

    // 3. per-segment descending sort of the top-k keys: raw desc, index asc
    cub::DoubleBuffer<unsigned long long> selKeys(p.selKeys[0], p.selKeys[1]);
    DNN_RETINANET_CUDA_TRY(cub::DeviceSegmentedRadixSort::SortKeysDescending(
        p.sortTemp, temp, selKeys, p.selTotal, G, p.selBegin, p.selEnd, 0, 64, stream));

    // 4. decode into the image slots
    decodeBoxesKernel<<<selGrid, kThreads, 0, stream>>>(p, selKeys.Current());
    DNN_RETINANET_CUDA_TRY(cudaGetLastError());

    // 5. NMS order: stable sort per image by (label or invalid, raw desc)
    cub::DoubleBuffer<unsigned long long> nmsKeys(p.nmsKeys[0], p.nmsKeys[1]);
    cub::DoubleBuffer<int> nmsVals(p.nmsVals[0], p.nmsVals[1]);
    const int labelBits = bitsFor(p.agnostic ? 1u : (unsigned int)p.numClasses);
    temp = p.sortTempBytes;
    DNN_RETINANET_CUDA_TRY(cub::DeviceSegmentedRadixSort::SortPairs(
        p.sortTemp, temp, nmsKeys, nmsVals, p.selTotal, p.batch, p.imgBegin, p.imgEnd, 0, 32 + labelBits, stream));

    // 6. NMS per (label, image)
    const dim3 nmsGrid(p.agnostic ? 1 : p.numClasses, p.batch);
    nmsKernel<<<nmsGrid, p.agnostic ? 512 : 128, 0, stream>>>(p, nmsKeys.Current(), nmsVals.Current());
    DNN_RETINANET_CUDA_TRY(cudaGetLastError());

    // 7. output order: stable sort per image by (not kept, raw desc), then the first maxDetections
    cub::DoubleBuffer<unsigned long long> finKeys(p.finKeys[0], p.finKeys[1]);
    cub::DoubleBuffer<int> finVals(p.finVals[0], p.finVals[1]);
    temp = p.sortTempBytes;
    DNN_RETINANET_CUDA_TRY(cub::DeviceSegmentedRadixSort::SortPairs(
        p.sortTemp, temp, finKeys, finVals, p.selTotal, p.batch, p.imgBegin, p.imgEnd, 0, 33, stream));
    outputKernel<<<p.batch, kThreads, 0, stream>>>(p, finVals.Current());
    DNN_RETINANET_CUDA_TRY(cudaGetLastError());
    return 0;
}

}}} // namespace cv::dnn_retinanet::gpu
