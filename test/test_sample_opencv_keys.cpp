// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The samples behave like OpenCV's samples/dnn/object_detection.cpp (doc/samples.md): a table of
// behaviours run on the built retinanet_detect, retinanet_video and retinanet_eval: backend/target
// names and numbers, errors naming the key, --help (presets, aliases, full help texts), the
// models.yml alias, --thr deciding what is printed and drawn, the quiet default output, a missing
// model named, JSON lines with index and timestamp, progress only on a terminal.
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/core/utils/filesystem.hpp>
#include <opencv2/imgcodecs.hpp>

#include <sys/wait.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

const std::string kRoot = DNN_RETINANET_SOURCE_DIR;
const std::string kBin = DNN_RETINANET_BIN_DIR;
const std::string kDemo = kRoot + "/data/images/demo";
const std::string kImage = kDemo + "/demo_00.png";
const std::string kVideo = kRoot + "/data/video/synth_test.avi";

std::string q(const std::string& s)
{
    std::string o = "'";
    for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return o + "'";
}

std::string readText(const std::string& path)
{
    std::ifstream f(path.c_str(), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string tempDir(const std::string& name)
{
    const std::string dir = ::testing::TempDir() + "/dnn_retinanet_keys_" + name;
    if (cv::utils::fs::exists(dir)) cv::utils::fs::remove_all(dir);
    cv::utils::fs::createDirectories(dir);
    return dir;
}

struct Result
{
    int code = -1;
    std::string out, err;
};

//! Runs a sample (bin/<program> <args>) with stdout and stderr in files (stderr is not a terminal).
Result runSample(const std::string& program, const std::string& args)
{
    static int n = 0;
    const std::string dir = tempDir("run" + std::to_string(n++));
    const std::string cmd = q(kBin + "/" + program) + " " + args + " >" + q(dir + "/out") + " 2>" + q(dir + "/err") +
                            " </dev/null";
    const int st = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = readText(dir + "/out");
    r.err = readText(dir + "/err");
    return r;
}

//! Runs a sample with stderr on a pseudo-terminal (util-linux `script`); returns what the terminal got.
std::string runOnTerminal(const std::string& program, const std::string& args, int& code)
{
    const std::string inner = q(kBin + "/" + program) + " " + args + " >/dev/null";
    const int st = std::system(("script -qefc " + q(inner) + " /dev/null >" + q(tempDir("tty") + "/tty") +
                                " 2>&1 </dev/null").c_str());
    code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return readText(::testing::TempDir() + "/dnn_retinanet_keys_tty/tty");
}

bool hasScript()
{
    return std::system("script --version >/dev/null 2>&1") == 0;
}

std::vector<std::string> lines(const std::string& text)
{
    std::vector<std::string> v;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
}

//! "N" of the summary lines "<file>: N detections (>= thr) in X ms", one per image.
std::vector<int> summaryCounts(const std::string& out)
{
    static const std::regex re(R"(^.*\.png: (\d+) detections \(>= [0-9.e-]+\) in [0-9.]+ ms$)");
    std::vector<int> counts;
    for (const std::string& l : lines(out))
    {
        std::smatch m;
        if (std::regex_match(l, m, re)) counts.push_back(std::stoi(m[1]));
    }
    return counts;
}

// ------------------------------------------------------------------ the table
struct Behaviour
{
    const char* what;
    const char* program;
    std::string args;
    int code;
    std::vector<std::string> contains;     //!< in stdout + stderr
    std::vector<std::string> notContains;
};

void PrintTo(const Behaviour& b, std::ostream* os) { *os << b.program << " " << b.args; }

class SampleBehaviour : public ::testing::TestWithParam<Behaviour> {};

TEST_P(SampleBehaviour, as_opencv_samples)
{
    const Behaviour& b = GetParam();
    const Result r = runSample(b.program, b.args);
    const std::string all = r.out + r.err;
    EXPECT_EQ(r.code, b.code) << b.what << ": " << b.program << " " << b.args << "\n" << all;
    for (const std::string& s : b.contains)
        EXPECT_NE(all.find(s), std::string::npos) << b.what << ": no '" << s << "' in:\n" << all;
    for (const std::string& s : b.notContains)
        EXPECT_EQ(all.find(s), std::string::npos) << b.what << ": '" << s << "' in:\n" << all;
}

const std::string kImg = "--input=" + q(kImage);
const std::string kVid = "--input=" + q(kVideo) + " --show=false --max-frames=1";
const std::string kMissing = "/nonexistent/folder/model.onnx";

const std::vector<Behaviour> kBehaviours = {
    // --backend / --target: OpenCV's names and cv::dnn numbers
    {"numeric backend/target", "retinanet_detect", kImg + " --backend=3 --target=0", 0, {"on OpenCV/CPU"}, {}},
    {"named backend/target", "retinanet_detect", kImg + " --backend=opencv --target=cpu", 0, {"on OpenCV/CPU"}, {}},
    {"default backend is 0", "retinanet_detect", kImg, 0, {"on default/CPU"}, {}},
    {"numeric cuda ids (CPU fallback without CUDA)", "retinanet_detect", kImg + " --backend=5 --target=7", 0,
     {"detections"}, {"error"}},
    {"numeric backend, video", "retinanet_video", kVid + " --backend=3 --target=0", 0, {"OpenCV/CPU"}, {}},
    {"bad backend name", "retinanet_detect", kImg + " --backend=foo", 1, {"--backend=foo: unknown backend", "opencv (3)"}, {}},
    {"bad backend number", "retinanet_detect", kImg + " --backend=9", 1, {"--backend=9: unknown backend"}, {}},
    {"bad target name", "retinanet_detect", kImg + " --target=gpu", 1, {"--target=gpu: unknown target", "cuda_fp16 (7)"}, {}},
    {"bad target, video", "retinanet_video", kVid + " --target=42", 1, {"--target=42: unknown target"}, {}},
    {"bad backend, eval", "retinanet_eval", "--gt=x.json --backend=bogus", 1, {"--backend=bogus: unknown backend"}, {}},
    {"width without height", "retinanet_detect", kImg + " --width=320", 1, {"--width and --height go together"}, {}},
    {"--width/--height resize like OpenCV", "retinanet_detect", kImg + " --width=320 --height=320", 0, {"detections"}, {}},
    // --help: full texts, choices, presets, aliases
    {"help of detect", "retinanet_detect", "--help", 0,
     {"The boxes drawn are the detections printed: those with a score >= --thr.",
      "0 default (automatically), 1 halide, 2 openvino (Inference Engine), 3 opencv (OpenCV implementation; also: cpu), "
      "4 vkcom, 5 cuda, 6 webnn, 7 timvx",
      "0 cpu, 1 opencl, 2 opencl_fp16, 3 myriad, 4 vulkan, 5 fpga, 6 cuda, 7 cuda_fp16, 8 hddl, 9 npu",
      "RetinaNet presets (--retinanet_config=NAME): ", "detectron2", "torchvision_v2", "mmdetection",
      "Model aliases", "shipped", "torchvision_r50_v2", "--retinanet_config", "Not OpenCV's --config"}, {}},
    {"help of video", "retinanet_video", "--help", 0,
     {"stderr shows the progress", "7 cuda_fp16", "RetinaNet presets (--retinanet_config=NAME): ", "shipped"}, {}},
    {"help of eval", "retinanet_eval", "--help", 0,
     {"COCO mAP", "7 cuda_fp16", "RetinaNet presets (--retinanet_config=NAME): ", "shipped"}, {}},
    // the RetinaNet config key and its old names
    {"--preset", "retinanet_detect", kImg + " -m=" + q(kRoot + "/data/models/tiny_torchvision/model.onnx") +
     " --preset=" + q(kRoot + "/data/models/tiny_torchvision/config.yml"), 0, {"5 classes"}, {}},
    {"old -c", "retinanet_detect", kImg + " -m=" + q(kRoot + "/data/models/tiny_torchvision/model.onnx") +
     " -c=" + q(kRoot + "/data/models/tiny_torchvision/config.yml"), 0, {"5 classes"}, {}},
    // models.yml aliases
    {"alias shipped", "retinanet_detect", "shipped " + kImg, 0, {"model: shipped, 9 classes"}, {}},
    {"alias tiny_resnet_v2", "retinanet_detect", "tiny_resnet_v2 " + kImg, 0, {"model: tiny_resnet_v2, 5 classes"}, {}},
    {"unknown alias", "retinanet_detect", "nosuch " + kImg, 2, {"unknown model alias 'nosuch'", "shipped"}, {}},
    {"alias of a model to export", "retinanet_detect", "torchvision_r50_v1 " + kImg + " --zoo=" +
     q(kRoot + "/modules/dnn_retinanet/samples/models.yml"), 2,
     {"model file not found", "out/models/retinanet_resnet50_fpn/model.onnx", "tools/export_torchvision.py"}, {}},
    // a missing model is named (not a missing ./config.yml), in all three programs
    {"missing model, detect", "retinanet_detect", kImg + " -m=" + kMissing, 2,
     {"model file not found: '" + kMissing + "'"}, {"config.yml"}},
    {"missing model, video", "retinanet_video", kVid + " -m=" + kMissing, 2,
     {"model file not found: '" + kMissing + "'"}, {"config.yml"}},
    {"missing model, eval", "retinanet_eval", "--gt=" + q(kRoot + "/data/synth_test/annotations.json") + " -m=" + kMissing,
     1, {"model file not found: '" + kMissing + "'"}, {"config.yml"}},
    // camera input: a number (or no --input) is a camera index
    {"camera index", "retinanet_detect", "--input=7 --show=false", 2, {"cannot open camera 7"}, {}},
};

std::string behaviourName(const ::testing::TestParamInfo<Behaviour>& info)
{
    std::string n = info.param.what;
    for (char& c : n) if (!isalnum((unsigned char)c)) c = '_';
    return n;
}

INSTANTIATE_TEST_SUITE_P(SampleKeys, SampleBehaviour, ::testing::ValuesIn(kBehaviours), behaviourName);

// ------------------------------------------------------------------ output and drawing
TEST(SampleKeys, default_output_is_one_summary_line_per_image_and_verbose_prints_detections)
{
    const Result quiet = runSample("retinanet_detect", "--input=" + q(kDemo));
    ASSERT_EQ(quiet.code, 0) << quiet.err;
    const std::vector<int> counts = summaryCounts(quiet.out);
    ASSERT_EQ(counts.size(), 4u) << quiet.out;
    // a header line, one line per image, the mean line: nothing per detection
    EXPECT_EQ(lines(quiet.out).size(), 6u) << quiet.out;

    const Result verbose = runSample("retinanet_detect", "--input=" + q(kDemo) + " --verbose");
    ASSERT_EQ(verbose.code, 0) << verbose.err;
    EXPECT_EQ(summaryCounts(verbose.out), counts);
    int detectionLines = 0;
    static const std::regex det(R"(^  \S+ +[01]\.\d{3}  \[.*\]$)");
    for (const std::string& l : lines(verbose.out)) detectionLines += std::regex_match(l, det);
    int total = 0;
    for (int c : counts) total += c;
    EXPECT_EQ(detectionLines, total) << verbose.out;
}

TEST(SampleKeys, thr_decides_what_is_printed_and_drawn)
{
    const std::string dir = tempDir("thr");
    std::vector<int> n;
    for (const char* thr : {"0.3", "0.6", "0.99"})
    {
        const std::string out = dir + "/" + thr;
        const Result r = runSample("retinanet_detect", "--input=" + q(kImage) + " --thr=" + thr + " --output=" + q(out));
        ASSERT_EQ(r.code, 0) << r.err;
        const std::vector<int> c = summaryCounts(r.out);
        ASSERT_EQ(c.size(), 1u) << r.out;
        n.push_back(c[0]);
        const Result js = runSample("retinanet_detect", "--input=" + q(kImage) + " --thr=" + thr + " --json");
        cv::FileStorage fs(js.out, cv::FileStorage::READ | cv::FileStorage::MEMORY | cv::FileStorage::FORMAT_JSON);
        ASSERT_TRUE(fs.isOpened()) << js.out;
        EXPECT_EQ((int)fs["detections"].size(), c[0]);
        for (cv::FileNodeIterator it = fs["detections"].begin(); it != fs["detections"].end(); ++it)
            EXPECT_GE((float)(*it)["score"], std::stof(thr));
    }
    EXPECT_GT(n[0], n[1]);
    EXPECT_GT(n[1], 0);
    EXPECT_EQ(n[2], 0);
    const cv::Mat input = cv::imread(kImage), none = cv::imread(dir + "/0.99/demo_00_detections.png"),
                  some = cv::imread(dir + "/0.6/demo_00_detections.png"), more = cv::imread(dir + "/0.3/demo_00_detections.png");
    ASSERT_FALSE(input.empty() || none.empty() || some.empty() || more.empty());
    EXPECT_EQ(cv::norm(none, input, cv::NORM_INF), 0) << "--thr=0.99: no detection, nothing drawn";
    EXPECT_GT(cv::norm(some, input, cv::NORM_L1), 0) << "--thr=0.6: boxes drawn";
    // boxes scored in [0.3, 0.6) are drawn at 0.3 only
    cv::Mat diff;
    cv::absdiff(more, some, diff);
    EXPECT_GT(cv::countNonZero(diff.reshape(1)), 0);
}

TEST(SampleKeys, alias_shipped_gives_the_shipped_models_detections)
{
    const Result plain = runSample("retinanet_detect", "--input=" + q(kImage) + " --json");
    const Result alias = runSample("retinanet_detect", "shipped --input=" + q(kImage) + " --json");
    ASSERT_EQ(plain.code, 0) << plain.err;
    ASSERT_EQ(alias.code, 0) << alias.err;
    EXPECT_NE(plain.out.find("\"detections\":[{"), std::string::npos);
    EXPECT_EQ(alias.out, plain.out);
}

// ------------------------------------------------------------------ JSON lines and progress
TEST(SampleKeys, video_json_lines_carry_frame_index_and_timestamp)
{
    const Result r = runSample("retinanet_video", "--input=" + q(kVideo) + " --show=false --json --max-frames=5");
    ASSERT_EQ(r.code, 0) << r.err;
    const std::vector<std::string> l = lines(r.out);
    ASSERT_EQ(l.size(), 5u) << r.out;
    for (size_t i = 0; i < l.size(); i++)
    {
        // the field names and order of the GStreamer element retinanetjson
        EXPECT_EQ(l[i].find("{\"frame\":" + std::to_string(i) + ",\"pts_ms\":"), 0u) << l[i];
        cv::FileStorage fs(l[i], cv::FileStorage::READ | cv::FileStorage::MEMORY | cv::FileStorage::FORMAT_JSON);
        ASSERT_TRUE(fs.isOpened()) << l[i];
        EXPECT_EQ((int)fs["frame"], (int)i);
        EXPECT_NEAR((double)fs["pts_ms"], i * 1000.0 / 15.0, 0.01) << l[i];   // the clip is 15 fps
        EXPECT_EQ((int)fs["width"], 320);
        EXPECT_TRUE(fs["detections"].isSeq());
    }
}

//! A 3-image COCO split of data/synth_test for the evaluator.
std::string smallGroundTruth()
{
    const std::string path = tempDir("gt") + "/gt.json";
    std::ofstream f(path.c_str());
    f << "{\"images\":[";
    for (int i = 0; i < 3; i++)
        f << (i ? "," : "") << "{\"id\":" << i + 1 << ",\"file_name\":\"00000" << i << ".png\",\"width\":320,\"height\":320}";
    f << "],\"annotations\":[{\"id\":1,\"image_id\":1,\"category_id\":6,\"bbox\":[165.35,220.68,70.18,95.61],"
         "\"area\":6709.91,\"iscrowd\":0}],\"categories\":[";
    for (int k = 1; k <= 8; k++) f << (k > 1 ? "," : "") << "{\"id\":" << k << ",\"name\":\"c" << k << "\"}";
    f << "]}";
    return path;
}

TEST(SampleKeys, progress_only_when_stderr_is_a_terminal)
{
    const std::string video = "--input=" + q(kVideo) + " --show=false --max-frames=6 --json";
    const std::string gt = smallGroundTruth();
    const std::string eval = "--gt=" + q(gt) + " --images=" + q(kRoot + "/data/synth_test");

    // not a terminal: no progress text
    const Result v = runSample("retinanet_video", video);
    ASSERT_EQ(v.code, 0) << v.err;
    EXPECT_EQ(v.err.find('\r'), std::string::npos) << v.err;
    EXPECT_EQ(v.err.find("ETA"), std::string::npos) << v.err;
    const Result e = runSample("retinanet_eval", eval);
    ASSERT_EQ(e.code, 0) << e.out << e.err;
    EXPECT_EQ((e.out + e.err).find('\r'), std::string::npos) << e.out << e.err;
    EXPECT_EQ((e.out + e.err).find("ETA"), std::string::npos);

    // a terminal: frames / images done of total, the rate and the time left, redrawn with \r
    if (!hasScript())
        GTEST_SKIP() << "no `script` (util-linux) to run the samples on a pseudo-terminal";
    int code = -1;
    const std::string tv = runOnTerminal("retinanet_video", video, code);
    EXPECT_EQ(code, 0) << tv;
    EXPECT_NE(tv.find("\rframes "), std::string::npos) << tv;
    EXPECT_NE(tv.find("/6 ("), std::string::npos) << tv;
    EXPECT_NE(tv.find(" fps, ETA "), std::string::npos) << tv;
    const std::string te = runOnTerminal("retinanet_eval", eval, code);
    EXPECT_EQ(code, 0) << te;
    EXPECT_NE(te.find("\rimages "), std::string::npos) << te;
    EXPECT_NE(te.find("/3 ("), std::string::npos) << te;
    EXPECT_NE(te.find("images/s, ETA "), std::string::npos) << te;
}

} // namespace
