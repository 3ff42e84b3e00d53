// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

#include "head_layout.hpp"

#include <map>
#include <sstream>

namespace cv { namespace dnn_retinanet {

std::string shapeToString(const MatShape& shape)
{
    std::ostringstream os;
    for (size_t i = 0; i < shape.size(); i++)
        os << (i ? "x" : "") << shape[i];
    if (shape.empty()) os << "<empty>";
    return os.str();
}

std::string outputDisplayName(const std::string& layerName)
{
    static const std::string kOnnxPrefix = "onnx_node!";
    if (layerName.size() > kOnnxPrefix.size() && layerName.compare(0, kOnnxPrefix.size(), kOnnxPrefix) == 0)
        return layerName.substr(kOnnxPrefix.size());
    return layerName;
}

namespace {

std::string joined(const std::vector<std::string>& names)
{
    std::string s;
    for (const std::string& n : names) s += (s.empty() ? "" : ", ") + outputDisplayName(n);
    return s.empty() ? "<none>" : s;
}

// Spatial size and channels of a per-level tensor in the configured layout.
struct PerLevelShape { int batch, channels, height, width; };

PerLevelShape perLevelShape(int layout, const MatShape& s, const std::string& name)
{
    if (s.size() != 4)
        CV_Error(Error::StsBadSize, "dnn_retinanet: output '" + outputDisplayName(name) + "' has shape " +
                                    shapeToString(s) + ", expected 4 dimensions (" +
                                    (layout == LAYOUT_PER_LEVEL_NHWC ? "N, H, W, A*C" : "N, A*C, H, W") + ")");
    if (layout == LAYOUT_PER_LEVEL_NHWC)
        return {s[0], s[3], s[1], s[2]};
    return {s[0], s[1], s[2], s[3]};
}

void checkSpatial(const AnchorGenerator& anchors, int level, const Size& got, const Size& inputSize,
                  const std::string& name)
{
    const Size expect = anchors.expectedFeatureSize(level, inputSize);
    // ceil(input / stride) for stride-2 convolutions with padding; floor for unpadded backbones.
    auto ok = [](int g, int e) { return g == e || g == e - 1; };
    if (!ok(got.width, expect.width) || !ok(got.height, expect.height) || got.width <= 0 || got.height <= 0)
        CV_Error(Error::StsBadSize, format("dnn_retinanet: output '%s' has spatial size %dx%d (HxW) but level %d "
                                           "(stride %g) of a %dx%d (HxW) input expects %dx%d",
                                           outputDisplayName(name).c_str(), got.height, got.width, level,
                                           anchors.grid(level, expect, inputSize).strideX, inputSize.height,
                                           inputSize.width, expect.height, expect.width));
}

int findName(const std::vector<std::string>& names, const std::string& wanted, const char* what)
{
    for (size_t i = 0; i < names.size(); i++)
        if (names[i] == wanted)
            return (int)i;
    // cv::dnn's ONNX importer may prefix layer names ("onnx_node!name"): accept a unique suffix match.
    int found = -1;
    for (size_t i = 0; i < names.size(); i++)
    {
        const std::string& n = names[i];
        const size_t bang = n.rfind('!');
        if (bang != std::string::npos && n.compare(bang + 1, std::string::npos, wanted) == 0)
        {
            if (found >= 0)
                CV_Error(Error::StsBadArg, "dnn_retinanet: output name '" + outputDisplayName(wanted) +
                                           "' is ambiguous among: " + joined(names));
            found = (int)i;
        }
    }
    if (found < 0)
        CV_Error(Error::StsBadArg, "dnn_retinanet: the config names " + std::string(what) + " output '" +
                                   outputDisplayName(wanted) + "' but the network has no such output (outputs: " +
                                   joined(names) + ")");
    return found;
}

HeadBinding bindConcatenated(const RetinaNetConfig& config, const AnchorGenerator& anchors,
                             const std::vector<std::string>& names, const std::vector<MatShape>& shapes,
                             const Size& inputSize)
{
    const int L = anchors.numLevels(), A = anchors.numAnchors(), C = config.channelsPerAnchor();
    HeadBinding b;
    b.clsIndex.assign(1, -1);
    b.boxIndex.assign(1, -1);
    int64 rows = 0;
    for (int l = 0; l < L; l++)
    {
        b.featureSizes.push_back(anchors.expectedFeatureSize(l, inputSize));
        rows += (int64)b.featureSizes.back().area() * A;
    }
    auto lastDim = [](const MatShape& s) { return s.empty() ? 0 : s.back(); };
    if (!config.outputs.clsNames.empty() && !names.empty())
    {
        b.clsIndex[0] = findName(names, config.outputs.clsNames[0], "score");
        b.boxIndex[0] = findName(names, config.outputs.boxNames[0], "box");
    }
    else
    {
        if (C == 4)
            CV_Error(Error::StsBadArg, "dnn_retinanet: cannot tell the score output from the box output by shape "
                                       "when there are 4 classes; name them in outputs.cls_names / box_names");
        for (size_t i = 0; i < shapes.size(); i++)
        {
            int& slot = lastDim(shapes[i]) == 4 ? b.boxIndex[0] : lastDim(shapes[i]) == C ? b.clsIndex[0] : b.boxIndex[0];
            if (lastDim(shapes[i]) != 4 && lastDim(shapes[i]) != C)
                CV_Error(Error::StsBadSize, format("dnn_retinanet: output '%s' has shape %s; a concatenated head "
                                                   "expects (N, %lld, %d) scores and (N, %lld, 4) boxes",
                                                   i < names.size() ? outputDisplayName(names[i]).c_str() : "?",
                                                   shapeToString(shapes[i]).c_str(),
                                                   (long long)rows, C, (long long)rows));
            if (slot >= 0)
                CV_Error(Error::StsBadArg, "dnn_retinanet: more than one output looks like the same head; name them in the config");
            slot = (int)i;
        }
        if (b.clsIndex[0] < 0 || b.boxIndex[0] < 0)
            CV_Error(Error::StsBadArg, "dnn_retinanet: a concatenated head needs one score and one box output");
    }
    auto check = [&](int idx, int channels, const char* what) {
        const MatShape& s = shapes[idx];
        const std::string name = idx < (int)names.size() ? outputDisplayName(names[idx]) : format("#%d", idx);
        const bool ok3 = s.size() == 3 && s[1] == rows && s[2] == channels;
        const bool ok2 = s.size() == 2 && s[0] == rows && s[1] == channels;
        if (!ok3 && !ok2)
            CV_Error(Error::StsBadSize, format("dnn_retinanet: %s output '%s' has shape %s, expected (N, %lld, %d) for "
                                               "a %dx%d (HxW) input with %d anchors per location",
                                               what, name.c_str(), shapeToString(s).c_str(), (long long)rows, channels,
                                               inputSize.height, inputSize.width, A));
        return ok3 ? s[0] : 1;
    };
    const int nc = check(b.clsIndex[0], C, "score");
    const int nb = check(b.boxIndex[0], 4, "box");
    if (nc != nb)
        CV_Error(Error::StsBadSize, format("dnn_retinanet: score and box outputs disagree on the batch size (%d vs %d)", nc, nb));
    b.batch = nc;
    return b;
}

} // namespace

HeadBinding bindHeads(const RetinaNetConfig& config, const AnchorGenerator& anchors,
                      const std::vector<std::string>& names, const std::vector<MatShape>& shapes,
                      const Size& inputSize)
{
    if (shapes.empty())
        CV_Error(Error::StsBadArg, "dnn_retinanet: no network outputs were given");
    if (!names.empty() && names.size() != shapes.size())
        CV_Error(Error::StsBadArg, format("dnn_retinanet: %d outputs but %d output names", (int)shapes.size(), (int)names.size()));
    if (inputSize.width <= 0 || inputSize.height <= 0)
        CV_Error(Error::StsBadSize, format("dnn_retinanet: invalid network input size %dx%d", inputSize.width, inputSize.height));
    if (config.outputs.layout == LAYOUT_CONCATENATED)
        return bindConcatenated(config, anchors, names, shapes, inputSize);

    const int L = anchors.numLevels(), A = anchors.numAnchors(), C = config.channelsPerAnchor();
    const int layout = config.outputs.layout;
    HeadBinding b;
    b.clsIndex.assign(L, -1);
    b.boxIndex.assign(L, -1);
    b.featureSizes.assign(L, Size());
    auto nameOf = [&](int i) { return i < (int)names.size() ? outputDisplayName(names[i]) : format("#%d", i); };

    if (!config.outputs.clsNames.empty() && !names.empty())
    {
        for (int l = 0; l < L; l++)
        {
            b.clsIndex[l] = findName(names, config.outputs.clsNames[l], "score");
            b.boxIndex[l] = findName(names, config.outputs.boxNames[l], "box");
        }
    }
    else
    {
        // Infer: scores have A*C channels, boxes A*4; levels are ordered by decreasing area.
        if (C == 4)
            CV_Error(Error::StsBadArg, "dnn_retinanet: with 4 classes the score and box outputs have the same "
                                       "channel count; name them in outputs.cls_names / box_names");
        std::vector<int> cls, box;
        for (int i = 0; i < (int)shapes.size(); i++)
        {
            PerLevelShape s = perLevelShape(layout, shapes[i], nameOf(i));
            if (s.channels == A * C) cls.push_back(i);
            else if (s.channels == A * 4) box.push_back(i);
            else
                CV_Error(Error::StsBadSize, format("dnn_retinanet: output '%s' (shape %s) has %d channels; expected "
                                                   "A*K = %d*%d = %d (scores) or A*4 = %d (boxes). Check num_classes "
                                                   "and the anchor config against the model.",
                                                   nameOf(i).c_str(), shapeToString(shapes[i]).c_str(), s.channels,
                                                   A, C, A * C, A * 4));
        }
        if ((int)cls.size() != L || (int)box.size() != L)
            CV_Error(Error::StsBadArg, format("dnn_retinanet: found %d score and %d box outputs, the config has %d levels",
                                              (int)cls.size(), (int)box.size(), L));
        auto byArea = [&](std::vector<int>& v) {
            std::stable_sort(v.begin(), v.end(), [&](int x, int y) {
                PerLevelShape a = perLevelShape(layout, shapes[x], ""), c = perLevelShape(layout, shapes[y], "");
                return (int64)a.height * a.width > (int64)c.height * c.width;
            });
            for (size_t i = 1; i < v.size(); i++)
            {
                PerLevelShape a = perLevelShape(layout, shapes[v[i - 1]], ""), c = perLevelShape(layout, shapes[v[i]], "");
                if (a.height == c.height && a.width == c.width)
                    CV_Error(Error::StsBadArg, "dnn_retinanet: outputs '" + nameOf(v[i - 1]) + "' and '" + nameOf(v[i]) +
                                               "' have the same size: levels are ambiguous; name the outputs in the config");
            }
        };
        byArea(cls);
        byArea(box);
        b.clsIndex = cls;
        b.boxIndex = box;
    }

    for (int l = 0; l < L; l++)
    {
        const PerLevelShape c = perLevelShape(layout, shapes[b.clsIndex[l]], nameOf(b.clsIndex[l]));
        const PerLevelShape x = perLevelShape(layout, shapes[b.boxIndex[l]], nameOf(b.boxIndex[l]));
        if (c.channels != A * C)
            CV_Error(Error::StsBadSize, format("dnn_retinanet: score output '%s' of level %d has shape %s: %d channels, "
                                               "expected A*K = %d*%d = %d",
                                               nameOf(b.clsIndex[l]).c_str(), l, shapeToString(shapes[b.clsIndex[l]]).c_str(),
                                               c.channels, A, C, A * C));
        if (x.channels != A * 4)
            CV_Error(Error::StsBadSize, format("dnn_retinanet: box output '%s' of level %d has shape %s: %d channels, "
                                               "expected A*4 = %d",
                                               nameOf(b.boxIndex[l]).c_str(), l, shapeToString(shapes[b.boxIndex[l]]).c_str(),
                                               x.channels, A * 4));
        if (c.height != x.height || c.width != x.width)
            CV_Error(Error::StsBadSize, "dnn_retinanet: score output '" + nameOf(b.clsIndex[l]) + "' (" +
                                        shapeToString(shapes[b.clsIndex[l]]) + ") and box output '" + nameOf(b.boxIndex[l]) +
                                        "' (" + shapeToString(shapes[b.boxIndex[l]]) + ") of level " + std::to_string(l) +
                                        " differ in spatial size");
        if (c.batch != x.batch || (l > 0 && c.batch != b.batch))
            CV_Error(Error::StsBadSize, "dnn_retinanet: outputs disagree on the batch size (output '" + nameOf(b.clsIndex[l]) +
                                        "' has shape " + shapeToString(shapes[b.clsIndex[l]]) + ")");
        b.batch = c.batch;
        checkSpatial(anchors, l, Size(c.width, c.height), inputSize, nameOf(b.clsIndex[l]));
        b.featureSizes[l] = Size(c.width, c.height);
    }
    for (int l = 1; l < L; l++)
        if (b.featureSizes[l].area() > b.featureSizes[l - 1].area())
            CV_Error(Error::StsBadSize, "dnn_retinanet: level " + std::to_string(l) + " is larger than level " +
                                        std::to_string(l - 1) + ": outputs are not in pyramid order");
    return b;
}

std::vector<LevelView> makeLevelViews(const RetinaNetConfig& config, const HeadBinding& binding,
                                      const std::vector<Mat>& outputs)
{
    for (size_t i = 0; i < outputs.size(); i++)
    {
        if (outputs[i].depth() != CV_32F)
            CV_Error(Error::StsUnsupportedFormat, format("dnn_retinanet: output #%d has depth %s; only CV_32F is supported",
                                                         (int)i, typeToString(outputs[i].type()).c_str()));
        if (!outputs[i].isContinuous())
            CV_Error(Error::StsBadArg, format("dnn_retinanet: output #%d is not continuous", (int)i));
    }
    const int L = (int)binding.featureSizes.size();
    const int A = config.anchors.numAnchors(), C = config.channelsPerAnchor();
    std::vector<LevelView> views(L);
    if (config.outputs.layout == LAYOUT_CONCATENATED)
    {
        const Mat& cls = outputs[binding.clsIndex[0]];
        const Mat& box = outputs[binding.boxIndex[0]];
        size_t rows = 0;
        for (int l = 0; l < L; l++) rows += (size_t)binding.featureSizes[l].area() * A;
        size_t offset = 0;
        for (int l = 0; l < L; l++)
        {
            LevelView& v = views[l];
            v.width = binding.featureSizes[l].width;
            v.height = binding.featureSizes[l].height;
            v.A = A; v.C = C; v.planar = false;
            v.cls = cls.ptr<float>() + offset * C;
            v.box = box.ptr<float>() + offset * 4;
            v.clsImageStride = rows * C;
            v.boxImageStride = rows * 4;
            offset += v.pixels() * A;
        }
        return views;
    }
    for (int l = 0; l < L; l++)
    {
        LevelView& v = views[l];
        v.width = binding.featureSizes[l].width;
        v.height = binding.featureSizes[l].height;
        v.A = A; v.C = C;
        v.planar = config.outputs.layout == LAYOUT_PER_LEVEL_NCHW;
        v.cls = outputs[binding.clsIndex[l]].ptr<float>();
        v.box = outputs[binding.boxIndex[l]].ptr<float>();
        v.clsImageStride = v.pixels() * A * C;
        v.boxImageStride = v.pixels() * A * 4;
    }
    return views;
}

}}
