// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Overhead of RetinaNetDetectionModel::detect over the bare pipeline on the same model and frame:
// blobFromFrame + Net::forward(heads) + RetinaNetDecoder::decode + mapping to the frame.
//
//   ./opencv_perf_dnn_retinanet --benchmark_filter='BM_Model|BM_Bare' --benchmark_repetitions=9

#include <benchmark/benchmark.h>
#include <opencv2/dnn_retinanet.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>

using namespace cv;
using namespace cv::dnn_retinanet;

namespace {

struct ModelFiles { std::string onnx, config; };

ModelFiles modelFiles(int which)
{
    const std::string data = DNN_RETINANET_TEST_DATA_DIR;
    const char* dirs[] = {"/models/tiny_torchvision", "/models/synth_retinanet"};
    return ModelFiles{data + dirs[which] + "/model.onnx", data + dirs[which] + "/config.yml"};
}

Mat benchFrame(Size size)
{
    RNG rng(7);
    Mat img(size, CV_8UC3);
    rng.fill(img, RNG::UNIFORM, 0, 255);
    GaussianBlur(img, img, Size(0, 0), 2);
    for (int i = 0; i < 20; i++)
    {
        // Braces draw left to right; function arguments would draw in a compiler's order.
        const Point c{rng.uniform(0, size.width), rng.uniform(0, size.height)};
        const int r = rng.uniform(6, 50);
        const Scalar col{(double)rng.uniform(0, 255), (double)rng.uniform(0, 255), (double)rng.uniform(0, 255)};
        circle(img, c, r, col, FILLED);
    }
    return img;
}

bool available(const ModelFiles& f) { return std::ifstream(f.onnx.c_str()).good(); }

void BM_ModelDetect(benchmark::State& state)
{
    const ModelFiles f = modelFiles((int)state.range(0));
    if (!available(f)) { state.SkipWithError("model not found"); return; }
    RetinaNetDetectionModel model(f.onnx, f.config);
    const Mat frame = benchFrame(Size(640, 512));
    std::vector<Detection> dets;
    model.detect(frame, dets);
    for (auto _ : state)
    {
        model.detect(frame, dets);
        benchmark::DoNotOptimize(dets.data());
    }
    state.counters["detections"] = (double)dets.size();
}

void BM_BareForwardDecode(benchmark::State& state)
{
    const ModelFiles f = modelFiles((int)state.range(0));
    if (!available(f)) { state.SkipWithError("model not found"); return; }
    const RetinaNetConfig config = RetinaNetConfig::load(f.config);
    dnn::Net net = dnn::readNetFromONNX(f.onnx);
    const std::vector<String> outNames = net.getUnconnectedOutLayersNames();
    const std::vector<std::string> names(outNames.begin(), outNames.end());
    Ptr<RetinaNetDecoder> decoder = RetinaNetDecoder::create(config);
    const Mat frame = benchFrame(Size(640, 512));
    Mat blob;
    LetterboxInfo info;
    std::vector<Mat> outs;
    std::vector<std::vector<Detection> > dets;
    auto once = [&] {
        blobFromFrame(frame, config.preprocess, blob, info);
        net.setInput(blob);
        net.forward(outs, outNames);
        decoder->decode(outs, names, info.inputSize, {info.imageSize}, dets);
        for (Detection& d : dets[0])   // to frame coordinates, as detect() does
            d.box = Vec4f(d.box[0] / (float)info.scaleX, d.box[1] / (float)info.scaleY,
                          d.box[2] / (float)info.scaleX, d.box[3] / (float)info.scaleY);
    };
    once();
    for (auto _ : state)
    {
        once();
        benchmark::DoNotOptimize(dets.data());
    }
    state.counters["detections"] = (double)dets[0].size();
}

BENCHMARK(BM_ModelDetect)->Arg(0)->Arg(1)->ArgName("model")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BareForwardDecode)->Arg(0)->Arg(1)->ArgName("model")->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace
