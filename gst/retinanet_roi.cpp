// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "retinanet_roi.hpp"

#include "sample_common.hpp"   // the samples' palette and class-name rule (modules/dnn_retinanet/samples/)

#include <algorithm>
#include <cmath>

namespace gst_retinanet {

std::string classLabel(const std::vector<std::string>& names, int classId)
{
    return sample::className(names, classId);
}

cv::Scalar classColorBgr(int classId)
{
    return sample::classColor(classId);
}

void addDetectionMetas(GstBuffer* buffer, const std::vector<cv::dnn_retinanet::Detection>& dets,
                       const std::vector<std::string>& names, int width, int height)
{
    const double W = std::max(1, width), H = std::max(1, height);
    auto clampPx = [](float v, int hi) { return (guint)std::min(std::max(0L, std::lround(v)), (long)hi); };
    auto clamp01 = [](double v) { return std::min(1.0, std::max(0.0, v)); };
    for (size_t i = 0; i < dets.size(); i++)
    {
        const cv::dnn_retinanet::Detection& d = dets[i];
        const std::string label = classLabel(names, d.classId);
        const guint x1 = clampPx(d.box[0], width), y1 = clampPx(d.box[1], height);
        const guint x2 = std::max(x1, clampPx(d.box[2], width)), y2 = std::max(y1, clampPx(d.box[3], height));
        GstVideoRegionOfInterestMeta* meta =
            gst_buffer_add_video_region_of_interest_meta(buffer, label.c_str(), x1, y1, x2 - x1, y2 - y1);
        if (!meta) continue;
        meta->id = (gint)i;
        GstStructure* s = gst_structure_new("detection",
            "label_id", G_TYPE_INT, d.classId,
            "label", G_TYPE_STRING, label.c_str(),
            "confidence", G_TYPE_DOUBLE, (double)d.score,
            "x_min", G_TYPE_DOUBLE, clamp01(d.box[0] / W),
            "y_min", G_TYPE_DOUBLE, clamp01(d.box[1] / H),
            "x_max", G_TYPE_DOUBLE, clamp01(d.box[2] / W),
            "y_max", G_TYPE_DOUBLE, clamp01(d.box[3] / H),
            NULL);
        gst_video_region_of_interest_meta_add_param(meta, s);   // takes ownership
    }
}

std::vector<Roi> readRois(GstBuffer* buffer, int width, int height)
{
    std::vector<Roi> rois;
    gpointer state = nullptr;
    GstMeta* m;
    while ((m = gst_buffer_iterate_meta_filtered(buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)))
    {
        const GstVideoRegionOfInterestMeta* meta = (const GstVideoRegionOfInterestMeta*)m;
        Roi r;
        r.rect = cv::Rect((int)meta->x, (int)meta->y, (int)meta->w, (int)meta->h);
        r.box = cv::Vec4d(meta->x, meta->y, (double)meta->x + meta->w, (double)meta->y + meta->h);
        const gchar* type = g_quark_to_string(meta->roi_type);
        r.label = type ? type : "";
        GstStructure* s = gst_video_region_of_interest_meta_get_param(
            const_cast<GstVideoRegionOfInterestMeta*>(meta), "detection");
        if (s)
        {
            gint id;
            gdouble v;
            if (gst_structure_get_int(s, "label_id", &id)) r.classId = id;
            if (gst_structure_get_double(s, "confidence", &v)) r.score = v;
            const gchar* label = gst_structure_get_string(s, "label");
            if (label) r.label = label;
            gdouble x1, y1, x2, y2;
            if (gst_structure_get_double(s, "x_min", &x1) && gst_structure_get_double(s, "y_min", &y1) &&
                gst_structure_get_double(s, "x_max", &x2) && gst_structure_get_double(s, "y_max", &y2))
            {
                r.normalised = true;
                r.box = cv::Vec4d(x1 * width, y1 * height, x2 * width, y2 * height);
            }
        }
        rois.push_back(r);
    }
    return rois;
}

} // namespace gst_retinanet
