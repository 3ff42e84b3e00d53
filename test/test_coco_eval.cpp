// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// tools/eval/coco_eval (COCO box mAP, the rules of tools/eval_pytorch.py / pycocotools) on
// hand-made cases whose AP is known analytically, plus JSON reading/writing and the committed
// data/synth_test split (checked against tools/eval_pytorch.py's numpy implementation).
#include <gtest/gtest.h>

#include "coco_eval.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

using coco::CocoDetection;
using coco::CocoGroundTruth;
using coco::CocoMetrics;

namespace {

const double kEps = 1e-12;
// 101-point interpolation of [TP, FP, TP] on 2 GTs: precision 1 up to recall .5 (51 thresholds
// 0, .01, ..., .50), then 2/3 (50 thresholds). All-points AP would be 0.8333, 11-point AP 0.8485.
const double kTpFpTp = (51 + 50 * (2.0 / 3.0)) / 101;

CocoGroundTruth makeGt(int numImages, const std::vector<int>& categoryIds)
{
    CocoGroundTruth gt;
    for (int i = 1; i <= numImages; i++)
        gt.images.push_back({i, cv::format("%06d.png", i), 320, 320});
    for (int c : categoryIds)
        gt.categories.push_back({c, cv::format("cat%d", c)});
    return gt;
}

void addGt(CocoGroundTruth& gt, int image, int category, const cv::Rect2d& box, double area = -1)
{
    coco::CocoAnnotation a;
    a.id = (int)gt.annotations.size() + 1;
    a.imageId = image;
    a.categoryId = category;
    a.box = box;
    a.area = area >= 0 ? area : box.area();
    gt.annotations.push_back(a);
}

CocoDetection det(int image, int category, float score, const cv::Rect2f& box)
{
    CocoDetection d;
    d.imageId = image;
    d.categoryId = category;
    d.score = score;
    d.box = box;
    return d;
}

//! GT of every size range on 3 images, 2 categories.
CocoGroundTruth sizedGt()
{
    CocoGroundTruth gt = makeGt(3, {1, 2});
    addGt(gt, 1, 1, cv::Rect2d(10, 10, 20, 20));     // small (400)
    addGt(gt, 1, 2, cv::Rect2d(100, 100, 50, 60));   // medium (3000)
    addGt(gt, 2, 1, cv::Rect2d(5.5, 7.25, 120, 100)); // large (12000)
    addGt(gt, 3, 2, cv::Rect2d(0, 0, 31, 30));       // small (930)
    addGt(gt, 3, 1, cv::Rect2d(150, 40, 100, 100));  // large (10000)
    return gt;
}

std::vector<CocoDetection> gtAsDetections(const CocoGroundTruth& gt)
{
    std::vector<CocoDetection> dets;
    for (size_t i = 0; i < gt.annotations.size(); i++)
    {
        const coco::CocoAnnotation& a = gt.annotations[i];
        dets.push_back(det(a.imageId, a.categoryId, 0.3f + 0.6f * (float)((i * 7) % 10) / 10,
                           cv::Rect2f(cv::Rect2d(a.box))));
    }
    return dets;
}

void expectAll(const CocoMetrics& m, double ap, double aps, double apm, double apl)
{
    EXPECT_NEAR(m.AP, ap, kEps);
    EXPECT_NEAR(m.AP50, ap, kEps);
    EXPECT_NEAR(m.AP75, ap, kEps);
    EXPECT_NEAR(m.APs, aps, kEps);
    EXPECT_NEAR(m.APm, apm, kEps);
    EXPECT_NEAR(m.APl, apl, kEps);
}

std::string tempPath(const std::string& name)
{
    return ::testing::TempDir() + "dnn_retinanet_coco_eval_" + name;
}

void writeText(const std::string& path, const std::string& text)
{
    std::ofstream f(path, std::ios::binary);
    f << text;
    ASSERT_TRUE(f.good()) << path;
}

} // namespace

TEST(CocoEval, IoU)
{
    EXPECT_DOUBLE_EQ(coco::iouXYWH(cv::Rect2d(0, 0, 10, 10), cv::Rect2d(0, 0, 10, 10)), 1.0);
    EXPECT_DOUBLE_EQ(coco::iouXYWH(cv::Rect2d(0, 0, 10, 10), cv::Rect2d(5, 0, 10, 10)), 50.0 / 150.0);
    EXPECT_DOUBLE_EQ(coco::iouXYWH(cv::Rect2d(0, 0, 10, 10), cv::Rect2d(10, 0, 10, 10)), 0.0); // touching
    EXPECT_DOUBLE_EQ(coco::iouXYWH(cv::Rect2d(0, 0, 0, 0), cv::Rect2d(0, 0, 0, 0)), 0.0);      // empty
}

TEST(CocoEval, PerfectDetections)
{
    const CocoGroundTruth gt = sizedGt();
    const CocoMetrics m = coco::evaluate(gt, gtAsDetections(gt));
    expectAll(m, 1, 1, 1, 1);
    EXPECT_NEAR(m.AR100, 1, kEps);
    ASSERT_EQ(m.categoryIds, std::vector<int>({1, 2}));
    EXPECT_NEAR(m.categoryAP[0], 1, kEps);
    EXPECT_NEAR(m.categoryAP[1], 1, kEps);
    EXPECT_EQ(m.numImages, 3);
    EXPECT_EQ(m.numGt, 5);
    EXPECT_EQ(m.numDets, 5);
}

TEST(CocoEval, NoDetections)
{
    const CocoMetrics m = coco::evaluate(sizedGt(), {});
    expectAll(m, 0, 0, 0, 0);
    EXPECT_NEAR(m.AR100, 0, kEps);
    EXPECT_NEAR(m.categoryAP[0], 0, kEps);
}

TEST(CocoEval, FalsePositiveRankedAboveTruePositive)
{
    // recall [0, 1], precision [0, 1/2] -> [1/2, 1/2] after the right-to-left max: AP = 1/2
    CocoGroundTruth gt = makeGt(1, {1});
    addGt(gt, 1, 1, cv::Rect2d(10, 10, 50, 50));
    const CocoMetrics m = coco::evaluate(gt, {det(1, 1, 0.9f, cv::Rect2f(200, 200, 50, 50)),
                                              det(1, 1, 0.8f, cv::Rect2f(10, 10, 50, 50))});
    expectAll(m, 0.5, -1, 0.5, -1);
    EXPECT_NEAR(m.AR100, 1, kEps);
}

TEST(CocoEval, HundredOnePointInterpolation)
{
    CocoGroundTruth gt = makeGt(1, {1});
    addGt(gt, 1, 1, cv::Rect2d(10, 10, 50, 50));
    addGt(gt, 1, 1, cv::Rect2d(100, 10, 50, 50));
    const CocoMetrics m = coco::evaluate(gt, {det(1, 1, 0.9f, cv::Rect2f(10, 10, 50, 50)),
                                              det(1, 1, 0.8f, cv::Rect2f(200, 200, 50, 50)),
                                              det(1, 1, 0.7f, cv::Rect2f(100, 10, 50, 50))});
    expectAll(m, kTpFpTp, -1, kTpFpTp, -1);
    EXPECT_NEAR(kTpFpTp, 0.8349834983498350, 1e-15);
}

TEST(CocoEval, IoUThresholds)
{
    // GT 100x100, detection w x 100 inside it: IoU = w / 100. Thresholds .50, .55, ..., .95.
    CocoGroundTruth gt = makeGt(1, {1});
    addGt(gt, 1, 1, cv::Rect2d(0, 0, 100, 100));
    struct { float width; double ap, ap50, ap75; } cases[] = {
        {49.5f, 0, 0, 0},   // IoU .495: below every threshold
        {50.5f, 0.1, 1, 0}, // IoU .505: only .50
        {74.5f, 0.5, 1, 0}, // IoU .745: .50 ... .70
        {75.5f, 0.6, 1, 1}, // IoU .755: .50 ... .75
        {100.f, 1, 1, 1}};
    for (const auto& c : cases)
    {
        const CocoMetrics m = coco::evaluate(gt, {det(1, 1, 0.5f, cv::Rect2f(0, 0, c.width, 100))});
        EXPECT_NEAR(m.AP, c.ap, kEps) << c.width;
        EXPECT_NEAR(m.AP50, c.ap50, kEps) << c.width;
        EXPECT_NEAR(m.AP75, c.ap75, kEps) << c.width;
    }
}

TEST(CocoEval, DuplicateDetectionIsFalsePositive)
{
    // image 1: GT detected twice (.9, .8), image 2: GT detected at .7 -> TP, FP, TP over 2 GTs
    CocoGroundTruth gt = makeGt(2, {1});
    addGt(gt, 1, 1, cv::Rect2d(10, 10, 50, 50));
    addGt(gt, 2, 1, cv::Rect2d(30, 30, 60, 40));
    const CocoMetrics m = coco::evaluate(gt, {det(1, 1, 0.9f, cv::Rect2f(10, 10, 50, 50)),
                                              det(1, 1, 0.8f, cv::Rect2f(10, 10, 50, 50)),
                                              det(2, 1, 0.7f, cv::Rect2f(30, 30, 60, 40))});
    EXPECT_NEAR(m.AP, kTpFpTp, kEps);
    EXPECT_NEAR(m.AR100, 1, kEps);
}

TEST(CocoEval, DetectionTakesBestIoUGt)
{
    // det .9 overlaps GT1 (IoU .818) and GT2 (IoU 1): it takes GT2 (not the first GT above the
    // threshold), leaving GT1 to det .8 (IoU .818 with GT1, .667 with GT2). Thresholds .50 ... .80:
    // two TPs (AP 1); .85 ... .95: TP, FP (precision 1 up to recall 1/2: 51 of 101 points).
    CocoGroundTruth gt = makeGt(1, {1});
    addGt(gt, 1, 1, cv::Rect2d(0, 0, 100, 100));
    addGt(gt, 1, 1, cv::Rect2d(10, 0, 100, 100));
    const CocoMetrics m = coco::evaluate(gt, {det(1, 1, 0.9f, cv::Rect2f(10, 0, 100, 100)),
                                              det(1, 1, 0.8f, cv::Rect2f(-10, 0, 100, 100))});
    const double ap = (7 + 3 * 51.0 / 101) / 10;
    EXPECT_NEAR(m.AP, ap, kEps);
    EXPECT_NEAR(m.AP50, 1, kEps);
    EXPECT_NEAR(m.AP75, 1, kEps);
    EXPECT_NEAR(m.APl, ap, kEps);
    EXPECT_EQ(m.APs, -1);
    EXPECT_EQ(m.APm, -1);
}

TEST(CocoEval, AreaRanges)
{
    {   // a small object only: medium / large undefined
        CocoGroundTruth gt = makeGt(1, {1});
        addGt(gt, 1, 1, cv::Rect2d(10, 10, 20, 20));
        expectAll(coco::evaluate(gt, {det(1, 1, 0.5f, cv::Rect2f(10, 10, 20, 20))}), 1, 1, -1, -1);
    }
    {   // the GT `area` field decides, not the box: 50x50 box with area 900 is small
        CocoGroundTruth gt = makeGt(1, {1});
        addGt(gt, 1, 1, cv::Rect2d(10, 10, 50, 50), 900);
        expectAll(coco::evaluate(gt, {det(1, 1, 0.5f, cv::Rect2f(10, 10, 50, 50))}), 1, 1, -1, -1);
    }
    {   // bounds are inclusive: area exactly 32^2 is small and medium
        CocoGroundTruth gt = makeGt(1, {1});
        addGt(gt, 1, 1, cv::Rect2d(10, 10, 32, 32));
        expectAll(coco::evaluate(gt, {det(1, 1, 0.5f, cv::Rect2f(10, 10, 32, 32))}), 1, 1, 1, -1);
    }
    {   // medium TP below a small FP: the FP counts for "all" (AP 1/2) but is ignored for "medium"
        CocoGroundTruth gt = makeGt(1, {1});
        addGt(gt, 1, 1, cv::Rect2d(10, 10, 50, 50));
        const CocoMetrics m = coco::evaluate(gt, {det(1, 1, 0.9f, cv::Rect2f(200, 200, 10, 10)),
                                                  det(1, 1, 0.5f, cv::Rect2f(10, 10, 50, 50))});
        expectAll(m, 0.5, -1, 1, -1);
    }
    {   // a medium FP above the TP is not ignored for "medium"
        CocoGroundTruth gt = makeGt(1, {1});
        addGt(gt, 1, 1, cv::Rect2d(10, 10, 50, 50));
        const CocoMetrics m = coco::evaluate(gt, {det(1, 1, 0.9f, cv::Rect2f(200, 200, 40, 40)),
                                                  det(1, 1, 0.5f, cv::Rect2f(10, 10, 50, 50))});
        expectAll(m, 0.5, -1, 0.5, -1);
    }
    {   // a detection matched to a GT outside the range is ignored (neither TP nor FP): small GT
        // detected at .9, two medium GTs of which one is detected at .5.
        CocoGroundTruth gt = makeGt(1, {1});
        addGt(gt, 1, 1, cv::Rect2d(100, 100, 20, 20));
        addGt(gt, 1, 1, cv::Rect2d(10, 10, 50, 50));
        addGt(gt, 1, 1, cv::Rect2d(200, 10, 50, 50));
        const CocoMetrics m = coco::evaluate(gt, {det(1, 1, 0.9f, cv::Rect2f(100, 100, 20, 20)),
                                                  det(1, 1, 0.5f, cv::Rect2f(10, 10, 50, 50))});
        expectAll(m, 67.0 / 101, 1, 51.0 / 101, -1); // recall 2/3 (67 points), 1/2 (51 points)
    }
}

TEST(CocoEval, CategoryWithoutGtIsLeftOut)
{
    CocoGroundTruth gt = makeGt(2, {1, 2, 3});
    addGt(gt, 1, 1, cv::Rect2d(10, 10, 50, 50));
    addGt(gt, 2, 3, cv::Rect2d(10, 10, 50, 50));
    const CocoMetrics m = coco::evaluate(gt, {det(1, 1, 0.5f, cv::Rect2f(10, 10, 50, 50)),
                                              det(2, 3, 0.5f, cv::Rect2f(10, 10, 50, 50)),
                                              det(1, 2, 0.9f, cv::Rect2f(100, 100, 50, 50)),   // no GT of 2
                                              det(2, 7, 0.9f, cv::Rect2f(100, 100, 50, 50)),   // unknown category
                                              det(9, 1, 0.9f, cv::Rect2f(100, 100, 50, 50))}); // unknown image
    expectAll(m, 1, -1, 1, -1);
    EXPECT_NEAR(m.AR100, 1, kEps);
    ASSERT_EQ(m.categoryIds, std::vector<int>({1, 2, 3}));
    EXPECT_NEAR(m.categoryAP[0], 1, kEps);
    EXPECT_EQ(m.categoryAP[1], -1);
    EXPECT_NEAR(m.categoryAP[2], 1, kEps);
    EXPECT_EQ(m.numDets, 5);
}

TEST(CocoEval, MaxDetsPerImageAndCategory)
{
    // 100 FPs above the only TP: the TP is the 101st detection of (image 1, category 1)
    CocoGroundTruth gt = makeGt(1, {1, 2});
    addGt(gt, 1, 1, cv::Rect2d(0, 0, 50, 50));
    std::vector<CocoDetection> dets;
    for (int i = 0; i < 100; i++)
        dets.push_back(det(1, 1, 0.9f - 0.001f * (float)i, cv::Rect2f(100.f + (float)i, 100, 50, 50)));
    dets.push_back(det(1, 1, 0.01f, cv::Rect2f(0, 0, 50, 50)));
    EXPECT_NEAR(coco::evaluate(gt, dets).AP, 0, kEps);
    // with maxDets 101: precision 1/101 at recall 1
    EXPECT_NEAR(coco::evaluate(gt, dets, 101).AP, 1.0 / 101, kEps);
    // the cut is per category: the same 100 FPs in category 2 leave category 1 alone
    for (int i = 0; i < 100; i++)
        dets[i].categoryId = 2;
    addGt(gt, 1, 2, cv::Rect2d(250, 250, 50, 50)); // so that category 2 is evaluated (AP 0)
    const CocoMetrics m = coco::evaluate(gt, dets);
    EXPECT_NEAR(m.categoryAP[0], 1, kEps);
    EXPECT_NEAR(m.categoryAP[1], 0, kEps);
    EXPECT_NEAR(m.AP, 0.5, kEps);
}

TEST(CocoEval, ReadsAndWritesJson)
{
    const std::string gtPath = tempPath("gt.json"), dtPath = tempPath("dets.json");
    writeText(gtPath,
        "{\"info\": {\"description\": \"hand-made\", \"version\": \"1.0\"},\n"
        " \"images\": [{\"id\": 3, \"file_name\": \"b.png\", \"width\": 640, \"height\": 480},\n"
        "              {\"id\": 1, \"file_name\": \"a.png\", \"width\": 320, \"height\": 240}],\n"
        " \"categories\": [{\"id\": 5, \"name\": \"star\", \"supercategory\": \"shape\"},"
        "{\"id\": 2, \"name\": \"circle\", \"supercategory\": \"shape\"}],\n"
        " \"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 2, \"bbox\": [10.5, 20.25, 40, 30],"
        " \"area\": 1200.0, \"iscrowd\": 0, \"segmentation\": [[10.5, 20.25, 50.5, 20.25, 50.5, 50.25]]},"
        "{\"id\": 2, \"image_id\": 3, \"category_id\": 5, \"bbox\": [100, 100, 20, 25], \"area\": 350.5,"
        " \"iscrowd\": 0},"
        "{\"id\": 3, \"image_id\": 3, \"category_id\": 2, \"bbox\": [0, 0, 1e2, 2.0E+2]}]}\n");
    const CocoGroundTruth gt = CocoGroundTruth::load(gtPath);
    ASSERT_EQ(gt.images.size(), 2u);
    EXPECT_EQ(gt.images[0].fileName, "b.png");
    EXPECT_EQ(gt.images[1].height, 240);
    EXPECT_EQ(gt.imageIds(), std::vector<int>({1, 3}));
    EXPECT_EQ(gt.categoryIds(), std::vector<int>({2, 5}));
    EXPECT_EQ(gt.categoryName(5), "star");
    ASSERT_EQ(gt.annotations.size(), 3u);
    EXPECT_EQ(gt.annotations[0].box, cv::Rect2d(10.5, 20.25, 40, 30));
    EXPECT_EQ(gt.annotations[1].area, 350.5);
    EXPECT_EQ(gt.annotations[2].area, 20000.0); // no area field: w * h
    EXPECT_EQ(gt.annotations[2].box, cv::Rect2d(0, 0, 100, 200));
    EXPECT_FALSE(gt.annotations[0].iscrowd);

    // round trip of a results file, then evaluation: both GTs of category 2, none of category 5
    const std::vector<CocoDetection> dets = {det(1, 2, 0.123456789f, cv::Rect2f(10.5f, 20.25f, 40, 30)),
                                             det(3, 2, 0.5f, cv::Rect2f(0, 0, 100, 200)),
                                             det(3, 5, 1e-3f, cv::Rect2f(1.f / 3, 2.f / 3, 7.1f, 9.9f))};
    coco::writeDetections(dtPath, dets);
    const std::vector<CocoDetection> back = coco::readDetections(dtPath);
    ASSERT_EQ(back.size(), dets.size());
    for (size_t i = 0; i < dets.size(); i++)
    {
        EXPECT_EQ(back[i].imageId, dets[i].imageId);
        EXPECT_EQ(back[i].categoryId, dets[i].categoryId);
        EXPECT_EQ(back[i].score, dets[i].score);
        EXPECT_EQ(back[i].box, dets[i].box);
    }
    const CocoMetrics m = coco::evaluate(gt, back);
    EXPECT_NEAR(m.categoryAP[0], 1, kEps);
    EXPECT_NEAR(m.categoryAP[1], 0, kEps);
    EXPECT_NEAR(m.AP, 0.5, kEps);

    // a results file as Python's json.dump writes it, and an empty one
    writeText(dtPath, "[{\"image_id\": 1, \"category_id\": 2, \"bbox\": [10.5, 20.25, 40.0, 30.0], \"score\": 0.9}]");
    ASSERT_EQ(coco::readDetections(dtPath).size(), 1u);
    EXPECT_EQ(coco::readDetections(dtPath)[0].box, cv::Rect2f(10.5f, 20.25f, 40, 30));
    writeText(dtPath, "[]");
    EXPECT_TRUE(coco::readDetections(dtPath).empty());
    std::remove(gtPath.c_str());
    std::remove(dtPath.c_str());
}

#ifdef DNN_RETINANET_SOURCE_DIR
// The committed split: 90 images, 2919 GTs, 8 categories. Deterministic noisy detections (jittered
// GTs, missed GTs, random FPs, wrong classes) give metrics that tools/eval_pytorch.py's coco_eval
// computed from the results JSON this test writes (--dets-in; values pasted below).
TEST(CocoEval, SynthTestSplitMatchesEvalPytorch)
{
    const CocoGroundTruth gt = CocoGroundTruth::load(std::string(DNN_RETINANET_SOURCE_DIR) +
                                                     "/data/synth_test/annotations.json");
    ASSERT_EQ(gt.images.size(), 90u);
    ASSERT_EQ(gt.annotations.size(), 2919u);
    ASSERT_EQ(gt.categoryIds(), std::vector<int>({1, 2, 3, 4, 5, 6, 7, 8}));

    const CocoMetrics perfect = coco::evaluate(gt, gtAsDetections(gt));
    expectAll(perfect, 1, 1, 1, 1);

    cv::RNG rng(12345);
    std::vector<CocoDetection> dets;
    for (const coco::CocoAnnotation& a : gt.annotations)
    {
        if (rng.uniform(0.0, 1.0) < 0.15)
            continue; // missed
        // One draw per statement: the order of evaluation of function arguments is unspecified
        // (g++ and clang differ), and the expected metrics depend on every draw.
        const double s = 0.08 * rng.uniform(0.0, 1.0);
        const double dx = rng.gaussian(s * a.box.width);
        const double dy = rng.gaussian(s * a.box.height);
        const double sw = 1 + rng.gaussian(s);
        const double sh = 1 + rng.gaussian(s);
        const cv::Rect2d b(a.box.x + dx, a.box.y + dy, a.box.width * sw, a.box.height * sh);
        const int cat = rng.uniform(0.0, 1.0) < 0.1 ? rng.uniform(1, 9) : a.categoryId;
        const float score = (float)rng.uniform(0.2, 1.0);
        dets.push_back(det(a.imageId, cat, score, cv::Rect2f(b)));
        if (rng.uniform(0.0, 1.0) < 0.1) // duplicate
        {
            const float dupScore = (float)rng.uniform(0.05, 1.0);
            dets.push_back(det(a.imageId, cat, dupScore, cv::Rect2f(b)));
        }
    }
    for (const coco::CocoImage& im : gt.images)
        for (int i = 0; i < 10; i++) // FPs
        {
            const float w = (float)std::exp(rng.uniform(std::log(8.0), std::log(200.0)));
            const int cat = rng.uniform(1, 9);
            const float score = (float)rng.uniform(0.05, 0.9);
            const float x = rng.uniform(0.f, 320.f - w);
            const float y = rng.uniform(0.f, 320.f - w);
            const float h = w * (float)rng.uniform(0.5, 2.0);
            dets.push_back(det(im.id, cat, score, cv::Rect2f(x, y, w, h)));
        }
    const std::string path = tempPath("synth_test_dets.json");
    coco::writeDetections(path, dets);
    const CocoMetrics m = coco::evaluate(gt, coco::readDetections(path));
    // values of: /usr/bin/python3 tools/eval_pytorch.py --data data/synth_test --dets-in <path>
    // (set DNN_RETINANET_KEEP_DETS=1 to keep the file)
    const double tol = 1e-9;
    EXPECT_NEAR(m.AP, 0.39078653954944176, tol);
    EXPECT_NEAR(m.AP50, 0.5703517787601783, tol);
    EXPECT_NEAR(m.AP75, 0.4496307449871934, tol);
    EXPECT_NEAR(m.APs, 0.4024427432981114, tol);
    EXPECT_NEAR(m.APm, 0.41100767986651165, tol);
    EXPECT_NEAR(m.APl, 0.3289279920392232, tol);
    EXPECT_NEAR(m.AR100, 0.6013607225982291, tol);
    const double perCategory[8] = {0.3920593921224689, 0.36785979250646306, 0.3836803569223477, 0.41280176813868474,
                                   0.4031671880265328, 0.39585821517709774, 0.3901432706997434, 0.38072233280219603};
    ASSERT_EQ(m.categoryAP.size(), 8u);
    for (int k = 0; k < 8; k++)
        EXPECT_NEAR(m.categoryAP[k], perCategory[k], tol) << k;
    if (!std::getenv("DNN_RETINANET_KEEP_DETS"))
        std::remove(path.c_str());
    else
        std::printf("%d detections in %s\n%s", m.numDets, path.c_str(), coco::formatMetrics(m, gt).c_str());
}
#endif
