// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// RetinaNetDetectionModel::detect against torchvision's FULL model (transform + backbone + head +
// postprocess_detections + transform.postprocess) on committed images
// (data/reference/e2e, made by tools/make_e2e_reference.py).
#include <gtest/gtest.h>
#include <opencv2/dnn_retinanet.hpp>
#include <opencv2/imgcodecs.hpp>
#include "detection_match.hpp"

using namespace cv;
using namespace cv::dnn_retinanet;

namespace {

const std::string kRoot = DNN_RETINANET_SOURCE_DIR;

struct Reference
{
    std::vector<Detection> dets;
    Size resized, padded;
};

Reference loadReference(const std::string& image)
{
    FileStorage fs(kRoot + "/data/reference/e2e/tiny_torchvision_" + image + ".yml", FileStorage::READ);
    CV_Assert(fs.isOpened());
    Reference r;
    Mat b, s, l, rs, ps;
    fs["boxes"] >> b; fs["scores"] >> s; fs["labels"] >> l; fs["resized_size"] >> rs; fs["padded_size"] >> ps;
    r.resized = Size(rs.at<int>(0), rs.at<int>(1));
    r.padded = Size(ps.at<int>(0), ps.at<int>(1));
    for (int i = 0; i < (int)fs["count"]; i++)
    {
        Detection d;
        d.box = Vec4f(b.ptr<float>(i));
        d.score = s.at<float>(i);
        d.classId = l.at<int>(i);
        r.dets.push_back(d);
    }
    return r;
}

// Greedy one-to-one matching: same class, |dscore| <= scoreTol, IoU >= iouMin (test/detection_match.hpp).
int countMatched(const std::vector<Detection>& ref, const std::vector<Detection>& got, double scoreTol, double iouMin)
{
    return dnn_retinanet_test::matchDetections(ref, got, scoreTol, iouMin).matched;
}

class TorchvisionE2E : public ::testing::Test
{
protected:
    void SetUp() override
    {
        model.reset(new RetinaNetDetectionModel(kRoot + "/data/models/tiny_torchvision/model.onnx",
                                                kRoot + "/data/models/tiny_torchvision/config.yml"));
    }
    std::vector<Detection> run(const std::string& image, LetterboxInfo& info)
    {
        Mat img = imread(kRoot + "/data/images/e2e/" + image + ".png", IMREAD_COLOR);
        CV_Assert(!img.empty());
        std::vector<Detection> d;
        model->detect(img, d);
        info = model->getLastLetterbox();
        return d;
    }
    std::unique_ptr<RetinaNetDetectionModel> model;
};

TEST_F(TorchvisionE2E, identity_resize_gives_the_same_detections)
{
    // 256x320 (HxW) is already at min_size 256 and divisible by 32: torchvision does not resample.
    const Reference ref = loadReference("e2e_256x320");
    LetterboxInfo info;
    const std::vector<Detection> got = run("e2e_256x320", info);
    EXPECT_EQ(info.imageSize, ref.resized);
    EXPECT_EQ(info.inputSize, ref.padded);
    ASSERT_GT(ref.dets.size(), 10u);
    ASSERT_EQ(got.size(), ref.dets.size());
    EXPECT_EQ(countMatched(ref.dets, got, 1e-4, 0.999), (int)ref.dets.size());
}

// Where torchvision resizes (bilinear on the float tensor) we resize the float image with
// cv::resize INTER_LINEAR: both use half-pixel centres without antialiasing, so the only
// differences are float rounding in the interpolation weights. Documented tolerance: score
// within 2e-3, IoU >= 0.99, at least 99% of torchvision's detections matched.
TEST_F(TorchvisionE2E, resized_images_match_within_tolerance)
{
    for (const char* image : {"e2e_300x500", "e2e_200x200"})
    {
        SCOPED_TRACE(image);
        const Reference ref = loadReference(image);
        LetterboxInfo info;
        const std::vector<Detection> got = run(image, info);
        EXPECT_EQ(info.imageSize, ref.resized) << "keep-ratio size, incl. torchvision's float32 scale";
        EXPECT_EQ(info.inputSize, ref.padded);
        ASSERT_GT(ref.dets.size(), 10u);
        const int matched = countMatched(ref.dets, got, 2e-3, 0.99);
        EXPECT_GE(matched, (int)std::ceil(0.99 * ref.dets.size())) << matched << " of " << ref.dets.size();
        EXPECT_LE(std::abs((int)got.size() - (int)ref.dets.size()), std::max(2, (int)ref.dets.size() / 100));
    }
}

} // namespace
