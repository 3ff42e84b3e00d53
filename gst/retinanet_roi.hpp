// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Detections <-> GstVideoRegionOfInterestMeta, shared by the elements of the GStreamer plugin.
//
// Each detection is one ROI meta: roi_type = the class name, x/y/w/h = the box in pixels (rounded,
// clamped to the frame), and a "detection" GstStructure param with the fields Intel DL Streamer's
// gvadetect writes, so gvawatermark / gvametaconvert and any ROI-meta consumer read it:
//   label_id (int), label (string), confidence (double),
//   x_min, y_min, x_max, y_max (double, normalised by the frame size, clamped to [0, 1]).
#ifndef DNN_RETINANET_GST_RETINANET_ROI_HPP
#define DNN_RETINANET_GST_RETINANET_ROI_HPP

#include <gst/gst.h>
#include <gst/video/video.h>

#include <opencv2/core.hpp>
#include <opencv2/dnn_retinanet/decoder.hpp>

#include <string>
#include <vector>

namespace gst_retinanet {

//! One ROI meta read back from a buffer.
struct Roi
{
    int classId = -1;          //!< "label_id" of the detection structure, -1 when absent
    std::string label;         //!< "label", else the meta's roi_type
    double score = -1.0;       //!< "confidence", -1 when absent
    bool normalised = false;   //!< box from the structure's x_min..y_max (else from the meta's x, y, w, h)
    cv::Vec4d box;             //!< x1, y1, x2, y2 in frame pixels
    cv::Rect rect;             //!< the meta's own x, y, w, h
};

/** Attaches one ROI meta per detection to @p buffer (which must be writable), for a frame of
 *  @p width x @p height. @p names: class names (class k -> names[k], else "class k"). */
void addDetectionMetas(GstBuffer* buffer, const std::vector<cv::dnn_retinanet::Detection>& dets,
                       const std::vector<std::string>& names, int width, int height);

//! Every ROI meta of @p buffer, in the order they were attached.
std::vector<Roi> readRois(GstBuffer* buffer, int width, int height);

//! "class k" for ids the names do not cover.
std::string classLabel(const std::vector<std::string>& names, int classId);

//! The samples' palette (BGR), by class id.
cv::Scalar classColorBgr(int classId);

} // namespace gst_retinanet

#endif
