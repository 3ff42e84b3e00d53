// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// RetinaNetDetectionModel: the Net gets the decode layer appended before cv::dnn::DetectionModel
// snapshots its output names, so the inherited detect() and Net::forward() see the decoder; this
// class' own detect() adds the config's full preprocessing and maps boxes back to the frame.
//
// One source of state: Impl::config is the model's config. Every setter validates, changes it and
// pushes the change to the two places that act on it: the decode layer's decoder (selection) and
// the base class' input parameters (preprocessing of the inherited detect()).

#include "../busy_guard.hpp"
#include "../precomp.hpp"
#include "../anchors/anchor_generator.hpp"
#include "../decoder/selection_setters.hpp"
#include "../layer/decode_layer.hpp"
#include "../layout/head_layout.hpp"
#include "onnx_graph_outputs.hpp"
#include "preprocess.hpp"

#include <opencv2/core/utils/logger.hpp>

#include <atomic>
#include <cctype>
#include <fstream>

namespace cv { namespace dnn_retinanet {

struct RetinaNetDetectionModel::Impl
{
    /** The model's config, the only copy that the setters change: the user's (output names as
     *  given, class names filled in), validated. The decode layer's decoder holds the same config
     *  with internal output names (see RetinaNetDecodeLayer), kept in step by the setters. */
    RetinaNetConfig config;
    Size graphInputSize; //!< the graph's declared static input size; 0x0 for a dynamic graph
    std::string layerName;
    Ptr<RetinaNetDecodeLayer> layer;
    dnn::Backend backend = dnn::DNN_BACKEND_OPENCV;
    dnn::Target target = dnn::DNN_TARGET_CPU;
    LetterboxInfo last;
    Timings timings;
    Mat blob;
    std::vector<Mat> outs;
    std::vector<LetterboxInfo> infos;
    std::atomic<bool> busy{false}; //!< detectBatch running (detail::BusyGuard)
};

struct RetinaNetDetectionModel::Prepared
{
    dnn::Net net;
    Ptr<Impl> impl;
};

namespace {

int alignUp(int v, int d) { return d <= 1 ? v : (v + d - 1) / d * d; }

dnn::Net readModel(const std::string& path)
{
    if (path.empty())
        CV_Error(Error::StsBadArg, "dnn_retinanet: empty model path");
    if (!std::ifstream(path.c_str()).good())
        CV_Error(Error::StsObjectNotFound, "dnn_retinanet: model file not found: '" + path + "'");
    registerRetinaNetLayers(); // graphs that already contain the decode node
    std::string ext = path.size() > 5 ? path.substr(path.size() - 5) : std::string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return (char)std::tolower(c); });
    const bool onnx = ext == ".onnx";
    std::string bytes;
    std::vector<OnnxExternalTensor> external;
    if (onnx)
    {
        std::ifstream f(path.c_str(), std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
        try
        {
            external = findOnnxExternalData(bytes);
        }
        catch (const cv::Exception& e)
        {
            CV_Error(Error::StsParseError, "dnn_retinanet: cannot read model '" + path + "': " + e.err);
        }
    }
    if (!external.empty())
    {
        // OpenCV 4.6's importer crashes (SIGFPE) on external data: read the side files here, or
        // throw a message naming them (inlineOnnxExternalData).
        bytes = inlineOnnxExternalData(bytes, path);
        CV_LOG_INFO(NULL, format("dnn_retinanet: read the data of %d initializer(s) of '%s' from its side file(s)",
                                 (int)external.size(), path.c_str()));
    }
    dnn::Net net;
    try
    {
        if (onnx)
        {
            const std::string stripped = stripOnnxGraphOutputs(bytes);
            std::string().swap(bytes);
            net = dnn::readNetFromONNX(stripped.data(), stripped.size());
        }
        else
            net = dnn::readNet(path);
    }
    catch (const cv::Exception& e)
    {
        CV_Error(Error::StsParseError, "dnn_retinanet: cannot read model '" + path + "': " + e.err);
    }
    if (net.empty())
        CV_Error(Error::StsParseError, "dnn_retinanet: cannot read model '" + path + "' (empty network)");
    return net;
}

// The graph's own input size when it declares a static one (0x0 for a dynamic graph).
Size staticInputSize(dnn::Net& net)
{
    std::vector<dnn::MatShape> in, out;
    try
    {
        net.getLayerShapes(dnn::MatShape(), 0, in, out);
    }
    catch (const cv::Exception&) {}
    if (!out.empty() && out[0].size() == 4 && out[0][2] > 0 && out[0][3] > 0)
        return Size(out[0][3], out[0][2]);
    return Size();
}

// Input size of the inherited cv::dnn::DetectionModel::detect(): the graph's own when it is
// static (@p graphSize), else the one the config implies.
Size inheritedDetectSize(const Size& graphSize, const PreprocessConfig& pre)
{
    if (graphSize.area() > 0)
        return graphSize;
    if (pre.inputSize.area() > 0)
        return pre.inputSize;
    const int side = alignUp(pre.resize == RESIZE_KEEP_RATIO ? pre.minSize : 512, std::max(pre.padDivisor, 1));
    return Size(side, side);
}

// Input size of the validation forward pass: the graph's own when it is static, the configured one
// when every frame is brought to it (fixed / letterbox), else the smallest square that the pad
// divisor allows and on which every level has at least 2x2 cells (cheap: 256x256 for strides up
// to 128), so that levels are told apart by size.
Size probeSize(dnn::Net& net, const RetinaNetConfig& config)
{
    const Size fixed = staticInputSize(net);
    if (fixed.area() > 0)
        return fixed;
    const PreprocessConfig& pre = config.preprocess;
    if ((pre.resize == RESIZE_FIXED || pre.resize == RESIZE_LETTERBOX) && pre.inputSize.area() > 0)
        return pre.inputSize;
    float maxStride = 1.f;
    for (float s : config.anchors.strides) maxStride = std::max(maxStride, s);
    const int side = alignUp(std::max(64, (int)std::ceil(2 * maxStride)), std::max(pre.padDivisor, 1));
    return Size(side, side);
}

// The head outputs' real shapes for a @p size input, from a forward pass on a zero image. Shape
// inference (Net::getLayerShapes) cannot be trusted for this: OpenCV 4.6 and 4.10 infer the output of
// a ResNet stem MaxPool (3x3, stride 2, pad 1) at twice its real size, so every ResNet backbone would
// be rejected.
std::vector<dnn::MatShape> forwardShapes(dnn::Net& net, const std::vector<std::string>& names, const Size& size)
{
    const int sz[] = {1, 3, size.height, size.width};
    std::vector<Mat> outs;
    try
    {
        net.setInput(Mat(4, sz, CV_32F, Scalar::all(0)));
        net.forward(outs, names);
    }
    catch (const cv::Exception& e)
    {
        CV_Error(Error::StsBadArg, format("dnn_retinanet: the network failed on a %dx%d (WxH) validation input: %s",
                                          size.width, size.height, e.err.c_str()));
    }
    std::vector<dnn::MatShape> shapes;
    for (const Mat& m : outs)
        shapes.push_back(dnn::MatShape(m.size.p, m.size.p + m.dims));
    return shapes;
}

// Logs @p msg the first time only (per process and flag).
void logOnce(std::atomic<bool>& flag, bool warning, const std::string& msg)
{
    bool expected = false;
    if (!flag.compare_exchange_strong(expected, true))
        return;
    if (warning)
    {
        CV_LOG_WARNING(NULL, msg);
    }
    else
    {
        CV_LOG_INFO(NULL, msg);
    }
}

std::atomic<bool> g_warnedCuda(false), g_warnedStd(false);

/** The frame of one image for the decoder (FrameInfo: input = frame * scale): the scale boxes are
 *  mapped back with (LetterboxInfo, resizedSize()): the nominal factor s of the keras_retinanet /
 *  detectron / odtk resize rules (Detectron1 divides by its im_scale, `pred_boxes /= im_scale`, before
 *  clipping and NMS in the frame: `clip_space: frame`), else the ratio of the resized to the frame
 *  size, which is mmdetection's scale_factor (min_box_size is measured in frame pixels). */
FrameInfo frameInfoFor(const LetterboxInfo& info)
{
    return FrameInfo(info.frameSize, info.scaleX, info.scaleY);
}

} // namespace

RetinaNetDetectionModel::Prepared RetinaNetDetectionModel::prepare(dnn::Net net, const RetinaNetConfig& config0)
{
    registerRetinaNetLayers();
    RetinaNetConfig config = config0;
    config.validate();
    if (config.classNames.empty())
        for (int k = 0; k < config.numClasses; k++)
            config.classNames.push_back(format("class_%d", k));
    if (net.empty())
        CV_Error(Error::StsBadArg, "dnn_retinanet: empty network");

    RetinaNetDetectionModel::Prepared p;
    p.impl = makePtr<RetinaNetDetectionModel::Impl>();
    p.impl->config = config;

    const std::vector<std::string> names = net.getUnconnectedOutLayersNames();
    const int lastId = net.getLayerId(names.empty() ? std::string() : names.back());
    Ptr<RetinaNetDecodeLayer> existing = names.size() == 1 ? net.getLayer(lastId).dynamicCast<RetinaNetDecodeLayer>()
                                                           : Ptr<RetinaNetDecodeLayer>();
    if (existing)
    {
        // The Net already ends in a decode layer (a Net reused, or a graph exported with the node):
        // this model's config replaces the one the layer was made with.
        existing->setConfig(config);
        p.impl->layer = existing;
        p.impl->layerName = names.back();
        p.impl->graphInputSize = staticInputSize(net);
        p.net = net;
        return p;
    }

    // Validate the head outputs against the config on their real shapes (see forwardShapes). The
    // sizes that depend on the graph's declared input are read before the forward pass fixes it.
    p.impl->graphInputSize = staticInputSize(net);
    const Size inputSize = probeSize(net, config);
    std::vector<int> ids;
    for (const std::string& n : names)
        ids.push_back(net.getLayerId(n));
    const std::vector<dnn::MatShape> shapes = forwardShapes(net, names, inputSize);
    AnchorGenerator anchors(config.anchors);
    HeadBinding binding;
    try
    {
        binding = bindHeads(config, anchors, names, shapes, inputSize);
    }
    catch (const cv::Exception& e)
    {
        CV_Error(e.code, e.err + format(" [model outputs checked for a %dx%d input against config '%s']",
                                        inputSize.width, inputSize.height, config.name.c_str()));
    }

    // Append the decoder: scores, boxes (config order), then the network input for its size.
    const std::string layerName = "retinanet_decode";
    dnn::LayerParams lp = RetinaNetDecodeLayer::makeParams(config, layerName);
    const int layerId = net.addLayer(layerName, RetinaNetDecodeLayer::kTypeName, lp);
    int port = 0;
    for (int idx : binding.clsIndex) net.connect(ids[idx], 0, layerId, port++);
    for (int idx : binding.boxIndex) net.connect(ids[idx], 0, layerId, port++);
    net.connect(0, 0, layerId, port);
    p.impl->layer = net.getLayer(layerId).dynamicCast<RetinaNetDecodeLayer>();
    CV_Assert(p.impl->layer);
#if CV_VERSION_MAJOR == 4 && CV_VERSION_MINOR < 10
    const std::vector<std::string> outs = net.getUnconnectedOutLayersNames();
    if (outs.size() != 1 || outs[0] != layerName)
        CV_LOG_WARNING(NULL, "dnn_retinanet: this Net declares its own outputs (an ONNX graph read with "
                             "cv::dnn::readNet): the inherited cv::dnn::DetectionModel::detect() and "
                             "Net::forward() will return the raw heads. RetinaNetDetectionModel::detect() is "
                             "unaffected; construct the model from the file path to get both.");
#endif
    p.impl->layerName = layerName;
    p.net = net;
    return p;
}

namespace {
//! The model's state; a default-constructed model (only there for the Python bindings) has none.
RetinaNetDetectionModel::Impl& implOf(const Ptr<RetinaNetDetectionModel::Impl>& impl)
{
    if (!impl)
        CV_Error(Error::StsNullPtr, "dnn_retinanet: empty RetinaNetDetectionModel (default-constructed): "
                                    "construct it from a model and a config");
    return *impl;
}

//! The base class' input parameters (the inherited detect()'s preprocessing) from the config.
void pushInputParams(dnn::Model& base, const RetinaNetDetectionModel::Impl& r)
{
    // The inherited detect() preprocesses with blobFromImage: fixed size, mean and one scale.
    // ((x * s) - m) / std == (x - m / s) * (s / std) when std is the same for all channels.
    const PreprocessConfig& pre = r.config.preprocess;
    const Size size = inheritedDetectSize(r.graphInputSize, pre);
    const double s = pre.scale;
    const Scalar mean(pre.mean[0] / s, pre.mean[1] / s, pre.mean[2] / s);
    const double stdAvg = (pre.std[0] + pre.std[1] + pre.std[2]) / 3;
    // Informational: this class' own detect() is exact, and the limitation is documented.
    if (std::abs(pre.std[0] - pre.std[1]) > 1e-6 || std::abs(pre.std[0] - pre.std[2]) > 1e-6)
        logOnce(g_warnedStd, false, "dnn_retinanet: the config has a per-channel std, which the inherited "
                              "cv::dnn::DetectionModel::detect() cannot apply (it uses the mean std); "
                              "RetinaNetDetectionModel::detect() applies it exactly. Export with "
                              "tools/export_torchvision.py --bake-normalization to serve both.");
    base.setInputParams(s / stdAvg, size, mean, pre.swapRB, false);
}
} // namespace

// DetectionModel() is deprecated outside OpenCV's own build (CV_DEPRECATED_EXTERNAL), for the same
// reason this constructor exists: the Python bindings need it.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#elif defined(_MSC_VER)
#pragma warning(push)
#pragma warning(disable: 4996)
#endif
RetinaNetDetectionModel::RetinaNetDetectionModel()
    : DetectionModel()
{
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#elif defined(_MSC_VER)
#pragma warning(pop)
#endif

RetinaNetDetectionModel::RetinaNetDetectionModel(const std::string& model, const std::string& config)
    : RetinaNetDetectionModel(prepare(readModel(model), RetinaNetConfig::load(config)))
{
}

RetinaNetDetectionModel::RetinaNetDetectionModel(const std::string& model, const RetinaNetConfig& config)
    : RetinaNetDetectionModel(prepare(readModel(model), config))
{
}

RetinaNetDetectionModel::RetinaNetDetectionModel(const dnn::Net& network, const RetinaNetConfig& config)
    : RetinaNetDetectionModel(prepare(network, config))
{
}

RetinaNetDetectionModel::RetinaNetDetectionModel(const Prepared& prepared)
    : DetectionModel(prepared.net), retina(prepared.impl)
{
#if CV_VERSION_MAJOR > 4 || (CV_VERSION_MAJOR == 4 && CV_VERSION_MINOR >= 10)
    // Graph outputs declared by the importer would otherwise stay the model's outputs.
    setOutputNames(std::vector<String>(1, retina->layerName));
#endif
    pushInputParams(*this, *retina);
}

void RetinaNetDetectionModel::detect(InputArray frame, std::vector<Detection>& detections)
{
    std::vector<Mat> frames(1, frame.getMat());
    std::vector<std::vector<Detection> > out;
    detectBatch(frames, out);
    detections.swap(out[0]);
}

void RetinaNetDetectionModel::detectBatch(InputArrayOfArrays framesArr, std::vector<std::vector<Detection> >& detections)
{
    Impl& r = implOf(retina);
    detail::BusyGuard busy(r.busy, "RetinaNetDetectionModel::detect/detectBatch");
    std::vector<Mat> frames;
    if (framesArr.kind() == _InputArray::STD_VECTOR_MAT || framesArr.kind() == _InputArray::STD_ARRAY_MAT)
        framesArr.getMatVector(frames);
    else
        frames.push_back(framesArr.getMat());
    if (frames.empty())
        CV_Error(Error::StsBadArg, "dnn_retinanet: empty batch of frames");

    const PreprocessConfig& pre = r.config.preprocess;
    TickMeter total, tm;
    total.start();
    tm.start();
    r.infos.resize(frames.size());
    if (frames.size() == 1)
        blobFromFrame(frames[0], pre, r.blob, r.infos[0]);
    else
        blobFromFrames(frames, pre, r.blob, r.infos);
    tm.stop();
    Timings timings;
    timings.preprocess = tm.getTimeMilli();

    std::vector<Size> imageSizes;
    std::vector<FrameInfo> frameInfos;
    for (const LetterboxInfo& i : r.infos)
    {
        imageSizes.push_back(i.imageSize);
        frameInfos.push_back(frameInfoFor(i));
    }
    tm.reset();
    tm.start();
    dnn::Net& net = getNetwork_();
    if (r.layer->outputNeedsReallocation())
    {
        // setMaxDetections changed the decode layer's output rows since the net was allocated:
        // OpenCV 4.6 re-allocates (and asks the layer for its shapes again) when the input shape
        // changes, so set a differently shaped input first.
        const int h = r.blob.dims == 4 && r.blob.size[2] == 1 ? 2 : 1;
        net.setInput(Mat(std::vector<int>{1, r.blob.dims == 4 ? r.blob.size[1] : 3, h, 1}, CV_32F, Scalar(0)));
    }
    net.setInput(r.blob);
    r.layer->setNextImageSizes(imageSizes);
    r.layer->setNextFrames(frameInfos);
    net.forward(r.outs, r.layerName);
    tm.stop();
    timings.decode = r.layer->lastMilliseconds();
    timings.network = tm.getTimeMilli() - timings.decode;

    tm.reset();
    tm.start();
    CV_Assert(r.outs.size() == 1 && r.outs[0].total() % 7 == 0);
    detections.assign(frames.size(), std::vector<Detection>());
    if (r.config.boxCoding.clipSpace == CLIP_SPACE_FRAME)
    {
        // The decoder's boxes are already in frame pixels: take them as they are (the rows are
        // normalised by the frame, and row * frame size would round: 412.00003 for a box clipped to
        // W - 1 = 412), clamped to the frame as the rows are to [0, 1].
        const std::vector<std::vector<Detection> >& decoded = r.layer->lastDetections();
        CV_Assert(decoded.size() == frames.size());
        for (size_t n = 0; n < frames.size(); n++)
        {
            const Size f = r.infos[n].frameSize;
            for (Detection d : decoded[n])
            {
                for (int c = 0; c < 4; c++)
                    d.box[c] = std::min(std::max(d.box[c], 0.f), (float)(c % 2 ? f.height : f.width));
                detections[n].push_back(d);
            }
        }
    }
    else
    {
        // The rows say which detections the output kept; their boxes are taken in network-input
        // pixels from the layer and mapped back as the config's framework does (boxToFrame).
        const std::vector<std::vector<Detection> >& decoded = r.layer->lastDetections();
        const float* p = r.outs[0].ptr<float>();
        for (size_t row = 0, rows = r.outs[0].total() / 7; row < rows; row++, p += 7)
        {
            const int n = (int)p[0];
            if (n < 0 || n >= (int)frames.size())
                continue;
            const size_t i = detections[n].size();
            CV_Assert(n < (int)decoded.size() && i < decoded[n].size());
            Detection d;
            d.classId = (int)p[1];
            d.score = p[2];
            d.box = boxToFrame(decoded[n][i].box, r.infos[n], pre);
            detections[n].push_back(d);
        }
    }
    r.last = r.infos.back();
    tm.stop();
    timings.postprocess = tm.getTimeMilli();
    total.stop();
    timings.total = total.getTimeMilli();
    r.timings = timings;
}

namespace {

// Temporarily overrides the NMS threshold for one call (the base signature's nmsThreshold).
struct NmsOverride
{
    NmsOverride(RetinaNetDecoder& d, float nms) : dec(d), saved(d.getConfig().selection.nmsThreshold), active(nms > 0)
    {
        if (active) dec.setNmsThreshold(nms);
    }
    ~NmsOverride() { if (active) dec.setNmsThreshold(saved); }
    RetinaNetDecoder& dec;
    float saved;
    bool active;
};

} // namespace

void RetinaNetDetectionModel::detect(InputArray frame, std::vector<int>& classIds, std::vector<float>& confidences,
                                     std::vector<Rect2d>& boxes, float confThreshold, float nmsThreshold)
{
    if (!(confThreshold >= 0.f && confThreshold <= 1.f))
        CV_Error(Error::StsOutOfRange, format("dnn_retinanet: detect() confThreshold must be in [0, 1] (got %g)", confThreshold));
    if (cvIsNaN(nmsThreshold) || nmsThreshold > 1.f)
        CV_Error(Error::StsOutOfRange, format("dnn_retinanet: detect() nmsThreshold must be in (0, 1], or <= 0 for the "
                                              "configured one (got %g)", nmsThreshold));
    std::vector<Detection> dets;
    {
        NmsOverride o(implOf(retina).layer->decoder(), nmsThreshold);
        detect(frame, dets);
    }
    classIds.clear(); confidences.clear(); boxes.clear();
    for (const Detection& d : dets)
    {
        if (d.score < confThreshold)
            continue;
        classIds.push_back(d.classId);
        confidences.push_back(d.score);
        boxes.push_back(Rect2d(d.box[0], d.box[1], d.box[2] - d.box[0], d.box[3] - d.box[1]));
    }
}

void RetinaNetDetectionModel::detect(InputArray frame, std::vector<int>& classIds, std::vector<float>& confidences,
                                     std::vector<Rect>& boxes, float confThreshold, float nmsThreshold)
{
    std::vector<Rect2d> fboxes;
    detect(frame, classIds, confidences, fboxes, confThreshold, nmsThreshold);
    // Integer boxes exactly as cv::dnn::DetectionModel::detect makes them (inclusive right/bottom).
    const Size f = implOf(retina).last.frameSize;
    boxes.clear();
    for (const Rect2d& b : fboxes)
    {
        int left = (int)b.x, top = (int)b.y, right = (int)(b.x + b.width), bottom = (int)(b.y + b.height);
        int width = right - left + 1, height = bottom - top + 1;
        left = std::max(0, std::min(left, f.width - 1));
        top = std::max(0, std::min(top, f.height - 1));
        width = std::max(1, std::min(width, f.width - left));
        height = std::max(1, std::min(height, f.height - top));
        boxes.push_back(Rect(left, top, width, height));
    }
}

namespace {
// A selection setter: the model's config first (detail::set* validates; on error nothing changes),
// then the decode layer's decoder, whose setter runs the same validation and so cannot fail.
template <typename T>
void changeSelection(RetinaNetDetectionModel::Impl& r, void (*change)(SelectionConfig&, T),
                     void (RetinaNetDecoder::*push)(T), T value)
{
    change(r.config.selection, value);
    (r.layer->decoder().*push)(value);
}
} // namespace

RetinaNetDetectionModel& RetinaNetDetectionModel::setScoreThreshold(float t)
{
    changeSelection(implOf(retina), detail::setScoreThreshold, &RetinaNetDecoder::setScoreThreshold, t);
    return *this;
}

RetinaNetDetectionModel& RetinaNetDetectionModel::setNmsThreshold(float t)
{
    changeSelection(implOf(retina), detail::setNmsThreshold, &RetinaNetDecoder::setNmsThreshold, t);
    return *this;
}

RetinaNetDetectionModel& RetinaNetDetectionModel::setTopK(int k)
{
    changeSelection(implOf(retina), detail::setTopK, &RetinaNetDecoder::setTopK, k);
    return *this;
}

RetinaNetDetectionModel& RetinaNetDetectionModel::setMaxDetections(int m)
{
    // The decode layer's output has max_detections rows per image: a model needs a bound.
    if (m <= 0 || m > 100000)
        CV_Error(Error::StsOutOfRange, format("dnn_retinanet: max detections must be in [1, 100000] in a model (got %d)", m));
    changeSelection(implOf(retina), detail::setMaxDetections, &RetinaNetDecoder::setMaxDetections, m);
    return *this;
}

RetinaNetDetectionModel& RetinaNetDetectionModel::setClassAgnosticNms(bool a)
{
    changeSelection(implOf(retina), detail::setClassAgnosticNms, &RetinaNetDecoder::setClassAgnosticNms, a);
    return *this;
}

RetinaNetDetectionModel& RetinaNetDetectionModel::setInputResize(int mode, const Size& size, int minSize, int maxSize)
{
    Impl& r = implOf(retina);
    RetinaNetConfig next = r.config;
    PreprocessConfig& pre = next.preprocess;
    pre.resize = mode;
    if (size != Size()) pre.inputSize = size;
    if (minSize > 0) pre.minSize = minSize;
    if (maxSize > 0) pre.maxSize = maxSize;
    next.validate();
    // The decoder does not read the preprocess section (frames and sizes come with each forward):
    // the change goes to the model's config and to the inherited detect()'s input parameters.
    r.config.preprocess = pre;
    pushInputParams(*this, r);
    return *this;
}

RetinaNetDetectionModel& RetinaNetDetectionModel::setPreferableBackend(dnn::Backend backendId)
{
    if (backendId == dnn::DNN_BACKEND_CUDA && dnn::getAvailableTargets(dnn::DNN_BACKEND_CUDA).empty())
    {
        logOnce(g_warnedCuda, true, "dnn_retinanet: this OpenCV has no CUDA backend (or no CUDA device); "
                               "running the network on the CPU");
        implOf(retina).backend = dnn::DNN_BACKEND_OPENCV;
        implOf(retina).target = dnn::DNN_TARGET_CPU;
        DetectionModel::setPreferableBackend(dnn::DNN_BACKEND_OPENCV);
        DetectionModel::setPreferableTarget(dnn::DNN_TARGET_CPU);
        return *this;
    }
    implOf(retina).backend = backendId;
    DetectionModel::setPreferableBackend(backendId);
    return *this;
}

RetinaNetDetectionModel& RetinaNetDetectionModel::setPreferableTarget(dnn::Target targetId)
{
    const bool cudaTarget = targetId == dnn::DNN_TARGET_CUDA || targetId == dnn::DNN_TARGET_CUDA_FP16;
    if (cudaTarget && implOf(retina).backend != dnn::DNN_BACKEND_CUDA)
    {
        // A CUDA target without the CUDA backend (e.g. after the fallback above) stays on the CPU.
        return *this;
    }
    implOf(retina).target = targetId;
    DetectionModel::setPreferableTarget(targetId);
    return *this;
}

dnn::Backend RetinaNetDetectionModel::getBackend() const { return implOf(retina).backend; }
dnn::Target RetinaNetDetectionModel::getTarget() const { return implOf(retina).target; }
const std::vector<std::string>& RetinaNetDetectionModel::getClassNames() const { return implOf(retina).config.classNames; }
const RetinaNetConfig& RetinaNetDetectionModel::getConfig() const { return implOf(retina).config; }
LetterboxInfo RetinaNetDetectionModel::getLastLetterbox() const { return implOf(retina).last; }
Timings RetinaNetDetectionModel::getLastTimings() const { return implOf(retina).timings; }

}}
