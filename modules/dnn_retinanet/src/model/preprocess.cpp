// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Frame -> network blob as the config's preprocess section says: resize (in float, or in the
// frame's own depth for resize_input uint8), then (x * scale - mean) / std per channel in the
// network's channel order, then pad_value padding bottom/right. The keep-ratio size, the pixel
// mapping and the mapping of boxes back to the frame follow the configured framework's arithmetic
// (resize_rule): see doc/model.md "Preprocessing parity per preset".

#include "preprocess.hpp"

#include <limits>

namespace cv { namespace dnn_retinanet {

namespace {

const int64 kMaxInputPixels = 64ll << 20;

int alignUp(int v, int d) { return d <= 1 ? v : (v + d - 1) / d * d; }

} // namespace

Mat checkFrame(InputArray frameArr, double& alpha)
{
    if (frameArr.empty())
        CV_Error(Error::StsBadArg, "dnn_retinanet: empty frame");
    Mat frame = frameArr.getMat();
    if (frame.dims != 2)
        CV_Error(Error::StsBadArg, format("dnn_retinanet: frames must be 2-D images (got %d dimensions)", frame.dims));
    const int cn = frame.channels(), depth = frame.depth();
    if (cn != 1 && cn != 3 && cn != 4)
        CV_Error(Error::StsBadArg, format("dnn_retinanet: frames must have 1, 3 or 4 channels (got %d)", cn));
    switch (depth)
    {
    case CV_8U: alpha = 1.0; break;
    case CV_16U: alpha = 255.0 / 65535.0; break;     // 16-bit images: full range to 0..255
    case CV_32F: alpha = 255.0; break;               // float images: OpenCV's [0, 1] convention
    default:
        CV_Error(Error::StsUnsupportedFormat, "dnn_retinanet: unsupported frame depth " + typeToString(frame.type()) +
                                              " (use 8U, 16U or 32F in [0, 1])");
    }
    if (depth == CV_32F && !checkRange(frame, true, nullptr, -1e30, 1e30))
        CV_Error(Error::StsBadArg, "dnn_retinanet: the frame contains NaN or Inf values");
    return frame;
}

namespace {

Mat bgrOf(const Mat& frame)
{
    Mat bgr;
    if (frame.channels() == 1) cvtColor(frame, bgr, COLOR_GRAY2BGR);
    else if (frame.channels() == 4) cvtColor(frame, bgr, COLOR_BGRA2BGR);
    else bgr = frame;
    return bgr;
}

} // namespace

namespace {

//! Rules whose framework maps boxes back with the nominal factor s, not the size ratio.
bool nominalScale(const PreprocessConfig& pre)
{
    return pre.resize == RESIZE_KEEP_RATIO &&
           (pre.resizeRule == RESIZE_RULE_KERAS_RETINANET || pre.resizeRule == RESIZE_RULE_DETECTRON ||
            pre.resizeRule == RESIZE_RULE_ODTK);
}

//! Rules whose framework calls cv2.resize(img, None, fx=s, fy=s).
bool resizesByFactor(const PreprocessConfig& pre)
{
    return pre.resize == RESIZE_KEEP_RATIO &&
           (pre.resizeRule == RESIZE_RULE_KERAS_RETINANET || pre.resizeRule == RESIZE_RULE_DETECTRON);
}

/** Keep-ratio (width, height) per framework, each as its source computes it; @p s: the nominal
 *  factor of the rules that map boxes with it. Sources (repo: path):
 *   torchvision  pytorch/vision: torchvision/models/detection/transform.py _resize_image_and_masks
 *   detectron2   facebookresearch/detectron2: detectron2/data/transforms/augmentation_impl.py ResizeShortestEdge
 *   mmdetection  open-mmlab/mmcv: mmcv/image/geometric.py rescale_size / _scale_size
 *   keras        fizyr/keras-retinanet: keras_retinanet/utils/image.py compute_resize_scale, resize_image
 *   detectron    facebookresearch/Detectron: detectron/utils/blob.py prep_im_for_blob
 *   odtk         NVIDIA/retinanet-examples: odtk/data.py CocoDataset.__getitem__ */
Size keepRatioSize(const Size& frame, const PreprocessConfig& pre, double& s)
{
    const double w = frame.width, h = frame.height;
    const double shortSide = std::min(w, h), longSide = std::max(w, h);
    const double minSize = pre.minSize, maxSize = pre.maxSize;
    double ow = 0, oh = 0;
    s = 0;
    switch (pre.resizeRule)
    {
    case RESIZE_RULE_TORCHVISION:
    {
        // scale = torch.min(min_size / short, max_size / long) with short/long float32 tensors, and
        // `scalar / tensor` is tensor.reciprocal() * scalar: two float32 roundings, not one divide
        // (480x640 -> 800x1066, a divide gives 799). F.interpolate(recompute_scale_factor=True)
        // then floors side * scale in double: a 200x200 frame at min_size 256 becomes 255x255.
        const float s1 = (1.f / (float)shortSide) * (float)pre.minSize;
        const float s2 = (1.f / (float)longSide) * (float)pre.maxSize;
        const double f = (double)std::min(s1, s2);
        ow = std::floor(w * f);
        oh = std::floor(h * f);
        break;
    }
    case RESIZE_RULE_DETECTRON2:
    {
        // short side to min_size; when the long side then exceeds max_size both are scaled again
        // (a second rounding step), then int(x + 0.5)
        double scale = minSize / shortSide;
        double newh, neww;
        if (h < w) { newh = minSize; neww = scale * w; }
        else { newh = scale * h; neww = minSize; }
        if (std::max(newh, neww) > maxSize)
        {
            scale = maxSize / std::max(newh, neww);
            newh = newh * scale;
            neww = neww * scale;
        }
        ow = std::floor(neww + 0.5);
        oh = std::floor(newh + 0.5);
        break;
    }
    case RESIZE_RULE_MMDETECTION:
    {
        // mmcv rescale_size((w, h), (max_size, min_size)): min of both ratios, int(x * f + 0.5)
        const double f = std::min(std::max(maxSize, minSize) / longSide, std::min(maxSize, minSize) / shortSide);
        ow = std::floor(w * f + 0.5);
        oh = std::floor(h * f + 0.5);
        break;
    }
    case RESIZE_RULE_KERAS_RETINANET:
    case RESIZE_RULE_DETECTRON:
    case RESIZE_RULE_ODTK:
    {
        s = minSize / shortSide;
        const bool capped = pre.resizeRule == RESIZE_RULE_DETECTRON
                                ? std::nearbyint(s * longSide) > maxSize   // np.round: half to even
                                : longSide * s > maxSize;
        if (capped)
            s = maxSize / longSide;
        if (pre.resizeRule == RESIZE_RULE_ODTK)
        {
            ow = std::floor(s * w);  // int(ratio * d), then PIL resizes to that size
            oh = std::floor(s * h);
        }
        else
        {
            ow = saturate_cast<int>(w * s);  // the dsize cv2.resize(img, None, fx=s, fy=s) makes
            oh = saturate_cast<int>(h * s);
        }
        break;
    }
    default:
        CV_Error(Error::StsBadArg, format("dnn_retinanet: invalid preprocess.resize_rule %d", pre.resizeRule));
    }
    // A side of 0 makes the frameworks fail (empty interpolate / cv2.resize / PIL size): keep 1.
    const double cap = (double)std::numeric_limits<int>::max();
    return Size((int)std::min(cap, std::max(1.0, ow)), (int)std::min(cap, std::max(1.0, oh)));
}

} // namespace

Size resizedSize(const Size& frame, const PreprocessConfig& pre, double& sx, double& sy)
{
    Size out = frame;
    double s = 0;
    switch (pre.resize)
    {
    case RESIZE_NONE:
        break;
    case RESIZE_FIXED:
        out = pre.inputSize;
        break;
    case RESIZE_KEEP_RATIO:
        out = keepRatioSize(frame, pre, s);
        break;
    case RESIZE_LETTERBOX:
    {
        const double f = std::min((double)pre.inputSize.width / frame.width, (double)pre.inputSize.height / frame.height);
        out = Size(std::max(1, std::min(pre.inputSize.width, (int)std::floor(frame.width * f))),
                   std::max(1, std::min(pre.inputSize.height, (int)std::floor(frame.height * f))));
        break;
    }
    default:
        CV_Error(Error::StsBadArg, "dnn_retinanet: invalid resize mode");
    }
    if (nominalScale(pre))
        sx = sy = s;
    else
    {
        sx = (double)out.width / frame.width;
        sy = (double)out.height / frame.height;
    }
    return out;
}

Size paddedSize(const Size& image, const PreprocessConfig& pre)
{
    if (pre.resize == RESIZE_FIXED || pre.resize == RESIZE_LETTERBOX)
        return pre.inputSize;
    return Size(alignUp(image.width, pre.padDivisor), alignUp(image.height, pre.padDivisor));
}

namespace {

// One axis of torch's bilinear upsample (ATen UpSample.h compute_source_index_and_lambda,
// align_corners = false, no scale given: what interpolate(recompute_scale_factor=True) passes), as
// torch 1.13 computes it on the CPU, matched weight for weight against torch's own interpolate on
// one-hot images (tools/make_interpolate_reference.py): the ratio in float32 (float(in) / out), the
// source position in double, lambda1 rounded to float32 and lambda0 = 1 - lambda1 in float32.
struct TorchLinearAxis
{
    std::vector<int> i0, i1;
    std::vector<float> w0, w1;

    TorchLinearAxis(int in, int out) : i0(out), i1(out), w0(out), w1(out)
    {
        const double scale = (float)in / (float)out;
        for (int i = 0; i < out; i++)
        {
            if (in == out)
            {
                i0[i] = i1[i] = i; w0[i] = 1.f; w1[i] = 0.f;
                continue;
            }
            const double real = std::max(scale * (i + 0.5) - 0.5, 0.0);
            const int x0 = (int)real;
            i0[i] = x0;
            i1[i] = x0 + (x0 < in - 1 ? 1 : 0);
            w1[i] = (float)std::min(std::max(real - x0, 0.0), 1.0);
            w0[i] = 1.f - w1[i];
        }
    }
};

// Bilinear resize as torchvision resizes its float tensor (INTER_TORCH_LINEAR): the same samples and
// weights; the sums may differ from torch's vectorised kernel in the last bit. The source may be any
// frame checkFrame() takes (8U/16U/32F; 1, 3 or 4 channels): each sample is read as
// float(v) * scale, which is what convertTo(CV_32F, scale) and GRAY2BGR / BGRA2BGR would have made
// of it, so no float or 3-channel copy of the whole frame is made (a 20000x20000 frame costs only
// its output) and the result is the same as converting first.
template <typename T>
void torchLinearResizeT(const Mat& src, float scale, const Size& size, Mat& dst)
{
    const TorchLinearAxis ax(src.cols, size.width), ay(src.rows, size.height);
    const int cn = src.channels();
    const int ch[3] = {0, cn == 1 ? 0 : 1, cn == 1 ? 0 : 2};
    const bool scaled = scale != 1.f;
    dst.create(size, CV_32FC3);
    parallel_for_(Range(0, size.height), [&](const Range& rows) {
        for (int y = rows.start; y < rows.end; y++)
        {
            const T* r0 = src.ptr<T>(ay.i0[y]);
            const T* r1 = src.ptr<T>(ay.i1[y]);
            const float h0 = ay.w0[y], h1 = ay.w1[y];
            float* d = dst.ptr<float>(y);
            for (int x = 0; x < size.width; x++)
            {
                const int a = cn * ax.i0[x], b = cn * ax.i1[x];
                const float w0 = ax.w0[x], w1 = ax.w1[x];
                for (int c = 0; c < 3; c++)
                {
                    float p00 = (float)r0[a + ch[c]], p01 = (float)r0[b + ch[c]];
                    float p10 = (float)r1[a + ch[c]], p11 = (float)r1[b + ch[c]];
                    if (scaled) { p00 *= scale; p01 *= scale; p10 *= scale; p11 *= scale; }
                    const float t0 = p00 * w0 + p01 * w1;
                    const float t1 = p10 * w0 + p11 * w1;
                    d[3 * x + c] = t0 * h0 + t1 * h1;
                }
            }
        }
    });
}

void torchLinearResize(const Mat& src, float scale, const Size& size, Mat& dst)
{
    switch (src.depth())
    {
    case CV_8U: torchLinearResizeT<uchar>(src, scale, size, dst); break;
    case CV_16U: torchLinearResizeT<ushort>(src, scale, size, dst); break;
    case CV_32F: torchLinearResizeT<float>(src, scale, size, dst); break;
    default: CV_Error(Error::StsUnsupportedFormat, "dnn_retinanet: torch_linear resize: unsupported depth");
    }
}

// A frame whose float BGR copy would pass this many bytes is first shrunk in its own depth and
// channel count (see writeImageToBlob).
const size_t kMaxFloatFrameBytes = size_t(512) << 20;

} // namespace

void resizeFrame(const Mat& bgr, const PreprocessConfig& pre, const LetterboxInfo& info, Mat& out)
{
    if (pre.interpolation == INTER_TORCH_LINEAR && bgr.size() != info.imageSize)
    {
        // torch interpolates float tensors: an 8-bit frame (resize_input uint8) is read as float
        torchLinearResize(bgr, 1.f, info.imageSize, out);
        return;
    }

    if (bgr.size() == info.imageSize)  // what cv::resize does too when dsize == ssize
    {
        out = bgr;
        return;
    }
    if (resizesByFactor(pre))
    {
        // cv2.resize(img, None, fx=s, fy=s) maps pixels with s, not with dsize / ssize
        const double s = info.scaleX;
        if (Size(saturate_cast<int>(bgr.cols * s), saturate_cast<int>(bgr.rows * s)) == info.imageSize)
        {
            resize(bgr, out, Size(), s, s, pre.interpolation);
            return;
        }
        // else a side rounded to 0 (the framework fails there) and was clamped to 1: by size
    }
    resize(bgr, out, info.imageSize, 0, 0, pre.interpolation);
}

void writeImageToBlob(const Mat& frame, double alpha, const PreprocessConfig& pre, const LetterboxInfo& info, Mat& blob, int n)
{
    const int H = blob.size[2], W = blob.size[3];
    const bool toFloat = pre.resizeInput == RESIZE_INPUT_FLOAT;
    Mat resized;
    if (pre.interpolation == INTER_TORCH_LINEAR && frame.size() != info.imageSize)
    {
        // straight from the frame: no BGR or float copy of it (see torchLinearResizeT)
        torchLinearResize(frame, toFloat ? (float)alpha : 1.f, info.imageSize, resized);
        if (toFloat)
            alpha = 1.0;
    }
    else
    {
        Mat src = frame;
        const size_t floatBytes = frame.total() * 3 * sizeof(float);
        const int k = (int)std::min(frame.cols / (2.0 * info.imageSize.width), frame.rows / (2.0 * info.imageSize.height));
        if (floatBytes > kMaxFloatFrameBytes && k >= 2)
        {
            // Bounded memory for huge frames (> 512 MB as float BGR, ~44.7 MP): shrink by an integer
            // factor k (pixel-area means, the frame's own depth and channels), keeping >= 2x the
            // resized size, then resize as usual. Results then differ from converting the whole frame
            // (the framework's way) by the 8-bit rounding of the means; doc/robustness.md.
            resize(frame, src, Size(frame.cols / k, frame.rows / k), 0, 0, INTER_AREA);
        }
        src = bgrOf(src);
        if (toFloat)
        {
            // 0..255 float first, then resize (the frameworks resize the float image)
            Mat f;
            src.convertTo(f, CV_32F, alpha);
            src = f;
            alpha = 1.0;
        }
        resizeFrame(src, pre, info, resized);
    }
    // channel order of the network, then (x * scale - mean) / std
    Mat planes[3];
    split(resized, planes);
    for (int c = 0; c < 3; c++)
    {
        const int from = pre.swapRB ? 2 - c : c;
        Mat dst(H, W, CV_32F, blob.ptr<float>(n, c));
        dst.setTo(Scalar::all(pre.padValue));
        const double a = alpha * pre.scale / pre.std[c], b = -pre.mean[c] / pre.std[c];
        planes[from].convertTo(dst(Rect(Point(), info.imageSize)), CV_32F, a, b);
    }
}

void blobFromFrame(InputArray frame, const PreprocessConfig& pre, OutputArray blobArr, LetterboxInfo& info)
{
    double alpha = 1;
    Mat bgr = checkFrame(frame, alpha);   // converted to BGR / float only after the resize (memory)
    info.frameSize = bgr.size();
    info.imageSize = resizedSize(info.frameSize, pre, info.scaleX, info.scaleY);
    info.inputSize = paddedSize(info.imageSize, pre);
    if ((int64)info.inputSize.area() > kMaxInputPixels)
        CV_Error(Error::StsOutOfRange, format("dnn_retinanet: a %dx%d network input is too large (frame %dx%d); "
                                              "use a resize policy (keep_ratio / letterbox / fixed)",
                                              info.inputSize.width, info.inputSize.height, info.frameSize.width,
                                              info.frameSize.height));
    const int sz[] = {1, 3, info.inputSize.height, info.inputSize.width};
    blobArr.create(4, sz, CV_32F);
    Mat blob = blobArr.getMat();
    writeImageToBlob(bgr, alpha, pre, info, blob, 0);
}

void blobFromFrames(const std::vector<Mat>& frames, const PreprocessConfig& pre, Mat& blob,
                    std::vector<LetterboxInfo>& infos)
{
    if (frames.empty())
        CV_Error(Error::StsBadArg, "dnn_retinanet: empty batch of frames");
    std::vector<Mat> bgr(frames.size());
    std::vector<double> alpha(frames.size(), 1.0);
    infos.resize(frames.size());
    Size input(0, 0);
    for (size_t i = 0; i < frames.size(); i++)
    {
        bgr[i] = checkFrame(frames[i], alpha[i]);
        LetterboxInfo& info = infos[i];
        info.frameSize = bgr[i].size();
        info.imageSize = resizedSize(info.frameSize, pre, info.scaleX, info.scaleY);
        const Size p = paddedSize(info.imageSize, pre);
        input = Size(std::max(input.width, p.width), std::max(input.height, p.height));
    }
    if ((int64)input.area() * (int64)frames.size() > kMaxInputPixels)
        CV_Error(Error::StsOutOfRange, "dnn_retinanet: the batch is too large for one network input");
    const int sz[] = {(int)frames.size(), 3, input.height, input.width};
    blob.create(4, sz, CV_32F);
    for (size_t i = 0; i < frames.size(); i++)
    {
        infos[i].inputSize = input;
        writeImageToBlob(bgr[i], alpha[i], pre, infos[i], blob, (int)i);
    }
}

Vec4f boxToFrame(const Vec4f& box, const LetterboxInfo& info, const PreprocessConfig& pre)
{
    // inside the resized image, as the decode layer's normalised rows are
    const float iw = (float)info.imageSize.width, ih = (float)info.imageSize.height;
    const Vec4f b(std::min(std::max(box[0], 0.f), iw), std::min(std::max(box[1], 0.f), ih),
                  std::min(std::max(box[2], 0.f), iw), std::min(std::max(box[3], 0.f), ih));
    if (nominalScale(pre))
    {
        // keras-retinanet `boxes /= scale`, Detectron1 `pred_boxes /= im_scale` (float32),
        // ODTK `boxes / ratios` (FloatTensor): float32 division by the nominal factor
        const float sx = (float)info.scaleX, sy = (float)info.scaleY;
        return Vec4f(b[0] / sx, b[1] / sy, b[2] / sx, b[3] / sy);
    }
    const double fw = info.frameSize.width, fh = info.frameSize.height;
    const double nw = info.imageSize.width, nh = info.imageSize.height;
    float rx, ry;
    const int rule = pre.resize == RESIZE_KEEP_RATIO ? pre.resizeRule : RESIZE_RULE_TORCHVISION;
    if (rule == RESIZE_RULE_DETECTRON2)
    {
        // detector_postprocess: Boxes.scale(output_width / image_width, ...) on float32
        rx = (float)(fw / nw);
        ry = (float)(fh / nh);
    }
    else if (rule == RESIZE_RULE_MMDETECTION)
    {
        // mmdet 3.x _bbox_post_process: scale_boxes(bboxes, [1 / s for s in scale_factor]),
        // scale_factor = (new_w / w, new_h / h)
        rx = (float)(1.0 / (nw / fw));
        ry = (float)(1.0 / (nh / fh));
    }
    else
    {
        // torchvision resize_boxes: float32(orig) / float32(new), a float32 divide
        rx = (float)fw / (float)nw;
        ry = (float)fh / (float)nh;
    }
    return Vec4f(b[0] * rx, b[1] * ry, b[2] * rx, b[3] * ry);
}

}}
