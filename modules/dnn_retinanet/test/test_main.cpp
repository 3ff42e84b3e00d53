// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#include "test_precomp.hpp"
#include "detection_match.hpp"

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
    return dnn_retinanet_test::boxIoU(a, b);
}

::testing::AssertionResult sameDetections(const std::vector<Detection>& expected, const std::vector<Detection>& actual,
                                          double scoreTol, double iouMin)
{
    const std::string diff = dnn_retinanet_test::compareDetections(expected, actual, scoreTol, iouMin);
    if (diff.empty())
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << diff;
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
