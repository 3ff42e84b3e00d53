// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// retinanet_detect's model-loading options end to end: --classes (label maps, data/labels/), and an
// ONNX whose weights live in a side file: read when it is there, else exit code 2 and no crash.
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/core/utils/filesystem.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {

const std::string kRoot = DNN_RETINANET_SOURCE_DIR;
const std::string kBin = DNN_RETINANET_BIN_DIR;

//! Runs @p cmd with stdout (and stderr when @p withStderr) captured; @p status is the wait status.
std::string run(const std::string& cmd, int& status, bool withStderr = false)
{
    std::string out;
    FILE* p = popen((cmd + (withStderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
    if (!p) { status = -1; return out; }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    status = pclose(p);
    return out;
}

std::vector<std::string> readLines(const std::string& path)
{
    std::ifstream f(path.c_str());
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(f, line)) lines.push_back(line);
    return lines;
}

std::string tempDir(const std::string& name)
{
    const std::string dir = ::testing::TempDir() + "/dnn_retinanet_it_" + name;
    if (cv::utils::fs::exists(dir)) cv::utils::fs::remove_all(dir);
    cv::utils::fs::createDirectories(dir);
    return dir;
}

//! class_id -> class name over all detections of retinanet_detect --json output (one image).
std::vector<std::pair<int, std::string> > classesOf(const std::string& json)
{
    std::vector<std::pair<int, std::string> > r;
    cv::FileStorage js(json, cv::FileStorage::READ | cv::FileStorage::MEMORY | cv::FileStorage::FORMAT_JSON);
    if (!js.isOpened()) return r;
    for (cv::FileNodeIterator it = js["detections"].begin(); it != js["detections"].end(); ++it)
        r.push_back(std::make_pair((int)(*it)["class_id"], (std::string)(*it)["class"]));
    return r;
}

const std::string kDetect = "'" + kBin + "/retinanet_detect' --input='" + kRoot + "/data/images/demo/demo_00.png'";

TEST(SampleOptions, classes_file_renames_the_printed_classes)
{
    // the shipped model: 9 classes named by its config ("unused", "circle", ...)
    int status = 0;
    const std::string plain = run(kDetect + " --json", status);
    ASSERT_EQ(status, 0) << plain;
    const std::vector<std::pair<int, std::string> > byConfig = classesOf(plain);
    ASSERT_GT(byConfig.size(), 0u) << plain;
    const std::vector<std::string> configNames = {"unused", "circle", "square", "triangle", "star", "cross",
                                                  "ring", "striped_rect", "ellipse"};
    for (const auto& c : byConfig)
        EXPECT_EQ(c.second, configNames.at(c.first));

    // one name per line, line k = class k; CRLF line ends and a trailing empty line are accepted
    const std::string dir = tempDir("classes");
    {
        std::ofstream f((dir + "/names.txt").c_str(), std::ios::binary);
        for (int k = 0; k < 9; k++) f << "my class " << k << "\r\n";
        f << "\n";
    }
    const std::string renamed = run(kDetect + " --json --classes='" + dir + "/names.txt'", status);
    ASSERT_EQ(status, 0) << renamed;
    const std::vector<std::pair<int, std::string> > byFile = classesOf(renamed);
    ASSERT_EQ(byFile.size(), byConfig.size());
    for (size_t i = 0; i < byFile.size(); i++)
    {
        EXPECT_EQ(byFile[i].first, byConfig[i].first);
        EXPECT_EQ(byFile[i].second, "my class " + std::to_string(byFile[i].first));
    }
    // the text output too (--verbose: one line per detection)
    const std::string text = run(kDetect + " --verbose --classes='" + dir + "/names.txt'", status);
    ASSERT_EQ(status, 0) << text;
    EXPECT_NE(text.find("  my class " + std::to_string(byConfig[0].first) + " "), std::string::npos) << text;
    EXPECT_EQ(text.find("circle"), std::string::npos) << text;
}

TEST(SampleOptions, classes_file_with_a_wrong_count_is_an_error)
{
    // COCO's 91-entry map on the 9-class model: every label would be wrong, so it is refused.
    int status = 0;
    const std::string out = run(kDetect + " --classes='" + kRoot + "/data/labels/coco91.txt'", status, true);
    ASSERT_TRUE(WIFEXITED(status)) << out;
    EXPECT_EQ(WEXITSTATUS(status), 2) << out;
    EXPECT_NE(out.find("has 91 names but the model has 9 classes"), std::string::npos) << out;
    EXPECT_NE(out.find("data/labels/coco80.txt"), std::string::npos) << out;

    const std::string dir = tempDir("classes_gap");
    {
        std::ofstream f((dir + "/gap.txt").c_str());
        f << "a\nb\n\nc\nd\ne\nf\ng\nh\n";
    }
    const std::string gap = run(kDetect + " --classes='" + dir + "/gap.txt'", status, true);
    EXPECT_EQ(WEXITSTATUS(status), 2) << gap;
    EXPECT_NE(gap.find("line 3 is empty"), std::string::npos) << gap;

    const std::string none = run(kDetect + " --classes='" + dir + "/no_such_file.txt'", status, true);
    EXPECT_EQ(WEXITSTATUS(status), 2) << none;
    EXPECT_NE(none.find("cannot read class names file"), std::string::npos) << none;
}

TEST(SampleOptions, coco_label_maps_are_torchvisions_and_the_contiguous_80)
{
    // data/labels/coco91.txt is torchvision's _COCO_CATEGORIES (tools/make_label_maps.py --check
    // compares it with the installed torchvision); coco80.txt is the same without the background
    // and the "N/A" ids, the class map of detectron2 / mmdetection / keras-retinanet / ODTK.
    const std::vector<std::string> c91 = readLines(kRoot + "/data/labels/coco91.txt");
    const std::vector<std::string> c80 = readLines(kRoot + "/data/labels/coco80.txt");
    ASSERT_EQ(c91.size(), 91u);
    ASSERT_EQ(c80.size(), 80u);
    EXPECT_EQ(c91[0], "__background__");
    EXPECT_EQ(c91[1], "person");
    EXPECT_EQ(c91[12], "N/A");
    EXPECT_EQ(c91[18], "dog");
    EXPECT_EQ(c91[90], "toothbrush");
    std::vector<std::string> contiguous;
    for (size_t i = 1; i < c91.size(); i++)
        if (c91[i] != "N/A") contiguous.push_back(c91[i]);
    EXPECT_EQ(contiguous, c80);
    EXPECT_EQ(c80[0], "person");
    EXPECT_EQ(c80[16], "dog");
    EXPECT_EQ(c80[79], "toothbrush");
}

TEST(SampleOptions, external_data_onnx_is_read_or_its_missing_side_file_named)
{
    // OpenCV 4.6's importer dies with SIGFPE on this file; the sample must print why and exit 2.
    const std::string dir = tempDir("external");
    {
        std::ifstream in((kRoot + "/data/models/tiny_torchvision_external/model.onnx").c_str(), std::ios::binary);
        std::ofstream out((dir + "/model.onnx").c_str(), std::ios::binary);
        out << in.rdbuf();
    }
    int status = 0;
    const std::string out = run("'" + kBin + "/retinanet_detect' -m='" + dir + "/model.onnx' -c='" + kRoot +
                                "/data/models/tiny_torchvision/config.yml' --input='" + kRoot +
                                "/data/images/demo/demo_00.png'", status, true);
    ASSERT_FALSE(WIFSIGNALED(status)) << "killed by signal " << WTERMSIG(status) << ": " << out;
    ASSERT_TRUE(WIFEXITED(status)) << out;
    EXPECT_EQ(WEXITSTATUS(status), 2) << out;
    EXPECT_NE(out.find("'model.onnx.data' (52 tensor(s)"), std::string::npos) << out;
    EXPECT_NE(out.find("MISSING"), std::string::npos) << out;
    EXPECT_NE(out.find("onnx.save(m, 'inlined.onnx')"), std::string::npos) << out;

    // with the side file next to it the module reads it: the tiny model's detections, to the bit
    const std::string args = "' -c='" + kRoot + "/data/models/tiny_torchvision/config.yml' --json --input='" + kRoot +
                             "/data/images/demo/demo_00.png'";
    const std::string external = run("'" + kBin + "/retinanet_detect' -m='" + kRoot +
                                     "/data/models/tiny_torchvision_external/model.onnx" + args, status);
    ASSERT_EQ(status, 0) << external;
    const std::string inlined = run("'" + kBin + "/retinanet_detect' -m='" + kRoot +
                                    "/data/models/tiny_torchvision/model.onnx" + args, status);
    ASSERT_EQ(status, 0) << inlined;
    EXPECT_NE(inlined.find("\"detections\":[{"), std::string::npos) << inlined;
    EXPECT_EQ(external, inlined);
}

} // namespace

namespace {

// The samples reject malformed numbers and unknown options with exit code 1 and a message naming
// the argument (cv::CommandLineParser alone reads "--thr=abc" as 0 and ignores "--foo").
void expectUsageError(const std::string& cmd, const std::string& needle)
{
    int status = 0;
    const std::string out = run(cmd, status, true);
    ASSERT_TRUE(WIFEXITED(status)) << cmd << "\n" << out;
    EXPECT_EQ(1, WEXITSTATUS(status)) << cmd << "\n" << out;
    EXPECT_NE(out.find(needle), std::string::npos) << cmd << "\n" << out;
}

TEST(SampleOptions, malformed_numbers_and_unknown_options_are_rejected)
{
    expectUsageError(kDetect + " --thr=abc", "--thr=abc: not a number");
    expectUsageError(kDetect + " --thr=nan", "--thr=nan: not a number");
    expectUsageError(kDetect + " --thr=1.5", "--thr=1.5: out of range");
    expectUsageError(kDetect + " --nms=0.5x", "--nms=0.5x: not a number");
    expectUsageError(kDetect + " --foo", "unknown option '--foo'");
    const std::string video = "'" + kBin + "/retinanet_video' --input='" + kRoot + "/data/images/demo/demo_00.png' --show=false";
    expectUsageError(video + " --max-frames=-1", "--max-frames=-1: out of range");
    expectUsageError(video + " --fps=-5", "--fps=-5: out of range");
    expectUsageError(video + " --batch=2.5", "--batch=2.5: not an integer");
    expectUsageError(video + " --thr=abc", "--thr=abc: not a number");
    expectUsageError(video + " --bogus=1", "unknown option '--bogus=1'");
}

} // namespace
