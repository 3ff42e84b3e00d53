// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_ONNX_GRAPH_OUTPUTS_HPP
#define DNN_RETINANET_ONNX_GRAPH_OUTPUTS_HPP

#include <string>

namespace cv { namespace dnn_retinanet {

/** @brief The ONNX model bytes without the graph's declared outputs (GraphProto.output); nodes that produced one are renamed after it, so
 *  that configs can name outputs by their ONNX tensor names.
 *
 * OpenCV 4.6-4.9's ONNX importer registers every graph output with Net::registerOutput, and then
 * getUnconnectedOutLayersNames() returns them forever: cv::dnn::DetectionModel would keep
 * forwarding the raw heads instead of the appended decode layer. Without declared outputs the
 * importer builds the same layers and the net's outputs are its unconsumed layers, i.e. the
 * decoder once it is connected. Only this one repeated field is removed; throws on malformed input.
 */
std::string stripOnnxGraphOutputs(const std::string& model);

}}

#endif
