// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// retinanetjson: writes the GstVideoRegionOfInterestMeta of every buffer as one JSON line, the
// fields of retinanet_video --json plus the buffer timestamp:
//   {"frame":N,"pts_ms":T,"width":W,"height":H,"detections":[{"class_id":K,"class":"name",
//    "score":S,"box":[x1,y1,x2,y2]},...]}
// frame: index of the buffer since the element started (not reset by seeks); pts_ms: the buffer's
// presentation timestamp in milliseconds (null when it has none); box in frame pixels. Floats are
// written with 9 significant digits, so scores and boxes read back bit-exact (as the sample's
// JSON). A meta without a "detection" structure gives class_id -1, its roi_type, score null and
// its own rectangle. Passthrough: buffers are neither modified nor mapped.

#include "gstretinanet.hpp"
#include "retinanet_roi.hpp"

#include "sample_common.hpp"   // jsonEscape

#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

GST_DEBUG_CATEGORY_STATIC(gst_retinanet_json_debug);
#define GST_CAT_DEFAULT gst_retinanet_json_debug

struct GstRetinaNetJson
{
    GstBaseTransform parent;
    gchar* location;
    // streaming state
    FILE* file;
    gboolean ownFile;
    guint64 frames;
    gint width, height;
};

struct GstRetinaNetJsonClass
{
    GstBaseTransformClass parent_class;
};

G_DEFINE_TYPE(GstRetinaNetJson, gst_retinanet_json, GST_TYPE_BASE_TRANSFORM)

enum
{
    PROP_0,
    PROP_LOCATION
};

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw(ANY)"));

static void gst_retinanet_json_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec)
{
    GstRetinaNetJson* self = (GstRetinaNetJson*)object;
    GST_OBJECT_LOCK(self);
    switch (prop_id)
    {
    case PROP_LOCATION: g_free(self->location); self->location = g_value_dup_string(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static void gst_retinanet_json_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec)
{
    GstRetinaNetJson* self = (GstRetinaNetJson*)object;
    GST_OBJECT_LOCK(self);
    switch (prop_id)
    {
    case PROP_LOCATION: g_value_set_string(value, self->location); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static gboolean gst_retinanet_json_start(GstBaseTransform* trans)
{
    GstRetinaNetJson* self = (GstRetinaNetJson*)trans;
    GST_OBJECT_LOCK(self);
    const std::string location = self->location ? self->location : "";
    GST_OBJECT_UNLOCK(self);
    self->frames = 0;
    self->width = self->height = 0;
    if (location.empty() || location == "-")
    {
        self->file = stdout;
        self->ownFile = FALSE;
        return TRUE;
    }
    self->file = fopen(location.c_str(), "w");
    if (!self->file)
    {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("cannot write JSON lines to '%s': %s", location.c_str(),
                                                       g_strerror(errno)), (NULL));
        return FALSE;
    }
    self->ownFile = TRUE;
    return TRUE;
}

static gboolean gst_retinanet_json_stop(GstBaseTransform* trans)
{
    GstRetinaNetJson* self = (GstRetinaNetJson*)trans;
    gboolean ok = TRUE;
    if (self->file)
    {
        ok = fflush(self->file) == 0;
        if (self->ownFile) ok = fclose(self->file) == 0 && ok;
    }
    self->file = nullptr;
    if (!ok)
        GST_ELEMENT_ERROR(self, RESOURCE, CLOSE, ("closing the JSON lines output failed: %s", g_strerror(errno)),
                          (NULL));
    return ok;
}

static gboolean gst_retinanet_json_set_caps(GstBaseTransform* trans, GstCaps* incaps, GstCaps*)
{
    GstRetinaNetJson* self = (GstRetinaNetJson*)trans;
    GstVideoInfo info;
    if (gst_video_info_from_caps(&info, incaps))
    {
        self->width = GST_VIDEO_INFO_WIDTH(&info);
        self->height = GST_VIDEO_INFO_HEIGHT(&info);
    }
    else
    {
        // caps features such as memory:NVMM still carry the size
        const GstStructure* s = gst_caps_get_structure(incaps, 0);
        if (!s || !gst_structure_get_int(s, "width", &self->width) || !gst_structure_get_int(s, "height", &self->height))
        {
            GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, (NULL), ("caps without width/height"));
            return FALSE;
        }
    }
    return TRUE;
}

static std::string frameJson(guint64 index, GstBuffer* buf, int width, int height)
{
    std::string line = cv::format("{\"frame\":%llu,\"pts_ms\":", (unsigned long long)index);
    line += GST_BUFFER_PTS_IS_VALID(buf) ? cv::format("%.3f", GST_BUFFER_PTS(buf) / 1e6) : std::string("null");
    line += cv::format(",\"width\":%d,\"height\":%d,\"detections\":[", width, height);
    const std::vector<gst_retinanet::Roi> rois = gst_retinanet::readRois(buf, width, height);
    for (size_t i = 0; i < rois.size(); i++)
    {
        const gst_retinanet::Roi& r = rois[i];
        line += cv::format("%s{\"class_id\":%d,\"class\":\"%s\",\"score\":", i ? "," : "", r.classId,
                           sample::jsonEscape(r.label).c_str());
        line += r.score >= 0 ? cv::format("%.9g", (float)r.score) : std::string("null");
        // the box went through float -> normalised double -> pixels: back to the detector's float
        line += cv::format(",\"box\":[%.9g,%.9g,%.9g,%.9g]}", (float)r.box[0], (float)r.box[1], (float)r.box[2],
                           (float)r.box[3]);
    }
    line += "]}\n";
    return line;
}

static GstFlowReturn gst_retinanet_json_transform_ip(GstBaseTransform* trans, GstBuffer* buf)
{
    GstRetinaNetJson* self = (GstRetinaNetJson*)trans;
    if (!self->file)
    {
        GST_ELEMENT_ERROR(self, CORE, STATE_CHANGE, (NULL), ("no output open"));
        return GST_FLOW_ERROR;
    }
    const std::string line = frameJson(self->frames++, buf, self->width, self->height);
    if (fwrite(line.data(), 1, line.size(), self->file) != line.size() || fflush(self->file) != 0)
    {
        GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("writing the JSON lines failed: %s", g_strerror(errno)), (NULL));
        return GST_FLOW_ERROR;
    }
    return GST_FLOW_OK;
}

static void gst_retinanet_json_finalize(GObject* object)
{
    GstRetinaNetJson* self = (GstRetinaNetJson*)object;
    g_free(self->location);
    G_OBJECT_CLASS(gst_retinanet_json_parent_class)->finalize(object);
}

static void gst_retinanet_json_class_init(GstRetinaNetJsonClass* klass)
{
    GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
    GstBaseTransformClass* bt_class = GST_BASE_TRANSFORM_CLASS(klass);

    GST_DEBUG_CATEGORY_INIT(gst_retinanet_json_debug, "retinanetjson", 0, "RetinaNet detections as JSON lines");

    gobject_class->set_property = gst_retinanet_json_set_property;
    gobject_class->get_property = gst_retinanet_json_get_property;
    gobject_class->finalize = gst_retinanet_json_finalize;
    g_object_class_install_property(gobject_class, PROP_LOCATION,
        g_param_spec_string("location", "Location", "JSON lines file (unset or '-': stdout; use gst-launch-1.0 -q)",
                            NULL, (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));

    gst_element_class_set_static_metadata(element_class, "RetinaNet detections to JSON lines", "Filter/Video",
        "Writes the GstVideoRegionOfInterestMeta of each frame as one JSON line (frame, pts_ms, width, height, "
        "detections with class_id, class, score, box in pixels)",
        "dnn_retinanet");
    gst_element_class_add_static_pad_template(element_class, &sink_template);
    gst_element_class_add_static_pad_template(element_class, &src_template);

    bt_class->start = gst_retinanet_json_start;
    bt_class->stop = gst_retinanet_json_stop;
    bt_class->set_caps = gst_retinanet_json_set_caps;
    bt_class->transform_ip = gst_retinanet_json_transform_ip;
    bt_class->transform_ip_on_passthrough = TRUE;
}

static void gst_retinanet_json_init(GstRetinaNetJson* self)
{
    self->location = nullptr;
    self->file = nullptr;
    self->ownFile = FALSE;
    self->frames = 0;
    self->width = self->height = 0;
    gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), TRUE);
    gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
}
