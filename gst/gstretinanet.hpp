// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The elements of the "retinanet" GStreamer plugin (libgstretinanet.so):
//   retinanetdetect   RetinaNet detection -> GstVideoRegionOfInterestMeta (DL Streamer's fields)
//   retinanetoverlay  draws the ROI metas (boxes, labels, scores; a colour per class)
//   retinanetjson     writes the ROI metas as JSON lines, one per frame
#ifndef DNN_RETINANET_GST_RETINANET_HPP
#define DNN_RETINANET_GST_RETINANET_HPP

#include <gst/gst.h>

G_BEGIN_DECLS

GType gst_retinanet_detect_get_type(void);
GType gst_retinanet_overlay_get_type(void);
GType gst_retinanet_json_get_type(void);

GType gst_retinanet_backend_get_type(void);
GType gst_retinanet_target_get_type(void);

G_END_DECLS

#endif
