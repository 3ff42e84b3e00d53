// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_ONNX_GRAPH_OUTPUTS_HPP
#define DNN_RETINANET_ONNX_GRAPH_OUTPUTS_HPP

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace cv { namespace dnn_retinanet {

// The functions are exported (CV_EXPORTS) for the unit tests only (an OpenCV build hides the
// module's internals).

/** @brief The ONNX model bytes without the graph's declared outputs (GraphProto.output); nodes that produced one are renamed after it, so
 *  that configs can name outputs by their ONNX tensor names.
 *
 * OpenCV 4.6-4.9's ONNX importer registers every graph output with Net::registerOutput, and then
 * getUnconnectedOutLayersNames() returns them forever: cv::dnn::DetectionModel would keep
 * forwarding the raw heads instead of the appended decode layer. Without declared outputs the
 * importer builds the same layers and the net's outputs are its unconsumed layers, i.e. the
 * decoder once it is connected. Only this one repeated field is removed; throws on malformed input.
 */
CV_EXPORTS std::string stripOnnxGraphOutputs(const std::string& model);

//! An initializer whose data lives in a side file (TensorProto.data_location = EXTERNAL).
struct OnnxExternalTensor
{
    std::string tensor;   //!< TensorProto.name
    std::string location; //!< external_data "location": a path relative to the model's folder
    int64 offset = 0;     //!< external_data "offset" (0 when absent)
    int64 length = -1;    //!< external_data "length" (-1 when absent: to the end of the file)
    bool valid = false;   //!< a location is given and offset/length are decimal integers
    int64 dataBytes = -1; //!< bytes its shape and data type need (-1: no fixed element size or no valid shape)
};

/** @brief The initializers of the model's graph (ModelProto.graph.initializer) whose data is external.
 *
 * OpenCV 4.6's ONNX importer does not read external data and crashes on such a model (SIGFPE in
 * readNetFromONNX), so it must be caught before the bytes reach it. Subgraphs (If/Loop bodies) are
 * not scanned. Throws on malformed input. */
CV_EXPORTS std::vector<OnnxExternalTensor> findOnnxExternalData(const std::string& model);

/** @brief The model bytes with the data of every external initializer read from its side file
 *  (next to @p modelPath) into TensorProto.raw_data, so that OpenCV's importer can read them; the
 *  bytes unchanged when there is no external data.
 *
 * Throws cv::Exception (StsUnsupportedFormat, onnxExternalDataMessage) when a tensor cannot be read:
 * a side file missing or too short, a location that is not a relative path inside the model's
 * folder (absolute, "..", a drive), a length that does not match the tensor's shape and type, a type
 * without a fixed element size, or an inlined model over protobuf's 2 GB limit. */
CV_EXPORTS std::string inlineOnnxExternalData(const std::string& model, const std::string& modelPath);

/** @brief The error message for a model with external data that cannot be read: @p problem, the
 *  side files (location values), whether each is present next to @p modelPath (and long enough),
 *  and the command that inlines them with the onnx Python package. */
CV_EXPORTS std::string onnxExternalDataMessage(const std::vector<OnnxExternalTensor>& tensors,
                                               const std::string& modelPath, const std::string& problem);

}}

#endif
