// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Keep-ratio resize parity per framework. The expected sizes come from
// data/reference/preprocess/keep_ratio_sizes.yml.gz, written by tools/make_resize_reference.py:
// the torchvision columns by torchvision's own _resize_image_and_masks, the other columns by each
// framework's arithmetic as written in its source (see the tool's docstring for the labels).

#include "test_precomp.hpp"
#include "model/preprocess.hpp"

namespace opencv_test { namespace {

struct SizeTable
{
    Mat sizes; // int32 Nx16: h, w, min, max, (h, w) per rule
};

const SizeTable& sizeTable()
{
    static SizeTable t = [] {
        SizeTable r;
        FileStorage fs(findDataFile("reference/preprocess/keep_ratio_sizes.yml.gz"), FileStorage::READ);
        CV_Assert(fs.isOpened());
        Mat m;
        fs["sizes"] >> m;
        CV_Assert(!m.empty() && m.cols == 16);
        m.convertTo(r.sizes, CV_32S);
        return r;
    }();
    return t;
}

// Column of a rule in the table (the tool's RULES order).
enum TableRule { T_TORCHVISION = 0, T_DETECTRON2, T_MMDETECTION, T_KERAS, T_DETECTRON, T_ODTK };

PreprocessConfig keepRatio(int minSize, int maxSize)
{
    PreprocessConfig p;
    p.resize = RESIZE_KEEP_RATIO;
    p.minSize = minSize;
    p.maxSize = maxSize;
    return p;
}

// Every row of the table: resizedSize() with the default (torchvision) rule gives torchvision's
// own output size. Fails with a correctly rounded double divide (the module before this test):
// 480x640, 427x640, 375x500, 342x548, 384x512 and ~24 % of the rows are one pixel off.
TEST(DnnRetinaNet_Preprocess, torchvision_keep_ratio_size_matches_torchvision_on_every_row)
{
    const Mat& t = sizeTable().sizes;
    int checked = 0, failures = 0;
    for (int i = 0; i < t.rows; i++)
    {
        const int* r = t.ptr<int>(i);
        const int h = r[0], w = r[1];
        const int eh = r[4 + 2 * T_TORCHVISION], ew = r[5 + 2 * T_TORCHVISION];
        double sx = 0, sy = 0;
        const Size got = cv::dnn_retinanet::resizedSize(Size(w, h), keepRatio(r[2], r[3]), sx, sy);
        if (eh < 0) // torchvision itself raises (an output side of 0): the module keeps >= 1
        {
            EXPECT_GE(got.width, 1);
            EXPECT_GE(got.height, 1);
            continue;
        }
        checked++;
        if (got != Size(ew, eh) && ++failures <= 20)
            ADD_FAILURE() << h << "x" << w << " (HxW) at min/max " << r[2] << "/" << r[3] << ": module "
                          << got.height << "x" << got.width << ", torchvision " << eh << "x" << ew;
    }
    EXPECT_EQ(failures, 0) << "of " << checked << " rows";
    EXPECT_GT(checked, 20000);
}

}} // namespace
