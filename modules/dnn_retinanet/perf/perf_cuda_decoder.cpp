// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// CUDA decoder speed at COCO scale (800x1216 input, A=9, K=91 / 80: 182,403 anchors, 16.6M logits
// per image), batch 1 and 8, with the statistics of perf_decoder.cpp (background logits U(-8,-3),
// a fraction 1e-4 / 1e-3 / 1e-2 / all of them U(-2.5,4), deltas N(0,0.3)); a batch repeats one
// generated image. DNN_RETINANET_BENCH_TENSORS=<dir> loads the files bench/decoder_vs_torchvision.py
// writes instead, like BM_Decode.
//
//  BM_CudaDecode      decode() on device pointers: wall time of the call, which ends with the
//                     decoder's single stream synchronisation; counter gpu_ms = cudaEvent time.
//  BM_CudaCopyDecode  decodeHost(): upload of the host tensors + decode, wall time.
//
//   ./opencv_perf_dnn_retinanet --benchmark_filter=Cuda --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Without a CUDA device (or in a build without CUDA) the benchmarks report "no CUDA device".

#include <benchmark/benchmark.h>
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn_retinanet.hpp>
#include <opencv2/dnn_retinanet/cuda_decoder.hpp>

#include "perf_heads.hpp"

#include <cstdlib>
#include <fstream>
#include <map>

#ifdef DNN_RETINANET_WITH_CUDA
#include <cuda_runtime.h>
#endif

using namespace cv;
using namespace cv::dnn_retinanet;
using namespace perf_heads;

namespace {

//! Empty when the CUDA decoder can run, else why not.
std::string cudaUnavailable()
{
#ifndef DNN_RETINANET_WITH_CUDA
    return "no CUDA device: the module was built without CUDA";
#else
    return CudaRetinaNetDecoder::isAvailable() ? std::string() : std::string("no CUDA device");
#endif
}

void setCounters(benchmark::State& state, const Batch& b, const DecodeStats& st)
{
    state.SetBytesProcessed((int64_t)state.iterations() * (int64_t)b.logits * 4);
    state.counters["candidates"] = (double)st.candidates;
    state.counters["detections"] = (double)st.detections;
}

void BM_CudaDecode(benchmark::State& state)
{
    const std::string why = cudaUnavailable();
    if (!why.empty())
    {
        state.SkipWithError(why.c_str());
        return;
    }
#ifdef DNN_RETINANET_WITH_CUDA
    const Batch& b = cachedBatch((int)state.range(0), (int)state.range(1), (int)state.range(2));
    Ptr<CudaRetinaNetDecoder> dec;
    try
    {
        dec = CudaRetinaNetDecoder::create(b.config);
    }
    catch (const cv::Exception& e)
    {
        state.SkipWithError(e.what());
        return;
    }
    std::vector<float*> buffers;
    std::vector<const float*> pointers;
    std::vector<std::vector<int> > shapes;
    for (const Mat& m : b.outputs)
    {
        float* d = nullptr;
        if (cudaMalloc(&d, m.total() * sizeof(float)) != cudaSuccess ||
            cudaMemcpy(d, m.ptr<float>(), m.total() * sizeof(float), cudaMemcpyHostToDevice) != cudaSuccess)
        {
            state.SkipWithError("cudaMalloc / cudaMemcpy of the head tensors failed");
            for (float* f : buffers) cudaFree(f);
            return;
        }
        buffers.push_back(d);
        pointers.push_back(d);
        shapes.push_back(std::vector<int>(m.size.p, m.size.p + m.dims));
    }
    cudaStream_t stream = nullptr;
    cudaEvent_t start = nullptr, stop = nullptr;
    cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
    cudaEventCreate(&start);
    cudaEventCreate(&stop);
    std::vector<std::vector<Detection> > out;
    double gpuMs = 0;
    try
    {
        // warm-up: scratch buffers reach their size, kernels are loaded
        dec->decode(pointers, shapes, b.names, kInput, {}, stream, out);
        for (auto _ : state)
        {
            cudaEventRecord(start, stream);
            dec->decode(pointers, shapes, b.names, kInput, {}, stream, out);
            cudaEventRecord(stop, stream);
            cudaEventSynchronize(stop);
            float ms = 0;
            cudaEventElapsedTime(&ms, start, stop);
            gpuMs += ms;
            benchmark::DoNotOptimize(out.data());
        }
        setCounters(state, b, dec->getLastStats());
        state.counters["gpu_ms"] = benchmark::Counter(gpuMs, benchmark::Counter::kAvgIterations);
    }
    catch (const cv::Exception& e)
    {
        state.SkipWithError(e.what());
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    cudaStreamDestroy(stream);
    for (float* d : buffers) cudaFree(d);
#endif
}

void BM_CudaCopyDecode(benchmark::State& state)
{
    const std::string why = cudaUnavailable();
    if (!why.empty())
    {
        state.SkipWithError(why.c_str());
        return;
    }
    const Batch& b = cachedBatch((int)state.range(0), (int)state.range(1), (int)state.range(2));
    try
    {
        Ptr<CudaRetinaNetDecoder> dec = CudaRetinaNetDecoder::create(b.config);
        std::vector<std::vector<Detection> > out;
        dec->decodeHost(b.outputs, b.names, kInput, {}, out); // warm-up
        for (auto _ : state)
        {
            dec->decodeHost(b.outputs, b.names, kInput, {}, out);
            benchmark::DoNotOptimize(out.data());
        }
        setCounters(state, b, dec->getLastStats());
    }
    catch (const cv::Exception& e)
    {
        state.SkipWithError(e.what());
    }
}

void cudaArgs(benchmark::internal::Benchmark* b)
{
    for (int K : {91, 80})
        for (int s = 0; s < 4; s++)
            for (int N : {1, 8})
                b->Args({K, s, N});
    b->ArgNames({"K", "sparsity", "batch"});
    b->Unit(benchmark::kMillisecond);
    b->UseRealTime();
}

BENCHMARK(BM_CudaDecode)->Apply(cudaArgs);
BENCHMARK(BM_CudaCopyDecode)->Apply(cudaArgs);

} // namespace
