// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// retinanetoverlay: draws the GstVideoRegionOfInterestMeta of each buffer (boxes, "label score",
// one colour per class id: the samples' palette) on packed RGB frames, in place. Metas from any
// element work: without a "detection" structure the meta's own rectangle and roi_type are drawn.
// Buffers without ROI metas pass untouched (not even mapped).

#include "gstretinanet.hpp"
#include "retinanet_roi.hpp"

#include <gst/video/gstvideofilter.h>
#include <gst/video/video.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(gst_retinanet_overlay_debug);
#define GST_CAT_DEFAULT gst_retinanet_overlay_debug

struct GstRetinaNetOverlay
{
    GstVideoFilter parent;
    gfloat minScore;
    gboolean showLabels;
    guint lineWidth;
};

struct GstRetinaNetOverlayClass
{
    GstVideoFilterClass parent_class;
};

G_DEFINE_TYPE(GstRetinaNetOverlay, gst_retinanet_overlay, GST_TYPE_VIDEO_FILTER)

enum
{
    PROP_0,
    PROP_MIN_SCORE,
    PROP_SHOW_LABELS,
    PROP_LINE_WIDTH
};

#define RETINANET_OVERLAY_FORMATS "{ BGR, RGB, BGRx, RGBx, BGRA, RGBA }"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(RETINANET_OVERLAY_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(RETINANET_OVERLAY_FORMATS)));

static void gst_retinanet_overlay_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec)
{
    GstRetinaNetOverlay* self = (GstRetinaNetOverlay*)object;
    GST_OBJECT_LOCK(self);
    switch (prop_id)
    {
    case PROP_MIN_SCORE: self->minScore = g_value_get_float(value); break;
    case PROP_SHOW_LABELS: self->showLabels = g_value_get_boolean(value); break;
    case PROP_LINE_WIDTH: self->lineWidth = g_value_get_uint(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static void gst_retinanet_overlay_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec)
{
    GstRetinaNetOverlay* self = (GstRetinaNetOverlay*)object;
    GST_OBJECT_LOCK(self);
    switch (prop_id)
    {
    case PROP_MIN_SCORE: g_value_set_float(value, self->minScore); break;
    case PROP_SHOW_LABELS: g_value_set_boolean(value, self->showLabels); break;
    case PROP_LINE_WIDTH: g_value_set_uint(value, self->lineWidth); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

//! The samples' drawDetections() on a frame of any channel order: @p rgb swaps the palette.
static void drawRois(cv::Mat& img, std::vector<gst_retinanet::Roi> rois, bool rgb, float minScore, bool labels,
                     int lineWidth)
{
    const double scale = std::max(0.4, std::min(img.cols, img.rows) / 800.0);
    const int thick = lineWidth > 0 ? lineWidth : std::max(1, (int)std::round(2 * scale));
    auto color = [&](int classId, const std::string& label) {
        // metas without a label_id: a colour per roi_type
        const int k = classId >= 0 ? classId : (int)(g_str_hash(label.c_str()) % 16);
        const cv::Scalar c = gst_retinanet::classColorBgr(k);
        return rgb ? cv::Scalar(c[2], c[1], c[0], 255) : cv::Scalar(c[0], c[1], c[2], 255);
    };
    // lowest scores first, so that the best boxes end on top
    std::stable_sort(rois.begin(), rois.end(),
                     [](const gst_retinanet::Roi& a, const gst_retinanet::Roi& b) { return a.score < b.score; });
    for (const gst_retinanet::Roi& r : rois)
    {
        if (r.score >= 0 && r.score < minScore) continue;
        const cv::Scalar col = color(r.classId, r.label);
        const cv::Rect box(cv::Point(cvRound(r.box[0]), cvRound(r.box[1])), cv::Point(cvRound(r.box[2]), cvRound(r.box[3])));
        cv::rectangle(img, box, col, thick, cv::LINE_AA);
        if (!labels) continue;
        const std::string text = r.score >= 0 ? cv::format("%s %.2f", r.label.c_str(), r.score) : r.label;
        int base = 0;
        const int fontThick = std::max(1, thick / 2);
        const cv::Size ts = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, 0.5 * scale, fontThick, &base);
        const cv::Point org(box.x, std::max(box.y, ts.height + base));
        cv::rectangle(img, cv::Rect(org.x, org.y - ts.height - base, ts.width, ts.height + base), col, cv::FILLED);
        cv::putText(img, text, cv::Point(org.x, org.y - base), cv::FONT_HERSHEY_SIMPLEX, 0.5 * scale,
                    cv::Scalar(255, 255, 255, 255), fontThick, cv::LINE_AA);
    }
}

static GstFlowReturn gst_retinanet_overlay_transform_ip(GstBaseTransform* trans, GstBuffer* buf)
{
    GstRetinaNetOverlay* self = (GstRetinaNetOverlay*)trans;
    GstVideoFilter* filter = GST_VIDEO_FILTER(trans);
    if (!filter->negotiated)
    {
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, (NULL), ("unknown format"));
        return GST_FLOW_NOT_NEGOTIATED;
    }
    const GstVideoInfo* info = &filter->in_info;
    const int w = GST_VIDEO_INFO_WIDTH(info), h = GST_VIDEO_INFO_HEIGHT(info);
    std::vector<gst_retinanet::Roi> rois = gst_retinanet::readRois(buf, w, h);
    if (rois.empty()) return GST_FLOW_OK;

    GST_OBJECT_LOCK(self);
    const float minScore = self->minScore;
    const bool labels = self->showLabels;
    const int lineWidth = (int)self->lineWidth;
    GST_OBJECT_UNLOCK(self);

    GstVideoFrame frame;
    if (!gst_video_frame_map(&frame, const_cast<GstVideoInfo*>(info), buf, GST_MAP_READWRITE))
    {
        GST_ELEMENT_ERROR(self, STREAM, FAILED, (NULL), ("cannot map the video frame for writing"));
        return GST_FLOW_ERROR;
    }
    const GstVideoFormat fmt = GST_VIDEO_FRAME_FORMAT(&frame);
    const int cn = GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, 0);   // 3 or 4 bytes per pixel
    const bool rgb = fmt == GST_VIDEO_FORMAT_RGB || fmt == GST_VIDEO_FORMAT_RGBx || fmt == GST_VIDEO_FORMAT_RGBA;
    GstFlowReturn ret = GST_FLOW_OK;
    try
    {
        cv::Mat img(h, w, CV_8UC(cn), GST_VIDEO_FRAME_PLANE_DATA(&frame, 0),
                    (size_t)GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0));
        drawRois(img, std::move(rois), rgb, minScore, labels, lineWidth);
    }
    catch (const cv::Exception& e)
    {
        GST_ELEMENT_ERROR(self, STREAM, FAILED, ("%s", e.err.c_str()), ("%s", e.what()));
        ret = GST_FLOW_ERROR;
    }
    gst_video_frame_unmap(&frame);
    return ret;
}

static void gst_retinanet_overlay_class_init(GstRetinaNetOverlayClass* klass)
{
    GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
    GstBaseTransformClass* bt_class = GST_BASE_TRANSFORM_CLASS(klass);

    GST_DEBUG_CATEGORY_INIT(gst_retinanet_overlay_debug, "retinanetoverlay", 0, "RetinaNet detection overlay");

    gobject_class->set_property = gst_retinanet_overlay_set_property;
    gobject_class->get_property = gst_retinanet_overlay_get_property;
    const GParamFlags rw = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
    g_object_class_install_property(gobject_class, PROP_MIN_SCORE,
        g_param_spec_float("min-score", "Minimum score", "ROIs with a lower confidence are not drawn", 0.f, 1.f, 0.f, rw));
    g_object_class_install_property(gobject_class, PROP_SHOW_LABELS,
        g_param_spec_boolean("show-labels", "Show labels", "draw 'label score' above each box", TRUE, rw));
    g_object_class_install_property(gobject_class, PROP_LINE_WIDTH,
        g_param_spec_uint("line-width", "Line width", "box line width in pixels (0: from the frame size)", 0, 64, 0, rw));

    gst_element_class_set_static_metadata(element_class, "RetinaNet detection overlay", "Filter/Effect/Video",
        "Draws the GstVideoRegionOfInterestMeta of each frame (boxes, labels, scores; a colour per class)",
        "dnn_retinanet");
    gst_element_class_add_static_pad_template(element_class, &sink_template);
    gst_element_class_add_static_pad_template(element_class, &src_template);

    bt_class->transform_ip = gst_retinanet_overlay_transform_ip;
    bt_class->transform = NULL;   // always in place
    bt_class->passthrough_on_same_caps = FALSE;
}

static void gst_retinanet_overlay_init(GstRetinaNetOverlay* self)
{
    self->minScore = 0.f;
    self->showLabels = TRUE;
    self->lineWidth = 0;
    gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
}
