// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_BOX_MATH_HPP
#define DNN_RETINANET_BOX_MATH_HPP

// Box decoding, clipping and IoU as plain functions on plain structs, compiled for the CPU decoder
// and, unchanged, for the CUDA kernels: both backends share this file and differ only in how they
// find candidates.

#if defined(__CUDACC__)
#define DNN_RETINANET_HD __host__ __device__ __forceinline__
#else
#define DNN_RETINANET_HD inline
#endif

#include <cmath>

namespace cv { namespace dnn_retinanet { namespace boxmath {

// min/max that compile to one instruction on the host (libm's fminf/fmaxf are calls without
// -ffast-math); operands are finite here, so their NaN rules do not matter.
DNN_RETINANET_HD float minf(float a, float b) { return a < b ? a : b; }
DNN_RETINANET_HD float maxf(float a, float b) { return a > b ? a : b; }

//! Plain copy of BoxCodingConfig for kernels (enum values as ints).
struct BoxCoderParams
{
    int type;          //!< BoxCoding
    int plusOne;       //!< PlusOne
    int clamp;         //!< DeltaClamp
    float clampValue;
    float mean[4];
    float std[4];
};

//! Decodes one anchor (x1,y1,x2,y2) with raw deltas d[0..3] into out[0..3], float32 arithmetic in
//! the order torchvision's BoxCoder.decode_single uses.
DNN_RETINANET_HD void decodeBox(const BoxCoderParams& p, const float* anchor, const float* raw, float* out)
{
    const float d0 = raw[0] * p.std[0] + p.mean[0];
    const float d1 = raw[1] * p.std[1] + p.mean[1];
    float d2 = raw[2] * p.std[2] + p.mean[2];
    float d3 = raw[3] * p.std[3] + p.mean[3];
    const float e = p.plusOne != 0 ? 1.f : 0.f;
    const float w = anchor[2] - anchor[0] + e;
    const float h = anchor[3] - anchor[1] + e;
    if (p.type == 1) // BOX_CODING_CORNERS (keras-retinanet): no exp, no clamp
    {
        out[0] = anchor[0] + d0 * w;
        out[1] = anchor[1] + d1 * h;
        out[2] = anchor[2] + d2 * w;
        out[3] = anchor[3] + d3 * h;
        return;
    }
    // minf(NaN, v) is v: a NaN delta is kept as NaN so that the caller drops the box.
    if (p.clamp == 1) // upper only
    {
        d2 = d2 != d2 ? d2 : minf(d2, p.clampValue);
        d3 = d3 != d3 ? d3 : minf(d3, p.clampValue);
    }
    else if (p.clamp == 2) // symmetric
    {
        d2 = d2 != d2 ? d2 : maxf(minf(d2, p.clampValue), -p.clampValue);
        d3 = d3 != d3 ? d3 : maxf(minf(d3, p.clampValue), -p.clampValue);
    }
    const float symmetricShift = p.plusOne == 2 ? 0.5f : 0.f; // AP-loss: ctr = x1 + (w - 1)/2
    const float cx = anchor[0] + 0.5f * w - symmetricShift;
    const float cy = anchor[1] + 0.5f * h - symmetricShift;
    const float pcx = d0 * w + cx;
    const float pcy = d1 * h + cy;
    const float pw = expf(d2) * w;
    const float ph = expf(d3) * h;
    if (p.plusOne == 2)
    {
        const float hw = 0.5f * maxf(pw - 1.f, 0.f), hh = 0.5f * maxf(ph - 1.f, 0.f);
        out[0] = pcx - hw; out[1] = pcy - hh; out[2] = pcx + hw; out[3] = pcy + hh;
        return;
    }
    const float hw = 0.5f * pw, hh = 0.5f * ph;
    out[0] = pcx - hw;
    out[1] = pcy - hh;
    out[2] = pcx + hw - e;
    out[3] = pcy + hh - e;
}

//! Clamps a box to [0, maxX] x [0, maxY].
DNN_RETINANET_HD void clipBox(float* b, float maxX, float maxY)
{
    b[0] = minf(maxf(b[0], 0.f), maxX);
    b[1] = minf(maxf(b[1], 0.f), maxY);
    b[2] = minf(maxf(b[2], 0.f), maxX);
    b[3] = minf(maxf(b[3], 0.f), maxY);
}

//! Network-input to frame pixels, input = frame * scale: Detectron1's `pred_boxes /= im_scale` (float32).
DNN_RETINANET_HD void toFrame(float* b, float scaleX, float scaleY)
{
    b[0] /= scaleX;
    b[1] /= scaleY;
    b[2] /= scaleX;
    b[3] /= scaleY;
}

//! mmdetection's min_bbox_size test, in frame pixels: (x2 - x1) / scaleX > m and (y2 - y1) / scaleY > m
//! (scale 1 for a box already in frame pixels).
DNN_RETINANET_HD bool largerThan(const float* b, float scaleX, float scaleY, float m)
{
    return (b[2] - b[0]) / scaleX > m && (b[3] - b[1]) / scaleY > m;
}

DNN_RETINANET_HD bool isFiniteBox(const float* b)
{
    // x - x is 0 for finite x and NaN for +-Inf / NaN.
    const float s = (b[0] - b[0]) + (b[1] - b[1]) + (b[2] - b[2]) + (b[3] - b[3]);
    return s == 0.f;
}

//! Why prepareForNms() drops a box.
enum PrepareResult { BOX_READY = 0, BOX_NOT_FINITE = 1, BOX_TOO_SMALL = 2 };

/** What happens to a decoded box of an image between decoding and NMS, the same on the CPU and
 *  CUDA: mapped to the frame (clip_space: frame; the min-size test then uses scale 1), dropped when
 *  not finite, clipped to [0, clipX] x [0, clipY] (clip before NMS), dropped when its width or height
 *  is not > minBoxSize in frame pixels (when filtering). */
DNN_RETINANET_HD int prepareForNms(float* b, bool frameSpace, float scaleX, float scaleY, bool clip, float clipX,
                                   float clipY, bool minSizeFilter, float minBoxSize)
{
    if (frameSpace)
    {
        toFrame(b, scaleX, scaleY);
        scaleX = scaleY = 1.f;
    }
    if (!isFiniteBox(b))
        return BOX_NOT_FINITE;
    if (clip)
        clipBox(b, clipX, clipY);
    if (minSizeFilter && !largerThan(b, scaleX, scaleY, minBoxSize))
        return BOX_TOO_SMALL;
    return BOX_READY;
}

DNN_RETINANET_HD float boxArea(const float* a, float plusOne)
{
    return (a[2] - a[0] + plusOne) * (a[3] - a[1] + plusOne);
}

//! IoU as torchvision's nms kernel computes it, with the areas given; @p plusOne adds 1 to widths
//! (Detectron/ODTK).
DNN_RETINANET_HD float iouWithAreas(const float* a, float areaA, const float* b, float areaB, float plusOne)
{
    const float xx1 = maxf(a[0], b[0]), yy1 = maxf(a[1], b[1]);
    const float xx2 = minf(a[2], b[2]), yy2 = minf(a[3], b[3]);
    const float w = maxf(0.f, xx2 - xx1 + plusOne);
    const float h = maxf(0.f, yy2 - yy1 + plusOne);
    const float inter = w * h;
    return inter / (areaA + areaB - inter);
}

DNN_RETINANET_HD float iou(const float* a, const float* b, float plusOne)
{
    return iouWithAreas(a, boxArea(a, plusOne), b, boxArea(b, plusOne), plusOne);
}

//! The NMS test: IoU > threshold (torchvision, detectron2, mmdetection, ODTK, AP-loss) or, with
//! @p inclusive, IoU >= threshold (Detectron1's cython_nms: `if ovr >= thresh`).
DNN_RETINANET_HD bool suppresses(float iou, float threshold, bool inclusive)
{
    return inclusive ? iou >= threshold : iou > threshold;
}

}}}

#endif
