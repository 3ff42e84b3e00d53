// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The decoder against torchvision's RetinaNet.postprocess_detections on identical raw heads
// (data/reference/decoder, made by tools/make_decoder_reference.py from the real torchvision code).
#include "test_precomp.hpp"
#include "decoder_test_utils.hpp"
#include "anchors/anchor_generator.hpp"

namespace opencv_test { namespace {

class DnnRetinaNet_TorchvisionParity : public ::testing::TestWithParam<std::string> {};

TEST_P(DnnRetinaNet_TorchvisionParity, same_detections_as_postprocess_detections)
{
    TorchvisionCase c = loadTorchvisionCase(GetParam());
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
                        ::testing::ValuesIn(torchvisionCaseNames()));

}} // namespace
