// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_DECODE_LAYER_HPP
#define DNN_RETINANET_DECODE_LAYER_HPP

#include "../precomp.hpp"

#include <mutex>

namespace cv { namespace dnn_retinanet {

/** @brief The decoder as a cv::dnn layer ("RetinaNetDecode"), appended after the head outputs.
 *
 * Inputs: the L score tensors, the L box tensors (config order; one of each for the concatenated
 * layout), then the network input blob (for the input size). Output: [1, 1, N*maxDetections, 7]
 * rows [imageId, classId, score, x1, y1, x2, y2] with coordinates divided by the valid image width
 * / height (by the frame width / height with `clip_space: frame` and frames set, the boxes being in
 * frame pixels then) and clamped to [0, 1]; unused rows are [-1, -1, -1, 0, 0, 0, 0]. Either way a
 * row times the frame size is the box in frame pixels. Its `type` is
 * "DetectionOutput", which is what cv::dnn::DetectionModel::detect decodes. Runs on the CPU
 * backend; under DNN_BACKEND_CUDA OpenCV falls back to it after copying its inputs to the host.
 * Exported (CV_EXPORTS) for the unit tests only (an OpenCV build hides the module's internals).
 */
class CV_EXPORTS RetinaNetDecodeLayer CV_FINAL : public dnn::Layer
{
public:
    static const char* kTypeName;       //!< "RetinaNetDecode" (factory / ONNX op type)
    static const int kRowsIfUnlimited = 1000;

    explicit RetinaNetDecodeLayer(const dnn::LayerParams& params);
    static Ptr<dnn::Layer> create(dnn::LayerParams& params);
    //! LayerParams for a config: the YAML text travels as the "config" parameter.
    static dnn::LayerParams makeParams(const RetinaNetConfig& config, const std::string& name);

    bool getMemoryShapes(const std::vector<dnn::MatShape>& inputs, const int requiredOutputs,
                         std::vector<dnn::MatShape>& outputs, std::vector<dnn::MatShape>& internals) const CV_OVERRIDE;
    void forward(InputArrayOfArrays inputs, OutputArrayOfArrays outputs, OutputArrayOfArrays internals) CV_OVERRIDE;
    bool supportBackend(int backendId) CV_OVERRIDE { return backendId == dnn::DNN_BACKEND_OPENCV; }

    //! Valid image sizes of the next forward only (then the whole input is valid again).
    void setNextImageSizes(const std::vector<Size>& sizes);
    //! Original frames of the next forward only (RetinaNetDecoder::decode() with frames); empty: none.
    void setNextFrames(const std::vector<FrameInfo>& frames);
    /** Replaces the decoder's config (a new decoder, its outputs bound by the internal names
     *  cls_<l> / box_<l> in config order). The layout and level count must match the layer's
     *  inputs (checked at the next forward). */
    void setConfig(const RetinaNetConfig& config);
    /** The decoder, whose config is the model's with internal output names. RetinaNetDetectionModel
     *  owns the config and pushes its setters' changes here. */
    RetinaNetDecoder& decoder() { return *decoder_; }
    /** The detections the last forward wrote as rows (the best rowsPerImage() of each image), in the
     *  decoder's coordinates (frame pixels with `clip_space: frame` and frames), not normalised. */
    const std::vector<std::vector<Detection> >& lastDetections() const { return detections_; }
    //! Milliseconds spent in the last forward.
    double lastMilliseconds() const { return lastMs_; }

    /** True when max_detections changed since the output was sized (getMemoryShapes): the net
     * must re-allocate before the next forward (the model forces it, see detectBatch). */
    bool outputNeedsReallocation() const { return allocatedRows_ != rowsPerImage(); }

private:
    int rowsPerImage() const;
    mutable int allocatedRows_ = 0; //!< rows per image the output was last sized for

    Ptr<RetinaNetDecoder> decoder_;
    std::vector<std::string> inputNames_;
    std::vector<Size> nextImageSizes_;
    std::vector<FrameInfo> nextFrames_;
    std::vector<std::vector<Detection> > detections_;
    double lastMs_ = 0;
};

}}

#endif
