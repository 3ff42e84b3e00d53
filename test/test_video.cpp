// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Video: the retinanet_video sample end to end on the committed clip (data/video/synth_test.avi,
// made by tools/make_test_video.py) and the library's threading contract.
//  - every frame is processed, in order, and the per-frame JSON equals single-image detect() on the
//    same decoded frames (pipelined batch 1, pipelined --batch=4, --sequential);
//  - the annotated video has the input's frame count and size;
//  - bad input: unopenable source, unwritable outputs, a frame size change mid-stream, an unreadable
//    frame mid-stream, an error inside a stage, SIGINT (the video is finalised), a live source
//    (stale frames dropped, the rest in order);
//  - independent RetinaNetDetectionModel instances in parallel threads equal sequential runs.
// The model: data/models/synth_retinanet (trained) when present, else data/models/tiny_torchvision.
#include <gtest/gtest.h>
#include <opencv2/dnn_retinanet.hpp>
#include <opencv2/core/utils/filesystem.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include "detection_match.hpp"

extern char** environ;

using namespace cv;
using namespace cv::dnn_retinanet;

namespace {

const std::string kRoot = DNN_RETINANET_SOURCE_DIR;
const std::string kSample = std::string(DNN_RETINANET_BIN_DIR) + "/retinanet_video";
const std::string kVideo = kRoot + "/data/video/synth_test.avi";

struct ModelFiles
{
    std::string model, config;
};

ModelFiles modelFiles()
{
    const std::string trained = kRoot + "/data/models/synth_retinanet";
    if (utils::fs::exists(trained + "/model.onnx"))
        return {trained + "/model.onnx", trained + "/config.yml"};
    return {kRoot + "/data/models/tiny_torchvision/model.onnx", kRoot + "/data/models/tiny_torchvision/config.yml"};
}

std::string quote(const std::string& s)
{
    std::string o = "'";
    for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return o + "'";
}

std::string readText(const std::string& path)
{
    std::ifstream f(path.c_str());
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

struct TempDir
{
    TempDir()
    {
        std::string tmpl = utils::fs::join(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp",
                                           "dnn_retinanet_video_XXXXXX");
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        CV_Assert(mkdtemp(buf.data()) != nullptr);
        path = buf.data();
    }
    ~TempDir() { utils::fs::remove_all(path); }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
    std::string path;
};

struct RunResult
{
    int code = -1;
    std::string out, err;
};

//! Runs the sample with the test model and @p args (already quoted); stdout/stderr captured.
RunResult runSample(const TempDir& dir, const std::string& args)
{
    const ModelFiles m = modelFiles();
    const std::string outFile = dir / "stdout.txt", errFile = dir / "stderr.txt";
    const std::string cmd = quote(kSample) + " --model=" + quote(m.model) + " --config=" + quote(m.config) +
                            " --show=false " + args + " >" + quote(outFile) + " 2>" + quote(errFile);
    const int st = std::system(cmd.c_str());
    RunResult r;
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = readText(outFile);
    r.err = readText(errFile);
    return r;
}

struct FrameResult
{
    int frame = -1, width = 0, height = 0;
    std::vector<Detection> dets;
};

//! One JSON object per line: {"frame":..,"width":..,"height":..,"detections":[{..,"score":..,"box":[..]}]}
std::vector<FrameResult> parseJsonLines(const std::string& text)
{
    std::vector<FrameResult> frames;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
    {
        if (line.empty() || line[0] != '{') continue;
        FileStorage fs(line, FileStorage::READ | FileStorage::MEMORY | FileStorage::FORMAT_JSON);
        CV_Assert(fs.isOpened());
        FrameResult r;
        r.frame = (int)fs["frame"];
        r.width = (int)fs["width"];
        r.height = (int)fs["height"];
        const FileNode dets = fs["detections"];
        for (FileNodeIterator it = dets.begin(); it != dets.end(); ++it)
        {
            const FileNode n = *it;
            Detection d;
            d.classId = (int)n["class_id"];
            d.score = (float)(double)n["score"];
            const FileNode b = n["box"];
            CV_Assert(b.size() == 4);
            for (int k = 0; k < 4; k++) d.box[k] = (float)(double)b[k];
            r.dets.push_back(d);
        }
        frames.push_back(r);
    }
    return frames;
}

std::vector<Mat> decodeAll(const std::string& path, int apiPreference = CAP_ANY)
{
    VideoCapture cap(path, apiPreference);
    CV_Assert(cap.isOpened());
    std::vector<Mat> frames;
    Mat f;
    while (cap.read(f) && !f.empty())
        frames.push_back(f.clone());
    return frames;
}

/** Same number of detections and a one-to-one matching: same class, |dscore| <= 1e-5,
 *  IoU >= 0.9999 (test/detection_match.hpp). Empty string when equal, else what differs. */
std::string compareDetections(const std::vector<Detection>& ref, const std::vector<Detection>& got,
                              float scoreTol = 1e-5f, double iouMin = 0.9999)
{
    return dnn_retinanet_test::compareDetections(ref, got, scoreTol, iouMin);
}

RetinaNetDetectionModel makeModel()
{
    const ModelFiles m = modelFiles();
    return RetinaNetDetectionModel(m.model, m.config);
}

std::vector<std::vector<Detection> > detectEach(const std::vector<Mat>& frames)
{
    RetinaNetDetectionModel model = makeModel();
    std::vector<std::vector<Detection> > out(frames.size());
    for (size_t i = 0; i < frames.size(); i++)
        model.detect(frames[i], out[i]);
    return out;
}

//! Decoded frames of the committed clip and single-image detect() on each (computed once).
struct Clip
{
    std::vector<Mat> frames;
    std::vector<std::vector<Detection> > dets;
    int reportedCount = 0;
    Size size;
};

const Clip& clip()
{
    static const Clip c = [] {
        Clip r;
        VideoCapture cap(kVideo);
        CV_Assert(cap.isOpened());
        r.reportedCount = (int)cap.get(CAP_PROP_FRAME_COUNT);
        r.frames = decodeAll(kVideo);
        CV_Assert(!r.frames.empty());
        r.size = r.frames[0].size();
        r.dets = detectEach(r.frames);
        return r;
    }();
    return c;
}

int countFrames(const std::string& video, Size& size)
{
    const std::vector<Mat> frames = decodeAll(video);
    size = frames.empty() ? Size() : frames[0].size();
    for (const Mat& f : frames)
        if (f.size() != size) return -1;
    return (int)frames.size();
}

//! Every frame of the clip, in order, each equal to detect() on the decoded frame.
void expectWholeClip(const std::vector<FrameResult>& got)
{
    const Clip& c = clip();
    ASSERT_EQ((int)c.frames.size(), c.reportedCount);
    ASSERT_EQ(got.size(), c.frames.size());
    int nonEmpty = 0;
    for (size_t i = 0; i < got.size(); i++)
    {
        ASSERT_EQ(got[i].frame, (int)i);
        EXPECT_EQ(Size(got[i].width, got[i].height), c.size);
        EXPECT_EQ(compareDetections(c.dets[i], got[i].dets), "") << "frame " << i;
        nonEmpty += !c.dets[i].empty();
    }
    EXPECT_GT(nonEmpty, 0) << "the model detects nothing on the clip: the comparison proves little";
}

//! The sample is a separate target: say so clearly when it was not built.
class VideoSample : public ::testing::Test
{
protected:
    void SetUp() override
    {
        ASSERT_TRUE(utils::fs::exists(kSample)) << "build the samples first (target retinanet_video): " << kSample;
        ASSERT_TRUE(utils::fs::exists(kVideo)) << "missing test clip (tools/make_test_video.py): " << kVideo;
    }
};

// ------------------------------------------------------------------------------ sample: clip
TEST_F(VideoSample, PipelinedEveryFrameMatchesSingleImageDetect)
{
    TempDir dir;
    const RunResult r = runSample(dir, "--input=" + quote(kVideo) + " --output=" + quote(dir / "out.avi") +
                                           " --json-file=" + quote(dir / "out.jsonl"));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    expectWholeClip(parseJsonLines(readText(dir / "out.jsonl")));
    EXPECT_NE(r.out.find("throughput:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("p95"), std::string::npos) << r.out;

    Size size;
    EXPECT_EQ(countFrames(dir / "out.avi", size), (int)clip().frames.size());
    EXPECT_EQ(size, clip().size);
    VideoCapture written(dir / "out.avi");
    EXPECT_EQ((int)written.get(CAP_PROP_FRAME_COUNT), (int)clip().frames.size());
}

TEST_F(VideoSample, ShippedModelMatchesCommittedPyTorchExpectations)
{
    // data/reference/video: the PyTorch model the shipped ONNX was exported from, run on every
    // decoded frame by tools/make_video_reference.py (320x256 frames: no resampling).
    const std::string model = kRoot + "/data/models/synth_retinanet/model.onnx";
    ASSERT_TRUE(utils::fs::exists(model));
    FileStorage ref(kRoot + "/data/reference/video/synth_test_expected.yml", FileStorage::READ);
    ASSERT_TRUE(ref.isOpened());
    TempDir dir;
    const std::string cmd = quote(kSample) + " --model=" + quote(model) + " --config=" +
                            quote(kRoot + "/data/models/synth_retinanet/config.yml") + " --show=false --json --input=" +
                            quote(kVideo) + " >" + quote(dir / "out.jsonl") + " 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    const std::vector<FrameResult> got = parseJsonLines(readText(dir / "out.jsonl"));
    ASSERT_EQ((int)got.size(), (int)ref["frame_count"]);
    for (size_t i = 0; i < got.size(); i++)
    {
        std::vector<Detection> expected;
        const int n = (int)ref[format("frame_%d_count", (int)i)];
        Mat b, sc, lab;
        if (n > 0)
        {
            ref[format("frame_%d_boxes", (int)i)] >> b;
            ref[format("frame_%d_scores", (int)i)] >> sc;
            ref[format("frame_%d_labels", (int)i)] >> lab;
        }
        for (int k = 0; k < n; k++)
        {
            Detection d;
            d.box = Vec4f(b.ptr<float>(k));
            d.score = sc.at<float>(k);
            d.classId = lab.at<int>(k);
            expected.push_back(d);
        }
        EXPECT_EQ(compareDetections(expected, got[i].dets, 1e-4f, 0.999), "") << "frame " << i;
    }
}

TEST_F(VideoSample, Batch4MatchesSingleImageDetect)
{
    TempDir dir;
    const RunResult r = runSample(dir, "--input=" + quote(kVideo) + " --batch=4 --json");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("batch 4"), std::string::npos) << r.err;   // with --json the log goes to stderr
    expectWholeClip(parseJsonLines(r.out));
}

TEST_F(VideoSample, SequentialMatchesSingleImageDetect)
{
    TempDir dir;
    const RunResult r = runSample(dir, "--input=" + quote(kVideo) + " --sequential --json --output=" +
                                           quote(dir / "seq.mp4"));
    ASSERT_EQ(r.code, 0) << r.err;
    expectWholeClip(parseJsonLines(r.out));
    Size size;
    EXPECT_EQ(countFrames(dir / "seq.mp4", size), (int)clip().frames.size());
    EXPECT_EQ(size, clip().size);
}

TEST_F(VideoSample, MaxFramesAndLoop)
{
    TempDir dir;
    const int n = (int)clip().frames.size();
    const RunResult r = runSample(dir, "--input=" + quote(kVideo) + " --json --loop=3 --max-frames=" +
                                           std::to_string(n + 5));
    ASSERT_EQ(r.code, 0) << r.err;
    const std::vector<FrameResult> got = parseJsonLines(r.out);
    ASSERT_EQ((int)got.size(), n + 5);
    for (int i = 0; i < n + 5; i++)
    {
        ASSERT_EQ(got[i].frame, i);
        EXPECT_EQ(compareDetections(clip().dets[i % n], got[i].dets), "") << "frame " << i;
    }
}

// A live source never blocks the capture: frames that find the inference queue full are
// dropped and counted; what is processed stays in order and correct.
TEST_F(VideoSample, LiveModeDropsStaleFramesKeepsOrder)
{
    TempDir dir;
    const RunResult r = runSample(dir, "--input=" + quote(kVideo) + " --live --json");
    ASSERT_EQ(r.code, 0) << r.err;
    const std::vector<FrameResult> got = parseJsonLines(r.out);
    ASSERT_FALSE(got.empty());
    long long read = -1, written = -1, dropped = -1;
    const size_t at = r.err.find("frames: read");
    ASSERT_NE(at, std::string::npos) << r.err;
    ASSERT_EQ(std::sscanf(r.err.c_str() + at, "frames: read %lld, written %lld, dropped %lld", &read, &written,
                          &dropped), 3) << r.err;
    EXPECT_EQ(read, (long long)clip().frames.size());
    EXPECT_EQ(written, (long long)got.size());
    EXPECT_EQ(read, written + dropped);
    for (size_t i = 0; i < got.size(); i++)
    {
        if (i)
        {
            EXPECT_GT(got[i].frame, got[i - 1].frame);
        }
        ASSERT_LT(got[i].frame, (int)clip().frames.size());
        EXPECT_EQ(compareDetections(clip().dets[got[i].frame], got[i].dets), "") << "frame " << got[i].frame;
    }
}

// ------------------------------------------------------------------------------ sample: bad input
TEST_F(VideoSample, UnopenableSourceExitCode2)
{
    TempDir dir;
    RunResult r = runSample(dir, "--input=" + quote(dir / "missing.avi") + " --json");
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("cannot open input"), std::string::npos) << r.err;
    EXPECT_TRUE(parseJsonLines(r.out).empty());

    std::ofstream(dir / "garbage.avi") << "this is not a video";
    r = runSample(dir, "--input=" + quote(dir / "garbage.avi") + " --json");
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("error:"), std::string::npos) << r.err;

    r = runSample(dir, "--input=" + quote(dir / "none_%04d.png") + " --json");   // empty image sequence
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("cannot open input"), std::string::npos) << r.err;
}

TEST_F(VideoSample, UnwritableOutputFailsBeforeProcessing)
{
    TempDir dir;
    RunResult r = runSample(dir, "--input=" + quote(kVideo) + " --json --output=" + quote(dir / "no/such/dir/out.avi"));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("cannot write output video"), std::string::npos) << r.err;
    EXPECT_TRUE(parseJsonLines(r.out).empty()) << "frames were processed before the error";

    r = runSample(dir, "--input=" + quote(kVideo) + " --json-file=" + quote(dir / "no/such/dir/out.jsonl"));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("cannot write JSON file"), std::string::npos) << r.err;

    r = runSample(dir, "--input=" + quote(kVideo) + " --output=" + quote(dir / "out.xyz"));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("cannot choose a codec"), std::string::npos) << r.err;
}

// The writer is opened at the first frame's size; frames of another size are detected at their
// own size and resized for writing, with one warning.
TEST_F(VideoSample, FrameSizeChangeMidStream)
{
    TempDir dir;
    const Clip& c = clip();
    std::vector<Mat> frames;
    for (int i = 0; i < 10; i++)
    {
        Mat f = c.frames[i * 3];
        if (i >= 4 && i < 8) resize(f, f, Size(400, 300), 0, 0, INTER_LINEAR);   // 4 frames of another size
        ASSERT_TRUE(imwrite(format("%s/f_%03d.png", dir.path.c_str(), i), f));
        frames.push_back(imread(format("%s/f_%03d.png", dir.path.c_str(), i)));
    }
    const RunResult r = runSample(dir, "--input=" + quote(dir / "f_%03d.png") + " --output=" + quote(dir / "out.avi") +
                                           " --json-file=" + quote(dir / "out.jsonl"));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.err.find("resized for writing"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("resized for writing"), r.err.rfind("resized for writing")) << "warned more than once";
    const std::vector<FrameResult> got = parseJsonLines(readText(dir / "out.jsonl"));
    ASSERT_EQ(got.size(), frames.size());
    const std::vector<std::vector<Detection> > ref = detectEach(frames);
    for (size_t i = 0; i < got.size(); i++)
    {
        EXPECT_EQ(got[i].frame, (int)i);
        EXPECT_EQ(Size(got[i].width, got[i].height), frames[i].size());
        EXPECT_EQ(compareDetections(ref[i], got[i].dets), "") << "frame " << i;
    }
    Size size;
    EXPECT_EQ(countFrames(dir / "out.avi", size), (int)frames.size());
    EXPECT_EQ(size, frames[0].size());
}

// A file whose frame cannot be decoded before its reported end: treated as end of stream, warned.
TEST_F(VideoSample, UnreadableFrameMidStreamEndsStream)
{
    TempDir dir;
    for (int i = 0; i < 8; i++)
        ASSERT_TRUE(imwrite(format("%s/f_%03d.png", dir.path.c_str(), i), clip().frames[i]));
    {   // frame 5: a PNG cut after its header (counted in the sequence, then fails to decode)
        const std::string f5 = format("%s/f_%03d.png", dir.path.c_str(), 5);
        std::string head = readText(f5).substr(0, 100);
        std::ofstream(f5.c_str(), std::ios::binary | std::ios::trunc) << head;
    }
    const RunResult r = runSample(dir, "--input=" + quote(dir / "f_%03d.png") + " --json --output=" +
                                           quote(dir / "out.avi"));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("treated as end of stream"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("after 5 of 8"), std::string::npos) << r.err;
    const std::vector<FrameResult> got = parseJsonLines(r.out);
    ASSERT_EQ(got.size(), 5u);
    for (int i = 0; i < 5; i++)
        EXPECT_EQ(compareDetections(clip().dets[i], got[i].dets), "") << "frame " << i;
    Size size;
    EXPECT_EQ(countFrames(dir / "out.avi", size), 5);
}

// An exception inside a stage (here: the output stage cannot write the JSON) stops every stage
// and is reported with exit code 3; no hang.
TEST_F(VideoSample, StageErrorStopsPipeline)
{
    if (!utils::fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
    TempDir dir;
    const auto t0 = std::chrono::steady_clock::now();
    const RunResult r = runSample(dir, "--input=" + quote(kVideo) + " --loop=50 --json-file=/dev/full");
    EXPECT_EQ(r.code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("output stage"), std::string::npos) << r.err;
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 60.0);
}

// SIGINT: the frames in flight are finished, the video file is finalised (readable, one frame per
// JSON line), exit code 130.
TEST_F(VideoSample, SigintStopsCleanlyAndFinalisesVideo)
{
    TempDir dir;
    const ModelFiles m = modelFiles();
    const std::string outVideo = dir / "out.avi", outJson = dir / "out.jsonl";
    std::vector<std::string> args = {kSample, "--model=" + m.model, "--config=" + m.config, "--show=false",
                                     "--input=" + kVideo, "--loop=1000", "--output=" + outVideo,
                                     "--json-file=" + outJson};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(&a[0]);
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, (dir / "stdout.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, (dir / "stderr.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = -1;
    ASSERT_EQ(posix_spawn(&pid, kSample.c_str(), &fa, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);

    // wait until it is processing (some JSON lines), then interrupt; count complete lines only (the
    // last one may be half written: parsing it would throw)
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    auto completeLines = [&] { const std::string t = readText(outJson); return std::count(t.begin(), t.end(), '\n'); };
    while (completeLines() < 10 && elapsed() < 60)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(kill(pid, SIGINT), 0);
    int status = 0;
    const auto t1 = std::chrono::steady_clock::now();
    while (waitpid(pid, &status, WNOHANG) == 0)
    {
        if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count() > 30)
        {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            FAIL() << "the sample did not stop within 30 s of SIGINT";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT) << readText(dir / "stderr.txt");
    const std::string log = readText(dir / "stdout.txt");
    EXPECT_NE(log.find("interrupted by signal"), std::string::npos) << log;

    const std::vector<FrameResult> got = parseJsonLines(readText(outJson));
    ASSERT_GE(got.size(), 10u);
    EXPECT_LT(got.size(), 1000 * clip().frames.size());
    Size size;
    EXPECT_EQ(countFrames(outVideo, size), (int)got.size()) << "the video is not finalised or lost frames";
    EXPECT_EQ(size, clip().size);
    const int n = (int)clip().frames.size();
    for (size_t i = 0; i < got.size(); i++)
    {
        ASSERT_EQ(got[i].frame, (int)i);
        EXPECT_EQ(compareDetections(clip().dets[i % n], got[i].dets), "") << "frame " << i;
    }
}

// ------------------------------------------------------------------------------ library: threads
// Independent models in parallel threads (4 x 20 frames) give the results of sequential runs.
TEST(VideoThreads, IndependentModelsMatchSequential)
{
    const Clip& c = clip();
    const int kThreads = 4, kFrames = 20, n = (int)c.frames.size();
    auto frameOf = [&](int t, int i) { return (t * 13 + i) % n; };

    std::vector<std::vector<std::vector<Detection> > > seq(kThreads), par(kThreads);
    for (int t = 0; t < kThreads; t++)
    {
        RetinaNetDetectionModel model = makeModel();
        seq[t].resize(kFrames);
        for (int i = 0; i < kFrames; i++) model.detect(c.frames[frameOf(t, i)], seq[t][i]);
    }
    std::vector<std::string> errors(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++)
        threads.emplace_back([&, t] {
            try
            {
                RetinaNetDetectionModel model = makeModel();
                par[t].resize(kFrames);
                for (int i = 0; i < kFrames; i++) model.detect(c.frames[frameOf(t, i)], par[t][i]);
            }
            catch (const std::exception& e)
            {
                errors[t] = e.what();
            }
        });
    for (std::thread& th : threads) th.join();
    for (int t = 0; t < kThreads; t++)
    {
        ASSERT_EQ(errors[t], "") << "thread " << t;
        for (int i = 0; i < kFrames; i++)
        {
            EXPECT_EQ(compareDetections(seq[t][i], par[t][i]), "") << "thread " << t << " frame " << frameOf(t, i);
            // the single-frame reference of the clip too (another model instance, another time)
            EXPECT_EQ(compareDetections(c.dets[frameOf(t, i)], par[t][i]), "") << "thread " << t;
        }
    }
}

// detectBatch on equal-size video frames (4 per forward) equals detect() frame by frame.
TEST(VideoThreads, DetectBatchOnVideoFramesEqualsDetect)
{
    const Clip& c = clip();
    RetinaNetDetectionModel model = makeModel();
    for (size_t i = 0; i + 4 <= c.frames.size(); i += 4)
    {
        std::vector<Mat> batch(c.frames.begin() + (long)i, c.frames.begin() + (long)i + 4);
        std::vector<std::vector<Detection> > got;
        model.detectBatch(batch, got);
        ASSERT_EQ(got.size(), 4u);
        for (size_t k = 0; k < 4; k++)
            EXPECT_EQ(compareDetections(c.dets[i + k], got[k]), "") << "frame " << i + k;
    }
}

} // namespace
