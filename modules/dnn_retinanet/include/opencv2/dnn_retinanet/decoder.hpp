// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_DNN_RETINANET_DECODER_HPP
#define OPENCV_DNN_RETINANET_DECODER_HPP

#include <opencv2/dnn_retinanet/config.hpp>

namespace cv {
namespace dnn_retinanet {

//! @addtogroup dnn_retinanet
//! @{

/** @brief One detection in network-input pixel coordinates (or frame coordinates when returned by
 *  RetinaNetDetectionModel). */
struct CV_EXPORTS_W_SIMPLE Detection
{
    CV_WRAP Detection() : score(0.f), classId(-1) {}

    CV_PROP_RW Vec4f box;     //!< x1, y1, x2, y2
    CV_PROP_RW float score;   //!< default 0
    CV_PROP_RW int classId;   //!< index in [0, numClasses) of the model's label space; default -1
    Rect2f rect() const { return Rect2f(box[0], box[1], box[2] - box[0], box[3] - box[1]); }
};

/** @brief Where one image of a batch came from: its original frame and the resize factor that
 *  took the frame into the network input (input pixel = frame pixel * scale, per axis).
 *
 *  Optional input of RetinaNetDecoder::decode(). It is used
 *  - with `box_coding.clip_space: frame` (CLIP_SPACE_FRAME, Detectron1): boxes are divided by the
 *    scale right after decoding, clipped to [0, frame - clip_max_offset], size-filtered and suppressed
 *    in frame pixels, and returned in frame pixels;
 *  - for `selection.min_box_size`, which is measured in frame pixels (width / scaleX, height / scaleY)
 *    in network space too (mmdetection filters after rescaling to the original image).
 *  Without it, the frame is the image's valid part (imageSizes[n]) and the scale 1. */
struct CV_EXPORTS_W_SIMPLE FrameInfo
{
    CV_WRAP FrameInfo() : scaleX(1), scaleY(1) {}
    FrameInfo(const Size& size, double sx, double sy) : frameSize(size), scaleX(sx), scaleY(sy) {}

    CV_PROP_RW Size frameSize;        //!< the original frame, in pixels
    CV_PROP_RW double scaleX, scaleY; //!< input = frame * scale (Detectron1: its im_scale on both axes); default 1
};

/** @brief Counters of the last decode() call, for diagnostics and benchmarks (read-only in
 *  Python: OpenCV 4.6's bindings convert int64 to Python but not back). */
struct CV_EXPORTS_W_SIMPLE DecodeStats
{
    CV_WRAP DecodeStats() : scanned(0), candidates(0), afterTopk(0), nonFinite(0), detections(0), rescans(0) {}

    CV_PROP int64 scanned;         //!< score values read
    CV_PROP int64 candidates;      //!< values above the (logit-space) threshold (all of them)
    CV_PROP int64 afterTopk;       //!< candidates kept by the per-level top-k
    CV_PROP int64 nonFinite;       //!< candidates dropped because their box was NaN/Inf (the CPU decoder
                                   //!< decodes only the boxes its NMS reaches, CUDA every top-k survivor)
    CV_PROP int64 detections;      //!< final detections, all images
    CV_PROP int64 rescans;         //!< (image, level) blocks read twice: their sampled top-k floor guess
                                   //!< was too high (rare, see doc/decoder.md; always 0 on CUDA)
};

/** @brief Focal-loss-aware RetinaNet anchor decoder: raw head outputs -> detections.
 *
 * Implements the whole post-processing of a RetinaNet for any convention a RetinaNetConfig can
 * express: anchors -> score threshold (in logit space, so sigmoid runs only on candidates) ->
 * per-level top-k -> box decoding -> clipping -> class-aware NMS -> max detections.
 *
 * Thread safety: one decoder holds reusable scratch buffers, so a single instance must not run
 * decode() from two threads at once. Create one decoder per thread (creation is cheap).
 *
 * Non-finite inputs: NaN scores never pass a threshold; +Inf logits score 1. Candidates whose
 * decoded box is not finite are dropped and counted in DecodeStats::nonFinite.
 */
class CV_EXPORTS_W RetinaNetDecoder
{
public:
    virtual ~RetinaNetDecoder();

    /** @brief Creates a CPU decoder; the config is validated (cv::Exception on error). */
    CV_WRAP static Ptr<RetinaNetDecoder> create(const RetinaNetConfig& config);

    /** @brief Decodes a batch.
     * @param outputs the head tensors (CV_32F), in any order.
     * @param outputNames their names, used to map them to (level, kind) when the config names them;
     *        may be empty, then the mapping is inferred from the shapes.
     * @param inputSize width and height of the (padded) network input.
     * @param imageSizes per image, the valid (resized, unpadded) part of the input; empty: the whole input.
     * @param detections per image, sorted by decreasing score.
     */
    virtual void decode(InputArrayOfArrays outputs, const std::vector<std::string>& outputNames,
                        const Size& inputSize, const std::vector<Size>& imageSizes,
                        std::vector<std::vector<Detection> >& detections) = 0;

    /** @brief decode() with the original frame of each image (see FrameInfo).
     * @param frames per image, its frame size and resize scale; empty: the frame is the valid image
     *        and the scale 1 (then this is the overload above).
     * @param detections in frame pixels with `clip_space: frame`, else in network-input pixels. */
    virtual void decode(InputArrayOfArrays outputs, const std::vector<std::string>& outputNames,
                        const Size& inputSize, const std::vector<Size>& imageSizes,
                        const std::vector<FrameInfo>& frames,
                        std::vector<std::vector<Detection> >& detections) = 0;

    /** @brief Same as decode(), written as an SSD-style [1, 1, D, 7] blob of
     *  [imageId, classId, score, x1, y1, x2, y2] rows in input pixels. */
    CV_WRAP virtual void decodeToBlob(InputArrayOfArrays outputs, const std::vector<std::string>& outputNames,
                                      const Size& inputSize, const std::vector<Size>& imageSizes,
                                      OutputArray blob) = 0;
    /** @brief decodeToBlob() with frames: rows in frame pixels with `clip_space: frame` (C++ only). */
    virtual void decodeToBlob(InputArrayOfArrays outputs, const std::vector<std::string>& outputNames,
                              const Size& inputSize, const std::vector<Size>& imageSizes,
                              const std::vector<FrameInfo>& frames, OutputArray blob) = 0;

    CV_WRAP virtual const RetinaNetConfig& getConfig() const = 0;
    CV_WRAP virtual void setScoreThreshold(float threshold) = 0; //!< also resets per-level thresholds
    CV_WRAP virtual void setNmsThreshold(float threshold) = 0;
    CV_WRAP virtual void setTopK(int topkPerLevel) = 0;
    CV_WRAP virtual void setMaxDetections(int maxDetections) = 0;
    CV_WRAP virtual void setClassAgnosticNms(bool agnostic) = 0;
    CV_WRAP virtual DecodeStats getLastStats() const = 0;
};

/** @brief The score threshold applied to raw head values for a probability threshold @p t:
 *  log(t/(1-t)) for logits, (logit(t)-beta)/gamma for FL*, t itself for probabilities. It is the
 *  exact float boundary: raw > result <=> score(raw) > t (or >= with @p inclusive). */
CV_EXPORTS_W float rawScoreThreshold(const ScoringConfig& scoring, float t, bool inclusive = false);

/** @brief Score of a raw value for the sigmoid / probability / FL* activations. */
CV_EXPORTS_W float scoreFromRaw(const ScoringConfig& scoring, float raw);

//! @}

}} // namespace cv::dnn_retinanet

#endif
