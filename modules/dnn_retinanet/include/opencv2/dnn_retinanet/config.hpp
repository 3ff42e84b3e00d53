// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_DNN_RETINANET_CONFIG_HPP
#define OPENCV_DNN_RETINANET_CONFIG_HPP

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <string>
#include <vector>

namespace cv {
namespace dnn_retinanet {

//! @addtogroup dnn_retinanet
//! @{

/** @brief Order of the A anchors inside one feature-map location.
 *
 * The head's channel c = a*K + k; what anchor `a` means differs per framework.
 */
enum AnchorOrder
{
    ANCHOR_ORDER_RATIO_MAJOR = 0, //!< a = ratio_index * S + size_index (torchvision, mmdetection, keras-retinanet, AP-loss)
    ANCHOR_ORDER_SIZE_MAJOR = 1   //!< a = size_index * R + ratio_index (detectron2, ODTK, Detectron1)
};

/** @brief How the ratio-1 anchor side is turned into the cell anchors of a level. */
enum AnchorRounding
{
    ANCHOR_ROUNDING_NONE = 0,       //!< float anchors (detectron2, mmdetection, keras-retinanet, ODTK >= 2020)
    ANCHOR_ROUNDING_ROUND = 1,      //!< torchvision: float32 cell anchors rounded half-to-even
    ANCHOR_ROUNDING_QUANTIZED = 2   //!< Detectron1 / ODTK 19.04: w,h rounded at the base size (= stride), then scaled
};

/** @brief Where the stride of a level comes from. */
enum StrideMode
{
    STRIDE_FIXED = 0,           //!< the configured strides (8, 16, ... 128)
    STRIDE_PADDED_DIV_GRID = 1  //!< torchvision: input_size // grid_size, per axis (P6/P7 are then not 64/128)
};

/** @brief Box parametrisation of the regression head. */
enum BoxCoding
{
    BOX_CODING_CENTER_SIZE = 0, //!< (dx, dy, dw, dh) relative to the anchor centre and size (most frameworks)
    BOX_CODING_CORNERS = 1      //!< corner offsets times anchor size (keras-retinanet)
};

/** @brief The "+1" pixel convention of legacy code. */
enum PlusOne
{
    PLUS_ONE_NONE = 0,      //!< w = x2 - x1 (torchvision, detectron2, mmdetection, keras)
    PLUS_ONE_LEGACY = 1,    //!< w = x2 - x1 + 1 and decoded x2 = cx + w/2 - 1 (Detectron1, ODTK)
    PLUS_ONE_SYMMETRIC = 2  //!< w = x2 - x1 + 1 and decoded half-size = max(w - 1, 0)/2 on both sides (AP-loss)
};

/** @brief Clamp of the dw/dh deltas before exp(). */
enum DeltaClamp
{
    DELTA_CLAMP_NONE = 0,      //!< ODTK, AP-loss
    DELTA_CLAMP_UPPER = 1,     //!< min(d, v): torchvision, detectron2, Detectron1
    DELTA_CLAMP_SYMMETRIC = 2  //!< clamp(d, -v, v): mmdetection
};

/** @brief When boxes are clipped to the image. */
enum ClipMode
{
    CLIP_NONE = 0,
    CLIP_BEFORE_NMS = 1, //!< torchvision, mmdetection, keras-retinanet, ODTK, Detectron1, AP-loss
    CLIP_AFTER_NMS = 2   //!< detectron2 (boxes that become empty are dropped)
};

/** @brief Which rectangle boxes are clipped to. */
enum ClipTarget
{
    CLIP_TO_IMAGE = 0, //!< the resized image inside the (padded) network input
    CLIP_TO_INPUT = 1  //!< the whole padded network input tensor (keras-retinanet, ODTK)
};

/** @brief In which coordinates boxes are clipped, filtered by size and suppressed. */
enum ClipSpace
{
    CLIP_SPACE_NETWORK = 0, //!< network-input pixels; boxes are mapped to the frame after NMS (most frameworks)
    /** the original frame: each box is divided by its image's resize scale right after decoding, then
     *  clipped to the frame, size-filtered and suppressed there (Detectron1 test_retinanet.py) */
    CLIP_SPACE_FRAME = 1
};

/** @brief How a class score is obtained from the classification head. */
enum ScoreActivation
{
    SCORE_SIGMOID = 0,     //!< per-class sigmoid of logits, no background class (focal loss)
    SCORE_PROBABILITY = 1, //!< the graph already outputs probabilities (keras-retinanet, ODTK, ONNX zoo)
    SCORE_FL_STAR = 2,     //!< FL*: p = sigmoid(gamma * x + beta)
    SCORE_SOFTMAX = 3      //!< softmax over K+1 channels with a background class (Detectron1 softmax focal loss)
};

/** @brief Order of score thresholding and per-level top-k. */
enum SelectionOrder
{
    SELECT_THRESHOLD_THEN_TOPK = 0, //!< torchvision, detectron2, mmdetection, ODTK, Detectron1
    SELECT_TOPK_THEN_THRESHOLD = 1  //!< AP-loss (same result for a monotone score; see doc/decoder.md)
};

/** @brief Interpolation of the preprocess resize beyond cv::InterpolationFlags (which it also takes:
 *  INTER_NEAREST, INTER_LINEAR, INTER_CUBIC, INTER_AREA). */
enum ResizeInterpolation
{
    /** Bilinear as torch.nn.functional.interpolate(mode="bilinear", align_corners=False) computes it
     *  (torchvision's transform): source coordinates in float32 from scale = float(in) / out, then
     *  (row y0 * h0 + row y1 * h1) of (x0 * w0 + x1 * w1). cv::resize INTER_LINEAR places the samples
     *  with a double scale and fixed-point or differently rounded weights: up to ~1e-4 px apart,
     *  which a deep random network turns into score differences of 1e-4 (doc/model.md). */
    INTER_TORCH_LINEAR = 100
};

/** @brief Memory layout of the raw head outputs. */
enum OutputLayout
{
    LAYOUT_PER_LEVEL_NCHW = 0, //!< one (N, A*K, H, W) + (N, A*4, H, W) pair per level
    LAYOUT_CONCATENATED = 1,   //!< (N, sum(H*W*A), K) + (N, sum(H*W*A), 4), level -> y -> x -> a
    LAYOUT_PER_LEVEL_NHWC = 2  //!< one (N, H, W, A*K) + (N, H, W, A*4) pair per level
};

/** @brief How a frame is brought to the network input size. */
enum ResizeMode
{
    RESIZE_NONE = 0,       //!< the frame is used as is (then padded to the divisor)
    RESIZE_FIXED = 1,      //!< stretched to input_size
    RESIZE_KEEP_RATIO = 2, //!< scaled so that the short side is min_size and the long side <= max_size
    RESIZE_LETTERBOX = 3   //!< scaled to fit input_size keeping the aspect ratio, padded bottom/right
};

/** @brief Keep-ratio arithmetic of one framework (used with RESIZE_KEEP_RATIO only): how the scale
 *  s and the resized size are computed, how pixels are mapped, and how boxes go back to the frame.
 *  Each reproduces that framework's source exactly (doc/config.md, doc/model.md). */
enum ResizeRule
{
    RESIZE_RULE_TORCHVISION = 0,     //!< s = min(min/short, max/long) in float32 (reciprocal, then multiply), side = floor(side * s); boxes * float32(orig / new)
    RESIZE_RULE_DETECTRON2 = 1,      //!< ResizeShortestEdge: short side to min, long side capped in a second step, int(x + 0.5); boxes * float32(orig / new)
    RESIZE_RULE_MMDETECTION = 2,     //!< mmcv rescale_size: s = min(max/long, min/short), side = int(side * s + 0.5); boxes * float32(1 / (new / orig))
    RESIZE_RULE_KERAS_RETINANET = 3, //!< s = min/short, or max/long when long * s > max; cv::resize(fx = fy = s), side = cvRound(side * s); boxes / float32(s) (also AP-loss)
    RESIZE_RULE_DETECTRON = 4,       //!< Detectron1: as keras_retinanet but capped when round(long * s) > max; boxes / float32(s)
    RESIZE_RULE_ODTK = 5             //!< ODTK: s as keras_retinanet, side = int(side * s), resized to that size; boxes / float32(s)
};

/** @brief Whether the frame is resized before or after its conversion to float. */
enum ResizeInput
{
    RESIZE_INPUT_FLOAT = 0, //!< convert to float (0..255) first, then resize (torchvision, Detectron1, AP-loss)
    RESIZE_INPUT_UINT8 = 1  //!< resize the frame in its own depth (8-bit frames: rounded to integers, like cv2 / PIL on uint8), then convert (mmdetection, detectron2, keras-retinanet, ODTK)
};

/* Defaults are set by the constructors (inline, after each struct), not by in-class initializers:
 * OpenCV's Python binding parser (4.6) reads "CV_PROP_RW int x = 0;" as a property named "x = 0". */

/** @brief Anchor generation (the "anchors" section of a config). */
struct CV_EXPORTS_W_SIMPLE AnchorConfig
{
    CV_WRAP AnchorConfig(); //!< empty: RetinaNetConfig() fills in torchvision's anchors

    CV_PROP_RW std::vector<float> strides;  //!< nominal stride per level, e.g. 8 16 32 64 128
    /** Per-level ratio-1 anchor sides, row l = level l (all rows the same length S).
     *  Stored row-major in `sizes` with `sizesPerLevel` columns. */
    CV_PROP_RW std::vector<float> sizes;
    CV_PROP_RW int sizesPerLevel;               //!< default 0
    CV_PROP_RW std::vector<float> aspectRatios; //!< h/w
    CV_PROP_RW int order;                       //!< AnchorOrder, default ANCHOR_ORDER_RATIO_MAJOR
    CV_PROP_RW int rounding;                    //!< AnchorRounding, default ANCHOR_ROUNDING_NONE
    CV_PROP_RW int strideMode;                  //!< StrideMode, default STRIDE_FIXED
    CV_PROP_RW float centerOffset;       //!< anchor centre = x*stride + centerOffset*stride + centerOffsetPixels; default 0
    CV_PROP_RW float centerOffsetPixels; //!< -0.5 for the (stride-1)/2 "+1" convention; default 0
    CV_PROP_RW bool plusOne;             //!< anchor spans [c-(w-1)/2, c+(w-1)/2] (Detectron1, ODTK 19.04, AP-loss); default false

    int numLevels() const { return (int)strides.size(); }
    int numAnchors() const { return sizesPerLevel * (int)aspectRatios.size(); }
    float size(int level, int s) const { return sizes[(size_t)level * sizesPerLevel + s]; }
};

inline AnchorConfig::AnchorConfig()
    : sizesPerLevel(0), order(ANCHOR_ORDER_RATIO_MAJOR), rounding(ANCHOR_ROUNDING_NONE), strideMode(STRIDE_FIXED),
      centerOffset(0.f), centerOffsetPixels(0.f), plusOne(false)
{}

/** @brief Box decoding (the "box_coding" section). */
struct CV_EXPORTS_W_SIMPLE BoxCodingConfig
{
    CV_WRAP BoxCodingConfig();

    CV_PROP_RW int type;           //!< BoxCoding, default BOX_CODING_CENTER_SIZE
    CV_PROP_RW Vec4f means;        //!< delta = raw * std + mean; default (0, 0, 0, 0)
    CV_PROP_RW Vec4f stds;         //!< torchvision "weights" w give std = 1/w; default (1, 1, 1, 1)
    CV_PROP_RW int plusOne;        //!< PlusOne, default PLUS_ONE_NONE
    CV_PROP_RW int clamp;          //!< DeltaClamp, default DELTA_CLAMP_UPPER
    CV_PROP_RW float clampValue;   //!< default log(1000/16)
    CV_PROP_RW int clip;           //!< ClipMode, default CLIP_BEFORE_NMS
    CV_PROP_RW int clipTarget;     //!< ClipTarget, default CLIP_TO_IMAGE
    CV_PROP_RW float clipMaxOffset; //!< upper clip bound = size - clipMaxOffset (1 for "W-1"); default 0
    CV_PROP_RW int clipSpace;      //!< ClipSpace, default CLIP_SPACE_NETWORK
};

inline BoxCodingConfig::BoxCodingConfig()
    : type(BOX_CODING_CENTER_SIZE), means(0, 0, 0, 0), stds(1, 1, 1, 1), plusOne(PLUS_ONE_NONE),
      clamp(DELTA_CLAMP_UPPER), clampValue(4.135166556742356f), clip(CLIP_BEFORE_NMS), clipTarget(CLIP_TO_IMAGE),
      clipMaxOffset(0.f), clipSpace(CLIP_SPACE_NETWORK)
{}

/** @brief Score computation (the "scoring" section). */
struct CV_EXPORTS_W_SIMPLE ScoringConfig
{
    CV_WRAP ScoringConfig();

    CV_PROP_RW int activation;        //!< ScoreActivation, default SCORE_SIGMOID
    CV_PROP_RW float gamma;           //!< FL*: sigmoid(gamma*x + beta); default 1
    CV_PROP_RW float beta;            //!< default 0
    CV_PROP_RW int backgroundChannel; //!< softmax: which of the K+1 channels is background; default 0
};

inline ScoringConfig::ScoringConfig() : activation(SCORE_SIGMOID), gamma(1.f), beta(0.f), backgroundChannel(0) {}

/** @brief Candidate selection and NMS (the "selection" section). */
struct CV_EXPORTS_W_SIMPLE SelectionConfig
{
    CV_WRAP SelectionConfig();

    CV_PROP_RW float scoreThreshold;                    //!< default 0.05
    CV_PROP_RW std::vector<float> levelScoreThresholds; //!< optional per-level override (e.g. 0 on P7)
    CV_PROP_RW bool thresholdInclusive;                 //!< score >= t instead of score > t (ODTK Python); default false
    CV_PROP_RW int order;                               //!< SelectionOrder, default SELECT_THRESHOLD_THEN_TOPK
    CV_PROP_RW int topkPerLevel;                        //!< <= 0: no pre-NMS top-k; default 1000
    CV_PROP_RW float nmsThreshold;                      //!< suppress when IoU > threshold (>= with nmsInclusive); default 0.5
    CV_PROP_RW bool nmsInclusive;                       //!< suppress when IoU >= threshold (Detectron1); default false
    CV_PROP_RW bool classAgnosticNms;                   //!< default false
    CV_PROP_RW bool nmsPlusOne;                         //!< IoU with "+1" areas (Detectron1, ODTK); default false
    CV_PROP_RW int maxDetections;                       //!< <= 0: unlimited; default 300
    /** Before NMS, boxes whose width or height is not > minBoxSize (frame pixels) are dropped
     *  (mmdetection's min_bbox_size); < 0: no filter. Default -1 */
    CV_PROP_RW float minBoxSize;

    float levelThreshold(int level) const
    {
        return level < (int)levelScoreThresholds.size() ? levelScoreThresholds[level] : scoreThreshold;
    }
};

inline SelectionConfig::SelectionConfig()
    : scoreThreshold(0.05f), thresholdInclusive(false), order(SELECT_THRESHOLD_THEN_TOPK), topkPerLevel(1000),
      nmsThreshold(0.5f), nmsInclusive(false), classAgnosticNms(false), nmsPlusOne(false), maxDetections(300),
      minBoxSize(-1.f)
{}

/** @brief Which network outputs feed the decoder (the "outputs" section). */
struct CV_EXPORTS_W_SIMPLE OutputConfig
{
    CV_WRAP OutputConfig();

    CV_PROP_RW int layout;                         //!< OutputLayout, default LAYOUT_PER_LEVEL_NCHW
    CV_PROP_RW std::vector<std::string> clsNames;  //!< per level (or one for concatenated); empty: infer from shapes
    CV_PROP_RW std::vector<std::string> boxNames;
};

inline OutputConfig::OutputConfig() : layout(LAYOUT_PER_LEVEL_NCHW) {}

/** @brief Image to blob conversion (the "preprocess" section), used by RetinaNetDetectionModel. */
struct CV_EXPORTS_W_SIMPLE PreprocessConfig
{
    CV_WRAP PreprocessConfig();

    CV_PROP_RW bool swapRB;          //!< frames are BGR; true (default) feeds RGB to the network
    CV_PROP_RW double scale;         //!< pixel * scale, then (x - mean) / std; default 1/255
    CV_PROP_RW Scalar mean;          //!< default (0.485, 0.456, 0.406)
    CV_PROP_RW Scalar std;           //!< default (0.229, 0.224, 0.225)
    CV_PROP_RW int resize;           //!< ResizeMode, default RESIZE_KEEP_RATIO
    CV_PROP_RW Size inputSize;       //!< RESIZE_FIXED / RESIZE_LETTERBOX target, or a fixed input of the net
    CV_PROP_RW int minSize;          //!< RESIZE_KEEP_RATIO; default 800
    CV_PROP_RW int maxSize;          //!< default 1333
    CV_PROP_RW int padDivisor;       //!< pad bottom/right to a multiple (1: none); default 32
    CV_PROP_RW double padValue;      //!< value of padded pixels after normalisation; default 0
    CV_PROP_RW int interpolation;    //!< default INTER_LINEAR
    CV_PROP_RW int resizeRule;       //!< ResizeRule (RESIZE_KEEP_RATIO only), default RESIZE_RULE_TORCHVISION
    CV_PROP_RW int resizeInput;      //!< ResizeInput, default RESIZE_INPUT_FLOAT
};

inline PreprocessConfig::PreprocessConfig()
    : swapRB(true), scale(1.0 / 255.0), mean(0.485, 0.456, 0.406), std(0.229, 0.224, 0.225), resize(RESIZE_KEEP_RATIO),
      minSize(800), maxSize(1333), padDivisor(32), padValue(0.0), interpolation(INTER_LINEAR),
      resizeRule(RESIZE_RULE_TORCHVISION), resizeInput(RESIZE_INPUT_FLOAT)
{}

/** @brief The complete description of how a RetinaNet's outputs are decoded.
 *
 * Loaded from YAML/JSON with cv::FileStorage (see doc/config.md for every field and its default)
 * or from a shipped preset by name (torchvision, torchvision_v2, detectron2, mmdetection,
 * keras_retinanet, odtk, odtk_19.04, detectron, aploss).
 */
class CV_EXPORTS_W_SIMPLE RetinaNetConfig
{
public:
    CV_WRAP RetinaNetConfig();

    CV_PROP_RW int numClasses;                //!< K, the number of foreground classes (default 0)
    CV_PROP_RW std::vector<std::string> classNames;
    CV_PROP_RW AnchorConfig anchors;
    CV_PROP_RW BoxCodingConfig boxCoding;
    CV_PROP_RW ScoringConfig scoring;
    CV_PROP_RW SelectionConfig selection;
    CV_PROP_RW OutputConfig outputs;
    CV_PROP_RW PreprocessConfig preprocess;
    CV_PROP_RW std::string name;              //!< preset or model name, informative

    /** @brief Loads a config file (.yml, .yaml, .json; .gz allowed) or, when @p pathOrPreset has no
     *  extension and is not a file, the shipped preset of that name. Throws on unknown fields. */
    CV_WRAP static RetinaNetConfig load(const std::string& pathOrPreset);
    /** @brief The shipped preset @p name (torchvision, detectron2, ...). */
    CV_WRAP static RetinaNetConfig preset(const std::string& name);
    /** @brief Names of all shipped presets. */
    CV_WRAP static std::vector<std::string> presetNames();
    /** @brief Reads from an open FileStorage node (the config's root map). */
    static RetinaNetConfig read(const FileNode& root);

    CV_WRAP void save(const std::string& path) const;
    void write(FileStorage& fs) const;

    /** @brief Throws cv::Exception naming the first inconsistent field. */
    CV_WRAP void validate() const;

    //! Number of score channels per anchor: K, or K+1 with a softmax background.
    int channelsPerAnchor() const { return numClasses + (scoring.activation == SCORE_SOFTMAX ? 1 : 0); }
};

//! @}

}} // namespace cv::dnn_retinanet

#endif
