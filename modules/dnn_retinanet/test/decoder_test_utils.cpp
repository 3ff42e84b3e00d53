// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#include "decoder_test_utils.hpp"
#include "anchors/anchor_generator.hpp"
#include "decoder/reference_decoder.hpp"

#include <map>

namespace opencv_test {

RetinaNetConfig testConfig(int K, int layout)
{
    RetinaNetConfig c = RetinaNetConfig::preset("torchvision");
    c.numClasses = K;
    c.outputs.layout = layout;
    if (layout == LAYOUT_CONCATENATED)
    {
        c.outputs.clsNames = {"cls"};
        c.outputs.boxNames = {"box"};
    }
    else
        for (int l = 0; l < 5; l++)
        {
            c.outputs.clsNames.push_back(format("cls_%d", l));
            c.outputs.boxNames.push_back(format("box_%d", l));
        }
    return c;
}

RetinaNetConfig presetTestConfig(const std::string& name)
{
    RetinaNetConfig c = RetinaNetConfig::preset(name);
    c.numClasses = 5;
    c.classNames.clear();
    c.outputs.clsNames.clear();
    c.outputs.boxNames.clear();
    c.selection.topkPerLevel = c.selection.topkPerLevel > 0 ? 40 : 0;
    return c;
}

static std::vector<Size> featureSizes(const RetinaNetConfig& c, Size input)
{
    std::vector<Size> s;
    for (float stride : c.anchors.strides)
        s.push_back(Size((int)std::ceil(input.width / stride), (int)std::ceil(input.height / stride)));
    return s;
}

static void setNames(const RetinaNetConfig& c, SyntheticHead& h, int layout)
{
    h.names.clear();
    const int L = c.anchors.numLevels();
    if (layout == LAYOUT_CONCATENATED)
    {
        h.names.push_back(c.outputs.clsNames.empty() ? "cls" : c.outputs.clsNames[0]);
        h.names.push_back(c.outputs.boxNames.empty() ? "box" : c.outputs.boxNames[0]);
        return;
    }
    for (int l = 0; l < L; l++) h.names.push_back(c.outputs.clsNames.empty() ? format("cls_%d", l) : c.outputs.clsNames[l]);
    for (int l = 0; l < L; l++) h.names.push_back(c.outputs.boxNames.empty() ? format("box_%d", l) : c.outputs.boxNames[l]);
}

SyntheticHead toLayout(const RetinaNetConfig& c, const SyntheticHead& src, int layout)
{
    SyntheticHead h = src;
    h.outputs.clear();
    const int L = (int)h.featureSizes.size(), A = c.anchors.numAnchors(), C = c.channelsPerAnchor();
    const int N = src.nchwCls[0].size[0];
    if (layout == LAYOUT_PER_LEVEL_NCHW)
    {
        for (int l = 0; l < L; l++) h.outputs.push_back(src.nchwCls[l]);
        for (int l = 0; l < L; l++) h.outputs.push_back(src.nchwBox[l]);
    }
    else
    {
        // (N, ch, H, W) -> (N, H, W, ch): per level NHWC, or all levels stacked as (N, sum HWA, C)
        int rows = 0;
        for (const Size& s : h.featureSizes) rows += s.area() * A;
        const int catCls[] = {N, rows, C}, catBox[] = {N, rows, 4};
        Mat cc(3, catCls, CV_32F), cb(3, catBox, CV_32F);
        std::vector<Mat> lc, lb;
        int offset = 0;
        for (int l = 0; l < L; l++)
        {
            const int H = h.featureSizes[l].height, W = h.featureSizes[l].width;
            const int sc[] = {N, H, W, A * C}, sb[] = {N, H, W, A * 4};
            Mat mc(4, sc, CV_32F), mb(4, sb, CV_32F);
            for (int n = 0; n < N; n++)
                for (int ch = 0; ch < A * C; ch++)
                    for (int p = 0; p < H * W; p++)
                        mc.ptr<float>()[((size_t)n * H * W + p) * A * C + ch] = src.nchwCls[l].ptr<float>()[((size_t)n * A * C + ch) * H * W + p];
            for (int n = 0; n < N; n++)
                for (int ch = 0; ch < A * 4; ch++)
                    for (int p = 0; p < H * W; p++)
                        mb.ptr<float>()[((size_t)n * H * W + p) * A * 4 + ch] = src.nchwBox[l].ptr<float>()[((size_t)n * A * 4 + ch) * H * W + p];
            for (int n = 0; n < N; n++)
            {
                std::copy(mc.ptr<float>() + (size_t)n * H * W * A * C, mc.ptr<float>() + (size_t)(n + 1) * H * W * A * C,
                          cc.ptr<float>() + ((size_t)n * rows + offset) * C);
                std::copy(mb.ptr<float>() + (size_t)n * H * W * A * 4, mb.ptr<float>() + (size_t)(n + 1) * H * W * A * 4,
                          cb.ptr<float>() + ((size_t)n * rows + offset) * 4);
            }
            offset += H * W * A;
            lc.push_back(mc);
            lb.push_back(mb);
        }
        if (layout == LAYOUT_CONCATENATED)
        {
            h.outputs.push_back(cc);
            h.outputs.push_back(cb);
        }
        else
        {
            for (const Mat& m : lc) h.outputs.push_back(m);
            for (const Mat& m : lb) h.outputs.push_back(m);
        }
    }
    RetinaNetConfig named = c;
    named.outputs.layout = layout;
    if (layout == LAYOUT_CONCATENATED && named.outputs.clsNames.size() != 1)
    {
        named.outputs.clsNames.clear();
        named.outputs.boxNames.clear();
    }
    setNames(named, h, layout);
    return h;
}

SyntheticHead makeHead(const RetinaNetConfig& c, Size inputSize, int batch, double fracAbove, uint64 seed, bool probabilities)
{
    RNG rng(seed);
    SyntheticHead h;
    h.inputSize = inputSize;
    h.imageSizes.assign(batch, inputSize);
    h.featureSizes = featureSizes(c, inputSize);
    const int A = c.anchors.numAnchors(), C = c.channelsPerAnchor();
    const bool softmax = c.scoring.activation == SCORE_SOFTMAX;
    for (const Size& s : h.featureSizes)
    {
        const int sc[] = {batch, A * C, s.height, s.width}, sb[] = {batch, A * 4, s.height, s.width};
        Mat cls(4, sc, CV_32F), box(4, sb, CV_32F);
        float* p = cls.ptr<float>();
        for (size_t i = 0; i < cls.total(); i++)
        {
            float v;
            if (rng.uniform(0.0, 1.0) < fracAbove)
                v = rng.uniform(-2.5f, 4.f);
            else
            {
                v = (float)(-4.6 + rng.gaussian(1.0));
                if (v > -3.2f) v = -6.4f - v; // reflect: stay far below logit(0.05)
            }
            if (softmax && (i / s.area()) % C == (size_t)c.scoring.backgroundChannel)
                v = rng.uniform(-1.f, 1.f);
            p[i] = probabilities ? 1.f / (1.f + std::exp(-v)) : v;
        }
        float* b = box.ptr<float>();
        for (size_t i = 0; i < box.total(); i++)
        {
            b[i] = (float)rng.gaussian(0.3);
            if (rng.uniform(0.0, 1.0) < 0.003) b[i] = rng.uniform(4.5f, 7.f); // beyond the clamp
        }
        h.nchwCls.push_back(cls);
        h.nchwBox.push_back(box);
    }
    return toLayout(c, h, c.outputs.layout);
}

SyntheticHead sliceImage(const RetinaNetConfig& c, const SyntheticHead& src, int n)
{
    SyntheticHead h = src;
    h.imageSizes = {src.imageSizes[n]};
    if (!src.frames.empty())
        h.frames = {src.frames[n]};
    for (size_t l = 0; l < src.nchwCls.size(); l++)
    {
        auto slice = [&](const Mat& m) {
            const int s[] = {1, m.size[1], m.size[2], m.size[3]};
            Mat out(4, s, CV_32F);
            const size_t per = out.total();
            std::copy(m.ptr<float>() + per * n, m.ptr<float>() + per * (n + 1), out.ptr<float>());
            return out;
        };
        h.nchwCls[l] = slice(src.nchwCls[l]);
        h.nchwBox[l] = slice(src.nchwBox[l]);
    }
    return toLayout(c, h, c.outputs.layout);
}

TorchvisionCase loadTorchvisionCase(const std::string& name)
{
    const std::string path = findDataFile("reference/decoder/torchvision_case_" + name + ".yml.gz");
    FileStorage fs(path, FileStorage::READ);
    CV_Assert(fs.isOpened());
    TorchvisionCase c;
    c.config = RetinaNetConfig::preset("torchvision");
    c.config.numClasses = (int)fs["num_classes"];
    c.config.selection.scoreThreshold = (float)fs["score_thresh"];
    c.config.selection.nmsThreshold = (float)fs["nms_thresh"];
    c.config.selection.maxDetections = (int)fs["detections_per_img"];
    c.config.selection.topkPerLevel = (int)fs["topk_candidates"];
    Mat input, sizes;
    fs["input_size"] >> input;
    fs["image_sizes"] >> sizes;
    c.inputSize = Size(input.at<int>(0), input.at<int>(1));
    for (int n = 0; n < sizes.rows; n++)
        c.imageSizes.push_back(Size(sizes.at<int>(n, 0), sizes.at<int>(n, 1)));
    const int L = (int)fs["num_levels"];
    std::vector<Mat> box(L);
    for (int l = 0; l < L; l++)
    {
        Mat data, shape;
        fs[format("cls_%d", l)] >> data;
        fs[format("cls_%d_shape", l)] >> shape;
        c.outputs.push_back(data.reshape(1, std::vector<int>(shape.ptr<int>(), shape.ptr<int>() + 4)).clone());
        c.names.push_back(format("cls_logits_%d", l));
        fs[format("box_%d", l)] >> data;
        fs[format("box_%d_shape", l)] >> shape;
        box[l] = data.reshape(1, std::vector<int>(shape.ptr<int>(), shape.ptr<int>() + 4)).clone();
        Mat anchors;
        fs[format("anchors_%d", l)] >> anchors;
        c.anchors.push_back(anchors);
    }
    // Box outputs first in the list: the mapping is by name, never by position.
    for (int l = 0; l < L; l++)
    {
        c.outputs.insert(c.outputs.begin() + l, box[l]);
        c.names.insert(c.names.begin() + l, format("bbox_regression_%d", l));
    }
    for (int l = 0; l < L; l++)
    {
        c.config.outputs.clsNames.push_back(format("cls_logits_%d", l));
        c.config.outputs.boxNames.push_back(format("bbox_regression_%d", l));
    }
    for (int n = 0; n < (int)c.imageSizes.size(); n++)
    {
        std::vector<Detection> dets;
        const int count = (int)fs[format("det_%d_count", n)];
        if (count > 0)
        {
            Mat b, s, lab;
            fs[format("det_%d_boxes", n)] >> b;
            fs[format("det_%d_scores", n)] >> s;
            fs[format("det_%d_labels", n)] >> lab;
            for (int i = 0; i < count; i++)
            {
                Detection d;
                d.box = Vec4f(b.at<float>(i, 0), b.at<float>(i, 1), b.at<float>(i, 2), b.at<float>(i, 3));
                d.score = s.at<float>(i);
                d.classId = lab.at<int>(i);
                dets.push_back(d);
            }
        }
        c.expected.push_back(dets);
    }
    return c;
}

std::vector<std::string> torchvisionCaseNames()
{
    return {"basic", "batch", "topk", "coco91", "odd"};
}

RetinaNetConfig exactBoxConfig(int K)
{
    RetinaNetConfig c;
    c.numClasses = K;
    c.anchors.strides = {8};
    c.anchors.sizes = {8};
    c.anchors.sizesPerLevel = 1;
    c.anchors.aspectRatios = {1.f};
    c.anchors.rounding = ANCHOR_ROUNDING_NONE;
    c.anchors.strideMode = STRIDE_FIXED;
    c.boxCoding.type = BOX_CODING_CORNERS;
    c.boxCoding.clamp = DELTA_CLAMP_NONE;
    c.scoring.activation = SCORE_PROBABILITY;
    c.selection.maxDetections = 100;
    c.outputs.clsNames = {"cls"};
    c.outputs.boxNames = {"box"};
    return c;
}

SyntheticHead exactBoxHead(int K, const std::vector<ExactBox>& boxes)
{
    SyntheticHead h;
    h.inputSize = Size(64, 64);
    h.imageSizes = {h.inputSize};
    h.featureSizes = {Size(8, 8)};
    const int sc[] = {1, K, 8, 8}, sb[] = {1, 4, 8, 8};
    Mat cls(4, sc, CV_32F, Scalar(0)), box(4, sb, CV_32F, Scalar(0));
    for (const ExactBox& b : boxes)
    {
        cls.ptr<float>()[(b.label * 8 + b.y) * 8 + b.x] = b.score;
        const Vec4f anchor(8.f * b.x - 4, 8.f * b.y - 4, 8.f * b.x + 4, 8.f * b.y + 4);
        for (int c = 0; c < 4; c++)
            box.ptr<float>()[(c * 8 + b.y) * 8 + b.x] = (b.box[c] - anchor[c]) / 8.f;
    }
    h.nchwCls = {cls};
    h.nchwBox = {box};
    h.outputs = {cls, box};
    h.names = {"cls", "box"};
    return h;
}

std::vector<std::vector<Detection> > decodeBatch(const RetinaNetConfig& c, const SyntheticHead& h)
{
    Ptr<RetinaNetDecoder> dec = RetinaNetDecoder::create(c);
    std::vector<std::vector<Detection> > d;
    dec->decode(h.outputs, h.names, h.inputSize, h.imageSizes, h.frames, d);
    return d;
}

std::vector<Detection> decodeOne(const RetinaNetConfig& c, const SyntheticHead& h)
{
    std::vector<std::vector<Detection> > d = decodeBatch(c, h);
    CV_Assert(d.size() == 1);
    return d[0];
}

std::vector<Detection> bruteForceDecode(const RetinaNetConfig& c, const SyntheticHead& h, int n)
{
    const FrameInfo* frame = h.frames.empty() ? nullptr : &h.frames[n];
    return referenceDecode(c, h.nchwCls, h.nchwBox, h.inputSize, h.imageSizes[n], frame, n);
}

} // namespace opencv_test
