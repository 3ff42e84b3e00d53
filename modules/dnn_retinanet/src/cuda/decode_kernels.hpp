// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_CUDA_DECODE_KERNELS_HPP
#define DNN_RETINANET_CUDA_DECODE_KERNELS_HPP

// Interface between the host side of the CUDA decoder (cuda_decoder.cpp, compiled by the C++
// compiler) and its kernels (decode_kernels.cu, compiled by nvcc): plain structs and two functions,
// no CUDA header, so the C++ side needs nothing from the toolkit but the runtime API.

#include <cstddef>
#include <cstdint>

#include "../box_coding/box_math.hpp"

namespace cv { namespace dnn_retinanet { namespace gpu {

constexpr int kMaxLevels = 8;        //!< pyramid levels a decode may have (parameters go by value)
constexpr int kScanTile = 4096;      //!< score values per block of the threshold scan
constexpr int kSoftmaxTile = 512;    //!< anchors per block of the softmax scan
constexpr int kRadixBins = 2048;     //!< histogram bins per segment of the top-k radix select (11 bits)

// The config enums the kernels test, mirrored so that nvcc never parses OpenCV headers
// (cuda_decoder.cpp static_asserts that they match).
constexpr int kScoreSigmoid = 0, kScoreProbability = 1, kScoreFlStar = 2, kScoreSoftmax = 3;
constexpr int kClipNone = 0, kClipBeforeNms = 1, kClipAfterNms = 2;

/** One level: addressing of its tensors (a LevelView), where its scan tiles, candidates and pre-NMS
 *  slots start inside one image, its thresholds and its anchor grid. */
struct LevelParams
{
    const float* cls;                    //!< image 0's score block (device)
    const float* box;                    //!< image 0's box block (device)
    unsigned long long clsImageStride;   //!< floats between images
    unsigned long long boxImageStride;
    int width, height;                   //!< feature map
    int planar;                          //!< 1: (a*C + c)*HW + pix, 0: (pix*A + a)*C + c
    unsigned int pairs;                  //!< (anchor, class) pairs of one image: H*W*A*K
    unsigned int scanCount;              //!< values (sigmoid, ...) or anchors (softmax) scanned per image
    unsigned int tileOffset;             //!< first scan tile of the level inside an image
    unsigned int candOffset;             //!< first candidate slot of the level inside an image
    unsigned int selCap;                 //!< pre-NMS slots of the level: min(top-k, pairs), or pairs
    unsigned int selOffset;              //!< first pre-NMS slot of the level inside an image
    int cellOffset;                      //!< first of the level's A cell anchors in DecodeParams::cellAnchors
    float rawThreshold;                  //!< raw > rawThreshold passes (sigmoid, FL*, probability)
    float probThreshold;                 //!< softmax: probability threshold
    float logThreshold;                  //!< softmax: log(probThreshold) as the CPU computes it
    float strideX, strideY, originX, originY; //!< LevelGrid
};

//! State of the radix select of one (image, level) segment.
struct SelectState
{
    unsigned long long prefix;     //!< key bits fixed so far
    unsigned long long threshold;  //!< when done: the segment keeps exactly the keys >= threshold
    int remaining;                 //!< keys still to take among those matching `prefix`
    int done;
};

//! One final detection as copied back to the host.
struct OutputDetection
{
    float box[4];
    float score;
    int label;
};

/** Everything the kernels need, passed by value to each of them. Sizes and offsets are computed
 *  on the host from the DecodePlan; pointers are device memory owned by the decoder. */
struct DecodeParams
{
    // --- the problem
    int batch, numLevels, numAnchors, numClasses;
    int channels;                  //!< per anchor in the score tensor: K, or K+1 (softmax)
    int activation;                //!< ScoreActivation
    int backgroundChannel;         //!< softmax
    int inclusive;                 //!< softmax: p >= t instead of p > t
    float gamma, beta;             //!< FL*
    boxmath::BoxCoderParams box;
    int clip;                      //!< ClipMode
    int frameSpace;                //!< clip_space: frame (boxes divided by frameScale after decoding)
    int minSizeFilter;             //!< drop boxes whose frame width or height is not > minBoxSize
    float minBoxSize;
    float nmsThreshold;
    int nmsInclusive;              //!< suppress at IoU >= threshold instead of >
    int nmsPlusOne, agnostic;
    int topk;                      //!< <= 0: keep every candidate
    int maxDetections;             //!< <= 0: unlimited
    unsigned int tilesPerImage;    //!< scan tiles of one image (all levels)
    unsigned int candPerImage;     //!< candidate slots of one image: sum of pairs
    unsigned int selPerImage;      //!< pre-NMS slots of one image: sum of selCap
    int outCap;                    //!< output slots per image
    int selTotal;                  //!< batch * selPerImage
    int gridCand;                  //!< blocks per segment of the kernels that walk candidates
    int gridSel;                   //!< blocks per segment of the kernels that walk pre-NMS slots
    LevelParams levels[kMaxLevels];

    // --- uploaded per call
    const float* cellAnchors;      //!< 4 floats per cell anchor, levels one after the other
    const float* clipMax;          //!< 2 floats per image: upper clip bound (x, y), in the clip space
    const float* frameScale;       //!< 2 floats per image: input = frame * scale (1, 1 without frames)

    // --- scratch (segment g = image * numLevels + level)
    unsigned long long* cand;      //!< candidate keys, candPerImage per image, pairs per level
    unsigned long long* selKeys[2];//!< top-k keys (double buffer of the segmented sort)
    unsigned long long* nmsKeys[2];//!< (label, raw) keys of the NMS order (double buffer)
    int* nmsVals[2];
    unsigned long long* finKeys[2];//!< (not kept, raw) keys of the output order (double buffer)
    int* finVals[2];
    float* recBox;                 //!< 4 floats per pre-NMS slot
    float* recRaw;
    int* recLabel;
    float* nmsBox;                 //!< NMS boxes of groups too large for shared memory (4 floats per slot)
    unsigned char* nmsRemoved;     //!< same, suppression flags
    SelectState* selState;         //!< per segment
    int* candCount;                //!< per segment: candidates above the threshold
    int* gatherCursor;             //!< per segment
    int* nonFinite;                //!< per image
    int* keptCount;                //!< per image: boxes NMS kept
    int* outCount;                 //!< per image: detections written
    int* selCount;                 //!< per segment: candidates kept by the top-k
    unsigned int* hist;            //!< kRadixBins per segment
    int* selBegin;                 //!< per segment, [begin, end) of its top-k keys
    int* selEnd;
    int* imgBegin;                 //!< per image, [begin, end) of its pre-NMS slots
    int* imgEnd;
    OutputDetection* out;          //!< outCap per image
    void* sortTemp;
    size_t sortTempBytes;
};

//! cudaSuccess (0) when the kernels have an image for the current device (else the cudaError_t).
int checkKernelImage();

//! Temporary storage the segmented sorts of enqueueDecode() need for @p p's sizes.
size_t sortTempBytes(const DecodeParams& p);

/** Queues the whole decode on @p stream (a cudaStream_t): scan, top-k, decoding, NMS, output.
 *  Zeroing of the counters (candCount ... outCount, selCount and hist, laid out by the caller) and
 *  the upload of cellAnchors / clipMax / frameScale must be queued before. Returns a cudaError_t (0: success);
 *  nothing is synchronised. */
int enqueueDecode(const DecodeParams& p, void* stream);

}}} // namespace cv::dnn_retinanet::gpu

#endif
