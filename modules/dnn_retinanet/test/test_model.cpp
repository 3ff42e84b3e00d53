// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// RetinaNetDetectionModel on the tiny torchvision export (data/models/tiny_torchvision): the
// in-graph decoder seen through every entry point, preprocessing, frame formats, bad input.
// Parity with torchvision's full model on real images is in test/ (needs imgcodecs).
#include "test_precomp.hpp"
#include "decoder_test_utils.hpp"
#include "layer/decode_layer.hpp"

#include <opencv2/imgproc.hpp>

#include <climits>
#include <fstream>

namespace opencv_test { namespace {

std::string tinyModel() { return findDataFile("models/tiny_torchvision/model.onnx"); }
std::string tinyConfig() { return findDataFile("models/tiny_torchvision/config.yml"); }

// A deterministic textured frame with shapes (enough structure for the random-weight head).
Mat syntheticFrame(Size size, int seed)
{
    RNG rng(seed);
    Mat img(size, CV_8UC3);
    rng.fill(img, RNG::UNIFORM, 0, 255);
    GaussianBlur(img, img, Size(0, 0), 3);
    for (int i = 0; i < 12; i++)
    {
        // Braces: list-initialisation draws left to right (function arguments: in no set order,
        // so the frame would depend on the compiler).
        const Point c{rng.uniform(0, size.width), rng.uniform(0, size.height)};
        const Scalar col{(double)rng.uniform(0, 255), (double)rng.uniform(0, 255), (double)rng.uniform(0, 255)};
        if (i % 2) circle(img, c, rng.uniform(8, 60), col, FILLED, LINE_AA);
        else rectangle(img, Rect(c, Size{rng.uniform(10, 80), rng.uniform(10, 80)}), col, FILLED);
    }
    return img;
}

std::vector<Detection> fromRects(const std::vector<int>& ids, const std::vector<float>& conf, const std::vector<Rect2d>& r)
{
    std::vector<Detection> d(ids.size());
    for (size_t i = 0; i < ids.size(); i++)
    {
        d[i].classId = ids[i];
        d[i].score = conf[i];
        d[i].box = Vec4f((float)r[i].x, (float)r[i].y, (float)(r[i].x + r[i].width), (float)(r[i].y + r[i].height));
    }
    return d;
}

TEST(DnnRetinaNet_Model, loads_validates_and_detects)
{
    RetinaNetDetectionModel model(tinyModel(), tinyConfig());
    EXPECT_EQ(model.getClassNames().size(), 5u);
    Mat frame = syntheticFrame(Size(320, 256), 1);
    std::vector<Detection> d;
    model.detect(frame, d);
    ASSERT_GT(d.size(), 0u) << "the tiny model is calibrated to produce detections";
    for (const Detection& x : d)
    {
        EXPECT_GE(x.classId, 0); EXPECT_LT(x.classId, 5);
        EXPECT_GT(x.score, 0.05f);
        EXPECT_GE(x.box[0], 0.f); EXPECT_LE(x.box[2], 320.f);
        EXPECT_GE(x.box[1], 0.f); EXPECT_LE(x.box[3], 256.f);
    }
    const Timings t = model.getLastTimings();
    EXPECT_GT(t.network, 0.0);
    EXPECT_GE(t.preprocess, 0.0);
    EXPECT_GE(t.decode, 0.0);
    EXPECT_GE(t.postprocess, 0.0);
    EXPECT_GE(t.total, t.preprocess + t.network + t.decode + t.postprocess - 1e-9);
}

TEST(DnnRetinaNet_Model, path_and_config_object_equals_path_and_config_file)
{
    RetinaNetConfig c = RetinaNetConfig::load(tinyConfig());
    c.selection.scoreThreshold = 0.2f;
    const std::string path = ::testing::TempDir() + "/threshold_0.2.yml";
    c.save(path);
    RetinaNetDetectionModel fromFile(tinyModel(), path), fromObject(tinyModel(), c);
    Mat frame = syntheticFrame(Size(320, 256), 3);
    std::vector<Detection> a, b;
    fromFile.detect(frame, a);
    fromObject.detect(frame, b);
    ASSERT_GT(b.size(), 0u);
    EXPECT_TRUE(sameDetections(a, b, 0, 1.0));
    for (const Detection& d : b)
        EXPECT_GT(d.score, 0.2f);
    c.numClasses = 3; // the tiny model has 5
    EXPECT_ANY_THROW(RetinaNetDetectionModel(tinyModel(), c));
}

TEST(DnnRetinaNet_Model, inherited_detect_and_net_forward_agree_with_subclass)
{
    // Same preprocessing on both paths: a uniform std (the base class has one scalar scale) and
    // a frame already at the network input size (the base class stretches to it).
    RetinaNetConfig c = RetinaNetConfig::load(tinyConfig());
    c.preprocess.std = Scalar::all(0.226);
    const std::string path = ::testing::TempDir() + "/uniform_std.yml";
    c.save(path);
    RetinaNetDetectionModel model(tinyModel(), path);
    Mat frame = syntheticFrame(Size(320, 256), 2);

    std::vector<int> ids; std::vector<float> conf; std::vector<Rect2d> boxes;
    model.detect(frame, ids, conf, boxes, 0.05f, 0.f);
    ASSERT_GT(ids.size(), 0u);
    const std::vector<Detection> mine = fromRects(ids, conf, boxes);

    std::vector<int> bids; std::vector<float> bconf; std::vector<Rect> bboxes;
    dnn::DetectionModel& base = model;
    base.detect(frame, bids, bconf, bboxes, 0.05f, 0.f);
    std::vector<int> sids; std::vector<float> sconf; std::vector<Rect> sboxes;
    model.detect(frame, sids, sconf, sboxes, 0.05f, 0.f);
    ASSERT_EQ(bids.size(), sids.size());
    for (size_t i = 0; i < bids.size(); i++)
    {
        EXPECT_EQ(bids[i], sids[i]);
        EXPECT_NEAR(bconf[i], sconf[i], 1e-4);
        EXPECT_LE(std::abs(bboxes[i].x - sboxes[i].x), 1); EXPECT_LE(std::abs(bboxes[i].y - sboxes[i].y), 1);
        EXPECT_LE(std::abs(bboxes[i].width - sboxes[i].width), 1); EXPECT_LE(std::abs(bboxes[i].height - sboxes[i].height), 1);
    }

    // Net::forward(): the SSD-style blob, normalised by the image size.
    Mat blob = dnn::blobFromImage(frame, 1.0 / (255 * 0.226), Size(320, 256),
                                  Scalar(0.485 * 255, 0.456 * 255, 0.406 * 255), true, false);
    dnn::Net net = model.getNetwork_();
    net.setInput(blob);
    Mat out = net.forward();
    ASSERT_EQ(out.dims, 4);
    ASSERT_EQ(out.size[3], 7);
    std::vector<Detection> fwd;
    for (int r = 0; r < out.size[2]; r++)
    {
        const float* p = out.ptr<float>(0, 0, r);
        if (p[0] < 0) { EXPECT_EQ(p[2], -1.f); continue; }
        Detection d;
        d.classId = (int)p[1]; d.score = p[2];
        d.box = Vec4f(p[3] * 320, p[4] * 256, p[5] * 320, p[6] * 256);
        fwd.push_back(d);
    }
    EXPECT_TRUE(sameDetections(mine, fwd, 1e-4, 0.999));
}

TEST(DnnRetinaNet_Model, frame_formats_are_converted)
{
    RetinaNetDetectionModel model(tinyModel(), tinyConfig());
    Mat bgr = syntheticFrame(Size(320, 256), 3);
    std::vector<Detection> ref;
    model.detect(bgr, ref);
    ASSERT_GT(ref.size(), 0u);

    Mat bgra, u16, f32;
    cvtColor(bgr, bgra, COLOR_BGR2BGRA);
    bgr.convertTo(u16, CV_16U, 257.0);
    bgr.convertTo(f32, CV_32F, 1.0 / 255);
    for (const Mat& m : {bgra, u16, f32})
    {
        std::vector<Detection> d;
        model.detect(m, d);
        EXPECT_TRUE(sameDetections(ref, d, 1e-4, 0.999)) << typeToString(m.type());
    }
    Mat gray;
    cvtColor(bgr, gray, COLOR_BGR2GRAY);
    std::vector<Detection> g;
    EXPECT_NO_THROW(model.detect(gray, g));

    // A non-contiguous ROI behaves like its copy.
    Mat big = syntheticFrame(Size(400, 300), 3);
    Mat roi = big(Rect(40, 20, 320, 256));
    std::vector<Detection> a, b;
    model.detect(roi, a);
    model.detect(roi.clone(), b);
    EXPECT_TRUE(sameDetections(a, b, 0, 1.0));
}

TEST(DnnRetinaNet_Model, boxes_map_back_to_frame_coordinates)
{
    // A frame twice the input size: detections equal those of the half-size frame scaled by 2
    // up to resampling, so compare only their extent and the letterbox info.
    RetinaNetDetectionModel model(tinyModel(), tinyConfig());
    Mat frame = syntheticFrame(Size(640, 512), 4);
    std::vector<Detection> d;
    model.detect(frame, d);
    const LetterboxInfo info = model.getLastLetterbox();
    EXPECT_EQ(info.frameSize, Size(640, 512));
    EXPECT_EQ(info.imageSize, Size(320, 256));   // min side 256
    EXPECT_EQ(info.inputSize, Size(320, 256));
    float maxX = 0;
    for (const Detection& x : d) maxX = std::max(maxX, x.box[2]);
    EXPECT_GT(maxX, 320.f) << "boxes are in frame, not input, coordinates";
    EXPECT_LE(maxX, 640.f);
}

TEST(DnnRetinaNet_Model, batch_of_equal_frames_equals_single_calls)
{
    RetinaNetDetectionModel model(tinyModel(), tinyConfig());
    std::vector<Mat> frames = {syntheticFrame(Size(320, 256), 5), syntheticFrame(Size(320, 256), 6),
                               syntheticFrame(Size(320, 256), 7)};
    std::vector<std::vector<Detection> > batch;
    model.detectBatch(frames, batch);
    ASSERT_EQ(batch.size(), 3u);
    for (int i = 0; i < 3; i++)
    {
        std::vector<Detection> single;
        model.detect(frames[i], single);
        EXPECT_TRUE(sameDetections(single, batch[i], 1e-5, 0.9999)) << "frame " << i;
    }
}

TEST(DnnRetinaNet_Model, setters_change_the_in_graph_decoder)
{
    RetinaNetDetectionModel model(tinyModel(), tinyConfig());
    Mat frame = syntheticFrame(Size(320, 256), 8);
    std::vector<Detection> all, few, strict;
    model.detect(frame, all);
    ASSERT_GT(all.size(), 3u);
    model.setMaxDetections(3);
    model.detect(frame, few);
    EXPECT_EQ(few.size(), 3u);
    model.setMaxDetections(300).setScoreThreshold(0.5f);
    model.detect(frame, strict);
    for (const Detection& d : strict) EXPECT_GT(d.score, 0.5f);
    EXPECT_LE(strict.size(), all.size());
    EXPECT_CV_ERROR(model.setScoreThreshold(2.f), "score threshold");
}

// ------------------------------------------------------------------ one source of model state
// The model owns one config: getConfig() is it, every setter changes it, and every entry point
// (this class' detect(), the inherited DetectionModel::detect(), Net::forward()) runs with it.

//! The tiny config with a uniform std, which the inherited detect() can apply exactly.
RetinaNetConfig uniformStdConfig()
{
    RetinaNetConfig c = RetinaNetConfig::load(tinyConfig());
    c.preprocess.std = Scalar::all(0.226);
    return c;
}

::testing::AssertionResult sameRects(const std::vector<int>& aIds, const std::vector<float>& aConf, const std::vector<Rect>& a,
                                     const std::vector<int>& bIds, const std::vector<float>& bConf, const std::vector<Rect>& b)
{
    if (aIds.size() != bIds.size())
        return ::testing::AssertionFailure() << aIds.size() << " vs " << bIds.size() << " detections";
    for (size_t i = 0; i < aIds.size(); i++)
        if (aIds[i] != bIds[i] || std::abs(aConf[i] - bConf[i]) > 1e-4 || std::abs(a[i].x - b[i].x) > 1 ||
            std::abs(a[i].y - b[i].y) > 1 || std::abs(a[i].width - b[i].width) > 1 || std::abs(a[i].height - b[i].height) > 1)
            return ::testing::AssertionFailure() << "detection #" << i << ": class " << aIds[i] << " " << aConf[i] << " "
                                                 << a[i] << " vs class " << bIds[i] << " " << bConf[i] << " " << b[i];
    return ::testing::AssertionSuccess();
}

TEST(DnnRetinaNet_Model, getConfig_is_the_config_the_setters_change)
{
    const RetinaNetConfig file = RetinaNetConfig::load(tinyConfig());
    RetinaNetDetectionModel model(tinyModel(), file);
    EXPECT_EQ(model.getConfig().name, file.name);
    EXPECT_EQ(model.getConfig().preprocess.resize, RESIZE_KEEP_RATIO);

    model.setScoreThreshold(0.3f).setNmsThreshold(0.4f).setTopK(200).setMaxDetections(50).setClassAgnosticNms(true);
    model.setInputResize(RESIZE_FIXED, Size(384, 320));
    const RetinaNetConfig& c = model.getConfig();
    EXPECT_EQ(c.selection.scoreThreshold, 0.3f);
    EXPECT_EQ(c.selection.nmsThreshold, 0.4f);
    EXPECT_EQ(c.selection.topkPerLevel, 200);
    EXPECT_EQ(c.selection.maxDetections, 50);
    EXPECT_TRUE(c.selection.classAgnosticNms);
    EXPECT_EQ(c.preprocess.resize, RESIZE_FIXED);
    EXPECT_EQ(c.preprocess.inputSize, Size(384, 320));
    EXPECT_EQ(c.preprocess.minSize, file.preprocess.minSize) << "a zero minSize keeps the config's";
    model.setInputResize(RESIZE_KEEP_RATIO, Size(), 320, 640);
    EXPECT_EQ(model.getConfig().preprocess.resize, RESIZE_KEEP_RATIO);
    EXPECT_EQ(model.getConfig().preprocess.minSize, 320);
    EXPECT_EQ(model.getConfig().preprocess.maxSize, 640);
    EXPECT_EQ(model.getConfig().preprocess.inputSize, Size(384, 320)) << "a zero size keeps the config's";

    // A rejected value changes nothing.
    EXPECT_CV_ERROR(model.setScoreThreshold(1.5f), "score threshold");
    EXPECT_CV_ERROR(model.setNmsThreshold(0.f), "NMS threshold");
    EXPECT_CV_ERROR(model.setTopK(INT_MAX), "top-k");
    EXPECT_CV_ERROR(model.setMaxDetections(0), "max detections");
    EXPECT_CV_ERROR(model.setInputResize(RESIZE_LETTERBOX, Size(-1, 10)), "input_size");
    EXPECT_EQ(model.getConfig().selection.scoreThreshold, 0.3f);
    EXPECT_EQ(model.getConfig().selection.nmsThreshold, 0.4f);
    EXPECT_EQ(model.getConfig().selection.topkPerLevel, 200);
    EXPECT_EQ(model.getConfig().selection.maxDetections, 50);
    EXPECT_EQ(model.getConfig().preprocess.resize, RESIZE_KEEP_RATIO);

    // Copies share the one config.
    RetinaNetDetectionModel copy = model;
    copy.setScoreThreshold(0.25f);
    EXPECT_EQ(model.getConfig().selection.scoreThreshold, 0.25f);

    // The full current config: a model built from it detects exactly what the changed model does.
    RetinaNetDetectionModel rebuilt(tinyModel(), model.getConfig());
    const Mat frame = syntheticFrame(Size(400, 300), 21);
    std::vector<Detection> a, b;
    model.detect(frame, a);
    rebuilt.detect(frame, b);
    EXPECT_EQ(model.getLastLetterbox().inputSize, rebuilt.getLastLetterbox().inputSize);
    EXPECT_TRUE(sameDetections(a, b, 0, 1.0));
}

TEST(DnnRetinaNet_Model, getConfig_has_the_users_output_names)
{
    // The decode layer binds its inputs by internal names; the model's config keeps the user's,
    // here none at all (the heads are then told apart by their shapes).
    RetinaNetConfig c = RetinaNetConfig::load(tinyConfig());
    c.outputs.clsNames.clear();
    c.outputs.boxNames.clear();
    c.classNames.clear();
    RetinaNetDetectionModel model(tinyModel(), c);
    EXPECT_TRUE(model.getConfig().outputs.clsNames.empty());
    EXPECT_TRUE(model.getConfig().outputs.boxNames.empty());
    ASSERT_EQ(model.getClassNames().size(), 5u) << "class names are filled in";
    EXPECT_EQ(model.getConfig().classNames, model.getClassNames());
    EXPECT_EQ(model.getClassNames()[4], "class_4");
    model.setScoreThreshold(0.2f);
    EXPECT_TRUE(model.getConfig().outputs.clsNames.empty()) << "after a setter too";

    RetinaNetDetectionModel named(tinyModel(), tinyConfig());
    EXPECT_EQ(named.getConfig().outputs.clsNames, RetinaNetConfig::load(tinyConfig()).outputs.clsNames);
    std::vector<Detection> a, b;
    const Mat frame = syntheticFrame(Size(320, 256), 22);
    model.setScoreThreshold(0.05f);
    model.detect(frame, a);
    named.detect(frame, b);
    EXPECT_TRUE(sameDetections(a, b, 0, 1.0));
}

TEST(DnnRetinaNet_Model, setInputResize_reaches_both_detect_paths)
{
    // The frame is at the new fixed size, so both paths see it unresized: the inherited detect()
    // agrees with this class' only if it uses the new size (it stretched to 320x256 before).
    RetinaNetDetectionModel model(tinyModel(), uniformStdConfig());
    const Mat frame = syntheticFrame(Size(384, 320), 23);
    model.setInputResize(RESIZE_FIXED, Size(384, 320));

    std::vector<int> ids, bids; std::vector<float> conf, bconf; std::vector<Rect> boxes, bboxes;
    model.detect(frame, ids, conf, boxes, 0.05f, 0.f);
    EXPECT_EQ(model.getLastLetterbox().inputSize, Size(384, 320));
    ASSERT_GT(ids.size(), 0u);
    dnn::DetectionModel& base = model;
    base.detect(frame, bids, bconf, bboxes, 0.05f, 0.f);
    EXPECT_TRUE(sameRects(ids, conf, boxes, bids, bconf, bboxes));

    // Letterbox to the frame's own size: again no resize on either path.
    model.setInputResize(RESIZE_LETTERBOX, Size(384, 320));
    model.detect(frame, ids, conf, boxes, 0.05f, 0.f);
    EXPECT_EQ(model.getLastLetterbox().inputSize, Size(384, 320));
    base.detect(frame, bids, bconf, bboxes, 0.05f, 0.f);
    EXPECT_TRUE(sameRects(ids, conf, boxes, bids, bconf, bboxes));
}

TEST(DnnRetinaNet_Model, selection_setters_reach_both_detect_paths)
{
    RetinaNetDetectionModel model(tinyModel(), uniformStdConfig());
    const Mat frame = syntheticFrame(Size(320, 256), 24);
    dnn::DetectionModel& base = model;
    std::vector<int> ids, bids; std::vector<float> conf, bconf; std::vector<Rect> boxes, bboxes;
    base.detect(frame, bids, bconf, bboxes, 0.05f, 0.f);
    ASSERT_GT(bids.size(), 4u);

    model.setMaxDetections(4);
    base.detect(frame, bids, bconf, bboxes, 0.f, 0.f);
    model.detect(frame, ids, conf, boxes, 0.f, 0.f);
    EXPECT_EQ(bids.size(), 4u);
    EXPECT_TRUE(sameRects(ids, conf, boxes, bids, bconf, bboxes));

    model.setMaxDetections(300).setScoreThreshold(0.4f).setClassAgnosticNms(true).setNmsThreshold(0.3f);
    base.detect(frame, bids, bconf, bboxes, 0.f, 0.f);
    model.detect(frame, ids, conf, boxes, 0.f, 0.f);
    EXPECT_TRUE(sameRects(ids, conf, boxes, bids, bconf, bboxes));
    for (float s : bconf) EXPECT_GT(s, 0.4f);
}

TEST(DnnRetinaNet_Model, a_net_that_ends_in_the_decode_layer_takes_the_models_config)
{
    RetinaNetDetectionModel first(tinyModel(), tinyConfig());
    RetinaNetConfig c = RetinaNetConfig::load(tinyConfig());
    c.selection.scoreThreshold = 0.4f;
    c.selection.maxDetections = 5;
    RetinaNetDetectionModel second(first.getNetwork_(), c);
    EXPECT_EQ(second.getConfig().selection.scoreThreshold, 0.4f);
    std::vector<Detection> d;
    second.detect(syntheticFrame(Size(320, 256), 25), d);
    EXPECT_LE(d.size(), 5u);
    for (const Detection& x : d) EXPECT_GT(x.score, 0.4f);
}

TEST(DnnRetinaNet_Model, unlimited_max_detections_is_capped_by_the_layer_rows)
{
    // max_detections <= 0: the in-graph layer has 1000 rows per image; more detections than that
    // (threshold 0 keeps everything NMS leaves) must be cut to the best 1000, never overflow.
    RetinaNetConfig c = RetinaNetConfig::load(tinyConfig());
    c.selection.maxDetections = 0;
    c.selection.scoreThreshold = 0.f;
    const std::string path = ::testing::TempDir() + "/unlimited.yml";
    c.save(path);
    RetinaNetDetectionModel model(tinyModel(), path);
    std::vector<Detection> d;
    model.detect(syntheticFrame(Size(640, 512), 10), d);
    EXPECT_EQ(d.size(), 1000u);
    for (size_t i = 1; i < d.size(); i++) EXPECT_GE(d[i - 1].score, d[i].score);
}

TEST(DnnRetinaNet_DecodeLayer, never_writes_past_its_output_rows)
{
    // The layer's output is sized in getMemoryShapes; with max_detections <= 0 it has 1000 rows
    // per image while NMS may keep more. Guard memory after the output must stay untouched.
    RetinaNetConfig c = testConfig(3, LAYOUT_PER_LEVEL_NCHW);
    c.selection.maxDetections = 0;
    c.selection.scoreThreshold = 0.f;
    SyntheticHead h = makeHead(c, Size(512, 512), 1, 1.0, 31);
    std::vector<std::vector<Detection> > all;
    RetinaNetDecoder::create(c)->decode(h.outputs, h.names, h.inputSize, {}, all);
    ASSERT_GT(all[0].size(), 1000u) << "the case must exceed the layer's rows";

    dnn::LayerParams lp = RetinaNetDecodeLayer::makeParams(c, "decode");
    RetinaNetDecodeLayer layer(lp);
    std::vector<Mat> inputs;
    for (int l = 0; l < 5; l++) inputs.push_back(h.outputs[l]);      // scores, config order
    for (int l = 0; l < 5; l++) inputs.push_back(h.outputs[5 + l]);  // boxes
    inputs.push_back(Mat(std::vector<int>{1, 3, 512, 512}, CV_32F, Scalar(0)));
    std::vector<dnn::MatShape> inShapes, outShapes, internals;
    for (const Mat& m : inputs) inShapes.push_back(dnn::MatShape(m.size.p, m.size.p + m.dims));
    layer.getMemoryShapes(inShapes, 1, outShapes, internals);
    ASSERT_EQ(outShapes[0][2], 1000);
    const size_t n = (size_t)outShapes[0][2] * 7, guard = 4096;
    std::vector<float> memory(n + guard, 12345.f);
    std::vector<Mat> outputs(1, Mat(outShapes[0], CV_32F, memory.data()));
    std::vector<Mat> none;
    layer.forward(inputs, outputs, none);
    for (size_t i = n; i < n + guard; i++)
        ASSERT_EQ(memory[i], 12345.f) << "write past the output at " << i - n;
    EXPECT_EQ(memory[2], all[0][0].score);
    EXPECT_EQ(memory[(999) * 7 + 2], all[0][999].score) << "the best 1000 are kept";
}

TEST(DnnRetinaNet_Model, detectron_preset_gives_frame_space_boxes_for_any_scale)
{
    // The detectron preset clips and suppresses in frame pixels (clip_space: frame): detect() must
    // return what the decoder gives for the raw heads with the frame and Detectron1's im_scale (the
    // nominal resize factor, not the ratio of the rounded sizes). The tiny export ends at the
    // logits, so the preset's activation is switched back to sigmoid, as doc/config.md says.
    RetinaNetConfig c = RetinaNetConfig::preset("detectron");
    const RetinaNetConfig tiny = RetinaNetConfig::load(tinyConfig());
    c.numClasses = tiny.numClasses;
    c.outputs = tiny.outputs;
    c.scoring.activation = SCORE_SIGMOID;
    c.preprocess = tiny.preprocess; // keep_ratio 256 / 512, what the tiny model was made for,
    c.preprocess.resizeRule = RESIZE_RULE_DETECTRON; // with Detectron1's resize arithmetic
    const std::string path = ::testing::TempDir() + "/detectron_tiny.yml";
    c.save(path);
    RetinaNetDetectionModel model(tinyModel(), path);
    dnn::Net raw = dnn::readNet(tinyModel());
    const std::vector<std::string> names = raw.getUnconnectedOutLayersNames();
    RetinaNetConfig network = c;
    network.boxCoding.clipSpace = CLIP_SPACE_NETWORK;

    int differs = 0;
    for (const Size& fs : {Size(320, 256), Size(500, 375), Size(207, 413), Size(1100, 300)})
    {
        SCOPED_TRACE(format("frame %dx%d", fs.width, fs.height));
        Mat frame = syntheticFrame(fs, 11 + fs.width);
        std::vector<Detection> got;
        model.detect(frame, got);
        ASSERT_GT(got.size(), 0u);

        // Expected: the raw heads of the same blob, decoded with the frame and im_scale.
        Mat blob;
        LetterboxInfo info;
        blobFromFrame(frame, c.preprocess, blob, info);
        // Detectron1 prep_im_for_blob: im_scale = 256 / short side, or 512 / long side when
        // np.round(im_scale * long side) > 512
        const double shortSide = std::min(fs.width, fs.height), longSide = std::max(fs.width, fs.height);
        double s = 256.0 / shortSide;
        if (std::nearbyint(s * longSide) > 512)
            s = 512.0 / longSide;
        raw.setInput(blob);
        std::vector<Mat> outs;
        raw.forward(outs, names);
        const Size input(blob.size[3], blob.size[2]);
        std::vector<std::vector<Detection> > expected;
        RetinaNetDecoder::create(c)->decode(outs, names, input, {info.imageSize}, {FrameInfo(fs, s, s)}, expected);
        EXPECT_TRUE(sameDetections(expected[0], got, 1e-6, 0.99999));
        ASSERT_EQ(expected[0].size(), got.size());
        for (size_t i = 0; i < got.size(); i++)
        {
            EXPECT_LE(cv::norm(got[i].box - expected[0][i].box, NORM_INF), 1e-3) << i;
            // clip_tiled_boxes: [0, W - 1] x [0, H - 1] of the frame
            EXPECT_GE(got[i].box[0], 0.f);
            EXPECT_LE(got[i].box[2], fs.width - 1.f);
            EXPECT_LE(got[i].box[3], fs.height - 1.f);
        }

        // Clipping and suppressing in network pixels, then mapping to the frame, is not the same.
        std::vector<std::vector<Detection> > old;
        RetinaNetDecoder::create(network)->decode(outs, names, input, {info.imageSize}, old);
        bool same = old[0].size() == got.size();
        for (size_t i = 0; same && i < got.size(); i++)
        {
            const Vec4f mapped(old[0][i].box[0] * fs.width / info.imageSize.width,
                               old[0][i].box[1] * fs.height / info.imageSize.height,
                               old[0][i].box[2] * fs.width / info.imageSize.width,
                               old[0][i].box[3] * fs.height / info.imageSize.height);
            same = cv::norm(mapped - got[i].box, NORM_INF) <= 1e-3;
        }
        differs += same ? 0 : 1;
    }
    EXPECT_GE(differs, 3) << "every frame that is resized gives other boxes in frame space";

    // A batch equals the single calls: two frames of different sizes and scales that resize to the
    // same 341x256 image (so the padded input, hence the heads, are the same as alone).
    std::vector<Mat> frames = {syntheticFrame(Size(500, 375), 21), syntheticFrame(Size(400, 300), 22)};
    std::vector<std::vector<Detection> > batch;
    model.detectBatch(frames, batch);
    for (int i = 0; i < 2; i++)
    {
        std::vector<Detection> single;
        model.detect(frames[i], single);
        EXPECT_TRUE(sameDetections(single, batch[i], 1e-5, 0.9999)) << "frame " << i;
    }
}

TEST(DnnRetinaNet_DecodeLayer, frame_space_rows_are_normalised_by_the_frame)
{
    // clip_space: frame with frames set: the boxes are frame pixels, the rows divide them by the
    // frame size, so row * frame size is the frame box as in network space.
    RetinaNetConfig c = exactBoxConfig(1);
    c.boxCoding.clipSpace = CLIP_SPACE_FRAME;
    SyntheticHead h = exactBoxHead(1, {{3, 3, 0, 0.9f, Vec4f(10, 12, 30, 36)}});
    RetinaNetDecodeLayer layer(RetinaNetDecodeLayer::makeParams(c, "decode"));
    std::vector<Mat> inputs = {h.outputs[0], h.outputs[1], Mat(std::vector<int>{1, 3, 64, 64}, CV_32F, Scalar(0))};
    std::vector<dnn::MatShape> inShapes, outShapes, internals;
    for (const Mat& m : inputs) inShapes.push_back(dnn::MatShape(m.size.p, m.size.p + m.dims));
    layer.getMemoryShapes(inShapes, 1, outShapes, internals);
    std::vector<Mat> outputs(1, Mat(outShapes[0], CV_32F)), none;

    layer.setNextImageSizes({Size(64, 48)});
    layer.setNextFrames({FrameInfo(Size(32, 24), 2.0, 2.0)});
    layer.forward(inputs, outputs, none);
    const float* r = outputs[0].ptr<float>();
    EXPECT_EQ(Vec4f(r[3], r[4], r[5], r[6]), Vec4f(5.f / 32, 6.f / 24, 15.f / 32, 18.f / 24));
    ASSERT_EQ(layer.lastDetections().size(), 1u);
    ASSERT_EQ(layer.lastDetections()[0].size(), 1u);
    EXPECT_EQ(layer.lastDetections()[0][0].box, Vec4f(5, 6, 15, 18)) << "the frame box, exactly";

    // The frames hold for one forward: then the frame is the image again, scale 1.
    layer.setNextImageSizes({Size(64, 48)});
    layer.forward(inputs, outputs, none);
    EXPECT_EQ(Vec4f(r[3], r[4], r[5], r[6]), Vec4f(10.f / 64, 12.f / 48, 30.f / 64, 36.f / 48));
    EXPECT_EQ(layer.lastDetections()[0][0].box, Vec4f(10, 12, 30, 36));

    layer.setNextFrames({FrameInfo(Size(32, 24), 2.0, 2.0), FrameInfo(Size(32, 24), 2.0, 2.0)});
    EXPECT_CV_ERROR(layer.forward(inputs, outputs, none), "2 frames set for a batch of 1");
}

TEST(DnnRetinaNet_Model, cuda_request_without_cuda_runs_on_cpu)
{
    RetinaNetDetectionModel model(tinyModel(), tinyConfig());
    model.setPreferableBackend(dnn::DNN_BACKEND_CUDA);
    model.setPreferableTarget(dnn::DNN_TARGET_CUDA);
    if (!dnn::getAvailableTargets(dnn::DNN_BACKEND_CUDA).empty())
        GTEST_SKIP() << "this OpenCV has CUDA: covered by the CUDA tests";
    EXPECT_EQ(model.getBackend(), dnn::DNN_BACKEND_OPENCV);
    EXPECT_EQ(model.getTarget(), dnn::DNN_TARGET_CPU);
    std::vector<Detection> d;
    EXPECT_NO_THROW(model.detect(syntheticFrame(Size(320, 256), 9), d));
    EXPECT_GT(d.size(), 0u);
}

TEST(DnnRetinaNet_Model, bad_input_is_named)
{
    EXPECT_CV_ERROR(RetinaNetDetectionModel("/nonexistent/model.onnx", tinyConfig()), "model file not found");
    const std::string corrupt = ::testing::TempDir() + "/corrupt.onnx";
    std::ofstream(corrupt.c_str()) << "this is not a protobuf";
    EXPECT_CV_ERROR(RetinaNetDetectionModel(corrupt, tinyConfig()), "cannot read model");
    // torchvision preset: K = 91, the tiny model has K = 5 (9*5 = 45 channels)
    RetinaNetConfig tv = RetinaNetConfig::preset("torchvision");
    tv.outputs = RetinaNetConfig::load(tinyConfig()).outputs;
    EXPECT_CV_ERROR(RetinaNetDetectionModel(dnn::readNet(tinyModel()), tv), "expected A*K = 9*91 = 819");
    RetinaNetConfig names = RetinaNetConfig::load(tinyConfig());
    names.outputs.clsNames[2] = "logits_p5";
    EXPECT_CV_ERROR(RetinaNetDetectionModel(dnn::readNet(tinyModel()), names), "output 'logits_p5'");
    EXPECT_CV_ERROR(RetinaNetDetectionModel(tinyModel(), "no_such_preset"), "unknown preset");

    RetinaNetDetectionModel model(tinyModel(), tinyConfig());
    std::vector<Detection> d;
    EXPECT_CV_ERROR(model.detect(Mat(), d), "empty frame");
    EXPECT_CV_ERROR(model.detect(Mat(100, 100, CV_64FC3, Scalar::all(0.5)), d), "unsupported frame depth");
    EXPECT_CV_ERROR(model.detect(Mat(100, 100, CV_8UC2, Scalar::all(1)), d), "1, 3 or 4 channels");
    Mat nan(64, 64, CV_32FC3, Scalar::all(std::numeric_limits<float>::quiet_NaN()));
    EXPECT_CV_ERROR(model.detect(nan, d), "NaN or Inf");
    model.setInputResize(RESIZE_NONE);
    EXPECT_CV_ERROR(model.detect(Mat(9000, 9000, CV_8UC3, Scalar::all(1)), d), "too large");
    EXPECT_CV_ERROR(model.setInputResize(RESIZE_LETTERBOX, Size(-1, 10)), "input_size");
}

}} // namespace
