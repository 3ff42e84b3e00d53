// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_TEST_PRECOMP_HPP
#define DNN_RETINANET_TEST_PRECOMP_HPP

#ifdef __OPENCV_TESTS
// Inside an OpenCV source build (OPENCV_EXTRA_MODULES_PATH): GoogleTest is the copy bundled in
// opencv_ts (<gtest/gtest.h> would be another, possibly system, GoogleTest that opencv_ts does not
// link), and main() is CV_TEST_MAIN (test_main.cpp).
#include <opencv2/ts.hpp>
#else
#include <gtest/gtest.h>
#endif
#include <opencv2/core.hpp>
#include <opencv2/dnn_retinanet.hpp>

#include <string>
#include <vector>

namespace opencv_test {
using namespace cv;
using namespace cv::dnn_retinanet;

//! Path of a file under data/ ($DNN_RETINANET_TEST_DATA, else $OPENCV_TEST_DATA_PATH/dnn_retinanet, else
//! the repository's data/ next to the module).
std::string findDataFile(const std::string& relative, bool required = true);

//! EXPECT that @p fn throws a cv::Exception whose message contains @p needle.
#define EXPECT_CV_ERROR(statement, needle)                                                        \
    do {                                                                                          \
        bool thrown_ = false;                                                                     \
        try { statement; }                                                                        \
        catch (const cv::Exception& e_) {                                                         \
            thrown_ = true;                                                                       \
            EXPECT_NE(std::string(e_.what()).find(needle), std::string::npos)                     \
                << "message: " << e_.what() << "\nexpected to contain: " << (needle);             \
        }                                                                                         \
        EXPECT_TRUE(thrown_) << "expected a cv::Exception containing: " << (needle);              \
    } while (0)

/** Same detections: same count, for each expected detection a distinct actual one with the same
 *  class, |score diff| <= scoreTol and IoU >= iouMin (matched greedily in expected order). */
::testing::AssertionResult sameDetections(const std::vector<Detection>& expected, const std::vector<Detection>& actual,
                                          double scoreTol, double iouMin);

double boxIoU(const Vec4f& a, const Vec4f& b);

#if defined(__OPENCV_TESTS) && !defined(GTEST_SKIP)
/* The GoogleTest bundled in OpenCV 4.x's ts predates GTEST_SKIP; there a test skips by throwing
 * cvtest::SkipTestException, which the TEST/TEST_P body wrapper of opencv2/ts reports as SKIP.
 * Same use as GTEST_SKIP() << "reason"; (only directly in test bodies: it leaves the whole test). */
struct SkipTestThrower
{
    void operator=(const ::testing::Message& message) const { throw SkipTestException(message.GetString()); }
};
#define GTEST_SKIP() ::opencv_test::SkipTestThrower() = ::testing::Message()
#endif
#if defined(__OPENCV_TESTS) && !defined(INSTANTIATE_TEST_SUITE_P)
#define INSTANTIATE_TEST_SUITE_P INSTANTIATE_TEST_CASE_P  // same bundled GoogleTest, older name
#endif

} // namespace opencv_test

#endif
