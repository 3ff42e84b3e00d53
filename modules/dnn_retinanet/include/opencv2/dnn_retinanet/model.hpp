// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_DNN_RETINANET_MODEL_HPP
#define OPENCV_DNN_RETINANET_MODEL_HPP

#include <opencv2/dnn.hpp>
#include <opencv2/dnn_retinanet/decoder.hpp>

namespace cv {
namespace dnn_retinanet {

//! @addtogroup dnn_retinanet
//! @{

/** @brief Where a frame went inside the network input: out = in * scale, then padded. */
struct CV_EXPORTS_W_SIMPLE LetterboxInfo
{
    CV_WRAP LetterboxInfo() : scaleX(1), scaleY(1) {}

    CV_PROP_RW Size frameSize;   //!< original frame
    CV_PROP_RW Size imageSize;   //!< resized frame, top-left of the input
    CV_PROP_RW Size inputSize;   //!< padded network input
    CV_PROP_RW double scaleX, scaleY; //!< default 1
};

/** @brief Turns a frame into a network blob as a RetinaNetConfig's preprocess section says:
 *  keep-ratio / fixed / letterbox resize, padding to the divisor, colour order, per-channel mean
 *  and std. Accepts 8U/16U/32F images with 1, 3 or 4 channels (converted to 3-channel BGR). */
CV_EXPORTS_W void blobFromFrame(InputArray frame, const PreprocessConfig& pre, OutputArray blob,
                                CV_OUT LetterboxInfo& info);

/** @brief Per-stage time of the last RetinaNetDetectionModel::detect / detectBatch call, in
 *  milliseconds (all 0 before the first call). */
struct CV_EXPORTS_W_SIMPLE Timings
{
    CV_WRAP Timings() : preprocess(0), network(0), decode(0), postprocess(0), total(0) {}

    CV_PROP_RW double preprocess;  //!< frame(s) to network blob (blobFromFrame: resize, pad, normalise)
    CV_PROP_RW double network;     //!< the forward pass without the decode layer
    CV_PROP_RW double decode;      //!< the decode layer alone
    CV_PROP_RW double postprocess; //!< mapping the output rows back to the frame(s)
    CV_PROP_RW double total;       //!< the whole call (the four stages and the glue between them)
};

/** @brief RetinaNet as a cv::dnn::DetectionModel.
 *
 * The decoder runs inside the Net as a layer of type "DetectionOutput", so:
 *  - the inherited cv::dnn::DetectionModel::detect (also through a DetectionModel&) returns
 *    RetinaNet detections with the base class' preprocessing (fixed size, mean and one scalar
 *    scale: a per-channel std is approximated by its mean there; export with
 *    `--bake-normalization` when that path must be exact);
 *  - Net::forward() yields the SSD-style [1, 1, D, 7] blob [imageId, classId, score, x1, y1, x2, y2]
 *    with coordinates normalised by the valid image size (see doc/model.md);
 *  - the detect() overloads of this class apply the config's full preprocessing (keep-ratio
 *    resize, padding, per-channel mean and std) and return boxes in frame coordinates.
 *
 * Configuration: the model owns one RetinaNetConfig (getConfig()). Its setters (setScoreThreshold
 * ... setClassAgnosticNms, setInputResize) validate the value, change that config and push the
 * change to the in-graph decode layer and to the base class' input parameters (setInputParams:
 * size, mean, scale, swapRB), so every entry point above sees the same settings. The base class'
 * own setInput*() setters change only the inherited detect()'s preprocessing, not the config.
 *
 * Thread safety: a model (and its copies, which share one Net and one config) must be used from
 * one thread at a time. Independent models may run in parallel threads.
 */
class CV_EXPORTS_W_SIMPLE RetinaNetDetectionModel : public dnn::DetectionModel
{
public:
    /** @brief Reads a network (ONNX first, any format cv::dnn::readNet knows) and a config.
     * @param model the network file.
     * @param config a config file path or a preset name (see RetinaNetConfig::load).
     */
    CV_WRAP RetinaNetDetectionModel(const std::string& model, const std::string& config);
    /** @brief An empty model, only to be assigned to (every other call throws). Needed by OpenCV's
     *  Python bindings (methods returning RetinaNetDetectionModel&), like dnn::DetectionModel(). */
    CV_DEPRECATED_EXTERNAL RetinaNetDetectionModel();
    /** @brief Reads a network file as the constructor above does, with a config object (e.g. a
     *  preset or a loaded file changed in code). */
    RetinaNetDetectionModel(const std::string& model, const RetinaNetConfig& config);
    /** @brief Wraps an already loaded network; outputs are validated against @p config. A Net that
     *  already ends in the decode layer (another model's getNetwork_(), a graph exported with the
     *  node) keeps it, with @p config replacing the layer's: the models then share that layer, and
     *  the setters of one change what the other's Net decodes. */
    RetinaNetDetectionModel(const dnn::Net& network, const RetinaNetConfig& config);

    /** @brief Same signature as DetectionModel::detect; full preprocessing, frame coordinates.
     *  @p confThreshold filters the decoder's detections; @p nmsThreshold > 0 overrides the config. */
    CV_WRAP void detect(InputArray frame, CV_OUT std::vector<int>& classIds,
                        CV_OUT std::vector<float>& confidences, CV_OUT std::vector<Rect>& boxes,
                        float confThreshold = 0.5f, float nmsThreshold = 0.0f);
    /** @brief As above with sub-pixel boxes. */
    CV_WRAP void detect(InputArray frame, CV_OUT std::vector<int>& classIds,
                        CV_OUT std::vector<float>& confidences, CV_OUT std::vector<Rect2d>& boxes,
                        float confThreshold = 0.5f, float nmsThreshold = 0.0f);
    /** @brief All detections above the config's score threshold, frame coordinates. */
    void detect(InputArray frame, std::vector<Detection>& detections);
    /** @brief N frames in one forward pass (sizes may differ: they are padded to a common input);
     *  results equal N single-frame detect() calls. */
    void detectBatch(InputArrayOfArrays frames, std::vector<std::vector<Detection> >& detections);

    CV_WRAP RetinaNetDetectionModel& setScoreThreshold(float threshold);
    CV_WRAP RetinaNetDetectionModel& setNmsThreshold(float threshold);
    CV_WRAP RetinaNetDetectionModel& setTopK(int topkPerLevel);
    CV_WRAP RetinaNetDetectionModel& setMaxDetections(int maxDetections);
    CV_WRAP RetinaNetDetectionModel& setClassAgnosticNms(bool agnostic);
    /** @brief Resize policy: RESIZE_KEEP_RATIO (minSize/maxSize), RESIZE_FIXED or
     *  RESIZE_LETTERBOX (size), RESIZE_NONE. A zero @p size / @p minSize / @p maxSize keeps the
     *  config's. Also sets the inherited DetectionModel::detect()'s input size: the graph's own when
     *  it declares a static one, else @p size, else a minSize square (padded to the divisor). */
    CV_WRAP RetinaNetDetectionModel& setInputResize(int mode, const Size& size = Size(),
                                                    int minSize = 0, int maxSize = 0);
    /** @brief Backend/target for the network; a CUDA request on an OpenCV without CUDA warns once
     *  and runs on the CPU (see getBackend()). The decode layer always runs on the CPU. */
    CV_WRAP RetinaNetDetectionModel& setPreferableBackend(dnn::Backend backendId);
    CV_WRAP RetinaNetDetectionModel& setPreferableTarget(dnn::Target targetId);
    //! Backend/target actually used (after the CUDA-availability check).
    CV_WRAP dnn::Backend getBackend() const;
    CV_WRAP dnn::Target getTarget() const;

    CV_WRAP const std::vector<std::string>& getClassNames() const;
    /** @brief The model's config: the one it was built with (output names as given; class names
     *  filled in as class_<k> when the config has none), with every setter's change applied. */
    CV_WRAP const RetinaNetConfig& getConfig() const;
    //! Where the last frame went inside the network input.
    CV_WRAP LetterboxInfo getLastLetterbox() const;

    //! Per-stage time of the last detect() / detectBatch() call, in milliseconds (see Timings).
    CV_WRAP Timings getLastTimings() const;

    struct Impl;
private:
    struct Prepared;
    static Prepared prepare(dnn::Net network, const RetinaNetConfig& config);
    explicit RetinaNetDetectionModel(const Prepared& prepared);
    Ptr<Impl> retina;
};

/** @brief Registers the "RetinaNetDecode" dnn layer (idempotent, thread-safe). Needed only to
 *  import graphs that already contain the decode node; the model registers it itself. */
CV_EXPORTS_W void registerRetinaNetLayers();

//! @}

}} // namespace cv::dnn_retinanet

#endif
