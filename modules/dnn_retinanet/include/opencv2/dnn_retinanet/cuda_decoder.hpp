// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef OPENCV_DNN_RETINANET_CUDA_DECODER_HPP
#define OPENCV_DNN_RETINANET_CUDA_DECODER_HPP

#include <opencv2/dnn_retinanet/decoder.hpp>

namespace cv {
namespace dnn_retinanet {

//! @addtogroup dnn_retinanet
//! @{

/** @brief RetinaNet decoding on a CUDA device: the same post-processing as RetinaNetDecoder, run on
 *  head tensors that already live in GPU memory.
 *
 * The result is the CPU decoder's: same detections, same order, same tie-breaking (raw value, then
 * level and canonical (anchor, class) index), for every convention a RetinaNetConfig expresses
 * (layouts, sigmoid / FL* / probability / softmax scores, clipping before or after NMS, class-aware
 * or agnostic NMS, top-k, max detections). Scores and box coordinates may differ from the CPU ones
 * in the last bits because the device expf/exp are not glibc's.
 *
 * Pipeline (all on the caller's stream, batched over images): threshold scan in the raw (logit)
 * domain with stream compaction -> exact per-level top-k (radix select, then a segmented sort) ->
 * box decoding, clipping -> class-aware greedy NMS -> max detections. The host waits once, at the
 * end, for the compact results. Scratch memory is owned by the decoder and only grows, so a warm
 * decoder makes no device allocation. It holds 8 bytes per (anchor, class) pair of the batch (every
 * one may pass the threshold) plus about 105 bytes per pre-NMS slot (batch x levels x top-k; with
 * top-k <= 0 every pair is a slot, so prefer a top-k on large inputs).
 *
 * Availability: this class is always declared. When the module was built without CUDA
 * (DNN_RETINANET_WITH_CUDA off) or no device is present, isAvailable() returns false and create()
 * throws a cv::Exception saying which of the two it is.
 *
 * GpuMat overloads (cv::cuda::GpuMat inputs) would only be compiled when OpenCV itself is built
 * with CUDA (HAVE_CUDA, the opencv_core CUDA module). Debian's OpenCV 4.6 packages are not, so they
 * are not provided: pass GpuMat::ptr<float>() and its shape to decode() instead, which is what such
 * an overload would do.
 *
 * Thread safety: one decoder owns its scratch buffers and must not run two decodes at once. Create
 * one per thread (or per stream) instead.
 */
class CV_EXPORTS_W CudaRetinaNetDecoder
{
public:
    virtual ~CudaRetinaNetDecoder();

    /** @brief Creates a decoder on the current CUDA device (cudaGetDevice() at creation; later calls
     *  switch to it and back when needed). The config is validated.
     *  @throws cv::Exception "built without CUDA" when the module has no CUDA code, "no CUDA device"
     *  when the runtime finds no usable device, or the config's validation error. */
    CV_WRAP static Ptr<CudaRetinaNetDecoder> create(const RetinaNetConfig& config);

    /** @brief True when the module was compiled with CUDA and the CUDA runtime sees at least one
     *  device; create() succeeds exactly then (for a valid config). */
    CV_WRAP static bool isAvailable();

    /** @brief Decodes a batch whose head tensors are in device memory.
     * @param deviceOutputs device pointers to the head tensors (contiguous float32), in any order,
     *        like the `outputs` of RetinaNetDecoder::decode().
     * @param shapes the shape of each tensor, same order: (N, A*C, H, W) per level for NCHW heads,
     *        (N, H, W, A*C) for NHWC, (N, rows, C) or (rows, C) for a concatenated head.
     * @param names their names (may be empty: then the mapping is inferred from the shapes).
     * @param inputSize width and height of the (padded) network input.
     * @param imageSizes per image, the valid part of the input; empty: the whole input.
     * @param cudaStream the cudaStream_t to run on (nullptr: the legacy default stream). Work is
     *        queued behind whatever the stream already holds, so the tensors may still be being
     *        produced on it. The call returns after the stream has completed the decode.
     * @param detections per image, sorted by decreasing score, in network-input pixels.
     * Shapes, names and sizes are validated exactly as by the CPU decoder (same messages); the
     * device memory itself cannot be checked, so the pointers must cover the given shapes. */
    virtual void decode(const std::vector<const float*>& deviceOutputs, const std::vector<std::vector<int> >& shapes,
                        const std::vector<std::string>& names, Size inputSize, const std::vector<Size>& imageSizes,
                        void* cudaStream, std::vector<std::vector<Detection> >& detections) = 0;

    /** @brief decode() with the original frame of each image (see FrameInfo and
     *  RetinaNetDecoder::decode()): needed for `box_coding.clip_space: frame` and for
     *  `selection.min_box_size` in frame pixels; empty @p frames is the overload above. */
    virtual void decode(const std::vector<const float*>& deviceOutputs, const std::vector<std::vector<int> >& shapes,
                        const std::vector<std::string>& names, Size inputSize, const std::vector<Size>& imageSizes,
                        const std::vector<FrameInfo>& frames, void* cudaStream,
                        std::vector<std::vector<Detection> >& detections) = 0;

    /** @brief Convenience for host tensors: uploads @p outputs (CV_32F Mats, as given to
     *  RetinaNetDecoder::decode()) into a device buffer owned by the decoder, then decode()s them on
     *  the decoder's own stream. Used to compare with the CPU decoder and to time copy + decode. */
    virtual void decodeHost(InputArrayOfArrays outputs, const std::vector<std::string>& names, Size inputSize,
                            const std::vector<Size>& imageSizes, std::vector<std::vector<Detection> >& detections) = 0;
    //! decodeHost() with frames (see the decode() overload with frames).
    virtual void decodeHost(InputArrayOfArrays outputs, const std::vector<std::string>& names, Size inputSize,
                            const std::vector<Size>& imageSizes, const std::vector<FrameInfo>& frames,
                            std::vector<std::vector<Detection> >& detections) = 0;

    //! The (validated) configuration, with the changes of the setters below.
    CV_WRAP virtual const RetinaNetConfig& getConfig() const = 0;
    /** @name Selection setters
     *  The same setters as RetinaNetDecoder's, with the same validation (one implementation, same
     *  error messages); they take effect at the next decode. */
    //! @{
    CV_WRAP virtual void setScoreThreshold(float threshold) = 0; //!< [0, 1); also resets per-level thresholds
    CV_WRAP virtual void setNmsThreshold(float threshold) = 0;   //!< (0, 1]
    CV_WRAP virtual void setTopK(int topkPerLevel) = 0;          //!< <= 1000000; <= 0: no limit
    CV_WRAP virtual void setMaxDetections(int maxDetections) = 0; //!< <= 100000; <= 0: unlimited
    CV_WRAP virtual void setClassAgnosticNms(bool agnostic) = 0;
    //! @}
    //! Counters of the last decode, with the same meaning as RetinaNetDecoder::getLastStats().
    CV_WRAP virtual DecodeStats getLastStats() const = 0;
    //! The CUDA device the decoder runs on.
    CV_WRAP virtual int getDevice() const = 0;
};

//! @}

}} // namespace cv::dnn_retinanet

#endif
