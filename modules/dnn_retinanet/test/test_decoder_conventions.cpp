// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The decoder conventions of issue 11: mmdetection's minimum box size, Detectron1's NMS at
// IoU >= threshold, and Detectron1's clip + NMS in original-frame pixels. Hand-built heads with
// exact boxes and hand-computed expectations, then the brute-force reference on random heads.
#include "test_precomp.hpp"
#include "decoder_test_utils.hpp"

namespace opencv_test { namespace {

std::vector<Vec4f> boxesOf(const std::vector<Detection>& d)
{
    std::vector<Vec4f> b;
    for (const Detection& x : d) b.push_back(x.box);
    return b;
}

TEST(DnnRetinaNet_Conventions, exact_box_heads_decode_to_the_exact_boxes)
{
    // The harness itself: boxes come out exactly as built, best first.
    RetinaNetConfig c = exactBoxConfig(2);
    SyntheticHead h = exactBoxHead(2, {{1, 1, 0, 0.9f, Vec4f(3, 5, 20, 17)}, {6, 6, 1, 0.6f, Vec4f(40, 41, 60, 63)}});
    std::vector<Detection> d = decodeOne(c, h);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].box, Vec4f(3, 5, 20, 17));
    EXPECT_EQ(d[0].classId, 0);
    EXPECT_EQ(d[1].box, Vec4f(40, 41, 60, 63));
    EXPECT_EQ(d[1].classId, 1);
    EXPECT_EQ(d[1].score, 0.6f);
}

// ------------------------------------------------------------------------------ min_box_size

TEST(DnnRetinaNet_Conventions, min_box_size_zero_drops_boxes_clipped_to_zero_width)
{
    // mmdetection _bbox_post_process: keep (w > min_bbox_size) & (h > min_bbox_size), after the
    // clip and before NMS. A box left of the image clips to x1 = x2 = 0.
    RetinaNetConfig c = exactBoxConfig(1);
    const std::vector<ExactBox> boxes = {
        {0, 2, 0, 0.9f, Vec4f(-30, 10, -2, 30)},  // entirely left of the image: clipped to width 0
        {3, 0, 0, 0.8f, Vec4f(20, -12, 30, -1)},  // entirely above: clipped to height 0
        {5, 5, 0, 0.7f, Vec4f(30, 30, 50, 50)},   // an ordinary box
        {7, 7, 0, 0.6f, Vec4f(60, 50, 61, 51)}};  // 1x1: larger than 0
    SyntheticHead h = exactBoxHead(1, boxes);

    std::vector<Detection> off = decodeOne(c, h); // min_box_size -1 (default): no filter
    ASSERT_EQ(off.size(), 4u);
    EXPECT_EQ(off[0].box, Vec4f(0, 10, 0, 30));
    EXPECT_EQ(off[1].box, Vec4f(20, 0, 30, 0));

    c.selection.minBoxSize = 0.f;
    std::vector<Detection> on = decodeOne(c, h);
    ASSERT_EQ(on.size(), 2u);
    EXPECT_EQ(on[0].box, Vec4f(30, 30, 50, 50));
    EXPECT_EQ(on[1].box, Vec4f(60, 50, 61, 51));

    // Strictly greater: a 1-pixel box is dropped at min_box_size 1, kept just below.
    c.selection.minBoxSize = 1.f;
    EXPECT_EQ(boxesOf(decodeOne(c, h)), std::vector<Vec4f>{Vec4f(30, 30, 50, 50)});
    c.selection.minBoxSize = 0.99f;
    EXPECT_EQ(decodeOne(c, h).size(), 2u);
}

TEST(DnnRetinaNet_Conventions, min_box_size_is_measured_in_frame_pixels)
{
    // mmdetection rescales the boxes to the original image before the filter: a 20x10 box of a
    // frame resized by 2 (input = frame * 2) is 10x5 frame pixels.
    RetinaNetConfig c = exactBoxConfig(1);
    c.selection.minBoxSize = 6.f;
    SyntheticHead h = exactBoxHead(1, {{3, 3, 0, 0.9f, Vec4f(20, 20, 40, 30)}});
    EXPECT_EQ(decodeOne(c, h).size(), 1u) << "no frames: scale 1, 10 > 6";
    h.frames = {FrameInfo(Size(32, 32), 2.0, 2.0)};
    EXPECT_EQ(decodeOne(c, h).size(), 0u) << "height 10 / 2 = 5 is not > 6";
    h.frames = {FrameInfo(Size(40, 48), 2.0, 1.25)};
    std::vector<Detection> d = decodeOne(c, h);
    ASSERT_EQ(d.size(), 1u) << "per axis: width 20 / 2 = 10 and height 10 / 1.25 = 8 are > 6";
    EXPECT_EQ(d[0].box, Vec4f(20, 20, 40, 30)) << "network space: the boxes stay in input pixels";
    c.selection.minBoxSize = 8.f;
    EXPECT_EQ(decodeOne(c, h).size(), 0u) << "8 is not > 8";
    c.selection.minBoxSize = 7.99f;
    EXPECT_EQ(decodeOne(c, h).size(), 1u);
}

TEST(DnnRetinaNet_Conventions, min_box_size_applies_before_max_detections)
{
    // A dropped box does not take a max_detections slot.
    RetinaNetConfig c = exactBoxConfig(1);
    c.selection.maxDetections = 1;
    SyntheticHead h = exactBoxHead(1, {{0, 1, 0, 0.9f, Vec4f(-20, 8, -1, 20)},   // clipped to (0, 8, 0, 20)
                                   {1, 1, 0, 0.8f, Vec4f(0, 8, 1, 20)}});    // IoU with it: 0
    // without the filter the empty box is the one detection; with it, the second box is
    c.selection.minBoxSize = -1.f;
    std::vector<Detection> off = decodeOne(c, h);
    ASSERT_EQ(off.size(), 1u);
    EXPECT_EQ(off[0].box, Vec4f(0, 8, 0, 20));
    c.selection.minBoxSize = 0.f;
    std::vector<Detection> on = decodeOne(c, h);
    ASSERT_EQ(on.size(), 1u);
    EXPECT_EQ(on[0].box, Vec4f(0, 8, 1, 20));
}

// ------------------------------------------------------------------------------ nms_inclusive

TEST(DnnRetinaNet_Conventions, nms_at_iou_equal_to_the_threshold)
{
    // 30x10 boxes shifted by 10: intersection 20x10 = 200, union 300 + 300 - 200 = 400, IoU 0.5
    // exactly (every step exact in float). torchvision & co. (IoU > 0.5) keep both; Detectron1's
    // cython_nms (ovr >= 0.5) suppresses the second.
    RetinaNetConfig c = exactBoxConfig(1);
    SyntheticHead h = exactBoxHead(1, {{2, 2, 0, 0.9f, Vec4f(0, 0, 30, 10)}, {3, 2, 0, 0.8f, Vec4f(10, 0, 40, 10)}});
    EXPECT_EQ(decodeOne(c, h).size(), 2u);
    c.selection.nmsInclusive = true;
    std::vector<Detection> d = decodeOne(c, h);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].box, Vec4f(0, 0, 30, 10));

    // The same with "+1" areas (Detectron1): (29 - 0 + 1) x (9 - 0 + 1) = 300 each, intersection
    // (29 - 10 + 1) x 10 = 200.
    c.selection.nmsPlusOne = true;
    SyntheticHead p = exactBoxHead(1, {{2, 2, 0, 0.9f, Vec4f(0, 0, 29, 9)}, {3, 2, 0, 0.8f, Vec4f(10, 0, 39, 9)}});
    EXPECT_EQ(decodeOne(c, p).size(), 1u);
    c.selection.nmsInclusive = false;
    EXPECT_EQ(decodeOne(c, p).size(), 2u);

    // Other classes are never suppressed, whatever the test.
    c.selection.nmsInclusive = true;
    SyntheticHead two = exactBoxHead(2, {{2, 2, 0, 0.9f, Vec4f(0, 0, 29, 9)}, {3, 2, 1, 0.8f, Vec4f(10, 0, 39, 9)}});
    c.numClasses = 2;
    EXPECT_EQ(decodeOne(c, two).size(), 2u);

    // Threshold 1: only identical boxes (IoU exactly 1) are suppressed, and only with >=.
    c.numClasses = 1;
    c.selection.nmsThreshold = 1.f;
    SyntheticHead same = exactBoxHead(1, {{2, 2, 0, 0.9f, Vec4f(4, 4, 20, 20)}, {3, 3, 0, 0.8f, Vec4f(4, 4, 20, 20)}});
    EXPECT_EQ(decodeOne(c, same).size(), 1u);
    c.selection.nmsInclusive = false;
    EXPECT_EQ(decodeOne(c, same).size(), 2u);
}

// ------------------------------------------------------------------------------ clip_space: frame

/** Detectron1's post-processing on the tiny heads: "+1" NMS at >= 0.5, clip to [0, W-1] before
 *  NMS, in frame pixels (clip_space: frame). */
RetinaNetConfig detectronLike()
{
    RetinaNetConfig c = exactBoxConfig(1);
    c.boxCoding.clip = CLIP_BEFORE_NMS;
    c.boxCoding.clipMaxOffset = 1.f;
    c.boxCoding.clipSpace = CLIP_SPACE_FRAME;
    c.selection.nmsPlusOne = true;
    c.selection.nmsInclusive = true;
    return c;
}

TEST(DnnRetinaNet_Conventions, detectron_frame_space_clip_and_nms_by_hand)
{
    // A 25x20 frame resized by im_scale 2 to a 50x40 image in the 64x64 input. test_retinanet.py:
    // pred_boxes /= im_scale; clip_tiled_boxes(pred_boxes, im.shape) to [0, 24] x [0, 19]; then
    // per-class "+1" NMS (ovr >= 0.5) on those frame boxes, then the best 100.
    const std::vector<ExactBox> boxes = {
        {5, 2, 0, 0.9f, Vec4f(30, 10, 60, 30)},  // past the image's right edge
        {2, 3, 0, 0.8f, Vec4f(16, 16, 22, 36)},
        {3, 3, 0, 0.7f, Vec4f(18, 18, 24, 38)}};
    SyntheticHead h = exactBoxHead(1, boxes);
    h.imageSizes = {Size(50, 40)};
    h.frames = {FrameInfo(Size(25, 20), 2.0, 2.0)};

    // By hand, in Detectron1's order:
    //  box 1: (30, 10, 60, 30) / 2 = (15, 5, 30, 15), clipped to x <= 24: (15, 5, 24, 15).
    //  box 2: (8, 8, 11, 18); box 3: (9, 9, 12, 19).
    //  "+1" IoU(2, 3): areas 4 x 11 = 44 each, intersection (11 - 9 + 1) x (18 - 9 + 1) = 30,
    //  30 / (88 - 30) = 0.517 >= 0.5: box 3 is suppressed. Box 1 overlaps neither.
    RetinaNetConfig det = detectronLike();
    std::vector<Detection> got = decodeOne(det, h);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].box, Vec4f(15, 5, 24, 15));
    EXPECT_EQ(got[0].score, 0.9f);
    EXPECT_EQ(got[1].box, Vec4f(8, 8, 11, 18));
    EXPECT_EQ(got[1].score, 0.8f);

    // The same heads clipped and suppressed in network pixels (what the project did before), then
    // mapped to the frame: box 1 is clipped to x <= 49, i.e. 24.5 in the frame; boxes 2 and 3
    // have "+1" IoU 95 / 199 = 0.477 there (7 x 21 areas, 5 x 19 intersection): both are kept.
    RetinaNetConfig net = det;
    net.boxCoding.clipSpace = CLIP_SPACE_NETWORK;
    std::vector<Detection> old = decodeOne(net, h);
    ASSERT_EQ(old.size(), 3u);
    EXPECT_EQ(old[0].box, Vec4f(30, 10, 49, 30)) << "network pixels";
    EXPECT_EQ(old[0].box / 2, Vec4f(15, 5, 24.5f, 15)) << "not Detectron1's box";
    EXPECT_EQ(old[2].box, Vec4f(18, 18, 24, 38));

    // The blob output carries the frame boxes too.
    Mat blob;
    RetinaNetDecoder::create(det)->decodeToBlob(h.outputs, h.names, h.inputSize, h.imageSizes, h.frames, blob);
    ASSERT_EQ(blob.size[2], 2);
    EXPECT_EQ(Vec4f(blob.ptr<float>()[3], blob.ptr<float>()[4], blob.ptr<float>()[5], blob.ptr<float>()[6]),
              Vec4f(15, 5, 24, 15));
}

TEST(DnnRetinaNet_Conventions, frame_space_divides_by_the_scale_of_each_axis_and_image)
{
    // Two images of a batch, different frames and scales (input = frame * scale).
    RetinaNetConfig det = detectronLike();
    det.boxCoding.clipMaxOffset = 0.f;
    SyntheticHead one = exactBoxHead(1, {{3, 3, 0, 0.9f, Vec4f(10, 12, 30, 36)}});
    SyntheticHead h = one;
    for (size_t i = 0; i < 2; i++)
    {
        // the same heads for two images
        std::vector<int> shape(one.outputs[i].size.p, one.outputs[i].size.p + 4);
        shape[0] = 2;
        Mat two(shape, CV_32F);
        const size_t per = one.outputs[i].total();
        std::copy(one.outputs[i].ptr<float>(), one.outputs[i].ptr<float>() + per, two.ptr<float>());
        std::copy(one.outputs[i].ptr<float>(), one.outputs[i].ptr<float>() + per, two.ptr<float>() + per);
        h.outputs[i] = two;
    }
    h.nchwCls = {h.outputs[0]};
    h.nchwBox = {h.outputs[1]};
    h.imageSizes = {Size(64, 64), Size(64, 48)};
    h.frames = {FrameInfo(Size(16, 128), 4.0, 0.5), FrameInfo(Size(80, 60), 0.8, 0.8)};
    std::vector<std::vector<Detection> > d = decodeBatch(det, h);
    ASSERT_EQ(d.size(), 2u);
    ASSERT_EQ(d[0].size(), 1u);
    ASSERT_EQ(d[1].size(), 1u);
    // image 0: (10/4, 12/0.5, 30/4, 36/0.5) = (2.5, 24, 7.5, 72), inside the 16x128 frame
    EXPECT_EQ(d[0][0].box, Vec4f(2.5f, 24, 7.5f, 72));
    // image 1: / 0.8 (float32 division, like numpy's float32 pred_boxes /= im_scale)
    EXPECT_EQ(d[1][0].box, Vec4f(10.f / 0.8f, 12.f / 0.8f, 30.f / 0.8f, 36.f / 0.8f));
    EXPECT_NEAR(d[1][0].box[2], 37.5, 1e-5);

    // Without frames, frame space is the valid image at scale 1: the same as network space.
    h.frames.clear();
    RetinaNetConfig net = det;
    net.boxCoding.clipSpace = CLIP_SPACE_NETWORK;
    std::vector<std::vector<Detection> > a = decodeBatch(det, h), b = decodeBatch(net, h);
    for (int n = 0; n < 2; n++)
        EXPECT_EQ(boxesOf(a[n]), boxesOf(b[n])) << n;
}

TEST(DnnRetinaNet_Conventions, frames_are_validated)
{
    RetinaNetConfig det = detectronLike();
    SyntheticHead h = exactBoxHead(1, {{3, 3, 0, 0.9f, Vec4f(10, 12, 30, 36)}});
    Ptr<RetinaNetDecoder> dec = RetinaNetDecoder::create(det);
    std::vector<std::vector<Detection> > d;
    EXPECT_CV_ERROR(dec->decode(h.outputs, h.names, h.inputSize, {}, {FrameInfo(Size(10, 10), 1, 1), FrameInfo()}, d),
                    "2 frames given for a batch of 1");
    EXPECT_CV_ERROR(dec->decode(h.outputs, h.names, h.inputSize, {}, {FrameInfo(Size(10, 10), 0, 1)}, d),
                    "the size and the scale must be positive");
    EXPECT_CV_ERROR(dec->decode(h.outputs, h.names, h.inputSize, {}, {FrameInfo(Size(0, 10), 1, 1)}, d),
                    "frame 0 has size 0x10");
}

// ------------------------------------------------------------------------------ against the reference

TEST(DnnRetinaNet_Conventions, random_heads_match_the_bruteforce_reference)
{
    // Every combination of the three conventions, on the presets that use them and on torchvision,
    // with frames of several scales (anisotropic too) and valid sizes smaller than the input.
    for (const char* preset : {"torchvision", "mmdetection", "detectron"})
        for (int space : {CLIP_SPACE_NETWORK, CLIP_SPACE_FRAME})
            for (bool inclusive : {false, true})
                for (float minSize : {-1.f, 0.f, 6.f})
                {
                    RetinaNetConfig c = presetTestConfig(preset);
                    if (c.boxCoding.clipTarget != CLIP_TO_IMAGE)
                        continue;
                    c.boxCoding.clipSpace = space;
                    c.selection.nmsInclusive = inclusive;
                    c.selection.minBoxSize = minSize;
                    SCOPED_TRACE(format("%s, clip_space %d, inclusive %d, min size %g", preset, space, inclusive, minSize));
                    SyntheticHead head = makeHead(c, Size(256, 192), 2, 0.01, 41,
                                                  c.scoring.activation == SCORE_PROBABILITY);
                    head.imageSizes = {Size(256, 170), Size(200, 192)};
                    head.frames = {FrameInfo(Size(160, 106), 1.6, 1.6), FrameInfo(Size(500, 384), 0.4, 0.5)};
                    std::vector<std::vector<Detection> > got = decodeBatch(c, head);
                    for (int n = 0; n < 2; n++)
                    {
                        std::vector<Detection> ref = bruteForceDecode(c, head, n);
                        ASSERT_GT(ref.size(), 0u);
                        // IoU 0.999: the valid sizes clip many boxes to slivers under a pixel wide at the
                        // border, where float vs double decoding (~1e-5 px) moves the IoU by 1e-5..1e-4
                        EXPECT_TRUE(sameDetections(ref, got[n], 1e-6, 0.999)) << "image " << n;
                        if (space == CLIP_SPACE_FRAME)
                            for (const Detection& d : got[n])
                            {
                                EXPECT_LE(d.box[2], head.frames[n].frameSize.width - c.boxCoding.clipMaxOffset);
                                EXPECT_LE(d.box[3], head.frames[n].frameSize.height - c.boxCoding.clipMaxOffset);
                            }
                    }
                }
}

}} // namespace
