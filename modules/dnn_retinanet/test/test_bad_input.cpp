// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Outputs that do not fit the config get a cv::Exception that names the problem.
#include "test_precomp.hpp"
#include "decoder_test_utils.hpp"

namespace opencv_test { namespace {

std::vector<std::vector<Detection> > run(const RetinaNetConfig& c, const std::vector<Mat>& outs,
                                         const std::vector<std::string>& names, Size input,
                                         const std::vector<Size>& images = {})
{
    std::vector<std::vector<Detection> > d;
    RetinaNetDecoder::create(c)->decode(outs, names, input, images, d);
    return d;
}

TEST(DnnRetinaNet_BadInput, mismatched_outputs_are_named)
{
    RetinaNetConfig c = testConfig(3, LAYOUT_PER_LEVEL_NCHW);
    SyntheticHead h = makeHead(c, Size(128, 128), 1, 0.01, 1);

    RetinaNetConfig wrongK = c;
    wrongK.numClasses = 5;
    EXPECT_CV_ERROR(run(wrongK, h.outputs, h.names, h.inputSize), "expected A*K = 9*5 = 45");

    std::vector<Mat> missing(h.outputs.begin(), h.outputs.end() - 1);
    std::vector<std::string> missingNames(h.names.begin(), h.names.end() - 1);
    EXPECT_CV_ERROR(run(c, missing, missingNames, h.inputSize), "no such output");

    EXPECT_CV_ERROR(run(c, h.outputs, h.names, Size(512, 512)), "of a 512x512 (HxW) input expects");

    std::vector<Mat> ints = h.outputs;
    h.outputs[0].convertTo(ints[0], CV_8U);
    EXPECT_CV_ERROR(run(c, ints, h.names, h.inputSize), "only CV_32F is supported");

    SyntheticHead two = makeHead(c, Size(128, 128), 2, 0.01, 1);
    std::vector<Mat> mixed = h.outputs;
    mixed[5] = two.outputs[5];
    EXPECT_CV_ERROR(run(c, mixed, h.names, h.inputSize), "batch size");

    EXPECT_CV_ERROR(run(c, h.outputs, h.names, h.inputSize, {Size(0, 10)}), "image 0 has size 0x10");
    EXPECT_CV_ERROR(run(c, h.outputs, h.names, h.inputSize, {Size(64, 64), Size(64, 64)}), "2 image sizes given for a batch of 1");
    EXPECT_CV_ERROR(run(c, {}, {}, h.inputSize), "no network outputs");
    EXPECT_CV_ERROR(run(c, h.outputs, h.names, Size(0, 0)), "invalid network input size");

    // outputs inferred from shapes: a wrong channel count is reported with the expected values
    RetinaNetConfig unnamed = c;
    unnamed.outputs.clsNames.clear();
    unnamed.outputs.boxNames.clear();
    EXPECT_NO_THROW(run(unnamed, h.outputs, {}, h.inputSize));
    EXPECT_CV_ERROR(run(unnamed, std::vector<Mat>(h.outputs.begin(), h.outputs.begin() + 9), {}, h.inputSize),
                    "found 5 score and 4 box outputs");
    EXPECT_CV_ERROR(run(wrongK.outputs.clsNames.empty() ? wrongK : [&] { RetinaNetConfig u = wrongK;
                        u.outputs.clsNames.clear(); u.outputs.boxNames.clear(); return u; }(), h.outputs, {}, h.inputSize),
                    "Check num_classes");
    RetinaNetConfig four = testConfig(4, LAYOUT_PER_LEVEL_NCHW);
    four.outputs.clsNames.clear();
    four.outputs.boxNames.clear();
    SyntheticHead h4 = makeHead(four, Size(128, 128), 1, 0.01, 1);
    EXPECT_CV_ERROR(run(four, h4.outputs, {}, h4.inputSize), "name them in outputs.cls_names");
}

TEST(DnnRetinaNet_BadInput, empty_batch_and_degenerate_tensors)
{
    RetinaNetConfig c = testConfig(3, LAYOUT_PER_LEVEL_NCHW);
    SyntheticHead h = makeHead(c, Size(128, 128), 1, 0.01, 1);
    std::vector<Mat> empty = h.outputs;
    for (Mat& m : empty)
    {
        const int s[] = {0, m.size[1], m.size[2], m.size[3]};
        m = Mat();
        (void)s;
    }
    EXPECT_CV_ERROR(run(c, empty, h.names, h.inputSize), "is empty");
    std::vector<Mat> flat = h.outputs;
    flat[0] = flat[0].reshape(1, 1);
    EXPECT_CV_ERROR(run(c, flat, h.names, h.inputSize), "expected 4 dimensions");
}

TEST(DnnRetinaNet_BadInput, setters_reject_out_of_range)
{
    Ptr<RetinaNetDecoder> d = RetinaNetDecoder::create(testConfig(3, LAYOUT_PER_LEVEL_NCHW));
    EXPECT_CV_ERROR(d->setScoreThreshold(-0.1f), "score threshold");
    EXPECT_CV_ERROR(d->setScoreThreshold(std::numeric_limits<float>::quiet_NaN()), "score threshold");
    EXPECT_CV_ERROR(d->setNmsThreshold(0.f), "NMS threshold");
    RetinaNetConfig bad = testConfig(3, LAYOUT_PER_LEVEL_NCHW);
    bad.anchors.aspectRatios.clear();
    EXPECT_CV_ERROR(RetinaNetDecoder::create(bad), "'anchors.aspect_ratios' is empty");
}

}} // namespace
