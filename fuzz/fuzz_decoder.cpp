// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// libFuzzer target: RetinaNetDecoder::decode on fuzzed configs, shapes and values. The first bytes
// choose a preset, the layout, K, the batch, the input and image sizes, the thresholds, top-k and
// max detections, and (sometimes) a broken shape or a missing tensor; the rest become the head
// values (logits in [-8, 8] in steps of 1/16, with NaN, +-Inf and +-1e30 mixed in). Anything but
// a cv::Exception, a hang, or a sanitizer report is a finding; results are checked for sanity
// (sorted, finite, classes in range, at most max detections). Build and run: scripts/fuzz.sh.
#include "../modules/dnn_retinanet/src/anchors/anchor_generator.hpp"

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn_retinanet.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

using namespace cv;
using namespace cv::dnn_retinanet;

namespace {

struct Bytes
{
    const uint8_t* p;
    size_t n, i = 0;
    uint8_t next() { return i < n ? p[i++] : 0; }
    float value()
    {
        const uint8_t b = next();
        switch (b)
        {
        case 255: return std::numeric_limits<float>::quiet_NaN();
        case 254: return std::numeric_limits<float>::infinity();
        case 253: return -std::numeric_limits<float>::infinity();
        case 252: return 1e30f;
        case 251: return -1e30f;
        default: return (b - 128) / 16.f;
        }
    }
};

void fill(Mat& m, Bytes& in, size_t start)
{
    // values from the remaining bytes, cycled (a short input still fills big tensors)
    float* d = m.ptr<float>();
    const size_t total = m.total(), avail = in.n > start ? in.n - start : 0;
    for (size_t j = 0; j < total; j++)
    {
        if (avail == 0) { d[j] = -4.f; continue; }
        Bytes b{in.p + start, in.n - start, (j * 7) % avail};
        d[j] = b.value();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static bool quiet = (utils::logging::setLogLevel(utils::logging::LOG_LEVEL_SILENT), setNumThreads(2), true);
    (void)quiet;
    static const std::vector<std::string> presets = RetinaNetConfig::presetNames();
    Bytes in{data, size};
    try
    {
        RetinaNetConfig c = RetinaNetConfig::preset(presets[in.next() % presets.size()]);
        const int layoutPick = in.next() % 3;
        c.outputs.layout = layoutPick == 0 ? LAYOUT_PER_LEVEL_NCHW : layoutPick == 1 ? LAYOUT_PER_LEVEL_NHWC
                                                                                       : LAYOUT_CONCATENATED;
        c.outputs.clsNames.clear();
        c.outputs.boxNames.clear();
        c.numClasses = 1 + in.next() % 6;
        c.classNames.clear();
        const int batch = 1 + in.next() % 2;
        const Size input(8 + in.next() % 200, 8 + in.next() % 200);
        const uint8_t t = in.next(), k = in.next(), m = in.next(), nms = in.next(), flags = in.next();
        const uint8_t breakLevel = in.next(), breakHow = in.next();
        const size_t valuesStart = in.i;

        Ptr<RetinaNetDecoder> decoder = RetinaNetDecoder::create(c);
        if (flags & 1) decoder->setScoreThreshold(t / 255.f);
        if (flags & 2) decoder->setTopK((int)k - 8);              // <= 0: no top-k
        if (flags & 4) decoder->setMaxDetections(1 + m);
        if (flags & 8) decoder->setNmsThreshold((1 + nms) / 256.f);
        if (flags & 16) decoder->setClassAgnosticNms(true);

        const AnchorGenerator anchors(c.anchors);
        const int A = anchors.numAnchors(), C = c.channelsPerAnchor(), L = anchors.numLevels();
        std::vector<Mat> outputs;
        std::vector<std::string> names;
        std::vector<int> hw;
        for (int l = 0; l < L; l++)
        {
            const Size f = anchors.expectedFeatureSize(l, input);
            hw.push_back(f.width * f.height);
        }
        if (c.outputs.layout == LAYOUT_CONCATENATED)
        {
            int rows = 0;
            for (int v : hw) rows += v * A;
            if (flags & 32) rows += (breakHow % 5) - 2;          // a wrong total
            const int cs[] = {batch, std::max(rows, 0), C}, bs[] = {batch, std::max(rows, 0), 4};
            outputs.push_back(Mat(3, cs, CV_32F));
            outputs.push_back(Mat(3, bs, CV_32F));
            names = {"cls", "box"};
        }
        else
        {
            for (int l = 0; l < L; l++)
            {
                Size f = anchors.expectedFeatureSize(l, input);
                int cc = A * C, bc = A * 4;
                if ((flags & 32) && breakLevel % L == l)
                {
                    // a level of the wrong size or channel count
                    if (breakHow & 1) f.width += 1 + breakHow % 3;
                    if (breakHow & 2) cc += 1;
                    if (breakHow & 4) bc -= 1;
                    if (breakHow & 8) f.height = std::max(f.height - 1, 0);
                }
                if ((flags & 64) && breakLevel % L == l)
                    continue;                                    // a missing level
                if (c.outputs.layout == LAYOUT_PER_LEVEL_NCHW)
                {
                    const int cs[] = {batch, cc, f.height, f.width}, bs[] = {batch, bc, f.height, f.width};
                    outputs.push_back(Mat(4, cs, CV_32F));
                    outputs.push_back(Mat(4, bs, CV_32F));
                }
                else
                {
                    const int cs[] = {batch, f.height, f.width, cc}, bs[] = {batch, f.height, f.width, bc};
                    outputs.push_back(Mat(4, cs, CV_32F));
                    outputs.push_back(Mat(4, bs, CV_32F));
                }
            }
        }
        for (Mat& o : outputs)
            if (o.total()) fill(o, in, valuesStart);
        std::vector<Size> imageSizes;
        for (int n = 0; n < batch; n++)
            imageSizes.push_back(Size(std::max(1, input.width - n * 3), std::max(1, input.height - n * 5)));

        std::vector<std::vector<Detection> > dets;
        decoder->decode(outputs, names, input, imageSizes, dets);
        if ((int)dets.size() != batch) abort();
        for (const std::vector<Detection>& d : dets)
            for (size_t j = 0; j < d.size(); j++)
            {
                // probabilities come from the graph as they are (a broken graph's 5.0 or +Inf stays;
                // the frameworks pass them through too); every other activation gives [0, 1]
                const bool probability = c.scoring.activation == SCORE_PROBABILITY;
                if (!(d[j].score >= 0.f) || (!probability && d[j].score > 1.f) || d[j].classId < 0 ||
                    d[j].classId >= c.numClasses)
                    abort();
                if (j > 0 && d[j].score > d[j - 1].score) abort();
                if (decoder->getConfig().selection.maxDetections > 0 &&
                    (int)d.size() > decoder->getConfig().selection.maxDetections) abort();
                for (int q = 0; q < 4; q++)
                    if (!std::isfinite(d[j].box[q])) abort();
            }
    }
    catch (const cv::Exception&)
    {
    }
    return 0;
}
