// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Frame -> network blob as the config's preprocess section says. Resizing happens in float on the
// 0..255 image (like torchvision's interpolate on the tensor: resize and normalisation commute),
// then (x * scale - mean) / std per channel, then zero (pad_value) padding bottom/right.

#include "preprocess.hpp"

namespace cv { namespace dnn_retinanet {

namespace {

const int64 kMaxInputPixels = 64ll << 20;

int alignUp(int v, int d) { return d <= 1 ? v : (v + d - 1) / d * d; }

} // namespace

Mat toBgrFloat(InputArray frameArr)
{
    if (frameArr.empty())
        CV_Error(Error::StsBadArg, "dnn_retinanet: empty frame");
    Mat frame = frameArr.getMat();
    if (frame.dims != 2)
        CV_Error(Error::StsBadArg, format("dnn_retinanet: frames must be 2-D images (got %d dimensions)", frame.dims));
    const int cn = frame.channels(), depth = frame.depth();
    if (cn != 1 && cn != 3 && cn != 4)
        CV_Error(Error::StsBadArg, format("dnn_retinanet: frames must have 1, 3 or 4 channels (got %d)", cn));
    double alpha;
    switch (depth)
    {
    case CV_8U: alpha = 1.0; break;
    case CV_16U: alpha = 255.0 / 65535.0; break;     // 16-bit images: full range to 0..255
    case CV_32F: alpha = 255.0; break;               // float images: OpenCV's [0, 1] convention
    default:
        CV_Error(Error::StsUnsupportedFormat, "dnn_retinanet: unsupported frame depth " + typeToString(frame.type()) +
                                              " (use 8U, 16U or 32F in [0, 1])");
    }
    Mat bgr;
    if (cn == 1) cvtColor(frame, bgr, COLOR_GRAY2BGR);
    else if (cn == 4) cvtColor(frame, bgr, COLOR_BGRA2BGR);
    else bgr = frame;
    Mat f;
    bgr.convertTo(f, CV_32F, alpha);
    if (depth == CV_32F && !checkRange(f, true, nullptr, -1e30, 1e30))
        CV_Error(Error::StsBadArg, "dnn_retinanet: the frame contains NaN or Inf values");
    return f;
}

Size resizedSize(const Size& frame, const PreprocessConfig& pre, double& sx, double& sy)
{
    Size out = frame;
    switch (pre.resize)
    {
    case RESIZE_NONE:
        break;
    case RESIZE_FIXED:
        out = pre.inputSize;
        break;
    case RESIZE_KEEP_RATIO:
    {
        // torchvision _resize_image_and_masks: scale = torch.min(min_size / short, max_size / long)
        // with short/long float32 tensors, and `scalar / tensor` is tensor.reciprocal() * scalar:
        // two float32 roundings, not one divide (480x640 -> 800x1066, a divide gives 799). Then
        // F.interpolate(recompute_scale_factor=True) floors side * scale in double, so a 200x200
        // frame at min_size 256 becomes 255x255 (1.28f = 1.27999997).
        const float mn = (float)std::min(frame.width, frame.height), mx = (float)std::max(frame.width, frame.height);
        const float s1 = (1.f / mn) * (float)pre.minSize, s2 = (1.f / mx) * (float)pre.maxSize;
        const float s = std::min(s1, s2);
        out = Size(std::max(1, (int)std::floor(frame.width * (double)s)), std::max(1, (int)std::floor(frame.height * (double)s)));
        break;
    }
    case RESIZE_LETTERBOX:
    {
        const double s = std::min((double)pre.inputSize.width / frame.width, (double)pre.inputSize.height / frame.height);
        out = Size(std::max(1, std::min(pre.inputSize.width, (int)std::floor(frame.width * s))),
                   std::max(1, std::min(pre.inputSize.height, (int)std::floor(frame.height * s))));
        break;
    }
    default:
        CV_Error(Error::StsBadArg, "dnn_retinanet: invalid resize mode");
    }
    sx = (double)out.width / frame.width;
    sy = (double)out.height / frame.height;
    return out;
}

Size paddedSize(const Size& image, const PreprocessConfig& pre)
{
    if (pre.resize == RESIZE_FIXED || pre.resize == RESIZE_LETTERBOX)
        return pre.inputSize;
    return Size(alignUp(image.width, pre.padDivisor), alignUp(image.height, pre.padDivisor));
}

void writeImageToBlob(const Mat& bgr, const PreprocessConfig& pre, const Size& imageSize, Mat& blob, int n)
{
    const int H = blob.size[2], W = blob.size[3];
    Mat resized;
    if (bgr.size() != imageSize)
        resize(bgr, resized, imageSize, 0, 0, pre.interpolation);
    else
        resized = bgr;
    // channel order of the network, then (x * scale - mean) / std
    Mat planes[3];
    split(resized, planes);
    for (int c = 0; c < 3; c++)
    {
        const int src = pre.swapRB ? 2 - c : c;
        Mat dst(H, W, CV_32F, blob.ptr<float>(n, c));
        dst.setTo(Scalar::all(pre.padValue));
        const double a = pre.scale / pre.std[c], b = -pre.mean[c] / pre.std[c];
        planes[src].convertTo(dst(Rect(Point(), imageSize)), CV_32F, a, b);
    }
}

void blobFromFrame(InputArray frame, const PreprocessConfig& pre, OutputArray blobArr, LetterboxInfo& info)
{
    Mat bgr = toBgrFloat(frame);
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
    writeImageToBlob(bgr, pre, info.imageSize, blob, 0);
}

void blobFromFrames(const std::vector<Mat>& frames, const PreprocessConfig& pre, Mat& blob,
                    std::vector<LetterboxInfo>& infos)
{
    if (frames.empty())
        CV_Error(Error::StsBadArg, "dnn_retinanet: empty batch of frames");
    std::vector<Mat> bgr(frames.size());
    infos.resize(frames.size());
    Size input(0, 0);
    for (size_t i = 0; i < frames.size(); i++)
    {
        bgr[i] = toBgrFloat(frames[i]);
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
        writeImageToBlob(bgr[i], pre, infos[i].imageSize, blob, (int)i);
    }
}

}}
