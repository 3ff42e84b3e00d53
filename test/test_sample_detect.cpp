// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The README demo path: retinanet_detect with the shipped (trained) model on a demo image gives the
// detections of the PyTorch model it was exported from (data/reference/synth_demo, written by
// tools/export_trained.py from torchvision's full model).
#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include "detection_match.hpp"

namespace {

const std::string kRoot = DNN_RETINANET_SOURCE_DIR;
const std::string kBin = DNN_RETINANET_BIN_DIR;

struct Det { int label; float score; cv::Vec4f box; };

double iou(const cv::Vec4f& a, const cv::Vec4f& b)
{
    return dnn_retinanet_test::boxIoU(a, b);
}

std::string run(const std::string& cmd, int& status)
{
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) { status = -1; return out; }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    status = pclose(p);
    return out;
}

TEST(SampleDetect, shipped_model_reproduces_pytorch_on_a_demo_image)
{
    const std::string model = kRoot + "/data/models/synth_retinanet/model.onnx";
    ASSERT_TRUE(std::ifstream(model.c_str()).good()) << "shipped model missing: run tools/export_trained.py";
    cv::FileStorage ref(kRoot + "/data/reference/synth_demo/demo_00.yml", cv::FileStorage::READ);
    ASSERT_TRUE(ref.isOpened());
    std::vector<Det> expected;
    cv::Mat b, s, l;
    ref["boxes"] >> b; ref["scores"] >> s; ref["labels"] >> l;
    for (int i = 0; i < (int)ref["count"]; i++)
        expected.push_back(Det{l.at<int>(i), s.at<float>(i), cv::Vec4f(b.ptr<float>(i))});
    ASSERT_GT(expected.size(), 0u);

    int status = 0;
    const std::string out = run("'" + kBin + "/retinanet_detect' --json --input='" + kRoot +
                                "/data/images/demo/demo_00.png' 2>/dev/null", status);
    ASSERT_EQ(status, 0) << out;
    cv::FileStorage js(out, cv::FileStorage::READ | cv::FileStorage::MEMORY | cv::FileStorage::FORMAT_JSON);
    ASSERT_TRUE(js.isOpened()) << out;
    EXPECT_EQ((int)js["width"], 320);
    std::vector<Det> got;
    for (cv::FileNodeIterator it = js["detections"].begin(); it != js["detections"].end(); ++it)
    {
        cv::FileNode d = *it, box = d["box"];
        got.push_back(Det{(int)d["class_id"], (float)d["score"],
                          cv::Vec4f((float)box[0], (float)box[1], (float)box[2], (float)box[3])});
    }
    // 320x320 is the training size: no resampling, so the same detections up to float rounding.
    ASSERT_EQ(got.size(), expected.size());
    std::vector<bool> used(got.size(), false);
    for (const Det& e : expected)
    {
        int best = -1;
        for (size_t j = 0; j < got.size(); j++)
            if (!used[j] && got[j].label == e.label && std::abs(got[j].score - e.score) <= 1e-4 &&
                iou(got[j].box, e.box) >= 0.999)
            { best = (int)j; break; }
        ASSERT_GE(best, 0) << "no match for label " << e.label << " score " << e.score << " box " << e.box;
        used[best] = true;
    }
}

} // namespace
