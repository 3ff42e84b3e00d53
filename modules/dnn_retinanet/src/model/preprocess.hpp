// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_PREPROCESS_HPP
#define DNN_RETINANET_PREPROCESS_HPP

#include "../precomp.hpp"

namespace cv { namespace dnn_retinanet {

// Exported (CV_EXPORTS) for the unit tests only (an OpenCV build hides the module's internals).

//! Any supported frame (8U/16U/32F, 1/3/4 channels) as 3-channel BGR float in 0..255.
CV_EXPORTS Mat toBgrFloat(InputArray frame);
//! Size of the resized frame inside the input, and the per-axis scale.
CV_EXPORTS Size resizedSize(const Size& frame, const PreprocessConfig& pre, double& sx, double& sy);
//! Network input size for a resized image (padding to the divisor, or the fixed size).
CV_EXPORTS Size paddedSize(const Size& image, const PreprocessConfig& pre);
//! Writes image n of an (N, 3, H, W) blob: resize, channel order, normalisation, padding.
CV_EXPORTS void writeImageToBlob(const Mat& bgr, const PreprocessConfig& pre, const Size& imageSize, Mat& blob, int n);
//! N frames padded to one common input (bottom/right).
CV_EXPORTS void blobFromFrames(const std::vector<Mat>& frames, const PreprocessConfig& pre, Mat& blob,
                    std::vector<LetterboxInfo>& infos);

}}

#endif
