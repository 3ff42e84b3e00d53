// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Keep-ratio resize parity per framework. The expected sizes come from
// data/reference/preprocess/keep_ratio_sizes.yml.gz, written by tools/make_resize_reference.py:
// the torchvision columns by torchvision's own _resize_image_and_masks, the other columns by each
// framework's arithmetic as written in its source (see the tool's docstring for the labels).

#include "test_precomp.hpp"
#include "layer/decode_layer.hpp"
#include "model/preprocess.hpp"

#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <fstream>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace opencv_test { namespace {

struct SizeTable
{
    Mat sizes; // int32 Nx16: h, w, min, max, (h, w) per rule
};

const SizeTable& sizeTable()
{
    static SizeTable t = [] {
        SizeTable r;
        FileStorage fs(findDataFile("reference/preprocess/keep_ratio_sizes.yml.gz"), FileStorage::READ);
        CV_Assert(fs.isOpened());
        Mat m;
        fs["sizes"] >> m;
        CV_Assert(!m.empty() && m.cols == 16);
        m.convertTo(r.sizes, CV_32S);
        return r;
    }();
    return t;
}

// Column of a rule in the table (the tool's RULES order).
enum TableRule { T_TORCHVISION = 0, T_DETECTRON2, T_MMDETECTION, T_KERAS, T_DETECTRON, T_ODTK };

const int kRules[] = {RESIZE_RULE_TORCHVISION, RESIZE_RULE_DETECTRON2, RESIZE_RULE_MMDETECTION,
                      RESIZE_RULE_KERAS_RETINANET, RESIZE_RULE_DETECTRON, RESIZE_RULE_ODTK};
const char* const kRuleNames[] = {"torchvision", "detectron2", "mmdetection", "keras_retinanet", "detectron", "odtk"};

PreprocessConfig keepRatio(int minSize, int maxSize, int rule = RESIZE_RULE_TORCHVISION)
{
    PreprocessConfig p;
    p.resize = RESIZE_KEEP_RATIO;
    p.minSize = minSize;
    p.maxSize = maxSize;
    p.resizeRule = rule;
    return p;
}

Size sizeOf(int h, int w, int minSize, int maxSize, int rule)
{
    double sx = 0, sy = 0;
    return cv::dnn_retinanet::resizedSize(Size(w, h), keepRatio(minSize, maxSize, rule), sx, sy);
}

double nominalScale(int h, int w, int minSize, int maxSize, int rule)
{
    double sx = 0, sy = 0;
    cv::dnn_retinanet::resizedSize(Size(w, h), keepRatio(minSize, maxSize, rule), sx, sy);
    EXPECT_EQ(sx, sy);
    return sx;
}

// Every row of the table: resizedSize() with the default (torchvision) rule gives torchvision's
// own output size. Fails with a correctly rounded double divide (the module before this test):
// 480x640, 427x640, 375x500, 342x548, 384x512 and ~24 % of the rows are one pixel off.
TEST(DnnRetinaNet_Preprocess, torchvision_keep_ratio_size_matches_torchvision_on_every_row)
{
    const Mat& t = sizeTable().sizes;
    int checked = 0, failures = 0;
    for (int i = 0; i < t.rows; i++)
    {
        const int* r = t.ptr<int>(i);
        const int h = r[0], w = r[1];
        const int eh = r[4 + 2 * T_TORCHVISION], ew = r[5 + 2 * T_TORCHVISION];
        double sx = 0, sy = 0;
        const Size got = cv::dnn_retinanet::resizedSize(Size(w, h), keepRatio(r[2], r[3]), sx, sy);
        if (eh < 0) // torchvision itself raises (an output side of 0): the module keeps >= 1
        {
            EXPECT_GE(got.width, 1);
            EXPECT_GE(got.height, 1);
            continue;
        }
        checked++;
        if (got != Size(ew, eh) && ++failures <= 20)
            ADD_FAILURE() << h << "x" << w << " (HxW) at min/max " << r[2] << "/" << r[3] << ": module "
                          << got.height << "x" << got.width << ", torchvision " << eh << "x" << ew;
    }
    EXPECT_EQ(failures, 0) << "of " << checked << " rows";
    EXPECT_GT(checked, 20000);
}

// Every rule on every row: each framework's size as its source computes it (torchvision: its own
// code; the others: the tool runs the formula as written in the framework's source, cv2 itself
// for the cv2.resize(fx, fy) sizes). A side of 0 (the framework fails) is clamped to 1.
TEST(DnnRetinaNet_Preprocess, every_rule_matches_its_framework_on_every_row)
{
    const Mat& t = sizeTable().sizes;
    for (int j = 0; j < 6; j++)
    {
        int checked = 0, failures = 0;
        for (int i = 0; i < t.rows; i++)
        {
            const int* r = t.ptr<int>(i);
            int eh = r[4 + 2 * j], ew = r[5 + 2 * j];
            if (eh < 0)
                continue; // torchvision raises there (covered above)
            eh = std::max(1, eh);
            ew = std::max(1, ew);
            const Size got = sizeOf(r[0], r[1], r[2], r[3], kRules[j]);
            checked++;
            if (got != Size(ew, eh) && ++failures <= 10)
                ADD_FAILURE() << kRuleNames[j] << ": " << r[0] << "x" << r[1] << " (HxW) at " << r[2] << "/" << r[3]
                              << ": module " << got.height << "x" << got.width << ", expected " << eh << "x" << ew;
        }
        EXPECT_EQ(failures, 0) << kRuleNames[j] << " of " << checked << " rows";
    }
}

// Hand-computed (HxW), where the frameworks' formulas disagree. Each line: the arithmetic.
TEST(DnnRetinaNet_Preprocess, rules_on_sizes_where_the_formulas_diverge)
{
    enum { TV, D2, MM, KR, DT, OD };
    struct Case { int h, w, mn, mx; Size expected[6]; };
    const Case cases[] = {
        // 480x640 at 800/1333. torchvision: s = float32(1/480f * 800) = 1.66666675, 640 s = 1066.67 -> floor
        // 1066. detectron2 / mmdetection: 1066.67 + 0.5 -> 1067. keras / Detectron: cvRound(1066.67) = 1067.
        // ODTK: int(1066.67) = 1066.
        {480, 640, 800, 1333, {Size(1066, 800), Size(1067, 800), Size(1067, 800), Size(1067, 800), Size(1067, 800), Size(1066, 800)}},
        // 427x640 at 800/1333: torchvision's s = float32(1/427f * 800) = 1.87353623 (< 800/427), so
        // 427 s = 799.99998 -> 799; every other rule gets 800; width 1199.06 everywhere.
        {427, 640, 800, 1333, {Size(1199, 799), Size(1199, 800), Size(1199, 800), Size(1199, 800), Size(1199, 800), Size(1199, 800)}},
        // 427x640 at 320/320: the cap gives s = 320/640 = 0.5 and 427 s = 213.5. torchvision floor 213;
        // detectron2 rescales 320 by 320/479.625 -> 213.4999.. -> 213; mmcv int(213.5 + 0.5) = 214;
        // keras / Detectron cvRound(213.5) = 214 (half to even); ODTK int(213.5) = 213.
        {427, 640, 320, 320, {Size(320, 213), Size(320, 213), Size(320, 214), Size(320, 214), Size(320, 214), Size(320, 213)}},
        // 720x1280 at 600/1000: s = 1000/1280 = 0.78125, 720 s = 562.5. torchvision floor 562; detectron2
        // 600 * (1000/1066.67) = 562.4999.. -> 562; mmcv 563; cvRound(562.5) = 562 (even); ODTK 562.
        {720, 1280, 600, 1000, {Size(1000, 562), Size(1000, 562), Size(1000, 563), Size(1000, 562), Size(1000, 562), Size(1000, 562)}},
        // 1001x2666 at 800/1333: s = 1333/2666 = 0.5, 1001 s = 500.5. torchvision floor 500; detectron2 and
        // mmcv 501; cvRound(500.5) = 500; ODTK 500.
        {1001, 2666, 800, 1333, {Size(1333, 500), Size(1333, 501), Size(1333, 501), Size(1333, 500), Size(1333, 500), Size(1333, 500)}},
    };
    for (const Case& c : cases)
        for (int j = 0; j < 6; j++)
            EXPECT_EQ(sizeOf(c.h, c.w, c.mn, c.mx, kRules[j]), c.expected[j])
                << kRuleNames[j] << " on " << c.h << "x" << c.w << " at " << c.mn << "/" << c.mx;

    // The nominal factor s (boxes are divided by it): keras-retinanet caps 600x1000 at 800/1333
    // (1000 * 800/600 = 1333.3 > 1333: s = 1333/1000), Detectron1 does not (round(1333.3) = 1333):
    // the same 800x1333 image, a different s.
    EXPECT_EQ(nominalScale(600, 1000, 800, 1333, RESIZE_RULE_KERAS_RETINANET), 1333.0 / 1000.0);
    EXPECT_EQ(nominalScale(600, 1000, 800, 1333, RESIZE_RULE_DETECTRON), 800.0 / 600.0);
    EXPECT_EQ(nominalScale(600, 1000, 800, 1333, RESIZE_RULE_ODTK), 1333.0 / 1000.0);
    EXPECT_EQ(sizeOf(600, 1000, 800, 1333, RESIZE_RULE_KERAS_RETINANET), Size(1333, 800));
    EXPECT_EQ(sizeOf(600, 1000, 800, 1333, RESIZE_RULE_DETECTRON), Size(1333, 800));
    EXPECT_EQ(nominalScale(480, 640, 800, 1333, RESIZE_RULE_KERAS_RETINANET), 800.0 / 480.0);
    // the size-ratio rules report new / orig
    double sx = 0, sy = 0;
    EXPECT_EQ(cv::dnn_retinanet::resizedSize(Size(640, 480), keepRatio(800, 1333, RESIZE_RULE_MMDETECTION), sx, sy), Size(1067, 800));
    EXPECT_EQ(sx, 1067.0 / 640.0);
    EXPECT_EQ(sy, 800.0 / 480.0);
}

// Box mapping back to the frame: expected boxes computed by the tool in each framework's own
// dtypes (torchvision's own resize_boxes; the others as their post-processing writes it).
TEST(DnnRetinaNet_Preprocess, boxes_map_back_like_each_framework)
{
    FileStorage fs(findDataFile("reference/preprocess/box_mapping.yml.gz"), FileStorage::READ);
    ASSERT_TRUE(fs.isOpened());
    for (int j = 0; j < 6; j++)
    {
        Mat cases, boxes;
        fs[std::string(kRuleNames[j]) + "_cases"] >> cases;
        fs[std::string(kRuleNames[j]) + "_boxes"] >> boxes;
        ASSERT_EQ(cases.cols, 5);
        ASSERT_EQ(boxes.cols, 8);
        ASSERT_GT(cases.rows, 10);
        ASSERT_EQ(boxes.rows % cases.rows, 0);
        const int perCase = boxes.rows / cases.rows;
        int mismatches = 0;
        for (int i = 0; i < cases.rows; i++)
        {
            const double* c = cases.ptr<double>(i);
            const PreprocessConfig pre = keepRatio((int)c[2], (int)c[3], kRules[j]);
            LetterboxInfo info;
            info.frameSize = Size((int)c[1], (int)c[0]);
            info.imageSize = cv::dnn_retinanet::resizedSize(info.frameSize, pre, info.scaleX, info.scaleY);
            if (c[4] > 0)
            {
                EXPECT_EQ(info.scaleX, c[4]) << kRuleNames[j] << " " << c[0] << "x" << c[1];
            }
            for (int k = 0; k < perCase; k++)
            {
                const float* b = boxes.ptr<float>(i * perCase + k);
                const Vec4f got = cv::dnn_retinanet::boxToFrame(Vec4f(b[0], b[1], b[2], b[3]), info, pre);
                for (int q = 0; q < 4; q++)
                    if (got[q] != b[4 + q] && ++mismatches <= 10)
                        ADD_FAILURE() << kRuleNames[j] << " " << c[0] << "x" << c[1] << " at " << c[2] << "/" << c[3]
                                      << " box " << k << " coord " << q << ": module " << got[q] << ", framework " << b[4 + q];
            }
        }
        EXPECT_EQ(mismatches, 0) << kRuleNames[j];
    }

    // Hand-computed: keras-retinanet divides by the nominal s, torchvision multiplies by the size
    // ratio. 480x640 -> 800x1067 (keras) / 800x1066 (torchvision).
    LetterboxInfo k;
    k.frameSize = Size(640, 480);
    const PreprocessConfig kp = keepRatio(800, 1333, RESIZE_RULE_KERAS_RETINANET);
    k.imageSize = cv::dnn_retinanet::resizedSize(k.frameSize, kp, k.scaleX, k.scaleY);
    const float s = (float)(800.0 / 480.0);
    EXPECT_EQ(cv::dnn_retinanet::boxToFrame(Vec4f(10, 20, 1067, 800), k, kp), Vec4f(10 / s, 20 / s, 1067 / s, 800 / s));
    EXPECT_GT(1067 / s, 640.f) << "keras-retinanet's right edge lands past the frame; so does the module's";
    LetterboxInfo t;
    t.frameSize = Size(640, 480);
    const PreprocessConfig tp = keepRatio(800, 1333);
    t.imageSize = cv::dnn_retinanet::resizedSize(t.frameSize, tp, t.scaleX, t.scaleY);
    const float rx = 640.f / 1066.f, ry = 480.f / 800.f;
    EXPECT_EQ(cv::dnn_retinanet::boxToFrame(Vec4f(10, 20, 2000, 800), t, tp), Vec4f(10 * rx, 20 * ry, 1066 * rx, 800 * ry))
        << "clamped to the resized image first";
}

Mat normalised(const Mat& resizedBgr, const PreprocessConfig& pre, Size input)
{
    // (x * scale - mean) / std in the network's channel order, padded with pad_value: by hand
    Mat blob(std::vector<int>{1, 3, input.height, input.width}, CV_32F, Scalar::all(pre.padValue));
    Mat f;
    resizedBgr.convertTo(f, CV_64F);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < f.rows; y++)
            for (int x = 0; x < f.cols; x++)
            {
                const double v = f.at<Vec3d>(y, x)[pre.swapRB ? 2 - c : c];
                blob.at<float>(std::vector<int>{0, c, y, x}.data()) = (float)((v * pre.scale - pre.mean[c]) / pre.std[c]);
            }
    return blob;
}

// resize_input uint8: the 8-bit frame is resized (cv::resize on 8U, rounded to integers, like
// mmcv.imresize / cv2.resize on the uint8 image), then normalised.
TEST(DnnRetinaNet_Preprocess, uint8_input_is_resized_as_8_bit)
{
    RNG rng(7);
    Mat frame(37, 53, CV_8UC3);
    rng.fill(frame, RNG::UNIFORM, 0, 256);
    PreprocessConfig pre = keepRatio(64, 128, RESIZE_RULE_MMDETECTION);
    pre.swapRB = true;
    pre.scale = 1.0;
    pre.mean = Scalar(123.675, 116.28, 103.53);
    pre.std = Scalar(58.395, 57.12, 57.375);
    pre.padDivisor = 32;
    pre.resizeInput = RESIZE_INPUT_UINT8;

    Mat blob;
    LetterboxInfo info;
    blobFromFrame(frame, pre, blob, info);
    // mmcv.rescale_size: s = min(128/53, 64/37) = 1.7297, (53 s + 0.5, 37 s + 0.5) -> (92, 64)
    ASSERT_EQ(info.imageSize, Size(92, 64));
    ASSERT_EQ(info.inputSize, Size(96, 64));
    Mat resized8;
    resize(frame, resized8, Size(92, 64), 0, 0, INTER_LINEAR);
    EXPECT_LE(cv::norm(blob, normalised(resized8, pre, info.inputSize), NORM_INF), 1e-5);

    // the float path differs: the same resize on float values is not rounded to integers
    pre.resizeInput = RESIZE_INPUT_FLOAT;
    Mat blobF;
    blobFromFrame(frame, pre, blobF, info);
    Mat frameF, resizedF;
    frame.convertTo(frameF, CV_32F);
    resize(frameF, resizedF, Size(92, 64), 0, 0, INTER_LINEAR);
    EXPECT_LE(cv::norm(blobF, normalised(resizedF, pre, info.inputSize), NORM_INF), 1e-5);
    EXPECT_GT(cv::norm(blob, blobF, NORM_INF), 1e-3);

    // 16-bit frames are resized in 16 bits (no quantisation to 8 bits), then scaled to 0..255
    Mat f16;
    frame.convertTo(f16, CV_16U, 257.0);
    pre.resizeInput = RESIZE_INPUT_UINT8;
    Mat blob16;
    blobFromFrame(f16, pre, blob16, info);
    Mat r16, r16f;
    resize(f16, r16, Size(92, 64), 0, 0, INTER_LINEAR);
    r16.convertTo(r16f, CV_64F, 255.0 / 65535.0);
    EXPECT_LE(cv::norm(blob16, normalised(r16f, pre, info.inputSize), NORM_INF), 1e-5);
}

// keras-retinanet and Detectron1 call cv2.resize(img, None, fx=s, fy=s): OpenCV maps pixels with
// s itself, not with the rounded size ratio, and the module does the same.
TEST(DnnRetinaNet_Preprocess, torch_linear_reproduces_torch_bilinear_interpolate)
{
    // Reference: torch.nn.functional.interpolate(mode="bilinear", align_corners=False) itself
    // (tools/make_interpolate_reference.py), on 8-bit values, up, down, mixed, one axis unchanged.
    FileStorage fs(findDataFile("reference/preprocess/torch_bilinear.yml.gz"), FileStorage::READ);
    ASSERT_TRUE(fs.isOpened());
    const int count = (int)fs["count"];
    ASSERT_GE(count, 5);
    double worstTorch = 0, worstCv = 0;
    for (int i = 0; i < count; i++)
    {
        Mat src, expected;
        fs[format("src_%d", i)] >> src;
        fs[format("dst_%d", i)] >> expected;
        ASSERT_EQ(src.type(), CV_32FC3);
        PreprocessConfig pre;
        LetterboxInfo info;
        info.frameSize = src.size();
        info.imageSize = expected.size();
        pre.interpolation = INTER_TORCH_LINEAR;
        Mat got;
        resizeFrame(src, pre, info, got);
        ASSERT_EQ(got.size(), expected.size());
        const double dTorch = cv::norm(got, expected, NORM_INF);
        pre.interpolation = INTER_LINEAR;
        resizeFrame(src, pre, info, got);
        worstTorch = std::max(worstTorch, dTorch);
        worstCv = std::max(worstCv, cv::norm(got, expected, NORM_INF));
        // the same samples and weights; torch's vectorised sums may round the last bit differently
        EXPECT_LE(dTorch, 1e-4) << "case " << i;
    }
    // cv::resize places the samples differently: the reason INTER_TORCH_LINEAR exists
    EXPECT_GT(worstCv, 10 * std::max(worstTorch, 1e-6));
    std::printf("torch_linear vs torch max |diff| %.3g; INTER_LINEAR vs torch %.3g (0..255 values)\n", worstTorch, worstCv);
}

TEST(DnnRetinaNet_Preprocess, opencv_scale_rules_resize_with_the_factor)
{
    RNG rng(11);
    Mat frame(48, 64, CV_8UC3);
    rng.fill(frame, RNG::UNIFORM, 0, 256);
    for (int rule : {RESIZE_RULE_KERAS_RETINANET, RESIZE_RULE_DETECTRON})
    {
        PreprocessConfig pre = keepRatio(80, 1333, rule);
        pre.swapRB = false;
        pre.scale = 1.0;
        pre.mean = Scalar(103.939, 116.779, 123.68);
        pre.std = Scalar::all(1.0);
        pre.padDivisor = 1;
        Mat blob;
        LetterboxInfo info;
        blobFromFrame(frame, pre, blob, info);
        const double s = 80.0 / 48.0;
        EXPECT_EQ(info.scaleX, s);
        ASSERT_EQ(info.imageSize, Size(107, 80));  // cvRound(64 * 1.6667 = 106.67)
        Mat frameF, byFactor, bySize;
        frame.convertTo(frameF, CV_32F);
        resize(frameF, byFactor, Size(), s, s, INTER_LINEAR);
        ASSERT_EQ(byFactor.size(), Size(107, 80));
        resize(frameF, bySize, Size(107, 80), 0, 0, INTER_LINEAR);
        EXPECT_LE(cv::norm(blob, normalised(byFactor, pre, info.inputSize), NORM_INF), 1e-4) << kRuleNames[rule];
        EXPECT_GT(cv::norm(blob, normalised(bySize, pre, info.inputSize), NORM_INF), 0.5)
            << "107/64 != 80/48: mapping by the size would move the columns";
    }
}

// The model's detect() maps the decoder's boxes (network-input pixels) back with the rule.
TEST(DnnRetinaNet_Preprocess, model_detect_maps_boxes_with_the_rule)
{
    for (int rule : {RESIZE_RULE_TORCHVISION, RESIZE_RULE_MMDETECTION, RESIZE_RULE_KERAS_RETINANET})
    {
        RetinaNetConfig c = RetinaNetConfig::load(findDataFile("models/tiny_torchvision/config.yml"));
        c.preprocess.resizeRule = rule;
        const std::string cfg = ::testing::TempDir() + "/preproc_rule.yml";
        c.save(cfg);
        RetinaNetDetectionModel model(findDataFile("models/tiny_torchvision/model.onnx"), cfg);
        std::remove(cfg.c_str());
        // textured frame with shapes (the random-weight head needs some structure)
        RNG rng(5);
        Mat frame(240, 330, CV_8UC3);
        rng.fill(frame, RNG::UNIFORM, 0, 256);
        GaussianBlur(frame, frame, Size(0, 0), 3);
        for (int i = 0; i < 12; i++)
        {
            const Point p{rng.uniform(0, frame.cols), rng.uniform(0, frame.rows)};
            const Scalar col{(double)rng.uniform(0, 255), (double)rng.uniform(0, 255), (double)rng.uniform(0, 255)};
            rectangle(frame, Rect(p, Size{rng.uniform(10, 80), rng.uniform(10, 80)}), col, FILLED);
        }
        model.setScoreThreshold(0.01f);
        std::vector<Detection> dets;
        model.detect(frame, dets);
        ASSERT_GT(dets.size(), 0u) << kRuleNames[rule];
        const LetterboxInfo info = model.getLastLetterbox();

        // the decode layer's boxes, in network-input pixels
        dnn::Net net = model.getNetwork_();
        Ptr<RetinaNetDecodeLayer> layer;
        for (const std::string& name : net.getLayerNames())
        {
            Ptr<RetinaNetDecodeLayer> l = net.getLayer(name).dynamicCast<RetinaNetDecodeLayer>();
            if (l) layer = l;
        }
        ASSERT_FALSE(layer.empty());
        const std::vector<Detection>& raw = layer->lastDetections().at(0);
        ASSERT_GE(raw.size(), dets.size());
        const double fw = info.frameSize.width, fh = info.frameSize.height;
        const double nw = info.imageSize.width, nh = info.imageSize.height;
        for (size_t i = 0; i < dets.size(); i++)
        {
            Vec4f b = raw[i].box, e;
            for (int q = 0; q < 4; q++)
                b[q] = std::min(std::max(b[q], 0.f), (float)(q % 2 ? nh : nw));
            if (rule == RESIZE_RULE_TORCHVISION)
                e = Vec4f(b[0] * (float)(fw / nw), b[1] * (float)(fh / nh), b[2] * (float)(fw / nw), b[3] * (float)(fh / nh));
            else if (rule == RESIZE_RULE_MMDETECTION)
                e = Vec4f(b[0] * (float)(1 / (nw / fw)), b[1] * (float)(1 / (nh / fh)), b[2] * (float)(1 / (nw / fw)), b[3] * (float)(1 / (nh / fh)));
            else
            {
                const float s = (float)info.scaleX;
                e = Vec4f(b[0] / s, b[1] / s, b[2] / s, b[3] / s);
            }
            EXPECT_EQ(dets[i].box, e) << kRuleNames[rule] << " detection " << i;
            EXPECT_EQ(dets[i].score, raw[i].score);
            EXPECT_EQ(dets[i].classId, raw[i].classId);
        }
    }
}

TEST(DnnRetinaNet_Preprocess, config_fields_presets_and_errors)
{
    const PreprocessConfig def;
    EXPECT_EQ(def.resizeRule, RESIZE_RULE_TORCHVISION);
    EXPECT_EQ(def.resizeInput, RESIZE_INPUT_FLOAT);
    struct { const char* preset; int rule; int input; } expected[] = {
        {"torchvision", RESIZE_RULE_TORCHVISION, RESIZE_INPUT_FLOAT},
        {"torchvision_v2", RESIZE_RULE_TORCHVISION, RESIZE_INPUT_FLOAT},
        {"detectron2", RESIZE_RULE_DETECTRON2, RESIZE_INPUT_UINT8},
        {"mmdetection", RESIZE_RULE_MMDETECTION, RESIZE_INPUT_UINT8},
        {"keras_retinanet", RESIZE_RULE_KERAS_RETINANET, RESIZE_INPUT_UINT8},
        {"odtk", RESIZE_RULE_ODTK, RESIZE_INPUT_UINT8},
        {"odtk_19.04", RESIZE_RULE_ODTK, RESIZE_INPUT_UINT8},
        {"detectron", RESIZE_RULE_DETECTRON, RESIZE_INPUT_FLOAT},
        {"aploss", RESIZE_RULE_KERAS_RETINANET, RESIZE_INPUT_FLOAT},
    };
    for (const auto& e : expected)
    {
        const RetinaNetConfig c = RetinaNetConfig::preset(e.preset);
        EXPECT_EQ(c.preprocess.resizeRule, e.rule) << e.preset;
        EXPECT_EQ(c.preprocess.resizeInput, e.input) << e.preset;
        // write / read round trip keeps them
        const std::string path = ::testing::TempDir() + "/preproc_" + e.preset + ".yml";
        c.save(path);
        const RetinaNetConfig r = RetinaNetConfig::load(path);
        EXPECT_EQ(r.preprocess.resizeRule, e.rule) << e.preset;
        EXPECT_EQ(r.preprocess.resizeInput, e.input) << e.preset;
        std::remove(path.c_str());
    }
    const std::string bad = ::testing::TempDir() + "/preproc_bad.yml";
    {
        std::ofstream(bad.c_str()) << "%YAML:1.0\n---\nbase: torchvision\npreprocess:\n  resize_rule: pillow\n";
    }
    EXPECT_CV_ERROR(RetinaNetConfig::load(bad), "'preprocess.resize_rule' has unknown value 'pillow' (expected one of: "
                                                "torchvision, detectron2, mmdetection, keras_retinanet, detectron, odtk)");
    {
        std::ofstream(bad.c_str()) << "%YAML:1.0\n---\nbase: torchvision\npreprocess:\n  resize_input: int8\n";
    }
    EXPECT_CV_ERROR(RetinaNetConfig::load(bad), "'preprocess.resize_input' has unknown value 'int8'");
    std::remove(bad.c_str());
    RetinaNetConfig c = RetinaNetConfig::preset("torchvision");
    c.preprocess.resizeRule = 9;
    EXPECT_CV_ERROR(c.validate(), "invalid 'preprocess.resize_rule'");
    c.preprocess.resizeRule = RESIZE_RULE_ODTK;
    c.preprocess.resizeInput = 2;
    EXPECT_CV_ERROR(c.validate(), "invalid 'preprocess.resize_input'");
}

}} // namespace

namespace opencv_test { namespace {

// torch_linear reads gray / BGRA / 8-bit frames directly (no BGR or float copy of the frame): the
// blob must be bit for bit the one of the converted frame.
TEST(DnnRetinaNet_Preprocess, torch_linear_reads_any_frame_as_its_bgr_float_conversion)
{
    RetinaNetConfig c = RetinaNetConfig::preset("torchvision");
    c.preprocess.minSize = 96;
    c.preprocess.maxSize = 160;
    RNG rng(7);
    Mat gray(75, 131, CV_8UC1), bgra(75, 131, CV_8UC4);
    rng.fill(gray, RNG::UNIFORM, 0, 256);
    rng.fill(bgra, RNG::UNIFORM, 0, 256);
    Mat grayBgr, bgraBgr;
    cvtColor(gray, grayBgr, COLOR_GRAY2BGR);
    cvtColor(bgra, bgraBgr, COLOR_BGRA2BGR);
    for (int input : {RESIZE_INPUT_FLOAT, RESIZE_INPUT_UINT8})
    {
        c.preprocess.resizeInput = input;
        Mat a, b;
        LetterboxInfo ia, ib;
        blobFromFrame(gray, c.preprocess, a, ia);
        blobFromFrame(grayBgr, c.preprocess, b, ib);
        ASSERT_EQ(ia.imageSize, ib.imageSize);
        ASSERT_NE(ia.imageSize, gray.size());
        EXPECT_EQ(cv::norm(a, b, NORM_INF), 0.0) << "gray, resize_input " << input;
        blobFromFrame(bgra, c.preprocess, a, ia);
        blobFromFrame(bgraBgr, c.preprocess, b, ib);
        EXPECT_EQ(cv::norm(a, b, NORM_INF), 0.0) << "BGRA, resize_input " << input;
    }
}

#ifdef __linux__
// Peak memory of preprocessing a 20000x20000 frame (1.2 GB as 8-bit BGR, 0.4 GB gray): at most the
// frame's size again (issue: converting the whole frame to float first peaked at ~6 GB). Measured in
// a child process, whose ru_maxrss starts with the frame allocated and touched.
long peakGrowthKb(const char* preset, int type)
{
    fflush(nullptr);
    const pid_t pid = fork();
    if (pid == 0)
    {
        long result = -1;
        {
            Mat frame(20000, 20000, type);
            frame.setTo(Scalar(40, 120, 200, 255));
            frame(Rect(5000, 5000, 10000, 10000)).setTo(Scalar(250, 10, 90, 255));
            rusage before{}, after{};
            getrusage(RUSAGE_SELF, &before);
            Mat blob;
            LetterboxInfo info;
            blobFromFrame(frame, RetinaNetConfig::preset(preset).preprocess, blob, info);
            getrusage(RUSAGE_SELF, &after);
            // the blob holds the picture (a bright square in the middle), not garbage
            const float* plane = blob.ptr<float>(0, 0);
            const int W = blob.size[3];
            const bool sane = blob.size[2] >= 800 &&
                              std::abs(plane[blob.size[2] / 2 * W + 400] - plane[10 * W + 10]) > 0.5f;
            result = sane ? after.ru_maxrss - before.ru_maxrss : -2;
        }
        FILE* f = fopen((std::string("/tmp/dnn_retinanet_peak_") + std::to_string(getpid())).c_str(), "w");
        if (f) { fprintf(f, "%ld\n", result); fclose(f); }
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    long kb = -3;
    const std::string path = std::string("/tmp/dnn_retinanet_peak_") + std::to_string(pid);
    if (FILE* f = fopen(path.c_str(), "r")) { if (fscanf(f, "%ld", &kb) != 1) kb = -4; fclose(f); }
    std::remove(path.c_str());
    return kb;
}

TEST(DnnRetinaNet_Preprocess, huge_frames_take_bounded_memory)
{
    const long bgrKb = 20000L * 20000 * 3 / 1024, grayKb = 20000L * 20000 / 1024;
    // torchvision: torch_linear from the frame itself; detectron: float + cv::resize (shrunk first);
    // detectron2: 8-bit resize
    for (const char* preset : {"torchvision", "detectron", "detectron2"})
    {
        const long bgr = peakGrowthKb(preset, CV_8UC3), gray = peakGrowthKb(preset, CV_8UC1);
        ASSERT_GE(bgr, 0) << preset << ": the child failed (" << bgr << ")";
        ASSERT_GE(gray, 0) << preset << ": the child failed (" << gray << ")";
        EXPECT_LE(bgr, bgrKb) << preset << ": BGR peak growth " << bgr / 1024 << " MB";
        EXPECT_LE(gray, grayKb) << preset << ": gray peak growth " << gray / 1024 << " MB";
        std::cout << "[ info ] " << preset << ": peak growth " << bgr / 1024 << " MB (BGR frame " << bgrKb / 1024
                  << " MB), " << gray / 1024 << " MB (gray frame " << grayKb / 1024 << " MB)" << std::endl;
    }
}
#endif

}} // namespace
