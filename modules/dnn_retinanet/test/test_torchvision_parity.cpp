// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The decoder against torchvision's RetinaNet.postprocess_detections on identical raw heads
// (data/reference/decoder, made by tools/make_decoder_reference.py from the real torchvision code).
#include "test_precomp.hpp"
#include "anchors/anchor_generator.hpp"

namespace opencv_test { namespace {

struct TorchvisionCase
{
    RetinaNetConfig config;
    std::vector<Mat> outputs;
    std::vector<std::string> names;
    std::vector<Mat> anchors;
    Size inputSize;
    std::vector<Size> imageSizes;
    std::vector<std::vector<Detection> > expected;
};

TorchvisionCase loadCase(const std::string& name)
{
    const std::string path = findDataFile("reference/decoder/torchvision_case_" + name + ".yml.gz");
    FileStorage fs(path, FileStorage::READ);
    CV_Assert(fs.isOpened());
    TorchvisionCase c;
    c.config = RetinaNetConfig::preset("torchvision");
    c.config.numClasses = (int)fs["num_classes"];
    c.config.selection.scoreThreshold = (float)fs["score_thresh"];
    c.config.selection.nmsThreshold = (float)fs["nms_thresh"];
    c.config.selection.maxDetections = (int)fs["detections_per_img"];
    c.config.selection.topkPerLevel = (int)fs["topk_candidates"];
    Mat input, sizes;
    fs["input_size"] >> input;
    fs["image_sizes"] >> sizes;
    c.inputSize = Size(input.at<int>(0), input.at<int>(1));
    for (int n = 0; n < sizes.rows; n++)
        c.imageSizes.push_back(Size(sizes.at<int>(n, 0), sizes.at<int>(n, 1)));
    const int L = (int)fs["num_levels"];
    std::vector<Mat> box(L);
    for (int l = 0; l < L; l++)
    {
        Mat data, shape;
        fs[format("cls_%d", l)] >> data;
        fs[format("cls_%d_shape", l)] >> shape;
        c.outputs.push_back(data.reshape(1, std::vector<int>(shape.ptr<int>(), shape.ptr<int>() + 4)).clone());
        c.names.push_back(format("cls_logits_%d", l));
        fs[format("box_%d", l)] >> data;
        fs[format("box_%d_shape", l)] >> shape;
        box[l] = data.reshape(1, std::vector<int>(shape.ptr<int>(), shape.ptr<int>() + 4)).clone();
        Mat anchors;
        fs[format("anchors_%d", l)] >> anchors;
        c.anchors.push_back(anchors);
    }
    // Box outputs first in the list: the mapping is by name, never by position.
    for (int l = 0; l < L; l++)
    {
        c.outputs.insert(c.outputs.begin() + l, box[l]);
        c.names.insert(c.names.begin() + l, format("bbox_regression_%d", l));
    }
    for (int l = 0; l < L; l++)
    {
        c.config.outputs.clsNames.push_back(format("cls_logits_%d", l));
        c.config.outputs.boxNames.push_back(format("bbox_regression_%d", l));
    }
    for (int n = 0; n < (int)c.imageSizes.size(); n++)
    {
        std::vector<Detection> dets;
        const int count = (int)fs[format("det_%d_count", n)];
        if (count > 0)
        {
            Mat b, s, lab;
            fs[format("det_%d_boxes", n)] >> b;
            fs[format("det_%d_scores", n)] >> s;
            fs[format("det_%d_labels", n)] >> lab;
            for (int i = 0; i < count; i++)
            {
                Detection d;
                d.box = Vec4f(b.at<float>(i, 0), b.at<float>(i, 1), b.at<float>(i, 2), b.at<float>(i, 3));
                d.score = s.at<float>(i);
                d.classId = lab.at<int>(i);
                dets.push_back(d);
            }
        }
        c.expected.push_back(dets);
    }
    return c;
}

class DnnRetinaNet_TorchvisionParity : public ::testing::TestWithParam<std::string> {};

TEST_P(DnnRetinaNet_TorchvisionParity, same_detections_as_postprocess_detections)
{
    TorchvisionCase c = loadCase(GetParam());
    Ptr<RetinaNetDecoder> dec = RetinaNetDecoder::create(c.config);
    std::vector<std::vector<Detection> > got;
    dec->decode(c.outputs, c.names, c.inputSize, c.imageSizes, got);
    ASSERT_EQ(got.size(), c.expected.size());
    for (size_t n = 0; n < got.size(); n++)
    {
        SCOPED_TRACE(format("image %d", (int)n));
        ASSERT_GT(c.expected[n].size(), 0u);
        EXPECT_TRUE(sameDetections(c.expected[n], got[n], 1e-5, 0.9999));
        for (size_t i = 1; i < got[n].size(); i++)
            EXPECT_GE(got[n][i - 1].score, got[n][i].score);
    }
    // Decoding must not depend on a full anchor table, but must agree with torchvision's anchors.
    AnchorGenerator gen(c.config.anchors);
    for (int l = 0; l < (int)c.anchors.size(); l++)
    {
        const Size fs(c.outputs[5 + l].size[3], c.outputs[5 + l].size[2]);
        LevelGrid g = gen.grid(l, fs, c.inputSize);
        for (int i = 0; i < c.anchors[l].rows; i += 7)
        {
            const int a = i % 9, pix = i / 9;
            const Vec4f got4 = AnchorGenerator::anchorAt(gen.cellAnchors(l)[a], g, pix / fs.width, pix % fs.width);
            ASSERT_EQ(got4, Vec4f(c.anchors[l].ptr<float>(i))) << "level " << l << " anchor " << i;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(/**/, DnnRetinaNet_TorchvisionParity,
                        ::testing::Values("basic", "batch", "topk", "coco91", "odd"));

}} // namespace
