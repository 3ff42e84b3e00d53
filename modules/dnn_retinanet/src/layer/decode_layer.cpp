// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "decode_layer.hpp"
#include "../config/config_scan.hpp"

namespace cv { namespace dnn_retinanet {

const char* RetinaNetDecodeLayer::kTypeName = "RetinaNetDecode";

namespace {
std::string configToText(const RetinaNetConfig& config)
{
    FileStorage fs(".yml", FileStorage::WRITE | FileStorage::MEMORY);
    config.write(fs);
    return fs.releaseAndGetString();
}
}

dnn::LayerParams RetinaNetDecodeLayer::makeParams(const RetinaNetConfig& config, const std::string& name)
{
    dnn::LayerParams lp;
    lp.name = name;
    lp.type = kTypeName;
    lp.set("config", configToText(config));
    return lp;
}

RetinaNetDecodeLayer::RetinaNetDecodeLayer(const dnn::LayerParams& params)
{
    setParamsFrom(params);
    if (!params.has("config"))
        CV_Error(Error::StsBadArg, "dnn_retinanet: the RetinaNetDecode layer needs a 'config' parameter (YAML text)");
    const std::string text = params.get<std::string>("config");
    setConfig(detail::readConfigText(text, "RetinaNetDecode layer parameter 'config'"));
    // cv::dnn::DetectionModel::detect only decodes a last layer of this type ([1, 1, N, 7]).
    type = "DetectionOutput";
}

void RetinaNetDecodeLayer::setConfig(const RetinaNetConfig& config0)
{
    // The inputs arrive in config order (scores, then boxes): bind them by internal names.
    RetinaNetConfig config = config0;
    const int L = config.outputs.layout == LAYOUT_CONCATENATED ? 1 : config.anchors.numLevels();
    config.outputs.clsNames.clear();
    config.outputs.boxNames.clear();
    for (int l = 0; l < L; l++) config.outputs.clsNames.push_back(format("cls_%d", l));
    for (int l = 0; l < L; l++) config.outputs.boxNames.push_back(format("box_%d", l));
    Ptr<RetinaNetDecoder> decoder = RetinaNetDecoder::create(config);
    inputNames_ = config.outputs.clsNames;
    inputNames_.insert(inputNames_.end(), config.outputs.boxNames.begin(), config.outputs.boxNames.end());
    decoder_ = decoder;
}

Ptr<dnn::Layer> RetinaNetDecodeLayer::create(dnn::LayerParams& params)
{
    return makePtr<RetinaNetDecodeLayer>(params);
}

int RetinaNetDecodeLayer::rowsPerImage() const
{
    const int m = decoder_->getConfig().selection.maxDetections;
    return m > 0 ? m : kRowsIfUnlimited;
}

bool RetinaNetDecodeLayer::getMemoryShapes(const std::vector<dnn::MatShape>& inputs, const int,
                                           std::vector<dnn::MatShape>& outputs, std::vector<dnn::MatShape>&) const
{
    const RetinaNetConfig& c = decoder_->getConfig();
    const int heads = c.outputs.layout == LAYOUT_CONCATENATED ? 2 : 2 * c.anchors.numLevels();
    if ((int)inputs.size() != heads + 1)
        CV_Error(Error::StsBadArg, format("dnn_retinanet: the decode layer expects %d head tensors and the network "
                                          "input, got %d inputs", heads, (int)inputs.size()));
    // The batch comes from the heads: the input pin of a dynamic ONNX graph reports 0 on 4.6.
    const int batch = inputs[0].empty() ? 1 : (c.outputs.layout == LAYOUT_PER_LEVEL_NCHW || c.outputs.layout == LAYOUT_PER_LEVEL_NHWC || inputs[0].size() == 3 ? inputs[0][0] : 1);
    allocatedRows_ = rowsPerImage();
    outputs.assign(1, dnn::MatShape{1, 1, std::max(batch, 1) * allocatedRows_, 7});
    return false;
}

void RetinaNetDecodeLayer::setNextImageSizes(const std::vector<Size>& sizes)
{
    nextImageSizes_ = sizes;
}

void RetinaNetDecodeLayer::setNextFrames(const std::vector<FrameInfo>& frames)
{
    nextFrames_ = frames;
}

void RetinaNetDecodeLayer::forward(InputArrayOfArrays inputsArr, OutputArrayOfArrays outputsArr, OutputArrayOfArrays)
{
    const int64 t0 = getTickCount();
    std::vector<Mat> inputs, outputs;
    inputsArr.getMatVector(inputs);
    outputsArr.getMatVector(outputs);
    CV_Assert(!inputs.empty() && outputs.size() == 1);
    const Mat& netInput = inputs.back();
    CV_Assert(netInput.dims == 4);
    const Size inputSize(netInput.size[3], netInput.size[2]);
    inputs.pop_back();

    std::vector<Size> imageSizes;
    imageSizes.swap(nextImageSizes_);
    std::vector<FrameInfo> frames;
    frames.swap(nextFrames_);
    const int batch = inputs[0].dims >= 3 ? inputs[0].size[0] : 1;
    if (!imageSizes.empty() && (int)imageSizes.size() != batch)
        CV_Error(Error::StsBadArg, format("dnn_retinanet: %d image sizes set for a batch of %d", (int)imageSizes.size(), batch));
    if (!frames.empty() && (int)frames.size() != batch)
        CV_Error(Error::StsBadArg, format("dnn_retinanet: %d frames set for a batch of %d", (int)frames.size(), batch));
    decoder_->decode(inputs, inputNames_, inputSize, imageSizes, frames, detections_);
    // With clip_space: frame and frames, the boxes are in frame pixels: normalise by the frame.
    const bool frameBoxes = !frames.empty() && decoder_->getConfig().boxCoding.clipSpace == CLIP_SPACE_FRAME;

    Mat& out = outputs[0];
    // Rows per image: the current max_detections, but never more than the output was sized for
    // (setMaxDetections after an allocation: the model re-allocates, a raw Net keeps the old size).
    const int rows = (int)std::min((size_t)rowsPerImage(), out.total() / 7 / std::max(detections_.size(), (size_t)1));
    float* p = out.ptr<float>();
    const size_t totalRows = out.total() / 7;
    size_t row = 0;
    for (size_t n = 0; n < detections_.size(); n++)
    {
        const Size s = frameBoxes ? frames[n].frameSize : imageSizes.empty() ? inputSize : imageSizes[n];
        const float sx = 1.f / s.width, sy = 1.f / s.height;
        // The output has room for `rows` detections per image (max_detections, or 1000 when the
        // config sets no limit): the best ones are kept.
        const size_t count = std::min(detections_[n].size(), (size_t)rows);
        detections_[n].resize(count); // lastDetections(): what the rows hold
        for (size_t i = 0; i < count; i++)
        {
            const Detection& d = detections_[n][i];
            float* r = p + 7 * row++;
            r[0] = (float)n; r[1] = (float)d.classId; r[2] = d.score;
            r[3] = std::min(std::max(d.box[0] * sx, 0.f), 1.f);
            r[4] = std::min(std::max(d.box[1] * sy, 0.f), 1.f);
            r[5] = std::min(std::max(d.box[2] * sx, 0.f), 1.f);
            r[6] = std::min(std::max(d.box[3] * sy, 0.f), 1.f);
        }
    }
    for (; row < totalRows; row++)
    {
        float* r = p + 7 * row;
        r[0] = r[1] = r[2] = -1.f;
        r[3] = r[4] = r[5] = r[6] = 0.f;
    }
    lastMs_ = (getTickCount() - t0) * 1000.0 / getTickFrequency();
}

void registerRetinaNetLayers()
{
    static std::once_flag once;
    std::call_once(once, [] {
        dnn::LayerFactory::registerLayer(RetinaNetDecodeLayer::kTypeName, RetinaNetDecodeLayer::create);
    });
}

}}
