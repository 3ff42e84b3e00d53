// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Decoder speed at COCO scale (800x1216 input, A=9, K=91 / 80: 182,403 anchors, 16.6M logits)
// against the memory-bandwidth limit: one streaming read of the same logit tensors, measured in
// the same process with the same threads. bench/decoder_vs_torchvision.py runs this binary on
// tensors it also feeds to torchvision (DNN_RETINANET_BENCH_TENSORS=<dir>).
//
//   ./opencv_perf_dnn_retinanet --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn_retinanet.hpp>

#include "perf_heads.hpp"
#include "selection/scan_kernels.hpp"
#include "selection/floor_guess.hpp"

#include <opencv2/core/hal/intrin.hpp>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

using namespace cv;
using namespace cv::dnn_retinanet;
using namespace perf_heads;

namespace {

float maxSimd128(const float* p, size_t n)
{
    size_t j = 0;
    float m = -1e30f;
#if CV_SIMD128
    v_float32x4 m0 = v_setall_f32(-1e30f), m1 = m0, m2 = m0, m3 = m0;
    for (; j + 16 <= n; j += 16)
    {
        m0 = v_max(m0, v_load(p + j));
        m1 = v_max(m1, v_load(p + j + 4));
        m2 = v_max(m2, v_load(p + j + 8));
        m3 = v_max(m3, v_load(p + j + 12));
    }
    m = v_reduce_max(v_max(v_max(m0, m1), v_max(m2, m3)));
#endif
    for (; j < n; j++) m = std::max(m, p[j]);
    return m;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The read at the widest vectors the CPU has, so the bound is the memory's, not the loop's.
__attribute__((target("avx512f"))) float maxAvx512(const float* p, size_t n)
{
    size_t j = 0;
    __m512 m0 = _mm512_set1_ps(-1e30f), m1 = m0, m2 = m0, m3 = m0;
    for (; j + 64 <= n; j += 64)
    {
        m0 = _mm512_max_ps(m0, _mm512_loadu_ps(p + j));
        m1 = _mm512_max_ps(m1, _mm512_loadu_ps(p + j + 16));
        m2 = _mm512_max_ps(m2, _mm512_loadu_ps(p + j + 32));
        m3 = _mm512_max_ps(m3, _mm512_loadu_ps(p + j + 48));
    }
    float tmp[16];
    _mm512_storeu_ps(tmp, _mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3)));
    float m = tmp[0];
    for (int k = 1; k < 16; k++) m = std::max(m, tmp[k]);
    for (; j < n; j++) m = std::max(m, p[j]);
    return m;
}
#endif

typedef float (*MaxFn)(const float*, size_t);

MaxFn bestMax()
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (__builtin_cpu_supports("avx512f"))
        return maxAvx512;
#endif
    return maxSimd128;
}

//! The logit tensors of @p levels in 64 K-value chunks, the unit both reads below hand out.
std::vector<std::pair<const float*, size_t> > readChunks(const std::vector<Mat>& outputs, int levels)
{
    std::vector<std::pair<const float*, size_t> > chunks;
    for (int l = 0; l < levels; l++)
    {
        const float* p = outputs[l].ptr<float>();
        const size_t n = outputs[l].total();
        for (size_t b = 0; b < n; b += (1 << 16))
            chunks.push_back(std::make_pair(p + b, std::min<size_t>(n - b, 1 << 16)));
    }
    return chunks;
}

// One streaming read of all logits: the bandwidth floor of any threshold-based decoder.
float streamingRead(const std::vector<Mat>& outputs, int levels)
{
    static const MaxFn maxFn = bestMax();
    const std::vector<std::pair<const float*, size_t> > chunks = readChunks(outputs, levels);
    std::vector<float> partial(chunks.size());
    parallel_for_(Range(0, (int)chunks.size()), [&](const Range& r) {
        for (int i = r.start; i < r.end; i++)
            partial[i] = maxFn(chunks[i].first, chunks[i].second);
    });
    float m = -1e30f;
    for (float v : partial) m = std::max(m, v);
    return m;
}

// The scan kernel alone over the same chunks: no value above the bound (t = +inf), counting the
// values above the threshold or not.
float kernelRead(const std::vector<Mat>& outputs, int levels, bool count)
{
    const scan::FindAboveFn fn = scan::findAbove();
    const std::vector<std::pair<const float*, size_t> > chunks = readChunks(outputs, levels);
    std::vector<int64_t> partial(chunks.size());
    const float inf = std::numeric_limits<float>::infinity();
    const float logit005 = -2.9444f; // the presets' 0.05 in logit space
    const float tc = count ? logit005 : inf;
    parallel_for_(Range(0, (int)chunks.size()), [&](const Range& r) {
        uint32_t hits[64];
        for (int i = r.start; i < r.end; i++)
        {
            size_t nh = 0;
            int64_t above = 0;
            fn(chunks[i].first, chunks[i].second, inf, tc, hits, 64, nh, above);
            partial[i] = above;
        }
    });
    int64_t m = 0;
    for (auto v : partial) m += v;
    return (float)m;
}

void BM_KernelRead(benchmark::State& state)
{
    const Batch h = makeBatch((int)state.range(0), (int)state.range(1), 1);
    for (auto _ : state)
        benchmark::DoNotOptimize(kernelRead(h.outputs, 5, state.range(2) != 0));
    state.SetBytesProcessed((int64_t)state.iterations() * (int64_t)h.logits * 4);
}
BENCHMARK(BM_KernelRead)->ArgsProduct({{91}, {3}, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime();

// The sampled floor guess of one level (K = 91, 1e-2): the price a dense level pays once.
void BM_FloorGuess(benchmark::State& state)
{
    const Batch h = makeBatch(91, (int)state.range(1), 1);
    const Mat& cls = h.outputs[state.range(0)];
    std::vector<size_t> lines;
    float g = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(g = floor_guess::guessFloor(cls.ptr<float>(), cls.total(), -2.9444f, 1000, lines));
    state.counters["lines"] = (double)lines.size();
}
BENCHMARK(BM_FloorGuess)->ArgsProduct({{0, 1, 4}, {2, 3}})->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_StreamingRead(benchmark::State& state)
{
    const Batch h = makeBatch((int)state.range(0), (int)state.range(1), 1);
    for (auto _ : state)
        benchmark::DoNotOptimize(streamingRead(h.outputs, 5));
    state.SetBytesProcessed((int64_t)state.iterations() * (int64_t)h.logits * 4);
    state.counters["threads"] = getNumThreads();
}

void BM_Decode(benchmark::State& state)
{
    const Batch h = makeBatch((int)state.range(0), (int)state.range(1), 1);
    Ptr<RetinaNetDecoder> dec = RetinaNetDecoder::create(h.config);
    std::vector<std::vector<Detection> > out;
    dec->decode(h.outputs, h.names, kInput, {}, out); // warm-up: scratch buffers reach their size
    for (auto _ : state)
    {
        dec->decode(h.outputs, h.names, kInput, {}, out);
        benchmark::DoNotOptimize(out.data());
    }
    const DecodeStats st = dec->getLastStats();
    state.SetBytesProcessed((int64_t)state.iterations() * (int64_t)h.logits * 4);
    state.counters["candidates"] = (double)st.candidates;
    state.counters["detections"] = (double)st.detections;
    state.counters["rescans"] = (double)st.rescans;
    state.counters["threads"] = getNumThreads();
}

void sparsityArgs(benchmark::internal::Benchmark* b)
{
    for (int K : {91, 80})
        for (int s = 0; s < 4; s++)
            b->Args({K, s});
    b->ArgNames({"K", "sparsity"});
    b->Unit(benchmark::kMillisecond);
    b->UseRealTime();
}

// The same decode with each scan kernel this CPU has (K = 91): what the instruction set buys.
void BM_DecodeWithIsa(benchmark::State& state)
{
    namespace scan = cv::dnn_retinanet::scan;
    const scan::Isa saved = scan::currentIsa();
    if (!scan::setIsa((scan::Isa)state.range(1)))
    {
        state.SkipWithError("this CPU does not have that instruction set");
        return;
    }
    state.SetLabel(scan::isaName((scan::Isa)state.range(1)));
    const Batch h = makeBatch(91, (int)state.range(0), 1);
    Ptr<RetinaNetDecoder> dec = RetinaNetDecoder::create(h.config);
    std::vector<std::vector<Detection> > out;
    dec->decode(h.outputs, h.names, kInput, {}, out);
    for (auto _ : state)
    {
        dec->decode(h.outputs, h.names, kInput, {}, out);
        benchmark::DoNotOptimize(out.data());
    }
    scan::setIsa(saved);
}

BENCHMARK(BM_StreamingRead)->Apply(sparsityArgs);
BENCHMARK(BM_Decode)->Apply(sparsityArgs);
BENCHMARK(BM_DecodeWithIsa)
    ->ArgsProduct({{0, 3}, {0, 1, 2, 3}})
    ->ArgNames({"sparsity", "isa"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

} // namespace

BENCHMARK_MAIN();
