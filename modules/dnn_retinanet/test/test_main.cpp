// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#include "test_precomp.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace opencv_test {

std::string findDataFile(const std::string& relative, bool required)
{
    std::vector<std::string> roots;
    if (const char* env = std::getenv("DNN_RETINANET_TEST_DATA"))
        roots.push_back(env);
    // OpenCV's convention for contrib modules: opencv_extra/testdata/<module> ($OPENCV_TEST_DATA_PATH).
    if (const char* env = std::getenv("OPENCV_TEST_DATA_PATH"))
        roots.push_back(std::string(env) + "/dnn_retinanet");
#ifdef DNN_RETINANET_TEST_DATA_DIR
    roots.push_back(DNN_RETINANET_TEST_DATA_DIR);
#endif
    for (const std::string& root : roots)
    {
        const std::string path = root + "/" + relative;
        if (std::ifstream(path.c_str()).good())
            return path;
    }
    if (required)
        CV_Error(cv::Error::StsObjectNotFound, "test data file not found: " + relative);
    return std::string();
}

double boxIoU(const Vec4f& a, const Vec4f& b)
{
    // Zero-area (clipped to an edge) or inverted (corner coding) boxes have no meaningful IoU:
    // they match when their coordinates agree.
    if (!(a[2] > a[0] && a[3] > a[1]) || !(b[2] > b[0] && b[3] > b[1]))
    {
        for (int i = 0; i < 4; i++)
            if (std::abs(a[i] - b[i]) > 1e-3 * (1 + std::abs(a[i])))
                return 0.0;
        return 1.0;
    }
    const double iw = std::max(0.0, (double)std::min(a[2], b[2]) - std::max(a[0], b[0]));
    const double ih = std::max(0.0, (double)std::min(a[3], b[3]) - std::max(a[1], b[1]));
    const double inter = iw * ih;
    // Widths in double like the intersection's, so identical boxes give exactly 1 (a float width
    // times a double height did not, under clang).
    const double areaA = ((double)a[2] - a[0]) * ((double)a[3] - a[1]), areaB = ((double)b[2] - b[0]) * ((double)b[3] - b[1]);
    const double uni = areaA + areaB - inter;
    if (uni <= 0)
        return a == b ? 1.0 : 0.0;
    return inter / uni;
}

::testing::AssertionResult sameDetections(const std::vector<Detection>& expected, const std::vector<Detection>& actual,
                                          double scoreTol, double iouMin)
{
    if (expected.size() != actual.size())
        return ::testing::AssertionFailure() << "detection count differs: expected " << expected.size() << ", got "
                                             << actual.size();
    std::vector<bool> used(actual.size(), false);
    for (size_t i = 0; i < expected.size(); i++)
    {
        int best = -1;
        double bestIoU = -1;
        for (size_t j = 0; j < actual.size(); j++)
        {
            if (used[j] || actual[j].classId != expected[i].classId ||
                std::abs(actual[j].score - expected[i].score) > scoreTol)
                continue;
            const double iou = boxIoU(expected[i].box, actual[j].box);
            if (iou > bestIoU) { bestIoU = iou; best = (int)j; }
        }
        if (best < 0 || bestIoU < iouMin)
        {
            std::ostringstream os;
            os << "expected detection #" << i << " (class " << expected[i].classId << ", score " << expected[i].score
               << ", box " << expected[i].box << ") has no match (best IoU " << bestIoU << ")";
            return ::testing::AssertionFailure() << os.str();
        }
        used[best] = true;
    }
    return ::testing::AssertionSuccess();
}

} // namespace opencv_test

#ifdef __OPENCV_TESTS
// Inside an OpenCV source build: opencv_ts's main (its TS setup and options); the data root is
// $DNN_RETINANET_TEST_DATA, $OPENCV_TEST_DATA_PATH/dnn_retinanet or DNN_RETINANET_TEST_DATA_DIR
// (findDataFile above).
CV_TEST_MAIN("")
#else
int main(int argc, char** argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
#endif
