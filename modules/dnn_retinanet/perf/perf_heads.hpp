// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_PERF_HEADS_HPP
#define DNN_RETINANET_PERF_HEADS_HPP

// COCO-scale head tensors for the decoder benchmarks (CPU and CUDA): 800x1216 input, A=9, K=91 or
// 80, background logits U(-8,-3) below logit(0.05), a fraction 1e-4 / 1e-3 / 1e-2 / all of them
// U(-2.5,4), deltas N(0,0.3). DNN_RETINANET_BENCH_TENSORS=<dir> loads the identical tensors that
// bench/decoder_vs_torchvision.py also feeds to torchvision.

#include <opencv2/core.hpp>
#include <opencv2/dnn_retinanet.hpp>

#include <cstdlib>
#include <fstream>
#include <map>

namespace perf_heads {

using namespace cv;
using namespace cv::dnn_retinanet;

static const Size kInput(1216, 800);
static const int kAnchors = 9;
static const char* const kTags[] = {"1e-4", "1e-3", "1e-2", "worst"};
static const double kFrac[] = {1e-4, 1e-3, 1e-2, 1.0};

//! One image's head tensors, (1, A*K, H, W) and (1, A*4, H, W) per level.
struct ImageHeads
{
    std::vector<Mat> cls, box;
    size_t logits = 0;
};

inline ImageHeads generate(int K, double fracAbove)
{
    ImageHeads h;
    RNG rng(12345);
    for (int l = 0; l < 5; l++)
    {
        const int s = 8 << l;
        const int H = (kInput.height + s - 1) / s, W = (kInput.width + s - 1) / s;
        const int sc[] = {1, kAnchors * K, H, W}, sb[] = {1, kAnchors * 4, H, W};
        Mat cls(4, sc, CV_32F), b(4, sb, CV_32F);
        Mat flat = cls.reshape(1, 1);
        rng.fill(flat, RNG::UNIFORM, -8.0, -3.0);
        const size_t n = cls.total();
        float* p = cls.ptr<float>();
        if (fracAbove >= 1.0)
            rng.fill(flat, RNG::UNIFORM, -2.5, 4.0);
        else
            for (size_t i = 0, count = (size_t)(n * fracAbove); i < count; i++)
                p[(size_t)rng.uniform(0, (int)n)] = rng.uniform(-2.5f, 4.f);
        Mat bflat = b.reshape(1, 1);
        rng.fill(bflat, RNG::NORMAL, 0.0, 0.3);
        h.cls.push_back(cls);
        h.box.push_back(b);
        h.logits += n;
    }
    return h;
}

// <dir>/<tag>_{cls,box}_<l>.f32 + the level sizes in <tag>.txt (bench/decoder_vs_torchvision.py)
inline bool load(const std::string& dir, const std::string& tag, int K, ImageHeads& h)
{
    std::ifstream meta(dir + "/" + tag + ".txt");
    if (!meta.good())
        return false;
    h = ImageHeads();
    for (int l = 0; l < 5; l++)
    {
        int H, W;
        meta >> H >> W;
        const int sc[] = {1, kAnchors * K, H, W}, sb[] = {1, kAnchors * 4, H, W};
        Mat cls(4, sc, CV_32F), b(4, sb, CV_32F);
        std::ifstream(dir + format("/%s_cls_%d.f32", tag.c_str(), l), std::ios::binary).read((char*)cls.data, cls.total() * 4);
        std::ifstream(dir + format("/%s_box_%d.f32", tag.c_str(), l), std::ios::binary).read((char*)b.data, b.total() * 4);
        h.cls.push_back(cls);
        h.box.push_back(b);
        h.logits += cls.total();
    }
    return true;
}

inline const ImageHeads& imageHeads(int K, int sparsity)
{
    static std::map<int, ImageHeads> cache;
    const int key = K * 10 + sparsity;
    auto it = cache.find(key);
    if (it != cache.end())
        return it->second;
    ImageHeads h;
    const char* dir = std::getenv("DNN_RETINANET_BENCH_TENSORS");
    if (!dir || !load(dir, format("k%d_%s", K, kTags[sparsity]), K, h))
        h = generate(K, kFrac[sparsity]);
    return cache[key] = h;
}

//! A batch of @p N copies of one image, per-level NCHW, outputs named like torchvision's ONNX export.
struct Batch
{
    RetinaNetConfig config;
    std::vector<Mat> outputs;
    std::vector<std::string> names;
    size_t logits = 0;
};

inline Batch makeBatch(int K, int sparsity, int N)
{
    const ImageHeads& img = imageHeads(K, sparsity);
    Batch b;
    b.config = RetinaNetConfig::preset("torchvision");
    b.config.numClasses = K;
    auto repeat = [N](const Mat& m) {
        const int s[] = {N, m.size[1], m.size[2], m.size[3]};
        Mat out(4, s, CV_32F);
        const size_t per = m.total();
        for (int n = 0; n < N; n++)
            std::copy(m.ptr<float>(), m.ptr<float>() + per, out.ptr<float>() + per * n);
        return out;
    };
    for (int l = 0; l < 5; l++)
    {
        b.outputs.push_back(repeat(img.cls[l]));
        b.names.push_back(format("cls_logits_%d", l));
        b.config.outputs.clsNames.push_back(format("cls_logits_%d", l));
        b.config.outputs.boxNames.push_back(format("bbox_regression_%d", l));
    }
    for (int l = 0; l < 5; l++)
    {
        b.outputs.push_back(repeat(img.box[l]));
        b.names.push_back(format("bbox_regression_%d", l));
    }
    b.logits = img.logits * N;
    return b;
}

/** makeBatch() of the last (K, sparsity, N) asked for, kept: Google Benchmark calls a benchmark
 *  function several times per case (iteration estimate, repetitions), and repeating a batch of 8
 *  copies ~0.5 GB each time. One batch is kept, so memory stays that of one case. */
inline const Batch& cachedBatch(int K, int sparsity, int N)
{
    static Batch last;
    static int key = -1;
    const int k = (K * 10 + sparsity) * 1000 + N;
    if (k != key)
    {
        last = Batch(); // release the previous case first
        last = makeBatch(K, sparsity, N);
        key = k;
    }
    return last;
}

} // namespace perf_heads

#endif
