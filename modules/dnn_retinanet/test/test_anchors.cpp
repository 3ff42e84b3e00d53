// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Anchors of every preset against expectations written independently of our generator: torchvision
// against data made by tools/make_anchor_reference.py (real torchvision code), the others against
// the cell anchors and formulas of doc/conventions.md (from each framework's source).
#include "test_precomp.hpp"
#include "anchors/anchor_generator.hpp"

namespace opencv_test { namespace {

void expectCell(const RetinaNetConfig& c, int level, int a, Vec4f expected, double tol, const char* what)
{
    AnchorGenerator gen(c.anchors);
    const Size input(1024, 1024);
    LevelGrid g = gen.grid(level, gen.expectedFeatureSize(level, input), input);
    // anchor of cell (0, 0): the framework's "anchor at the top-left location"
    const Vec4f got = AnchorGenerator::anchorAt(gen.cellAnchors(level)[a], g, 0, 0);
    for (int i = 0; i < 4; i++)
        EXPECT_NEAR(got[i], expected[i], tol) << what << " a=" << a << " got " << got << " expected " << expected;
}

TEST(DnnRetinaNet_Anchors, torchvision_cell_anchors_p3)
{
    RetinaNetConfig c = RetinaNetConfig::preset("torchvision");
    const float e[9][4] = {{-23, -11, 23, 11}, {-28, -14, 28, 14}, {-35, -18, 35, 18}, {-16, -16, 16, 16}, {-20, -20, 20, 20},
                           {-25, -25, 25, 25}, {-11, -23, 11, 23}, {-14, -28, 14, 28}, {-18, -35, 18, 35}};
    for (int a = 0; a < 9; a++)
        expectCell(c, 0, a, Vec4f(e[a][0], e[a][1], e[a][2], e[a][3]), 0, "torchvision");
}

TEST(DnnRetinaNet_Anchors, torchvision_matches_reference_tool)
{
    const std::string path = findDataFile("reference/anchors/torchvision_anchors.yml.gz", false);
    if (path.empty())
        GTEST_SKIP() << "reference/anchors/torchvision_anchors.yml.gz missing: run tools/make_anchor_reference.py";
    FileStorage fs(path, FileStorage::READ);
    const int cases = (int)fs["num_cases"];
    ASSERT_GT(cases, 0);
    RetinaNetConfig c = RetinaNetConfig::preset("torchvision");
    AnchorGenerator gen(c.anchors);
    const int A = gen.numAnchors();
    for (int i = 0; i < cases; i++)
    {
        Mat input, grids, strides, cells, sampleIndex, sampleBoxes;
        fs[format("case_%d_input", i)] >> input;
        fs[format("case_%d_grids", i)] >> grids;
        fs[format("case_%d_strides", i)] >> strides;
        fs[format("case_%d_cell_anchors", i)] >> cells;
        fs[format("case_%d_sample_index", i)] >> sampleIndex;
        fs[format("case_%d_sample_boxes", i)] >> sampleBoxes;
        const Size inputSize(input.at<int>(0), input.at<int>(1));
        SCOPED_TRACE(format("input %dx%d", inputSize.width, inputSize.height));
        std::vector<LevelGrid> g;
        std::vector<int64> levelStart;
        int64 start = 0;
        for (int l = 0; l < gen.numLevels(); l++)
        {
            g.push_back(gen.grid(l, Size(grids.at<int>(l, 0), grids.at<int>(l, 1)), inputSize));
            EXPECT_EQ(g[l].strideX, (float)strides.at<int>(l, 0)) << "level " << l;
            EXPECT_EQ(g[l].strideY, (float)strides.at<int>(l, 1)) << "level " << l;
            for (int a = 0; a < A; a++)
                for (int k = 0; k < 4; k++)
                    EXPECT_EQ(gen.cellAnchors(l)[a][k], cells.at<float>(l * A + a, k)) << "level " << l << " a " << a;
            levelStart.push_back(start);
            start += (int64)g[l].width * g[l].height * A;
        }
        for (int s = 0; s < sampleIndex.rows; s++)
        {
            const int64 idx = sampleIndex.at<int>(s);
            int l = gen.numLevels() - 1;
            while (levelStart[l] > idx) l--;
            const int64 r = idx - levelStart[l];
            const int a = (int)(r % A);
            const int pix = (int)(r / A);
            const Vec4f got = AnchorGenerator::anchorAt(gen.cellAnchors(l)[a], g[l], pix / g[l].width, pix % g[l].width);
            for (int k = 0; k < 4; k++)
                ASSERT_EQ(got[k], sampleBoxes.at<float>(s, k)) << "anchor " << idx;
        }
    }
}

TEST(DnnRetinaNet_Anchors, torchvision_quirky_p6_p7_strides)
{
    // padded 800x1216: grids P6 13x19, P7 7x10 -> strides 800//13=61, 1216//19=64, 800//7=114, 1216//10=121
    AnchorGenerator gen(RetinaNetConfig::preset("torchvision").anchors);
    LevelGrid p6 = gen.grid(3, Size(19, 13), Size(1216, 800));
    LevelGrid p7 = gen.grid(4, Size(10, 7), Size(1216, 800));
    EXPECT_EQ(p6.strideY, 61.f); EXPECT_EQ(p6.strideX, 64.f);
    EXPECT_EQ(p7.strideY, 114.f); EXPECT_EQ(p7.strideX, 121.f);
}

TEST(DnnRetinaNet_Anchors, detectron2_size_major_offset0)
{
    RetinaNetConfig c = RetinaNetConfig::preset("detectron2");
    expectCell(c, 0, 0, Vec4f(-22.627f, -11.314f, 22.627f, 11.314f), 1e-3, "detectron2");
    expectCell(c, 0, 1, Vec4f(-16, -16, 16, 16), 1e-4, "detectron2");
    expectCell(c, 0, 2, Vec4f(-11.314f, -22.627f, 11.314f, 22.627f), 1e-3, "detectron2");
    // a = s*3 + r: a=4 is size 40.32, ratio 1
    expectCell(c, 0, 4, Vec4f(-20.159f, -20.159f, 20.159f, 20.159f), 1e-3, "detectron2");
}

TEST(DnnRetinaNet_Anchors, mmdetection_and_keras_ratio_major)
{
    // ratio outer, scale inner; keras-retinanet also shifts by half a stride (+4 at P3)
    const Vec4f a0(-22.627f, -11.314f, 22.627f, 11.314f);   // r 0.5, s 32
    const Vec4f a3(-16, -16, 16, 16);                          // r 1,   s 32
    const Vec4f a1(-28.509f, -14.254f, 28.509f, 14.254f);    // r 0.5, s 40.32
    expectCell(RetinaNetConfig::preset("mmdetection"), 0, 0, a0, 1e-3, "mmdetection");
    expectCell(RetinaNetConfig::preset("mmdetection"), 0, 1, a1, 1e-3, "mmdetection");
    expectCell(RetinaNetConfig::preset("mmdetection"), 0, 3, a3, 1e-4, "mmdetection");
    const Vec4f shift(4, 4, 4, 4);
    expectCell(RetinaNetConfig::preset("keras_retinanet"), 0, 0, a0 + shift, 1e-3, "keras");
    expectCell(RetinaNetConfig::preset("keras_retinanet"), 0, 3, a3 + shift, 1e-4, "keras");
}

TEST(DnnRetinaNet_Anchors, odtk_head_scale_major_half_stride)
{
    RetinaNetConfig c = RetinaNetConfig::preset("odtk");
    expectCell(c, 0, 0, Vec4f(-12, -12, 20, 20), 1e-4, "odtk");
    expectCell(c, 0, 1, Vec4f(-7.314f, -18.627f, 15.314f, 26.627f), 1e-3, "odtk");
    expectCell(c, 0, 2, Vec4f(-18.627f, -7.314f, 26.627f, 15.314f), 1e-3, "odtk");
}

TEST(DnnRetinaNet_Anchors, detectron_and_odtk1904_quantized)
{
    for (const char* p : {"detectron", "odtk_19.04"})
    {
        RetinaNetConfig c = RetinaNetConfig::preset(p);
        expectCell(c, 0, 0, Vec4f(-12, -12, 19, 19), 1e-4, p);
        expectCell(c, 0, 1, Vec4f(-8, -20, 15, 27), 1e-4, p);   // 24 x 48
        expectCell(c, 0, 2, Vec4f(-18, -8, 25, 15), 1e-4, p);   // 44 x 24
        // P4 (stride 16), octave 0, ratio 1: base 16 -> 64 px, centre 7.5
        expectCell(c, 1, 0, Vec4f(7.5f - 31.5f, 7.5f - 31.5f, 7.5f + 31.5f, 7.5f + 31.5f), 1e-4, p);
    }
}

TEST(DnnRetinaNet_Anchors, aploss_legacy_unrounded_six_anchors)
{
    // AP-loss generate_anchors: base window [0,0,7,7], ctr 3.5, ratio enum without rounding,
    // scales {4, 4*sqrt(2)}, ratio-major; anchor = ctr -+ (w-1)/2.
    RetinaNetConfig c = RetinaNetConfig::preset("aploss");
    const double ctr = 3.5;
    const double ratios[3] = {0.5, 1.0, 2.0}, scales[2] = {4.0, 4.0 * std::sqrt(2.0)};
    for (int r = 0; r < 3; r++)
        for (int s = 0; s < 2; s++)
        {
            const double ws = std::sqrt(64.0 / ratios[r]) * scales[s], hs = std::sqrt(64.0 / ratios[r]) * ratios[r] * scales[s];
            expectCell(c, 0, r * 2 + s, Vec4f((float)(ctr - 0.5 * (ws - 1)), (float)(ctr - 0.5 * (hs - 1)),
                                              (float)(ctr + 0.5 * (ws - 1)), (float)(ctr + 0.5 * (hs - 1))), 1e-3, "aploss");
        }
}

TEST(DnnRetinaNet_Anchors, grid_shifts_and_centre_offsets)
{
    // keras: (x + 0.5) * stride; detectron: x * stride + (stride - 1) / 2 baked into the cell anchor
    AnchorGenerator keras(RetinaNetConfig::preset("keras_retinanet").anchors);
    LevelGrid g = keras.grid(2, Size(20, 10), Size(640, 320));
    EXPECT_EQ(g.strideX, 32.f);
    EXPECT_EQ(g.originX, 16.f);
    const Vec4f a = AnchorGenerator::anchorAt(keras.cellAnchors(2)[4], g, 3, 5); // r 1, size 161.27
    EXPECT_NEAR((a[0] + a[2]) / 2, 5 * 32 + 16, 1e-3);
    EXPECT_NEAR((a[1] + a[3]) / 2, 3 * 32 + 16, 1e-3);
    EXPECT_NEAR(a[2] - a[0], 161.2699, 1e-3);
}

}} // namespace
