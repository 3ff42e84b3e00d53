// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_SELECTION_SETTERS_HPP
#define DNN_RETINANET_SELECTION_SETTERS_HPP

#include "opencv2/dnn_retinanet/config.hpp"

namespace cv { namespace dnn_retinanet { namespace detail {

/** The selection setters of RetinaNetDecoder, CudaRetinaNetDecoder and RetinaNetDetectionModel,
 *  written once: each validates its value (cv::Exception StsOutOfRange, same message for all three
 *  classes) and then changes @p s; on error @p s is unchanged. */
void setScoreThreshold(SelectionConfig& s, float threshold); //!< [0, 1); also clears the per-level thresholds
void setNmsThreshold(SelectionConfig& s, float threshold);   //!< (0, 1]
void setTopK(SelectionConfig& s, int topkPerLevel);          //!< <= 1000000 (<= 0: no limit)
void setMaxDetections(SelectionConfig& s, int maxDetections); //!< <= 100000 (<= 0: unlimited)
void setClassAgnosticNms(SelectionConfig& s, bool agnostic);

}}} // namespace cv::dnn_retinanet::detail

#endif
