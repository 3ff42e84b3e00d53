// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The GStreamer plugin (gst/): retinanetdetect, retinanetoverlay, retinanetjson, loaded from the
// build tree (GST_PLUGIN_PATH=<build>/gst), driven by real pipelines and by GstHarness.
//  - the committed clip decoded by GStreamer: the ROI metas of every buffer and the JSON lines
//    equal RetinaNetDetectionModel::detect() on the same decoded pixels, bit for bit;
//  - every caps format: packed RGB orders give exactly the BGR detections; YUV formats and GRAY8
//    give exactly detect() on what videoconvert makes of the frame, and YUV the BGR boxes within
//    the effect of 4:2:0 / 4:2:2 chroma subsampling (matched by class and IoU);
//  - interval > 1 carries the metas; flush, EOS, a new stream and a seek leave nothing carried;
//  - a missing model / a config that does not match the model fail the state change with the
//    library's cv::Exception text;
//  - the overlay draws the class colours in every channel order; 10,000 buffers keep RSS flat.
// ROI metas are read here as any consumer would (the "detection" structure), not with the
// plugin's own helpers.

#include <gtest/gtest.h>

#include <gst/app/gstappsink.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <opencv2/dnn_retinanet.hpp>
#include <opencv2/core/utils/filesystem.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>
#include "detection_match.hpp"

using namespace cv;
using namespace cv::dnn_retinanet;

namespace {

const std::string kRoot = DNN_RETINANET_SOURCE_DIR;
const std::string kVideo = kRoot + "/data/video/synth_test.avi";
const std::string kModel = kRoot + "/data/models/synth_retinanet/model.onnx";
const std::string kConfig = kRoot + "/data/models/synth_retinanet/config.yml";
const std::string kTinyModel = kRoot + "/data/models/tiny_torchvision/model.onnx";
const std::string kTinyConfig = kRoot + "/data/models/tiny_torchvision/config.yml";

std::string detectProps(const std::string& extra = "")
{
    return "retinanetdetect model=\"" + kModel + "\" config=\"" + kConfig + "\"" + (extra.empty() ? "" : " " + extra);
}

//! Skips the test when a GStreamer element it needs is not installed.
#define REQUIRE_ELEMENTS(...)                                                                          \
    do {                                                                                               \
        for (const char* e_ : {__VA_ARGS__})                                                           \
        {                                                                                              \
            GstElementFactory* f_ = gst_element_factory_find(e_);                                      \
            if (!f_) GTEST_SKIP() << "GStreamer element '" << e_ << "' is not installed";              \
            gst_object_unref(f_);                                                                      \
        }                                                                                              \
    } while (0)

// ------------------------------------------------------------------------------ frames, metas
struct Frame
{
    Mat bgr;
    GstClockTime pts = GST_CLOCK_TIME_NONE;
    std::vector<Detection> dets;    // from the buffer's ROI metas
};

//! A copy of the frame of a BGR buffer (any stride).
Mat matFromBuffer(GstBuffer* buf, const GstVideoInfo& info)
{
    GstVideoFrame vf;
    CV_Assert(gst_video_frame_map(&vf, const_cast<GstVideoInfo*>(&info), buf, GST_MAP_READ));
    CV_Assert(GST_VIDEO_FRAME_FORMAT(&vf) == GST_VIDEO_FORMAT_BGR);
    Mat m = Mat(GST_VIDEO_FRAME_HEIGHT(&vf), GST_VIDEO_FRAME_WIDTH(&vf), CV_8UC3, GST_VIDEO_FRAME_PLANE_DATA(&vf, 0),
                (size_t)GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 0)).clone();
    gst_video_frame_unmap(&vf);
    return m;
}

//! A BGR buffer of @p m (GStreamer's default stride), with timestamps.
GstBuffer* bufferFromMat(const Mat& m, GstClockTime pts, GstClockTime duration)
{
    GstVideoInfo info;
    gst_video_info_set_format(&info, GST_VIDEO_FORMAT_BGR, m.cols, m.rows);
    GstBuffer* buf = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(&info), NULL);
    GstVideoFrame vf;
    CV_Assert(gst_video_frame_map(&vf, &info, buf, GST_MAP_WRITE));
    m.copyTo(Mat(m.rows, m.cols, CV_8UC3, GST_VIDEO_FRAME_PLANE_DATA(&vf, 0), (size_t)GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 0)));
    gst_video_frame_unmap(&vf);
    GST_BUFFER_PTS(buf) = pts;
    GST_BUFFER_DURATION(buf) = duration;
    return buf;
}

std::string bgrCaps(const Mat& m)
{
    return format("video/x-raw,format=BGR,width=%d,height=%d,framerate=15/1", m.cols, m.rows);
}

/** The detections of a buffer's ROI metas, checking what every consumer relies on: a "detection"
 *  structure with label_id, label, confidence and the normalised box, roi_type = label, and the
 *  meta's rectangle = the rounded box. */
std::vector<Detection> detectionsOf(GstBuffer* buf, int width, int height, std::vector<std::string>* labels = nullptr)
{
    std::vector<Detection> dets;
    gpointer state = nullptr;
    GstMeta* m;
    while ((m = gst_buffer_iterate_meta_filtered(buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)))
    {
        GstVideoRegionOfInterestMeta* roi = (GstVideoRegionOfInterestMeta*)m;
        GstStructure* s = gst_video_region_of_interest_meta_get_param(roi, "detection");
        EXPECT_TRUE(s != nullptr) << "ROI meta without a 'detection' structure";
        if (!s) continue;
        gint id = -1;
        gdouble conf = -1, x1 = 0, y1 = 0, x2 = 0, y2 = 0;
        EXPECT_TRUE(gst_structure_get_int(s, "label_id", &id));
        EXPECT_TRUE(gst_structure_get_double(s, "confidence", &conf));
        EXPECT_TRUE(gst_structure_get_double(s, "x_min", &x1) && gst_structure_get_double(s, "y_min", &y1) &&
                    gst_structure_get_double(s, "x_max", &x2) && gst_structure_get_double(s, "y_max", &y2));
        const gchar* label = gst_structure_get_string(s, "label");
        EXPECT_TRUE(label != nullptr);
        EXPECT_STREQ(g_quark_to_string(roi->roi_type), label ? label : "");
        for (double v : {x1, y1, x2, y2}) EXPECT_TRUE(v >= 0.0 && v <= 1.0) << v;
        Detection d;
        d.classId = id;
        d.score = (float)conf;
        d.box = Vec4f((float)(x1 * width), (float)(y1 * height), (float)(x2 * width), (float)(y2 * height));
        EXPECT_EQ((long)roi->x, std::lround(d.box[0]));
        EXPECT_EQ((long)roi->y, std::lround(d.box[1]));
        EXPECT_EQ((long)(roi->x + roi->w), std::lround(d.box[2]));
        EXPECT_EQ((long)(roi->y + roi->h), std::lround(d.box[3]));
        dets.push_back(d);
        if (labels) labels->push_back(label ? label : "");
    }
    return dets;
}

//! Equal, detection by detection (same order, same class, bit-identical score and box).
std::string sameDetections(const std::vector<Detection>& ref, const std::vector<Detection>& got)
{
    if (ref.size() != got.size())
        return format("%d detections expected, %d found", (int)ref.size(), (int)got.size());
    for (size_t i = 0; i < ref.size(); i++)
        if (ref[i].classId != got[i].classId || ref[i].score != got[i].score || ref[i].box != got[i].box)
            return format("detection %d: expected class %d score %.9g box [%.9g %.9g %.9g %.9g], got class %d score "
                          "%.9g box [%.9g %.9g %.9g %.9g]", (int)i, ref[i].classId, ref[i].score, ref[i].box[0],
                          ref[i].box[1], ref[i].box[2], ref[i].box[3], got[i].classId, got[i].score, got[i].box[0],
                          got[i].box[1], got[i].box[2], got[i].box[3]);
    return std::string();
}

/** Detections of @p ref with score >= @p minScore that have a partner in @p got: same class,
 *  IoU >= @p minIoU, |dscore| <= @p scoreTol (each partner used once; test/detection_match.hpp). */
int matched(const std::vector<Detection>& ref, const std::vector<Detection>& got, float minScore, double minIoU,
            float scoreTol, int* considered)
{
    const dnn_retinanet_test::MatchResult m = dnn_retinanet_test::matchDetections(ref, got, scoreTol, minIoU, minScore);
    if (considered) *considered = m.considered;
    return m.matched;
}

// ------------------------------------------------------------------------------ pipelines
struct Pipeline
{
    explicit Pipeline(const std::string& desc)
    {
        GError* err = nullptr;
        pipe = gst_parse_launch(desc.c_str(), &err);
        if (err)
        {
            ADD_FAILURE() << "gst_parse_launch: " << err->message << "\n" << desc;
            g_error_free(err);
        }
    }
    ~Pipeline()
    {
        if (pipe)
        {
            gst_element_set_state(pipe, GST_STATE_NULL);
            gst_object_unref(pipe);
        }
    }
    GstElement* get(const char* name) const { return gst_bin_get_by_name(GST_BIN(pipe), name); }
    //! The first ERROR message on the bus ("" if none within @p timeout).
    std::string error(GstClockTime timeout = 5 * GST_SECOND, std::string* source = nullptr) const
    {
        GstBus* bus = gst_element_get_bus(pipe);
        GstMessage* msg = gst_bus_timed_pop_filtered(bus, timeout, GST_MESSAGE_ERROR);
        gst_object_unref(bus);
        if (!msg) return std::string();
        GError* err = nullptr;
        gchar* dbg = nullptr;
        gst_message_parse_error(msg, &err, &dbg);
        std::string text = err ? err->message : "";
        if (source) *source = GST_OBJECT_NAME(GST_MESSAGE_SRC(msg));
        if (err) g_error_free(err);
        g_free(dbg);
        gst_message_unref(msg);
        return text;
    }
    GstElement* pipe = nullptr;
};

//! Pulls every sample of the appsink "sink" until EOS: BGR frames, their timestamps and metas.
std::vector<Frame> pullAll(const Pipeline& p, int maxFrames = -1)
{
    std::vector<Frame> frames;
    GstElement* sink = p.get("sink");
    CV_Assert(sink);
    while (maxFrames < 0 || (int)frames.size() < maxFrames)
    {
        GstSample* s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 120 * GST_SECOND);
        if (!s) break;
        GstVideoInfo info;
        CV_Assert(gst_video_info_from_caps(&info, gst_sample_get_caps(s)));
        GstBuffer* buf = gst_sample_get_buffer(s);
        Frame f;
        f.bgr = matFromBuffer(buf, info);
        f.pts = GST_BUFFER_PTS(buf);
        f.dets = detectionsOf(buf, info.width, info.height);
        frames.push_back(f);
        gst_sample_unref(s);
    }
    gst_object_unref(sink);
    return frames;
}

const char* kDecode = "filesrc location=\"%s\" ! decodebin ! videoconvert ! video/x-raw,format=BGR ! ";

//! The committed clip as GStreamer decodes it (BGR) and detect() on each frame (computed once).
struct Clip
{
    std::vector<Frame> frames;        // dets: RetinaNetDetectionModel::detect()
};

const Clip& clip()
{
    static const Clip c = [] {
        Clip r;
        Pipeline p(format(kDecode, kVideo.c_str()) + "appsink name=sink sync=false");
        CV_Assert(gst_element_set_state(p.pipe, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
        r.frames = pullAll(p);
        RetinaNetDetectionModel model(kModel, kConfig);
        for (Frame& f : r.frames) model.detect(f.bgr, f.dets);
        return r;
    }();
    return c;
}

//! Pushes @p frames (BGR) through a harness and returns the output buffers' detections.
std::vector<std::vector<Detection> > runHarness(GstHarness* h, const std::vector<Mat>& frames, int* width = nullptr)
{
    std::vector<std::vector<Detection> > out;
    for (size_t i = 0; i < frames.size(); i++)
    {
        const GstClockTime dur = GST_SECOND / 15;
        EXPECT_EQ(gst_harness_push(h, bufferFromMat(frames[i], i * dur, dur)), GST_FLOW_OK);
        GstBuffer* o = gst_harness_pull(h);
        EXPECT_TRUE(o != nullptr);
        if (!o) break;
        out.push_back(detectionsOf(o, frames[i].cols, frames[i].rows));
        gst_buffer_unref(o);
    }
    if (width) *width = frames.empty() ? 0 : frames[0].cols;
    return out;
}

std::vector<Mat> firstFrames(int n)
{
    std::vector<Mat> v;
    for (int i = 0; i < n && i < (int)clip().frames.size(); i++) v.push_back(clip().frames[i].bgr);
    return v;
}

long rssKb()
{
    std::ifstream f("/proc/self/statm");
    long size = 0, resident = 0;
    f >> size >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

struct TempFile
{
    TempFile()
    {
        std::string tmpl = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/retinanet_gst_XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        const int fd = mkstemp(buf.data());
        CV_Assert(fd >= 0);
        close(fd);
        path = buf.data();
    }
    ~TempFile() { std::remove(path.c_str()); }
    std::string path;
};

} // namespace

// ==================================================================================== plugin
TEST(GstPlugin, ElementsAndProperties)
{
    for (const char* name : {"retinanetdetect", "retinanetoverlay", "retinanetjson"})
    {
        GstElement* e = gst_element_factory_make(name, nullptr);
        ASSERT_TRUE(e != nullptr) << name << " not found: is GST_PLUGIN_PATH the build's gst/ folder?";
        gst_object_unref(e);
    }
    GstElement* d = gst_element_factory_make("retinanetdetect", nullptr);
    gfloat score = 0, nms = 0;
    guint interval = 0;
    gchar* model = nullptr;
    g_object_get(d, "score-threshold", &score, "nms-threshold", &nms, "interval", &interval, "model", &model, nullptr);
    EXPECT_EQ(score, -1.f);
    EXPECT_EQ(nms, -1.f);
    EXPECT_EQ(interval, 1u);
    EXPECT_EQ(model, nullptr);
    gst_util_set_object_arg(G_OBJECT(d), "backend", "cuda");
    gst_util_set_object_arg(G_OBJECT(d), "target", "cuda-fp16");
    gint backend = -1, target = -1;
    g_object_get(d, "backend", &backend, "target", &target, nullptr);
    EXPECT_EQ(backend, 1);
    EXPECT_EQ(target, 2);
    gst_object_unref(d);
}

// ==================================================================================== detect
TEST(GstDetect, ClipMetasAndJsonEqualModelDetectOnTheDecodedFrames)
{
    REQUIRE_ELEMENTS("filesrc", "decodebin", "avidemux", "jpegdec", "videoconvert", "appsink");
    const Clip& c = clip();
    ASSERT_EQ((int)c.frames.size(), 60);
    TempFile json;
    Pipeline p(format(kDecode, kVideo.c_str()) + detectProps("name=det") + " ! retinanetjson location=\"" + json.path +
               "\" ! appsink name=sink sync=false");
    ASSERT_NE(gst_element_set_state(p.pipe, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE) << p.error();
    const std::vector<Frame> got = pullAll(p);
    ASSERT_EQ(got.size(), c.frames.size()) << p.error(0);
    int nonEmpty = 0;
    for (size_t i = 0; i < got.size(); i++)
    {
        // the element leaves the pixels alone; its metas are detect() on exactly those pixels
        ASSERT_EQ(norm(got[i].bgr, c.frames[i].bgr, NORM_INF), 0.0) << "frame " << i;
        EXPECT_EQ(got[i].pts, c.frames[i].pts);
        EXPECT_EQ(sameDetections(c.frames[i].dets, got[i].dets), "") << "frame " << i;
        nonEmpty += !c.frames[i].dets.empty();
    }
    EXPECT_GT(nonEmpty, 50) << "the model detects almost nothing on the clip: the comparison proves little";
    GstElement* det = p.get("det");
    guint64 inferences = 0;
    g_object_get(det, "inferences", &inferences, nullptr);
    gst_object_unref(det);
    EXPECT_EQ(inferences, (guint64)c.frames.size());
    gst_element_set_state(p.pipe, GST_STATE_NULL);   // closes the JSON file

    // JSON lines: the sample's fields (frame, width, height, detections) + pts_ms, exact floats
    std::ifstream in(json.path.c_str());
    std::string line;
    size_t n = 0;
    const RetinaNetConfig cfg = RetinaNetConfig::load(kConfig);
    while (std::getline(in, line))
    {
        ASSERT_LT(n, c.frames.size());
        FileStorage fs(line, FileStorage::READ | FileStorage::MEMORY | FileStorage::FORMAT_JSON);
        ASSERT_TRUE(fs.isOpened()) << line;
        EXPECT_EQ((int)fs["frame"], (int)n);
        EXPECT_NEAR((double)fs["pts_ms"], c.frames[n].pts / 1e6, 1e-3);
        EXPECT_EQ((int)fs["width"], c.frames[n].bgr.cols);
        EXPECT_EQ((int)fs["height"], c.frames[n].bgr.rows);
        std::vector<Detection> dets;
        const FileNode arr = fs["detections"];
        for (FileNodeIterator it = arr.begin(); it != arr.end(); ++it)
        {
            Detection d;
            d.classId = (int)(*it)["class_id"];
            EXPECT_EQ((std::string)(*it)["class"], cfg.classNames.at(d.classId));
            d.score = (float)(double)(*it)["score"];
            const FileNode b = (*it)["box"];
            for (int k = 0; k < 4; k++) d.box[k] = (float)(double)b[k];
            dets.push_back(d);
        }
        EXPECT_EQ(sameDetections(c.frames[n].dets, dets), "") << "JSON line " << n;
        n++;
    }
    EXPECT_EQ(n, c.frames.size());
}

TEST(GstDetect, EveryCapsFormatGivesTheSameBoxes)
{
    REQUIRE_ELEMENTS("videoconvert");
    const std::vector<Mat> frames = firstFrames(3);
    ASSERT_EQ(frames.size(), 3u);
    RetinaNetDetectionModel model(kModel, kConfig);
    const char* packed[] = {"BGR", "RGB", "BGRx", "RGBx", "BGRA", "RGBA"};
    const char* yuv[] = {"I420", "YV12", "NV12", "NV21", "YUY2", "UYVY"};
    for (const char* fmt : packed)
    {
        SCOPED_TRACE(fmt);
        GstHarness* h = gst_harness_new_parse(
            (std::string("videoconvert ! video/x-raw,format=") + fmt + " ! " + detectProps()).c_str());
        gst_harness_set_src_caps_str(h, bgrCaps(frames[0]).c_str());
        const auto got = runHarness(h, frames);
        gst_harness_teardown(h);
        ASSERT_EQ(got.size(), frames.size());
        for (size_t i = 0; i < frames.size(); i++)
            EXPECT_EQ(sameDetections(clip().frames[i].dets, got[i]), "") << "frame " << i;
    }
    // YUV: 4:2:0 / 4:2:2 chroma subsampling and 8-bit YCbCr rounding change the pixels. The element
    // converts to BGR as videoconvert does (GstVideoConverter, the caps' colorimetry), so its
    // detections equal detect() on videoconvert's BGR -> YUV -> BGR round trip exactly; against the
    // original BGR frame the confident boxes (score >= 0.5) match by class and IoU >= 0.8.
    for (const char* fmt : yuv)
    {
        SCOPED_TRACE(fmt);
        const std::string toYuv = std::string("videoconvert ! video/x-raw,format=") + fmt;
        GstHarness* h = gst_harness_new_parse((toYuv + " ! " + detectProps()).c_str());
        gst_harness_set_src_caps_str(h, bgrCaps(frames[0]).c_str());
        const auto got = runHarness(h, frames);
        gst_harness_teardown(h);
        ASSERT_EQ(got.size(), frames.size());

        GstHarness* rt = gst_harness_new_parse((toYuv + " ! videoconvert ! capsfilter caps=video/x-raw,format=BGR").c_str());
        gst_harness_set_src_caps_str(rt, bgrCaps(frames[0]).c_str());
        GstVideoInfo info;
        gst_video_info_set_format(&info, GST_VIDEO_FORMAT_BGR, frames[0].cols, frames[0].rows);
        double meanDiff = 0;
        int considered = 0, found = 0;
        for (size_t i = 0; i < frames.size(); i++)
        {
            ASSERT_EQ(gst_harness_push(rt, bufferFromMat(frames[i], i * GST_SECOND / 15, GST_SECOND / 15)), GST_FLOW_OK);
            GstBuffer* o = gst_harness_pull(rt);
            const Mat roundTrip = matFromBuffer(o, info);
            gst_buffer_unref(o);
            std::vector<Detection> ref;
            model.detect(roundTrip, ref);
            EXPECT_EQ(sameDetections(ref, got[i]), "") << "frame " << i;
            meanDiff += norm(roundTrip, frames[i], NORM_L1) / roundTrip.total() / 3 / frames.size();
            int c = 0;
            found += matched(clip().frames[i].dets, got[i], 0.5f, 0.8, 0.1f, &c);
            considered += c;
        }
        gst_harness_teardown(rt);
        std::printf("[ format   ] %-5s mean |BGR - round trip| %.2f / 255, confident boxes found %d / %d\n", fmt,
                    meanDiff, found, considered);
        EXPECT_GE(considered, 20);
        EXPECT_GE(found, considered * 95 / 100);
    }
    // GRAY8: read in place as a 1-channel frame; the model's preprocessing replicates it into B, G
    // and R (cv::COLOR_GRAY2BGR). The detections equal detect() on videoconvert's GRAY8 frame
    // exactly. The colour is gone (videoconvert's luma), so against the BGR frame they are only
    // reported: a model trained on colour frames may score grey ones differently.
    {
        SCOPED_TRACE("GRAY8");
        const std::string toGray = "videoconvert ! capsfilter caps=video/x-raw,format=GRAY8";
        GstHarness* h = gst_harness_new_parse((toGray + " ! " + detectProps()).c_str());
        gst_harness_set_src_caps_str(h, bgrCaps(frames[0]).c_str());
        const auto got = runHarness(h, frames);
        gst_harness_teardown(h);
        ASSERT_EQ(got.size(), frames.size());

        GstHarness* g = gst_harness_new_parse(toGray.c_str());
        gst_harness_set_src_caps_str(g, bgrCaps(frames[0]).c_str());
        GstVideoInfo info;
        gst_video_info_set_format(&info, GST_VIDEO_FORMAT_GRAY8, frames[0].cols, frames[0].rows);
        int considered = 0, found = 0, total = 0;
        for (size_t i = 0; i < frames.size(); i++)
        {
            ASSERT_EQ(gst_harness_push(g, bufferFromMat(frames[i], i * GST_SECOND / 15, GST_SECOND / 15)), GST_FLOW_OK);
            GstBuffer* o = gst_harness_pull(g);
            ASSERT_TRUE(o != nullptr);
            GstVideoFrame vf;
            ASSERT_TRUE(gst_video_frame_map(&vf, &info, o, GST_MAP_READ));
            const Mat gray = Mat(GST_VIDEO_FRAME_HEIGHT(&vf), GST_VIDEO_FRAME_WIDTH(&vf), CV_8UC1,
                                 GST_VIDEO_FRAME_PLANE_DATA(&vf, 0), (size_t)GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 0)).clone();
            gst_video_frame_unmap(&vf);
            gst_buffer_unref(o);
            std::vector<Detection> ref;
            model.detect(gray, ref);
            EXPECT_EQ(sameDetections(ref, got[i]), "") << "frame " << i;
            total += (int)got[i].size();
            int c = 0;
            found += matched(clip().frames[i].dets, got[i], 0.5f, 0.8, 0.1f, &c);
            considered += c;
        }
        gst_harness_teardown(g);
        std::printf("[ format   ] GRAY8 %d detections in %d frames; confident BGR boxes found in grey (same class, "
                    "IoU >= 0.8, |dscore| <= 0.1) %d / %d\n", total, (int)frames.size(), found, considered);
        EXPECT_GT(total, 0) << "no detection on the grey frames: the comparison proves little";
    }
}

TEST(GstDetect, IntervalCarriesTheLastInferencesMetas)
{
    const std::vector<Mat> frames = firstFrames(7);
    GstHarness* h = gst_harness_new_parse(detectProps("interval=3").c_str());
    gst_harness_set_src_caps_str(h, bgrCaps(frames[0]).c_str());
    const auto got = runHarness(h, frames);
    guint64 inferences = 0;
    GstElement* det = gst_harness_find_element(h, "retinanetdetect");
    g_object_get(det, "inferences", &inferences, nullptr);
    gst_object_unref(det);
    gst_harness_teardown(h);
    ASSERT_EQ(got.size(), 7u);
    EXPECT_EQ(inferences, 3u);
    for (int i = 0; i < 7; i++)
        EXPECT_EQ(sameDetections(clip().frames[i / 3 * 3].dets, got[i]), "") << "frame " << i;
    // the carried frames would differ if they had been inferred (the objects move)
    EXPECT_NE(sameDetections(clip().frames[1].dets, clip().frames[0].dets), "");
    EXPECT_NE(sameDetections(clip().frames[4].dets, clip().frames[3].dets), "");
}

TEST(GstDetect, FlushEosAndNewStreamLeaveNothingCarried)
{
    const std::vector<Mat> frames = firstFrames(6);
    GstHarness* h = gst_harness_new_parse(detectProps("interval=1000").c_str());
    gst_harness_set_src_caps_str(h, bgrCaps(frames[0]).c_str());
    auto pushPull = [&](int i) {
        EXPECT_EQ(gst_harness_push(h, bufferFromMat(frames[i], i * GST_SECOND / 15, GST_SECOND / 15)), GST_FLOW_OK);
        GstBuffer* o = gst_harness_pull(h);
        std::vector<Detection> d = detectionsOf(o, frames[i].cols, frames[i].rows);
        gst_buffer_unref(o);
        return d;
    };
    auto segment = [&] {
        GstSegment seg;
        gst_segment_init(&seg, GST_FORMAT_TIME);
        EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_segment(&seg)));
    };
    EXPECT_EQ(sameDetections(clip().frames[0].dets, pushPull(0)), "");
    EXPECT_EQ(sameDetections(clip().frames[0].dets, pushPull(1)), "") << "interval 1000: frame 1 carries frame 0";
    // flush (what a flushing seek sends): the next buffer is inferred
    EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_flush_start()));
    EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_flush_stop(TRUE)));
    segment();
    EXPECT_EQ(sameDetections(clip().frames[2].dets, pushPull(2)), "") << "after a flush";
    EXPECT_EQ(sameDetections(clip().frames[2].dets, pushPull(3)), "");
    // EOS, then a new stream on the same element (stream-start clears the EOS)
    EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_eos()));
    EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_stream_start("second")));
    segment();
    EXPECT_EQ(sameDetections(clip().frames[4].dets, pushPull(4)), "") << "after EOS and a new stream";
    EXPECT_EQ(sameDetections(clip().frames[4].dets, pushPull(5)), "");
    // new caps (another frame size): nothing carried from the old size
    Mat small;
    resize(frames[5], small, Size(160, 128), 0, 0, INTER_AREA);
    gst_harness_set_src_caps_str(h, bgrCaps(small).c_str());
    ASSERT_EQ(gst_harness_push(h, bufferFromMat(small, 6 * GST_SECOND / 15, GST_SECOND / 15)), GST_FLOW_OK);
    GstBuffer* o = gst_harness_pull(h);
    std::vector<Detection> ref;
    RetinaNetDetectionModel(kModel, kConfig).detect(small, ref);
    EXPECT_EQ(sameDetections(ref, detectionsOf(o, small.cols, small.rows)), "") << "after new caps";
    gst_buffer_unref(o);
    gst_harness_teardown(h);
}

TEST(GstDetect, SeekInfersTheFirstFrameAfterTheSeek)
{
    REQUIRE_ELEMENTS("filesrc", "decodebin", "avidemux", "jpegdec", "videoconvert", "appsink");
    Pipeline p(format(kDecode, kVideo.c_str()) + detectProps("interval=1000 name=det") +
               " ! appsink name=sink sync=false max-buffers=1");
    ASSERT_NE(gst_element_set_state(p.pipe, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
    ASSERT_EQ(gst_element_get_state(p.pipe, nullptr, nullptr, 60 * GST_SECOND), GST_STATE_CHANGE_SUCCESS) << p.error(0);
    ASSERT_NE(gst_element_set_state(p.pipe, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    const std::vector<Frame> before = pullAll(p, 3);
    ASSERT_EQ(before.size(), 3u);
    EXPECT_EQ(sameDetections(clip().frames[0].dets, before[2].dets), "") << "carried before the seek";
    ASSERT_TRUE(gst_element_seek_simple(p.pipe, GST_FORMAT_TIME,
                                        (GstSeekFlags)(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE), 2 * GST_SECOND));
    const std::vector<Frame> after = pullAll(p, 2);
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[0].pts, 2 * GST_SECOND);
    std::vector<Detection> ref;
    RetinaNetDetectionModel(kModel, kConfig).detect(after[0].bgr, ref);
    EXPECT_FALSE(ref.empty());
    EXPECT_EQ(sameDetections(ref, after[0].dets), "") << "first frame after the seek";
    EXPECT_EQ(sameDetections(ref, after[1].dets), "") << "carried after the seek";
    const int frame30 = 30;   // 2 s at 15 fps
    EXPECT_EQ(sameDetections(clip().frames[frame30].dets, after[0].dets), "");
}

TEST(GstDetect, MissingModelOrMismatchedConfigFailTheStateChangeWithTheLibraryMessage)
{
    struct Case { std::string props, expected; };
    auto libraryMessage = [](const std::string& model, const std::string& config) {
        try { RetinaNetDetectionModel m(model, config); }
        catch (const cv::Exception& e) { return e.err; }
        return std::string("(no exception)");
    };
    const std::string missing = kRoot + "/data/models/no_such_model.onnx";
    const std::vector<Case> cases = {
        {"model=\"" + missing + "\" config=\"" + kConfig + "\"", libraryMessage(missing, kConfig)},
        {"model=\"" + kModel + "\" config=\"" + kTinyConfig + "\"", libraryMessage(kModel, kTinyConfig)},
        {"model=\"" + kModel + "\" config=no_such_preset", libraryMessage(kModel, "no_such_preset")},
        {"", "no model: set the 'model' property to a RetinaNet network file (ONNX)"}};
    for (const Case& c : cases)
    {
        SCOPED_TRACE(c.props);
        ASSERT_NE(c.expected, "(no exception)");
        Pipeline p("videotestsrc num-buffers=1 ! video/x-raw,format=BGR,width=64,height=64 ! retinanetdetect name=det " +
                   c.props + " ! fakesink");
        EXPECT_EQ(gst_element_set_state(p.pipe, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
        std::string source;
        EXPECT_EQ(p.error(5 * GST_SECOND, &source), c.expected);
        EXPECT_EQ(source, "det");
    }
}

// ==================================================================================== overlay
TEST(GstOverlay, DrawsTheClassColourInEveryChannelOrder)
{
    const Scalar bgr2(31, 112, 255);   // the samples' palette, class 2 (BGR)
    for (const char* fmt : {"BGR", "RGB", "BGRx", "RGBx", "BGRA", "RGBA"})
    {
        SCOPED_TRACE(fmt);
        GstVideoInfo info;
        gst_video_info_set_format(&info, gst_video_format_from_string(fmt), 64, 48);
        GstHarness* h = gst_harness_new_parse("retinanetoverlay show-labels=false line-width=3");
        gst_harness_set_src_caps_str(h, format("video/x-raw,format=%s,width=64,height=48,framerate=15/1", fmt).c_str());
        const int cn = GST_VIDEO_INFO_COMP_PSTRIDE(&info, 0);
        const int stride = GST_VIDEO_INFO_PLANE_STRIDE(&info, 0);
        auto grey = [&] {
            GstBuffer* b = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(&info), NULL);
            gst_buffer_memset(b, 0, 128, GST_VIDEO_INFO_SIZE(&info));
            return b;
        };
        // no metas: untouched
        GstBuffer* o = gst_harness_push_and_pull(h, grey());
        GstMapInfo map;
        ASSERT_TRUE(gst_buffer_map(o, &map, GST_MAP_READ));
        EXPECT_EQ(norm(Mat(1, (int)map.size, CV_8U, map.data), NORM_INF), 128.0);
        EXPECT_EQ(norm(Mat(1, (int)map.size, CV_8U, map.data) - 128, NORM_INF), 0.0);
        gst_buffer_unmap(o, &map);
        gst_buffer_unref(o);
        // one detection of class 2 at (16, 12) - (48, 36)
        GstBuffer* b = grey();
        GstVideoRegionOfInterestMeta* roi = gst_buffer_add_video_region_of_interest_meta(b, "square", 16, 12, 32, 24);
        gst_video_region_of_interest_meta_add_param(roi, gst_structure_new("detection", "label_id", G_TYPE_INT, 2,
            "label", G_TYPE_STRING, "square", "confidence", G_TYPE_DOUBLE, 0.9, "x_min", G_TYPE_DOUBLE, 0.25,
            "y_min", G_TYPE_DOUBLE, 0.25, "x_max", G_TYPE_DOUBLE, 0.75, "y_max", G_TYPE_DOUBLE, 0.75, NULL));
        o = gst_harness_push_and_pull(h, b);
        ASSERT_TRUE(gst_buffer_map(o, &map, GST_MAP_READ));
        const Mat img(48, 64, CV_8UC(cn), map.data, stride);
        const bool rgb = fmt[0] == 'R';
        const Vec3b expected = rgb ? Vec3b((uchar)bgr2[2], (uchar)bgr2[1], (uchar)bgr2[0])
                                   : Vec3b((uchar)bgr2[0], (uchar)bgr2[1], (uchar)bgr2[2]);
        auto px = [&](int x, int y) { const uchar* p = img.ptr<uchar>(y) + x * cn; return Vec3b(p[0], p[1], p[2]); };
        EXPECT_EQ(px(16, 24), expected) << "left edge";
        EXPECT_EQ(px(48, 24), expected) << "right edge";
        EXPECT_EQ(px(32, 12), expected) << "top edge";
        EXPECT_EQ(px(32, 24), Vec3b(128, 128, 128)) << "inside";
        EXPECT_EQ(px(2, 2), Vec3b(128, 128, 128)) << "outside";
        gst_buffer_unmap(o, &map);
        gst_buffer_unref(o);
        gst_harness_teardown(h);
    }
}

// ==================================================================================== memory
TEST(GstDetect, TenThousandBuffersKeepMemoryFlat)
{
    // the smallest model on a tiny frame, inference every 500th buffer: 20 forward passes, 10,000
    // buffers with their metas through detect, overlay and JSON (to /dev/null)
    Mat frame;
    resize(clip().frames[0].bgr, frame, Size(96, 80), 0, 0, INTER_AREA);
    // the tiny model is untrained: a threshold that keeps about 20 of its boxes (ROI metas per buffer)
    std::vector<Detection> ref;
    RetinaNetDetectionModel tiny(kTinyModel, kTinyConfig);
    tiny.setScoreThreshold(0.f).detect(frame, ref);
    ASSERT_GT(ref.size(), 20u);
    std::sort(ref.begin(), ref.end(), [](const Detection& a, const Detection& b) { return a.score > b.score; });
    const float threshold = ref[20].score;
    tiny.setScoreThreshold(threshold).detect(frame, ref);
    GstHarness* h = gst_harness_new_parse(format("retinanetdetect model=\"%s\" config=\"%s\" score-threshold=%.9g "
                                                 "interval=500 ! retinanetoverlay ! retinanetjson location=/dev/null",
                                                 kTinyModel.c_str(), kTinyConfig.c_str(), threshold).c_str());
    gst_harness_set_src_caps_str(h, bgrCaps(frame).c_str());
    const int total = 10000, warmup = 2000;
    long rssWarm = 0, rssMax = 0;
    size_t metas = 0;
    for (int i = 0; i < total; i++)
    {
        ASSERT_EQ(gst_harness_push(h, bufferFromMat(frame, i * GST_SECOND / 15, GST_SECOND / 15)), GST_FLOW_OK);
        GstBuffer* o = gst_harness_pull(h);
        ASSERT_TRUE(o != nullptr);
        if (i % 1000 == 999) metas += gst_buffer_get_n_meta(o, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE);
        gst_buffer_unref(o);
        if (i + 1 == warmup) rssWarm = rssKb();
        if (i + 1 > warmup && i % 250 == 0) rssMax = std::max(rssMax, rssKb());
    }
    rssMax = std::max(rssMax, rssKb());
    gst_harness_teardown(h);
    std::printf("[ memory   ] %zu ROI metas per buffer; RSS after %d buffers %ld KiB, max over the next %d %ld KiB\n",
                metas / 10, warmup, rssWarm, total - warmup, rssMax);
    EXPECT_EQ(metas / 10, ref.size());
    EXPECT_GT(ref.size(), 0u) << "no detections: the metas' memory is not exercised";
    EXPECT_LT(rssMax - rssWarm, 1024) << "RSS grew by more than 1 MiB over " << total - warmup << " buffers";
}

int main(int argc, char** argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    // the plugin from this build (ctest sets GST_PLUGIN_PATH too)
    g_setenv("GST_PLUGIN_PATH", DNN_RETINANET_GST_PLUGIN_DIR, FALSE);
    gst_init(&argc, &argv);
    return RUN_ALL_TESTS();
}
