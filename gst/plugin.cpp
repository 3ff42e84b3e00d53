// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The "retinanet" GStreamer plugin: retinanetdetect, retinanetoverlay, retinanetjson.
#include "gstretinanet.hpp"

#ifndef DNN_RETINANET_VERSION
#define DNN_RETINANET_VERSION "0.1.0"
#endif
#define PACKAGE "dnn_retinanet"

static gboolean plugin_init(GstPlugin* plugin)
{
    return gst_element_register(plugin, "retinanetdetect", GST_RANK_NONE, gst_retinanet_detect_get_type()) &&
           gst_element_register(plugin, "retinanetoverlay", GST_RANK_NONE, gst_retinanet_overlay_get_type()) &&
           gst_element_register(plugin, "retinanetjson", GST_RANK_NONE, gst_retinanet_json_get_type());
}

// OpenCV and its contrib modules are Apache 2.0.
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, retinanet,
                  "RetinaNet object detection (OpenCV dnn_retinanet): detection, overlay, JSON lines",
                  plugin_init, DNN_RETINANET_VERSION, "Apache 2.0", "dnn_retinanet",
                  "dnn_retinanet (this repository)")
