// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_PREPROCESS_HPP
#define DNN_RETINANET_PREPROCESS_HPP

#include "../precomp.hpp"

namespace cv { namespace dnn_retinanet {

// Exported (CV_EXPORTS) for the unit tests only (an OpenCV build hides the module's internals).

//! Checks a frame (8U/16U/32F, 1/3/4 channels, no NaN/Inf) and returns it as it is; @p alpha is the
//! factor that brings it to 0..255 (1 for 8U, 255/65535 for 16U, 255 for 32F in [0, 1]).
CV_EXPORTS Mat checkFrame(InputArray frame, double& alpha);
/** Size of the resized frame inside the input, per the resize mode and (keep_ratio) resize_rule.
 *  @p sx, @p sy: the scale boxes are mapped back with (frame = input / scale): the nominal factor
 *  s of the keras_retinanet / detectron / odtk rules, else resized / frame size per axis. */
CV_EXPORTS Size resizedSize(const Size& frame, const PreprocessConfig& pre, double& sx, double& sy);
//! Network input size for a resized image (padding to the divisor, or the fixed size).
CV_EXPORTS Size paddedSize(const Size& image, const PreprocessConfig& pre);
/** A 3-channel frame (torch_linear: any checkFrame() frame) resized to info.imageSize as the rule does: cv::resize to that
 *  size, or with fx = fy = info.scaleX (keras_retinanet / detectron: cv2.resize(img, None, fx, fy)
 *  maps pixels with s itself, not with the rounded size). Same depth as @p bgr. */
CV_EXPORTS void resizeFrame(const Mat& bgr, const PreprocessConfig& pre, const LetterboxInfo& info, Mat& out);
//! Writes image n of an (N, 3, H, W) blob from checkFrame()'s frame and @p alpha: resize (in the
//! frame's depth for resize_input uint8, else in float), channel order, normalisation, padding.
//! Memory beyond the blob: the resized image (torch_linear reads the frame directly); frames over
//! 512 MB as float BGR are first shrunk by an integer factor (INTER_AREA) in their own depth.
CV_EXPORTS void writeImageToBlob(const Mat& frame, double alpha, const PreprocessConfig& pre, const LetterboxInfo& info,
                                 Mat& blob, int n);
//! N frames padded to one common input (bottom/right).
CV_EXPORTS void blobFromFrames(const std::vector<Mat>& frames, const PreprocessConfig& pre, Mat& blob,
                               std::vector<LetterboxInfo>& infos);
/** A box in network-input pixels (clamped to the resized image) mapped back to frame pixels the
 *  way the rule's framework does it, in float32: torchvision x * float32(orig / new); detectron2
 *  x * float32(double orig / new); mmdetection x * float32(1 / (new / orig)); keras_retinanet,
 *  detectron and odtk x / float32(s). Other resize modes use torchvision's mapping. */
CV_EXPORTS Vec4f boxToFrame(const Vec4f& box, const LetterboxInfo& info, const PreprocessConfig& pre);

}}

#endif
