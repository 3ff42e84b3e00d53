// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_DNN_RETINANET_HPP
#define OPENCV_DNN_RETINANET_HPP

/** @defgroup dnn_retinanet RetinaNet object detection for cv::dnn

RetinaNet (Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017) in OpenCV:

- RetinaNetConfig: anchors, box coding, scoring, selection and preprocessing of every major
  framework (torchvision, detectron2, mmdetection, keras-retinanet, NVIDIA ODTK, Detectron, AP-loss)
  as presets loaded with cv::FileStorage;
- RetinaNetDecoder: the focal-loss-aware anchor decoder (per-class sigmoid, thresholds in logit
  space, FL* / softmax / AP-loss variants, per-level top-k, class-aware NMS);
- RetinaNetDetectionModel: a cv::dnn::DetectionModel whose Net ends in the decoder.
*/

#include <opencv2/dnn_retinanet/config.hpp>
#include <opencv2/dnn_retinanet/decoder.hpp>
#include <opencv2/dnn_retinanet/cuda_decoder.hpp>
#include <opencv2/dnn_retinanet/model.hpp>

#endif
