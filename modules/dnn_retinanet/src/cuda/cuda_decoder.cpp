// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Host side of the CUDA decoder: the DecodePlan (shared with the CPU decoder, built on Mat headers
// that wrap the device pointers: makeDecodePlan only reads shapes and addresses, never data), the
// kernel parameters, the decoder-owned scratch memory, the one synchronisation and the results.
// Compiled in every build; without CUDA, create() throws and isAvailable() is false.

#include "../precomp.hpp"
#include "opencv2/dnn_retinanet/cuda_decoder.hpp"

#ifdef DNN_RETINANET_WITH_CUDA
#include "../decoder/decode_plan.hpp"
#include "../decoder/selection_setters.hpp"
#include "decode_kernels.hpp"

#include <cuda_runtime.h>

#include <climits>
#include <cstring>
#include <limits>
#endif

namespace cv { namespace dnn_retinanet {

CudaRetinaNetDecoder::~CudaRetinaNetDecoder() {}

#ifndef DNN_RETINANET_WITH_CUDA

bool CudaRetinaNetDecoder::isAvailable()
{
    return false;
}

Ptr<CudaRetinaNetDecoder> CudaRetinaNetDecoder::create(const RetinaNetConfig&)
{
    CV_Error(Error::StsNotImplemented,
             "dnn_retinanet: CudaRetinaNetDecoder is not available: the module was built without CUDA "
             "(configure with -DDNN_RETINANET_WITH_CUDA=ON and a CUDA toolkit), use RetinaNetDecoder");
}

#else // DNN_RETINANET_WITH_CUDA

static_assert(gpu::kScoreSigmoid == SCORE_SIGMOID && gpu::kScoreProbability == SCORE_PROBABILITY &&
              gpu::kScoreFlStar == SCORE_FL_STAR && gpu::kScoreSoftmax == SCORE_SOFTMAX, "ScoreActivation");
static_assert(gpu::kClipNone == CLIP_NONE && gpu::kClipBeforeNms == CLIP_BEFORE_NMS &&
              gpu::kClipAfterNms == CLIP_AFTER_NMS, "ClipMode");

namespace {

std::string cudaErrorText(cudaError_t e)
{
    return format("%s (%s)", cudaGetErrorString(e), cudaGetErrorName(e));
}

void throwCuda(cudaError_t e, const char* what)
{
    cudaGetLastError(); // clear a non-sticky error so that the decoder stays usable
    CV_Error(Error::GpuApiCallError, format("dnn_retinanet CUDA decoder: %s failed: %s", what, cudaErrorText(e).c_str()));
}

#define DNN_RETINANET_CUDA_CHECK(expr)             \
    do {                                           \
        const cudaError_t e_ = (expr);             \
        if (e_ != cudaSuccess) throwCuda(e_, #expr); \
    } while (0)

//! Makes @p device current for a scope, restoring the caller's device afterwards.
class DeviceScope
{
public:
    explicit DeviceScope(int device)
    {
        if (cudaGetDevice(&previous_) != cudaSuccess)
        {
            cudaGetLastError();
            previous_ = -1;
        }
        if (previous_ != device)
            DNN_RETINANET_CUDA_CHECK(cudaSetDevice(device));
        else
            previous_ = -1;
    }
    ~DeviceScope()
    {
        if (previous_ >= 0)
            cudaSetDevice(previous_);
    }

private:
    int previous_ = -1;
};

//! Device memory that only grows (by at least 1.5x, so that slowly growing inputs do not reallocate each call).
class DeviceArena
{
public:
    ~DeviceArena() { release(); }
    void* reserve(size_t bytes)
    {
        if (bytes > size_)
        {
            const size_t want = std::max(bytes, size_ + size_ / 2);
            release();
            DNN_RETINANET_CUDA_CHECK(cudaMalloc(&ptr_, want));
            size_ = want;
        }
        return ptr_;
    }
    void release()
    {
        if (ptr_)
            cudaFree(ptr_);
        ptr_ = nullptr;
        size_ = 0;
    }

private:
    void* ptr_ = nullptr;
    size_t size_ = 0;
};

//! Page-locked host memory for the asynchronous copies, only grows.
class PinnedArena
{
public:
    ~PinnedArena() { release(); }
    void* reserve(size_t bytes)
    {
        if (bytes > size_)
        {
            const size_t want = std::max(bytes, size_ + size_ / 2);
            release();
            DNN_RETINANET_CUDA_CHECK(cudaMallocHost(&ptr_, want));
            size_ = want;
        }
        return ptr_;
    }
    void release()
    {
        if (ptr_)
            cudaFreeHost(ptr_);
        ptr_ = nullptr;
        size_ = 0;
    }

private:
    void* ptr_ = nullptr;
    size_t size_ = 0;
};

//! Offsets of the pieces of one arena, each 256-byte aligned.
struct Layout
{
    size_t total = 0;
    size_t take(size_t bytes)
    {
        const size_t offset = total;
        total += (bytes + 255) & ~(size_t)255;
        return offset;
    }
};

// Results above this size are copied back in a second step, after reading the counts (an extra
// synchronisation, only for unbounded configs: max_detections <= 0 with a large top-k).
const size_t kSinglePhaseOutputBytes = 8u << 20;

class CudaDecoderImpl CV_FINAL : public CudaRetinaNetDecoder
{
public:
    explicit CudaDecoderImpl(const RetinaNetConfig& config)
        : config_(config), anchors_((config.validate(), config.anchors)), scoring_(config.scoring)
    {
        if (anchors_.numLevels() > gpu::kMaxLevels)
            CV_Error(Error::StsNotImplemented,
                     format("dnn_retinanet: the CUDA decoder supports at most %d pyramid levels, the config has %d",
                            gpu::kMaxLevels, anchors_.numLevels()));
        DNN_RETINANET_CUDA_CHECK(cudaGetDevice(&device_));
        DNN_RETINANET_CUDA_CHECK(cudaDeviceGetAttribute(&numSMs_, cudaDevAttrMultiProcessorCount, device_));
        const cudaError_t image = (cudaError_t)gpu::checkKernelImage();
        if (image != cudaSuccess)
        {
            int major = 0, minor = 0;
            cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device_);
            cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device_);
            cudaGetLastError();
            CV_Error(Error::GpuNotSupported,
                     format("dnn_retinanet: the CUDA decoder was not compiled for device %d (compute capability %d.%d): "
                            "%s; add it to CMAKE_CUDA_ARCHITECTURES", device_, major, minor, cudaErrorText(image).c_str()));
        }
        DNN_RETINANET_CUDA_CHECK(cudaStreamCreateWithFlags(&ownStream_, cudaStreamNonBlocking));
    }

    ~CudaDecoderImpl()
    {
        // Free on the decoder's device, whatever the caller's current device is.
        int previous = -1;
        if (cudaGetDevice(&previous) == cudaSuccess && previous != device_)
            cudaSetDevice(device_);
        if (ownStream_)
            cudaStreamDestroy(ownStream_);
        arena_.release();
        uploads_.release();
        pinned_.release();
        if (previous >= 0 && previous != device_)
            cudaSetDevice(previous);
        cudaGetLastError();
    }

    void decode(const std::vector<const float*>& deviceOutputs, const std::vector<std::vector<int> >& shapes,
                const std::vector<std::string>& names, Size inputSize, const std::vector<Size>& imageSizes,
                void* cudaStream, std::vector<std::vector<Detection> >& detections) CV_OVERRIDE
    {
        decode(deviceOutputs, shapes, names, inputSize, imageSizes, std::vector<FrameInfo>(), cudaStream, detections);
    }

    void decode(const std::vector<const float*>& deviceOutputs, const std::vector<std::vector<int> >& shapes,
                const std::vector<std::string>& names, Size inputSize, const std::vector<Size>& imageSizes,
                const std::vector<FrameInfo>& frames, void* cudaStream,
                std::vector<std::vector<Detection> >& detections) CV_OVERRIDE
    {
        if (deviceOutputs.size() != shapes.size())
            CV_Error(Error::StsBadArg, format("dnn_retinanet: %d device outputs but %d shapes",
                                              (int)deviceOutputs.size(), (int)shapes.size()));
        std::vector<Mat> headers(deviceOutputs.size());
        for (size_t i = 0; i < deviceOutputs.size(); i++)
        {
            const std::vector<int>& s = shapes[i];
            if (s.size() < 2 || s.size() > 4)
                CV_Error(Error::StsBadSize, format("dnn_retinanet: output #%d has shape %s: expected 4 dimensions "
                                                   "(a per-level head) or 2-3 (a concatenated head)",
                                                   (int)i, shapeToString(s).c_str()));
            size_t total = 1;
            for (int d : s)
            {
                if (d < 0)
                    CV_Error(Error::StsBadSize, format("dnn_retinanet: output #%d has shape %s", (int)i,
                                                       shapeToString(s).c_str()));
                total *= (size_t)d;
            }
            if (!deviceOutputs[i] && total > 0)
                CV_Error(Error::StsNullPtr, format("dnn_retinanet: device output #%d is a null pointer", (int)i));
            // A header only: makeDecodePlan reads its shape and address, never its data.
            headers[i] = Mat((int)s.size(), s.data(), CV_32F, const_cast<float*>(deviceOutputs[i]));
        }
        DeviceScope scope(device_);
        run(headers, names, inputSize, imageSizes, frames, static_cast<cudaStream_t>(cudaStream), detections);
    }

    void decodeHost(InputArrayOfArrays outputs, const std::vector<std::string>& names, Size inputSize,
                    const std::vector<Size>& imageSizes, std::vector<std::vector<Detection> >& detections) CV_OVERRIDE
    {
        decodeHost(outputs, names, inputSize, imageSizes, std::vector<FrameInfo>(), detections);
    }

    void decodeHost(InputArrayOfArrays outputs, const std::vector<std::string>& names, Size inputSize,
                    const std::vector<Size>& imageSizes, const std::vector<FrameInfo>& frames,
                    std::vector<std::vector<Detection> >& detections) CV_OVERRIDE
    {
        std::vector<Mat> mats;
        outputs.getMatVector(mats);
        Layout layout;
        std::vector<size_t> offsets(mats.size());
        std::vector<std::vector<int> > shapes(mats.size());
        for (size_t i = 0; i < mats.size(); i++)
        {
            const Mat& m = mats[i];
            if (m.empty())
                CV_Error(Error::StsBadArg, format("dnn_retinanet: output #%d is empty", (int)i));
            if (m.depth() != CV_32F)
                CV_Error(Error::StsUnsupportedFormat, format("dnn_retinanet: output #%d has depth %s; only CV_32F is supported",
                                                             (int)i, typeToString(m.type()).c_str()));
            if (!m.isContinuous())
                CV_Error(Error::StsBadArg, format("dnn_retinanet: output #%d is not continuous", (int)i));
            shapes[i].assign(m.size.p, m.size.p + m.dims);
            offsets[i] = layout.take(m.total() * m.elemSize());
        }
        DeviceScope scope(device_);
        uchar* base = static_cast<uchar*>(uploads_.reserve(std::max<size_t>(layout.total, 1)));
        std::vector<const float*> pointers(mats.size());
        for (size_t i = 0; i < mats.size(); i++)
        {
            DNN_RETINANET_CUDA_CHECK(cudaMemcpyAsync(base + offsets[i], mats[i].data, mats[i].total() * mats[i].elemSize(),
                                                     cudaMemcpyHostToDevice, ownStream_));
            pointers[i] = reinterpret_cast<const float*>(base + offsets[i]);
        }
        decode(pointers, shapes, names, inputSize, imageSizes, frames, ownStream_, detections);
    }

    const RetinaNetConfig& getConfig() const CV_OVERRIDE { return config_; }
    // The selection is read from config_ at each run (kernel parameters, arena sizes), so a change
    // takes effect at the next decode.
    void setScoreThreshold(float t) CV_OVERRIDE { detail::setScoreThreshold(config_.selection, t); }
    void setNmsThreshold(float t) CV_OVERRIDE { detail::setNmsThreshold(config_.selection, t); }
    void setTopK(int k) CV_OVERRIDE { detail::setTopK(config_.selection, k); }
    void setMaxDetections(int m) CV_OVERRIDE { detail::setMaxDetections(config_.selection, m); }
    void setClassAgnosticNms(bool a) CV_OVERRIDE { detail::setClassAgnosticNms(config_.selection, a); }
    DecodeStats getLastStats() const CV_OVERRIDE { return stats_; }
    int getDevice() const CV_OVERRIDE { return device_; }

private:
    void run(const std::vector<Mat>& headers, const std::vector<std::string>& names, const Size& inputSize,
             const std::vector<Size>& imageSizes, const std::vector<FrameInfo>& frames, cudaStream_t stream,
             std::vector<std::vector<Detection> >& detections);

    RetinaNetConfig config_;
    AnchorGenerator anchors_;
    ScoreTransform scoring_;
    DecodePlan plan_;
    DecodeStats stats_;
    int device_ = 0;
    int numSMs_ = 1;
    cudaStream_t ownStream_ = nullptr;
    DeviceArena arena_, uploads_;
    PinnedArena pinned_;
    Vec3i sortKey_ = Vec3i(-1, -1, -1);
    size_t sortTempBytes_ = 0;
    std::vector<int> report_;
    std::vector<gpu::OutputDetection> results_;
};

void CudaDecoderImpl::run(const std::vector<Mat>& headers, const std::vector<std::string>& names, const Size& inputSize,
                          const std::vector<Size>& imageSizes, const std::vector<FrameInfo>& frames, cudaStream_t stream,
                          std::vector<std::vector<Detection> >& detections)
{
    // Same binding, grids, thresholds, box parameters, clip bounds and frame scales as the CPU decoder.
    makeDecodePlan(config_, anchors_, scoring_, headers, names, inputSize, imageSizes, frames, plan_);
    const int N = plan_.batch, L = plan_.numLevels, A = plan_.numAnchors, K = plan_.numClasses;
    const bool softmax = scoring_.isSoftmax();
    const SelectionConfig& sel = config_.selection;
    const int G = N * L;
    if (N > 65535 || G > 65535)
        CV_Error(Error::StsOutOfRange, format("dnn_retinanet: the CUDA decoder handles at most 65535 images and "
                                              "65535 (image, level) pairs per call; got a batch of %d", N));

    gpu::DecodeParams p;
    std::memset(&p, 0, sizeof(p));
    p.batch = N;
    p.numLevels = L;
    p.numAnchors = A;
    p.numClasses = K;
    p.channels = config_.channelsPerAnchor();
    p.activation = config_.scoring.activation;
    p.backgroundChannel = config_.scoring.backgroundChannel;
    p.inclusive = sel.thresholdInclusive ? 1 : 0;
    p.gamma = config_.scoring.gamma;
    p.beta = config_.scoring.beta;
    p.box = plan_.box;
    p.clip = config_.boxCoding.clip;
    p.frameSpace = plan_.frameSpace ? 1 : 0;
    p.minSizeFilter = plan_.minSizeFilter ? 1 : 0;
    p.minBoxSize = plan_.minBoxSize;
    p.nmsThreshold = sel.nmsThreshold;
    p.nmsInclusive = sel.nmsInclusive ? 1 : 0;
    p.nmsPlusOne = sel.nmsPlusOne ? 1 : 0;
    p.agnostic = sel.classAgnosticNms ? 1 : 0;
    p.topk = sel.topkPerLevel;
    p.maxDetections = sel.maxDetections;

    // Per level: tiles, candidate slots (every pair may pass), pre-NMS slots (top-k).
    const uint64_t kIntMax = (uint64_t)INT_MAX;
    uint64_t tiles = 0, candPerImage = 0, selPerImage = 0, maxPairs = 0, maxSelCap = 0, scanned = 0;
    for (int l = 0; l < L; l++)
    {
        const LevelView& v = plan_.views[l];
        const LevelGrid& g = plan_.grids[l];
        gpu::LevelParams& lp = p.levels[l];
        const uint64_t pairs = (uint64_t)v.pixels() * A * K;
        const uint64_t values = (uint64_t)v.clsBlockSize();
        if (values > kIntMax)
            CV_Error(Error::StsOutOfRange, format("dnn_retinanet: level %d has %llu score values per image, more than "
                                                  "the CUDA decoder's limit of 2^31-1", l, (unsigned long long)values));
        lp.cls = v.cls;
        lp.box = v.box;
        lp.clsImageStride = v.clsImageStride;
        lp.boxImageStride = v.boxImageStride;
        lp.width = v.width;
        lp.height = v.height;
        lp.planar = v.planar ? 1 : 0;
        lp.pairs = (unsigned int)pairs;
        lp.scanCount = (unsigned int)(softmax ? (uint64_t)v.pixels() * A : values);
        lp.tileOffset = (unsigned int)tiles;
        const uint64_t tile = softmax ? gpu::kSoftmaxTile : gpu::kScanTile;
        tiles += (lp.scanCount + tile - 1) / tile;
        lp.candOffset = (unsigned int)candPerImage;
        candPerImage += pairs;
        const uint64_t selCap = sel.topkPerLevel > 0 ? std::min<uint64_t>((uint64_t)sel.topkPerLevel, pairs) : pairs;
        lp.selCap = (unsigned int)selCap;
        lp.selOffset = (unsigned int)selPerImage;
        selPerImage += selCap;
        lp.cellOffset = l * A;
        lp.rawThreshold = plan_.rawThresholds[l];
        lp.probThreshold = plan_.probThresholds[l];
        const float t = plan_.probThresholds[l];
        lp.logThreshold = t > 0 ? std::log(t) : -std::numeric_limits<float>::infinity(); // as scanSoftmax()
        lp.strideX = g.strideX;
        lp.strideY = g.strideY;
        lp.originX = g.originX;
        lp.originY = g.originY;
        maxPairs = std::max(maxPairs, pairs);
        maxSelCap = std::max(maxSelCap, selCap);
        scanned += values * N;
    }
    if (candPerImage * N > kIntMax || tiles * N > kIntMax)
        CV_Error(Error::StsOutOfRange, format("dnn_retinanet: %llu (anchor, class) pairs in the batch, more than the "
                                              "CUDA decoder's limit of 2^31-1 per call: split the batch",
                                              (unsigned long long)(candPerImage * N)));
    const uint64_t selTotal = selPerImage * N;
    p.tilesPerImage = (unsigned int)tiles;
    p.candPerImage = (unsigned int)candPerImage;
    p.selPerImage = (unsigned int)selPerImage;
    p.selTotal = (int)selTotal;
    p.outCap = sel.maxDetections > 0 ? (int)std::min<uint64_t>((uint64_t)sel.maxDetections, selPerImage) : (int)selPerImage;
    // Blocks per segment of the grid-stride kernels: enough to cover a dense segment, but no more
    // than ~8 waves over all segments (blocks of sparse segments leave at once).
    const uint64_t perSegmentCap = std::max<uint64_t>(1, (uint64_t)numSMs_ * 8 / G);
    p.gridCand = (int)std::max<uint64_t>(1, std::min<uint64_t>((maxPairs + 2047) / 2048, perSegmentCap));
    p.gridSel = (int)std::max<uint64_t>(1, std::min<uint64_t>((maxSelCap + 255) / 256, perSegmentCap));

    // Device arena.
    Layout dl;
    const size_t oCand = dl.take(sizeof(uint64_t) * candPerImage * N);
    size_t oSel[2], oNmsKeys[2], oNmsVals[2], oFinKeys[2], oFinVals[2];
    for (int b = 0; b < 2; b++)
    {
        oSel[b] = dl.take(sizeof(uint64_t) * selTotal);
        oNmsKeys[b] = dl.take(sizeof(uint64_t) * selTotal);
        oNmsVals[b] = dl.take(sizeof(int) * selTotal);
        oFinKeys[b] = dl.take(sizeof(uint64_t) * selTotal);
        oFinVals[b] = dl.take(sizeof(int) * selTotal);
    }
    const size_t oRecBox = dl.take(sizeof(float) * 4 * selTotal);
    const size_t oRecRaw = dl.take(sizeof(float) * selTotal);
    const size_t oRecLabel = dl.take(sizeof(int) * selTotal);
    const size_t oNmsBox = dl.take(sizeof(float) * 4 * selTotal);
    const size_t oNmsRemoved = dl.take(selTotal);
    const size_t oState = dl.take(sizeof(gpu::SelectState) * G);
    // ints: report (copied back) | keptCount | gatherCursor | hist (all zeroed) | ranges (written)
    const size_t reportInts = 2 * (size_t)G + 2 * (size_t)N;      // candCount, selCount, nonFinite, outCount
    const size_t zeroInts = reportInts + N + G + (size_t)G * gpu::kRadixBins;
    const size_t oInts = dl.take(sizeof(int) * (zeroInts + 2 * (size_t)G + 2 * (size_t)N));
    const size_t metaFloats = 4 * (size_t)L * A + 4 * (size_t)N; // cell anchors | clipMax | frameScale
    const size_t oMeta = dl.take(sizeof(float) * metaFloats);
    const size_t outBytes = sizeof(gpu::OutputDetection) * (size_t)N * p.outCap;
    const size_t oOut = dl.take(outBytes);
    if (sortKey_ != Vec3i(p.selTotal, G, N)) // CUB's size query costs a few attribute queries: cache it
    {
        sortTempBytes_ = gpu::sortTempBytes(p);
        sortKey_ = Vec3i(p.selTotal, G, N);
    }
    const size_t tempBytes = sortTempBytes_;
    const size_t oTemp = dl.take(tempBytes);
    uchar* d = static_cast<uchar*>(arena_.reserve(dl.total));

    p.cand = reinterpret_cast<unsigned long long*>(d + oCand);
    for (int b = 0; b < 2; b++)
    {
        p.selKeys[b] = reinterpret_cast<unsigned long long*>(d + oSel[b]);
        p.nmsKeys[b] = reinterpret_cast<unsigned long long*>(d + oNmsKeys[b]);
        p.nmsVals[b] = reinterpret_cast<int*>(d + oNmsVals[b]);
        p.finKeys[b] = reinterpret_cast<unsigned long long*>(d + oFinKeys[b]);
        p.finVals[b] = reinterpret_cast<int*>(d + oFinVals[b]);
    }
    p.recBox = reinterpret_cast<float*>(d + oRecBox);
    p.recRaw = reinterpret_cast<float*>(d + oRecRaw);
    p.recLabel = reinterpret_cast<int*>(d + oRecLabel);
    p.nmsBox = reinterpret_cast<float*>(d + oNmsBox);
    p.nmsRemoved = d + oNmsRemoved;
    p.selState = reinterpret_cast<gpu::SelectState*>(d + oState);
    int* ints = reinterpret_cast<int*>(d + oInts);
    p.candCount = ints;
    p.selCount = ints + G;
    p.nonFinite = ints + 2 * G;
    p.outCount = ints + 2 * G + N;
    p.keptCount = ints + reportInts;
    p.gatherCursor = p.keptCount + N;
    p.hist = reinterpret_cast<unsigned int*>(p.gatherCursor + G);
    p.selBegin = ints + zeroInts;
    p.selEnd = p.selBegin + G;
    p.imgBegin = p.selEnd + G;
    p.imgEnd = p.imgBegin + N;
    float* meta = reinterpret_cast<float*>(d + oMeta);
    p.cellAnchors = meta;
    p.clipMax = meta + 4 * (size_t)L * A;
    p.frameScale = p.clipMax + 2 * (size_t)N;
    p.out = reinterpret_cast<gpu::OutputDetection*>(d + oOut);
    p.sortTemp = d + oTemp;
    p.sortTempBytes = tempBytes;

    // Pinned host staging: meta (up) | report (down) | results (down, when small enough).
    const bool singlePhase = outBytes <= kSinglePhaseOutputBytes;
    Layout hl;
    const size_t hMeta = hl.take(sizeof(float) * metaFloats);
    const size_t hReport = hl.take(sizeof(int) * reportInts);
    const size_t hOut = hl.take(singlePhase ? outBytes : 0);
    uchar* h = static_cast<uchar*>(pinned_.reserve(hl.total));
    float* hostMeta = reinterpret_cast<float*>(h + hMeta);
    for (int l = 0; l < L; l++)
        for (int a = 0; a < A; a++)
            for (int c = 0; c < 4; c++)
                hostMeta[4 * ((size_t)l * A + a) + c] = anchors_.cellAnchors(l)[a][c];
    for (int n = 0; n < N; n++)
    {
        hostMeta[4 * (size_t)L * A + 2 * n] = plan_.clipMax[n][0];
        hostMeta[4 * (size_t)L * A + 2 * n + 1] = plan_.clipMax[n][1];
        hostMeta[4 * (size_t)L * A + 2 * (size_t)N + 2 * n] = plan_.frameScale[n][0];
        hostMeta[4 * (size_t)L * A + 2 * (size_t)N + 2 * n + 1] = plan_.frameScale[n][1];
    }

    // Queue everything; on any failure wait for what was queued (it uses the pinned buffer).
    try
    {
        DNN_RETINANET_CUDA_CHECK(cudaMemcpyAsync(meta, hostMeta, sizeof(float) * metaFloats, cudaMemcpyHostToDevice, stream));
        DNN_RETINANET_CUDA_CHECK(cudaMemsetAsync(ints, 0, sizeof(int) * zeroInts, stream));
        const cudaError_t e = (cudaError_t)gpu::enqueueDecode(p, stream);
        if (e != cudaSuccess)
            throwCuda(e, "queueing the decode kernels");
        DNN_RETINANET_CUDA_CHECK(cudaMemcpyAsync(h + hReport, ints, sizeof(int) * reportInts, cudaMemcpyDeviceToHost, stream));
        if (singlePhase && outBytes)
            DNN_RETINANET_CUDA_CHECK(cudaMemcpyAsync(h + hOut, p.out, outBytes, cudaMemcpyDeviceToHost, stream));
        DNN_RETINANET_CUDA_CHECK(cudaStreamSynchronize(stream)); // the one synchronisation
    }
    catch (...)
    {
        cudaStreamSynchronize(stream);
        cudaGetLastError();
        throw;
    }
    const int* report = reinterpret_cast<const int*>(h + hReport);
    report_.assign(report, report + reportInts);
    const int* candCount = &report_[0];
    const int* selCount = candCount + G;
    const int* nonFinite = candCount + 2 * G;
    const int* outCount = candCount + 2 * G + N;

    size_t totalOut = 0;
    for (int n = 0; n < N; n++)
    {
        CV_Assert(outCount[n] >= 0 && outCount[n] <= p.outCap);
        totalOut += (size_t)outCount[n];
    }
    results_.resize(std::max<size_t>(totalOut, 1));
    if (singlePhase)
    {
        const gpu::OutputDetection* src = reinterpret_cast<const gpu::OutputDetection*>(h + hOut);
        for (int n = 0, at = 0; n < N; at += outCount[n], n++)
            std::copy(src + (size_t)n * p.outCap, src + (size_t)n * p.outCap + outCount[n], results_.begin() + at);
    }
    else if (totalOut)
    {
        // Large unbounded outputs: copy only what was written (pageable destination, synchronous).
        for (int n = 0, at = 0; n < N; at += outCount[n], n++)
            if (outCount[n])
                DNN_RETINANET_CUDA_CHECK(cudaMemcpy(&results_[at], p.out + (size_t)n * p.outCap,
                                                    sizeof(gpu::OutputDetection) * outCount[n], cudaMemcpyDeviceToHost));
    }

    detections.resize(N);
    stats_ = DecodeStats();
    stats_.scanned = (int64)scanned;
    for (int n = 0, at = 0; n < N; at += outCount[n], n++)
    {
        std::vector<Detection>& out = detections[n];
        out.resize(outCount[n]);
        for (int i = 0; i < outCount[n]; i++)
        {
            const gpu::OutputDetection& r = results_[at + i];
            out[i].box = Vec4f(r.box[0], r.box[1], r.box[2], r.box[3]);
            out[i].score = r.score;
            out[i].classId = r.label;
        }
        stats_.nonFinite += nonFinite[n];
        stats_.detections += outCount[n];
    }
    for (int g = 0; g < G; g++)
    {
        stats_.candidates += candCount[g];
        stats_.afterTopk += selCount[g];
    }
}

} // namespace

bool CudaRetinaNetDecoder::isAvailable()
{
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess)
    {
        cudaGetLastError();
        return false;
    }
    return count > 0;
}

Ptr<CudaRetinaNetDecoder> CudaRetinaNetDecoder::create(const RetinaNetConfig& config)
{
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count <= 0)
    {
        cudaGetLastError();
        CV_Error(Error::GpuNotSupported,
                 "dnn_retinanet: CudaRetinaNetDecoder is not available: no CUDA device (" +
                 (e != cudaSuccess ? "cudaGetDeviceCount: " + cudaErrorText(e) : std::string("the CUDA runtime reports 0 devices")) +
                 "), use RetinaNetDecoder");
    }
    return makePtr<CudaDecoderImpl>(config);
}

#endif // DNN_RETINANET_WITH_CUDA

}} // namespace cv::dnn_retinanet
