// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// One model / decoder used from two threads at once (a documented misuse) raises a clear
// cv::Exception instead of corrupting memory (issue 13, doc/robustness.md).
#include "test_precomp.hpp"
#include "decoder_test_utils.hpp"

#include <atomic>
#include <chrono>
#include <thread>

namespace opencv_test { namespace {

using namespace cv::dnn_retinanet;

// Runs @p call from two threads until one of them sees the busy error (or ~20 s pass); the
// other errors must not happen.
template <typename Call> void expectBusyError(Call call)
{
    std::atomic<bool> seen{false}, other{false};
    std::string otherMsg;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    auto worker = [&]() {
        while (!seen && std::chrono::steady_clock::now() < deadline)
        {
            try { call(); }
            catch (const cv::Exception& e)
            {
                if (std::string(e.what()).find("already running in another thread") != std::string::npos) seen = true;
                else { other = true; otherMsg = e.what(); return; }
            }
        }
    };
    std::thread a(worker), b(worker);
    a.join();
    b.join();
    EXPECT_TRUE(seen);
    EXPECT_FALSE(other) << otherMsg;
}

TEST(DnnRetinaNet_Threads, model_used_from_two_threads_raises_busy)
{
    RetinaNetDetectionModel model(findDataFile("models/tiny_torchvision/model.onnx"),
                                  findDataFile("models/tiny_torchvision/config.yml"));
    Mat frame(240, 320, CV_8UC3);
    randu(frame, 0, 255);
    expectBusyError([&]() { std::vector<Detection> d; model.detect(frame, d); });
    // Still usable afterwards from one thread.
    std::vector<Detection> d;
    EXPECT_NO_THROW(model.detect(frame, d));
}

TEST(DnnRetinaNet_Threads, decoder_used_from_two_threads_raises_busy)
{
    const RetinaNetConfig c = testConfig(20, LAYOUT_PER_LEVEL_NCHW);
    const SyntheticHead h = makeHead(c, Size(512, 512), 1, 0.02, 3);
    Ptr<RetinaNetDecoder> dec = RetinaNetDecoder::create(c);
    expectBusyError([&]() { std::vector<std::vector<Detection> > d; dec->decode(h.outputs, h.names, h.inputSize, h.imageSizes, d); });
    std::vector<std::vector<Detection> > d;
    EXPECT_NO_THROW(dec->decode(h.outputs, h.names, h.inputSize, h.imageSizes, d));
}

}} // namespace
