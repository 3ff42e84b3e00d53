// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// retinanetdetect: RetinaNet detection as an in-place GstVideoFilter.
//
// Every interval-th buffer runs RetinaNetDetectionModel::detect() on the frame; every buffer gets one
// GstVideoRegionOfInterestMeta per detection (the buffers in between carry the last inference's
// detections). Pixels are never modified and never copied when the frame is BGR, BGRx/BGRA or GRAY8
// (the model reads them as they are); RGB, RGBx/RGBA are swapped to BGR with cv::cvtColor, the YUV
// formats are converted to BGR with GstVideoConverter honouring the caps' colorimetry (the
// conversion videoconvert itself does).
//
// One RetinaNetDetectionModel per element, loaded in start() (READY -> PAUSED) and used only from
// the element's streaming thread: the library's rule (a model from one thread at a time, see
// doc/model.md) holds however many elements and streams a pipeline has.

#include "gstretinanet.hpp"
#include "retinanet_roi.hpp"

#include "sample_common.hpp"   // class-name files and the model/config conventions of the samples

#include <gst/video/gstvideofilter.h>
#include <gst/video/video.h>

#include <opencv2/dnn_retinanet.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(gst_retinanet_detect_debug);
#define GST_CAT_DEFAULT gst_retinanet_detect_debug

using cv::dnn_retinanet::Detection;
using cv::dnn_retinanet::RetinaNetDetectionModel;

namespace {

enum Backend { BACKEND_CPU = 0, BACKEND_CUDA = 1, BACKEND_DEFAULT = 2 };
enum Target { TARGET_CPU = 0, TARGET_CUDA = 1, TARGET_CUDA_FP16 = 2, TARGET_OPENCL = 3, TARGET_OPENCL_FP16 = 4 };

cv::dnn::Backend toDnnBackend(int b)
{
    return b == BACKEND_CUDA ? cv::dnn::DNN_BACKEND_CUDA : b == BACKEND_DEFAULT ? cv::dnn::DNN_BACKEND_DEFAULT
                                                                                  : cv::dnn::DNN_BACKEND_OPENCV;
}

cv::dnn::Target toDnnTarget(int t)
{
    switch (t)
    {
    case TARGET_CUDA: return cv::dnn::DNN_TARGET_CUDA;
    case TARGET_CUDA_FP16: return cv::dnn::DNN_TARGET_CUDA_FP16;
    case TARGET_OPENCL: return cv::dnn::DNN_TARGET_OPENCL;
    case TARGET_OPENCL_FP16: return cv::dnn::DNN_TARGET_OPENCL_FP16;
    default: return cv::dnn::DNN_TARGET_CPU;
    }
}

//! Streaming state: touched by the streaming thread (transform_ip), by serialized events and by
//! start/stop (when no buffer flows). The mutex makes a reset from an event safe in any case.
struct DetectState
{
    std::mutex lock;
    std::unique_ptr<RetinaNetDetectionModel> model;
    std::vector<std::string> names;
    float configScore = 0.05f, configNms = 0.5f;   // the config's, restored by a property set to -1
    float appliedScore = NAN, appliedNms = NAN;    // what the model runs with now

    // YUV -> BGR
    GstVideoConverter* converter = nullptr;
    GstVideoInfo bgrInfo;
    GstBuffer* bgrBuffer = nullptr;
    cv::Mat swapped;   // RGB -> BGR

    guint64 frames = 0;               // buffers since the stream (re)started
    std::vector<Detection> last;      // the last inference's detections, carried over
    bool haveLast = false;
    guint64 inferences = 0;

    void resetStream()
    {
        frames = 0;
        last.clear();
        haveLast = false;
    }
    void freeConverter()
    {
        if (converter) gst_video_converter_free(converter);
        converter = nullptr;
        if (bgrBuffer) gst_buffer_unref(bgrBuffer);
        bgrBuffer = nullptr;
    }
};

} // namespace

struct GstRetinaNetDetect
{
    GstVideoFilter parent;
    // properties (object lock)
    gchar* model;
    gchar* config;
    gchar* labels;
    gfloat scoreThreshold;
    gfloat nmsThreshold;
    gint backend;
    gint target;
    guint interval;
    DetectState* st;
};

struct GstRetinaNetDetectClass
{
    GstVideoFilterClass parent_class;
};

G_DEFINE_TYPE(GstRetinaNetDetect, gst_retinanet_detect, GST_TYPE_VIDEO_FILTER)

enum
{
    PROP_0,
    PROP_MODEL,
    PROP_CONFIG,
    PROP_LABELS,
    PROP_SCORE_THRESHOLD,
    PROP_NMS_THRESHOLD,
    PROP_BACKEND,
    PROP_TARGET,
    PROP_INTERVAL,
    PROP_INFERENCES
};

#define RETINANET_DETECT_FORMATS "{ BGR, RGB, BGRx, RGBx, BGRA, RGBA, GRAY8, I420, YV12, NV12, NV21, YUY2, UYVY }"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(RETINANET_DETECT_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(RETINANET_DETECT_FORMATS)));

GType gst_retinanet_backend_get_type(void)
{
    static gsize id = 0;
    static const GEnumValue values[] = {
        {BACKEND_CPU, "OpenCV's own implementation (cv::dnn::DNN_BACKEND_OPENCV)", "cpu"},
        {BACKEND_CUDA, "CUDA (needs an OpenCV built with CUDA; otherwise the CPU runs, with a warning)", "cuda"},
        {BACKEND_DEFAULT, "cv::dnn::DNN_BACKEND_DEFAULT", "default"},
        {0, NULL, NULL}};
    if (g_once_init_enter(&id))
        g_once_init_leave(&id, g_enum_register_static("GstRetinaNetBackend", values));
    return (GType)id;
}

GType gst_retinanet_target_get_type(void)
{
    static gsize id = 0;
    static const GEnumValue values[] = {
        {TARGET_CPU, "CPU", "cpu"},
        {TARGET_CUDA, "CUDA", "cuda"},
        {TARGET_CUDA_FP16, "CUDA, half precision", "cuda-fp16"},
        {TARGET_OPENCL, "OpenCL", "opencl"},
        {TARGET_OPENCL_FP16, "OpenCL, half precision", "opencl-fp16"},
        {0, NULL, NULL}};
    if (g_once_init_enter(&id))
        g_once_init_leave(&id, g_enum_register_static("GstRetinaNetTarget", values));
    return (GType)id;
}

// ------------------------------------------------------------------------------ properties
static void gst_retinanet_detect_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec)
{
    GstRetinaNetDetect* self = (GstRetinaNetDetect*)object;
    GST_OBJECT_LOCK(self);
    switch (prop_id)
    {
    case PROP_MODEL: g_free(self->model); self->model = g_value_dup_string(value); break;
    case PROP_CONFIG: g_free(self->config); self->config = g_value_dup_string(value); break;
    case PROP_LABELS: g_free(self->labels); self->labels = g_value_dup_string(value); break;
    case PROP_SCORE_THRESHOLD: self->scoreThreshold = g_value_get_float(value); break;
    case PROP_NMS_THRESHOLD: self->nmsThreshold = g_value_get_float(value); break;
    case PROP_BACKEND: self->backend = g_value_get_enum(value); break;
    case PROP_TARGET: self->target = g_value_get_enum(value); break;
    case PROP_INTERVAL: self->interval = g_value_get_uint(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static void gst_retinanet_detect_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec)
{
    GstRetinaNetDetect* self = (GstRetinaNetDetect*)object;
    if (prop_id == PROP_INFERENCES)
    {
        std::lock_guard<std::mutex> lk(self->st->lock);
        g_value_set_uint64(value, self->st->inferences);
        return;
    }
    GST_OBJECT_LOCK(self);
    switch (prop_id)
    {
    case PROP_MODEL: g_value_set_string(value, self->model); break;
    case PROP_CONFIG: g_value_set_string(value, self->config); break;
    case PROP_LABELS: g_value_set_string(value, self->labels); break;
    case PROP_SCORE_THRESHOLD: g_value_set_float(value, self->scoreThreshold); break;
    case PROP_NMS_THRESHOLD: g_value_set_float(value, self->nmsThreshold); break;
    case PROP_BACKEND: g_value_set_enum(value, self->backend); break;
    case PROP_TARGET: g_value_set_enum(value, self->target); break;
    case PROP_INTERVAL: g_value_set_uint(value, self->interval); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

// ------------------------------------------------------------------------------ start / stop
static gboolean gst_retinanet_detect_start(GstBaseTransform* trans)
{
    GstRetinaNetDetect* self = (GstRetinaNetDetect*)trans;
    DetectState* st = self->st;
    GST_OBJECT_LOCK(self);
    const std::string model = self->model ? self->model : "";
    std::string config = self->config ? self->config : "";
    const std::string labels = self->labels ? self->labels : "";
    const int backend = self->backend, target = self->target;
    GST_OBJECT_UNLOCK(self);

    if (model.empty())
    {
        GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
                          ("no model: set the 'model' property to a RetinaNet network file (ONNX)"), (NULL));
        return FALSE;
    }
    if (config.empty()) config = sample::configNextTo(model);

    std::lock_guard<std::mutex> lk(st->lock);
    try
    {
        std::unique_ptr<RetinaNetDetectionModel> net(new RetinaNetDetectionModel(model, config));
        net->setPreferableBackend(toDnnBackend(backend));
        net->setPreferableTarget(toDnnTarget(target));
        std::vector<std::string> names = net->getClassNames();
        if (!labels.empty()) names = sample::classNamesFromFile(labels, net->getConfig());
        st->configScore = net->getConfig().selection.scoreThreshold;
        st->configNms = net->getConfig().selection.nmsThreshold;
        st->appliedScore = st->configScore;
        st->appliedNms = st->configNms;
        st->names = names;
        const bool fellBack = net->getBackend() != toDnnBackend(backend) || net->getTarget() != toDnnTarget(target);
        GST_INFO_OBJECT(self, "model '%s', config '%s' (%d classes), running on %s", model.c_str(), config.c_str(),
                        net->getConfig().numClasses,
                        sample::backendName(net->getBackend(), net->getTarget()).c_str());
        if (fellBack)
            GST_ELEMENT_WARNING(self, LIBRARY, SETTINGS,
                                ("backend/target %s unavailable in this OpenCV build: running on %s",
                                 sample::backendName(toDnnBackend(backend), toDnnTarget(target)).c_str(),
                                 sample::backendName(net->getBackend(), net->getTarget()).c_str()),
                                (NULL));
        st->model = std::move(net);
    }
    catch (const cv::Exception& e)
    {
        if (!g_file_test(model.c_str(), G_FILE_TEST_EXISTS))
            GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("%s", e.err.c_str()),
                              ("model '%s', config '%s': %s", model.c_str(), config.c_str(), e.what()));
        else
            GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS, ("%s", e.err.c_str()),
                              ("model '%s', config '%s': %s", model.c_str(), config.c_str(), e.what()));
        return FALSE;
    }
    catch (const std::exception& e)
    {
        GST_ELEMENT_ERROR(self, LIBRARY, INIT, ("%s", e.what()),
                          ("model '%s', config '%s'", model.c_str(), config.c_str()));
        return FALSE;
    }
    st->resetStream();
    st->inferences = 0;
    return TRUE;
}

static gboolean gst_retinanet_detect_stop(GstBaseTransform* trans)
{
    GstRetinaNetDetect* self = (GstRetinaNetDetect*)trans;
    std::lock_guard<std::mutex> lk(self->st->lock);
    self->st->model.reset();
    self->st->freeConverter();
    self->st->swapped.release();
    self->st->resetStream();
    return TRUE;
}

// ------------------------------------------------------------------------------ caps
static gboolean gst_retinanet_detect_set_info(GstVideoFilter* filter, GstCaps*, GstVideoInfo* in_info, GstCaps*,
                                              GstVideoInfo*)
{
    GstRetinaNetDetect* self = (GstRetinaNetDetect*)filter;
    DetectState* st = self->st;
    std::lock_guard<std::mutex> lk(st->lock);
    st->freeConverter();
    st->resetStream();   // new caps: the carried boxes belong to another frame size
    const GstVideoFormat fmt = GST_VIDEO_INFO_FORMAT(in_info);
    if (GST_VIDEO_INFO_IS_YUV(in_info))
    {
        gst_video_info_set_format(&st->bgrInfo, GST_VIDEO_FORMAT_BGR, GST_VIDEO_INFO_WIDTH(in_info),
                                  GST_VIDEO_INFO_HEIGHT(in_info));
        // the converter only converts colours: same rate, aspect and interlacing
        GST_VIDEO_INFO_FPS_N(&st->bgrInfo) = GST_VIDEO_INFO_FPS_N(in_info);
        GST_VIDEO_INFO_FPS_D(&st->bgrInfo) = GST_VIDEO_INFO_FPS_D(in_info);
        GST_VIDEO_INFO_PAR_N(&st->bgrInfo) = GST_VIDEO_INFO_PAR_N(in_info);
        GST_VIDEO_INFO_PAR_D(&st->bgrInfo) = GST_VIDEO_INFO_PAR_D(in_info);
        GST_VIDEO_INFO_INTERLACE_MODE(&st->bgrInfo) = GST_VIDEO_INFO_INTERLACE_MODE(in_info);
        // default options: those of videoconvert (linear chroma resampling, full matrix conversion)
        st->converter = gst_video_converter_new(in_info, &st->bgrInfo, NULL);
        if (!st->converter)
        {
            GST_ERROR_OBJECT(self, "no converter from %s to BGR", gst_video_format_to_string(fmt));
            return FALSE;
        }
        st->bgrBuffer = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(&st->bgrInfo), NULL);
    }
    GST_DEBUG_OBJECT(self, "%s %dx%d%s", gst_video_format_to_string(fmt), GST_VIDEO_INFO_WIDTH(in_info),
                     GST_VIDEO_INFO_HEIGHT(in_info), st->converter ? " (converted to BGR)" : "");
    return TRUE;
}

static gboolean gst_retinanet_detect_sink_event(GstBaseTransform* trans, GstEvent* event)
{
    GstRetinaNetDetect* self = (GstRetinaNetDetect*)trans;
    switch (GST_EVENT_TYPE(event))
    {
    case GST_EVENT_FLUSH_STOP:
    case GST_EVENT_EOS:
    case GST_EVENT_STREAM_START:
    {
        // a seek, the end of the stream or a new stream: nothing is carried over
        std::lock_guard<std::mutex> lk(self->st->lock);
        self->st->resetStream();
        break;
    }
    default:
        break;
    }
    return GST_BASE_TRANSFORM_CLASS(gst_retinanet_detect_parent_class)->sink_event(trans, event);
}

// ------------------------------------------------------------------------------ per buffer
//! Runs the model on the mapped frame; BGR, BGRx/BGRA and GRAY8 are read in place.
static void detectFrame(DetectState* st, GstVideoFrame* frame, std::vector<Detection>& dets)
{
    const int w = GST_VIDEO_FRAME_WIDTH(frame), h = GST_VIDEO_FRAME_HEIGHT(frame);
    void* data = GST_VIDEO_FRAME_PLANE_DATA(frame, 0);
    const size_t stride = (size_t)GST_VIDEO_FRAME_PLANE_STRIDE(frame, 0);
    switch (GST_VIDEO_FRAME_FORMAT(frame))
    {
    case GST_VIDEO_FORMAT_BGR:
        st->model->detect(cv::Mat(h, w, CV_8UC3, data, stride), dets);
        return;
    case GST_VIDEO_FORMAT_BGRx:
    case GST_VIDEO_FORMAT_BGRA:
        st->model->detect(cv::Mat(h, w, CV_8UC4, data, stride), dets);   // the 4th byte is dropped
        return;
    case GST_VIDEO_FORMAT_GRAY8:
        st->model->detect(cv::Mat(h, w, CV_8UC1, data, stride), dets);
        return;
    case GST_VIDEO_FORMAT_RGB:
        cv::cvtColor(cv::Mat(h, w, CV_8UC3, data, stride), st->swapped, cv::COLOR_RGB2BGR);
        st->model->detect(st->swapped, dets);
        return;
    case GST_VIDEO_FORMAT_RGBx:
    case GST_VIDEO_FORMAT_RGBA:
        cv::cvtColor(cv::Mat(h, w, CV_8UC4, data, stride), st->swapped, cv::COLOR_RGBA2BGR);
        st->model->detect(st->swapped, dets);
        return;
    default:
        break;
    }
    CV_Assert(st->converter && st->bgrBuffer);
    GstVideoFrame bgr;
    if (!gst_video_frame_map(&bgr, &st->bgrInfo, st->bgrBuffer, GST_MAP_READWRITE))
        CV_Error(cv::Error::StsError, "cannot map the BGR conversion buffer");
    try
    {
        gst_video_converter_frame(st->converter, frame, &bgr);
        st->model->detect(cv::Mat(h, w, CV_8UC3, GST_VIDEO_FRAME_PLANE_DATA(&bgr, 0),
                                  (size_t)GST_VIDEO_FRAME_PLANE_STRIDE(&bgr, 0)), dets);
    }
    catch (...)
    {
        gst_video_frame_unmap(&bgr);
        throw;
    }
    gst_video_frame_unmap(&bgr);
}

static GstFlowReturn gst_retinanet_detect_transform_ip(GstBaseTransform* trans, GstBuffer* buf)
{
    GstRetinaNetDetect* self = (GstRetinaNetDetect*)trans;
    GstVideoFilter* filter = GST_VIDEO_FILTER(trans);
    DetectState* st = self->st;
    if (!filter->negotiated)
    {
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, (NULL), ("unknown format"));
        return GST_FLOW_NOT_NEGOTIATED;
    }
    GST_OBJECT_LOCK(self);
    const guint interval = std::max(1u, self->interval);
    const float scoreProp = self->scoreThreshold, nmsProp = self->nmsThreshold;
    GST_OBJECT_UNLOCK(self);

    std::lock_guard<std::mutex> lk(st->lock);
    if (!st->model)
    {
        GST_ELEMENT_ERROR(self, CORE, STATE_CHANGE, (NULL), ("no model loaded"));
        return GST_FLOW_ERROR;
    }
    const GstVideoInfo* info = &filter->in_info;
    const int w = GST_VIDEO_INFO_WIDTH(info), h = GST_VIDEO_INFO_HEIGHT(info);
    const bool infer = !st->haveLast || st->frames % interval == 0;
    st->frames++;
    if (infer)
    {
        // thresholds may change while playing; -1 means the config's value
        const float score = scoreProp >= 0.f ? scoreProp : st->configScore;
        const float nms = nmsProp > 0.f ? nmsProp : st->configNms;
        GstVideoFrame frame;
        // read-only: the buffer's memory is shared with upstream when it can be, never written
        if (!gst_video_frame_map(&frame, const_cast<GstVideoInfo*>(info), buf, GST_MAP_READ))
        {
            GST_ELEMENT_ERROR(self, STREAM, FAILED, (NULL), ("cannot map the video frame"));
            return GST_FLOW_ERROR;
        }
        try
        {
            if (score != st->appliedScore) st->model->setScoreThreshold(st->appliedScore = score);
            if (nms != st->appliedNms) st->model->setNmsThreshold(st->appliedNms = nms);
            detectFrame(st, &frame, st->last);
        }
        catch (const cv::Exception& e)
        {
            gst_video_frame_unmap(&frame);
            GST_ELEMENT_ERROR(self, STREAM, FAILED, ("%s", e.err.c_str()), ("%s", e.what()));
            return GST_FLOW_ERROR;
        }
        catch (const std::exception& e)
        {
            gst_video_frame_unmap(&frame);
            GST_ELEMENT_ERROR(self, STREAM, FAILED, ("%s", e.what()), (NULL));
            return GST_FLOW_ERROR;
        }
        gst_video_frame_unmap(&frame);
        st->haveLast = true;
        st->inferences++;
        GST_LOG_OBJECT(self, "frame %" G_GUINT64_FORMAT ": %d detections", st->frames - 1, (int)st->last.size());
    }
    gst_retinanet::addDetectionMetas(buf, st->last, st->names, w, h);
    return GST_FLOW_OK;
}

// ------------------------------------------------------------------------------ GObject
static void gst_retinanet_detect_finalize(GObject* object)
{
    GstRetinaNetDetect* self = (GstRetinaNetDetect*)object;
    if (self->st) self->st->freeConverter();
    delete self->st;
    self->st = nullptr;
    g_free(self->model);
    g_free(self->config);
    g_free(self->labels);
    G_OBJECT_CLASS(gst_retinanet_detect_parent_class)->finalize(object);
}

static void gst_retinanet_detect_class_init(GstRetinaNetDetectClass* klass)
{
    GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
    GstBaseTransformClass* bt_class = GST_BASE_TRANSFORM_CLASS(klass);
    GstVideoFilterClass* vf_class = GST_VIDEO_FILTER_CLASS(klass);

    GST_DEBUG_CATEGORY_INIT(gst_retinanet_detect_debug, "retinanetdetect", 0, "RetinaNet detection");

    gobject_class->set_property = gst_retinanet_detect_set_property;
    gobject_class->get_property = gst_retinanet_detect_get_property;
    gobject_class->finalize = gst_retinanet_detect_finalize;

    const GParamFlags rw = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    const GParamFlags rwReady = (GParamFlags)(rw | GST_PARAM_MUTABLE_READY);
    const GParamFlags rwPlaying = (GParamFlags)(rw | GST_PARAM_MUTABLE_PLAYING);
    g_object_class_install_property(gobject_class, PROP_MODEL,
        g_param_spec_string("model", "Model", "RetinaNet network file (ONNX, or any format cv::dnn::readNet reads); "
                            "loaded when the element starts", NULL, rwReady));
    g_object_class_install_property(gobject_class, PROP_CONFIG,
        g_param_spec_string("config", "Config", "RetinaNet config file (.yml/.json) or preset name (torchvision, "
                            "detectron2, mmdetection, ...); default: config.yml next to the model", NULL, rwReady));
    g_object_class_install_property(gobject_class, PROP_LABELS,
        g_param_spec_string("labels", "Labels", "class-name file, one name per line, line k = class k (overrides the "
                            "config's class_names; e.g. data/labels/coco80.txt)", NULL, rwReady));
    g_object_class_install_property(gobject_class, PROP_SCORE_THRESHOLD,
        g_param_spec_float("score-threshold", "Score threshold", "minimum score of a detection (-1: the config's)",
                           -1.f, 1.f, -1.f, rwPlaying));
    g_object_class_install_property(gobject_class, PROP_NMS_THRESHOLD,
        g_param_spec_float("nms-threshold", "NMS threshold", "IoU above which NMS suppresses a box (-1: the config's)",
                           -1.f, 1.f, -1.f, rwPlaying));
    g_object_class_install_property(gobject_class, PROP_BACKEND,
        g_param_spec_enum("backend", "Backend", "cv::dnn backend of the network", gst_retinanet_backend_get_type(),
                          BACKEND_CPU, rwReady));
    g_object_class_install_property(gobject_class, PROP_TARGET,
        g_param_spec_enum("target", "Target", "cv::dnn target of the network", gst_retinanet_target_get_type(),
                          TARGET_CPU, rwReady));
    g_object_class_install_property(gobject_class, PROP_INTERVAL,
        g_param_spec_uint("interval", "Interval", "run the network on every N-th buffer; the buffers in between carry "
                          "the last inference's detections (reset by flush, EOS and new caps)", 1, G_MAXUINT, 1,
                          rwPlaying));
    g_object_class_install_property(gobject_class, PROP_INFERENCES,
        g_param_spec_uint64("inferences", "Inferences", "forward passes run since the element started", 0,
                            G_MAXUINT64, 0, (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

    gst_element_class_set_static_metadata(element_class, "RetinaNet object detection", "Filter/Analyzer/Video",
        "Detects objects with a RetinaNet (OpenCV dnn_retinanet) and attaches a GstVideoRegionOfInterestMeta per "
        "detection, with a 'detection' structure (label_id, label, confidence, normalised x_min, y_min, x_max, y_max)",
        "dnn_retinanet");
    gst_element_class_add_static_pad_template(element_class, &sink_template);
    gst_element_class_add_static_pad_template(element_class, &src_template);

    bt_class->start = gst_retinanet_detect_start;
    bt_class->stop = gst_retinanet_detect_stop;
    bt_class->sink_event = gst_retinanet_detect_sink_event;
    bt_class->transform_ip = gst_retinanet_detect_transform_ip;
    bt_class->transform = NULL;   // always in place
    bt_class->passthrough_on_same_caps = FALSE;
    vf_class->set_info = gst_retinanet_detect_set_info;

    gst_type_mark_as_plugin_api(gst_retinanet_backend_get_type(), (GstPluginAPIFlags)0);
    gst_type_mark_as_plugin_api(gst_retinanet_target_get_type(), (GstPluginAPIFlags)0);
}

static void gst_retinanet_detect_init(GstRetinaNetDetect* self)
{
    self->model = nullptr;
    self->config = nullptr;
    self->labels = nullptr;
    self->scoreThreshold = -1.f;
    self->nmsThreshold = -1.f;
    self->backend = BACKEND_CPU;
    self->target = TARGET_CPU;
    self->interval = 1;
    self->st = new DetectState();
    // in place, not passthrough: the buffer is writable for the metas (a shallow copy when upstream
    // still holds it; the pixels are mapped read-only, so their memory is never copied)
    gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
    gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), FALSE);
}
