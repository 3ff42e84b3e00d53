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

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#endif

using namespace cv;
using namespace cv::dnn_retinanet;
using namespace perf_heads;

namespace {

// One streaming read of all logits: the bandwidth floor of any threshold-based decoder.
float streamingRead(const std::vector<Mat>& outputs, int levels)
{
    std::vector<std::pair<const float*, size_t> > chunks;
    for (int l = 0; l < levels; l++)
    {
        const float* p = outputs[l].ptr<float>();
        const size_t n = outputs[l].total();
        for (size_t b = 0; b < n; b += (1 << 16))
            chunks.push_back(std::make_pair(p + b, std::min<size_t>(n - b, 1 << 16)));
    }
    std::vector<float> partial(chunks.size());
    parallel_for_(Range(0, (int)chunks.size()), [&](const Range& r) {
        for (int i = r.start; i < r.end; i++)
        {
            const float* p = chunks[i].first;
            const size_t n = chunks[i].second;
            size_t j = 0;
#if defined(__SSE2__) || defined(_M_X64)
            __m128 m0 = _mm_set1_ps(-1e30f), m1 = m0, m2 = m0, m3 = m0;
            for (; j + 16 <= n; j += 16)
            {
                m0 = _mm_max_ps(m0, _mm_loadu_ps(p + j));
                m1 = _mm_max_ps(m1, _mm_loadu_ps(p + j + 4));
                m2 = _mm_max_ps(m2, _mm_loadu_ps(p + j + 8));
                m3 = _mm_max_ps(m3, _mm_loadu_ps(p + j + 12));
            }
            float tmp[4];
            _mm_storeu_ps(tmp, _mm_max_ps(_mm_max_ps(m0, m1), _mm_max_ps(m2, m3)));
            float m = std::max(std::max(tmp[0], tmp[1]), std::max(tmp[2], tmp[3]));
#else
            float m = -1e30f;
#endif
            for (; j < n; j++) m = std::max(m, p[j]);
            partial[i] = m;
        }
    });
    float m = -1e30f;
    for (float v : partial) m = std::max(m, v);
    return m;
}

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

BENCHMARK(BM_StreamingRead)->Apply(sparsityArgs);
BENCHMARK(BM_Decode)->Apply(sparsityArgs);

} // namespace

BENCHMARK_MAIN();
