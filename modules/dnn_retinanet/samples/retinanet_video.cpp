// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// RetinaNet on video: a camera, a video file, an image sequence, a GStreamer pipeline or a URL
// -> a window, an annotated video and/or per-frame detections as JSON lines.
//
//   retinanet_video --input=data/video/synth_test.avi --output=out.avi --json-file=out.jsonl
//   retinanet_video --input=0                                    # camera 0, window if $DISPLAY is set
//   retinanet_video --input="frames/%04d.png" --json --batch=4   # image sequence, 4 frames per forward
//   retinanet_video --input="rtsp://host/stream" --output=out.mp4
//   retinanet_video --input="videotestsrc num-buffers=100 ! videoconvert ! appsink"
//
// Options take the form --key=value (cv::CommandLineParser); the model keys (--model, @alias,
// --retinanet_config, --thr, --backend, ...) are those of retinanet_detect (sample_common.hpp).
// On a terminal, stderr shows the progress on files (frames done / total, fps, time left).
// JSON lines: {"frame":N,"pts_ms":T,"width":W,"height":H,"detections":[...]} (the fields of the
// GStreamer element retinanetjson): N counts from 0 over all loops, T is the frame's position in
// the source in ms (CAP_PROP_POS_MSEC, else N / fps, else the time since the first frame).
//
// Pipeline (default): four stages on their own threads joined by bounded queues,
//
//   capture (VideoCapture::read) -> infer (preprocess + forward; the decoder is a layer of the net)
//     -> annotate (boxes, overlay, JSON) -> output (VideoWriter, JSON lines, window; main thread)
//
// Files and image sequences are processed losslessly: every frame, in order (a full queue blocks
// its producer); --batch=N runs N frames per forward pass (detectBatch). Live sources (camera,
// URL, GStreamer pipeline, or --live) never block the capture: when the inference queue is full
// the stale frame is dropped and counted. --sequential runs the plain one-thread loop
// capture -> detect -> annotate -> write instead (same stages, for comparison).
//
// Each frame carries its capture time; the overlay shows each stage's FPS, the output rate and the
// latency capture -> written, and the run ends with the per-stage means and latency mean/p50/p95.
//
// Exit codes: 0 done (end of stream, --max-frames, 'q'/Esc in the window), 1 usage,
// 2 cannot open the input, an output or the model, 3 error while processing (a stage threw; all
// stages stop), 128 + signal number after SIGINT / SIGTERM (the frames in flight are finished and
// the video file is finalised).

#include "sample_common.hpp"

#include <opencv2/core/utils/filesystem.hpp>
#include <opencv2/highgui.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

using namespace cv;
using namespace cv::dnn_retinanet;

namespace {

enum ExitCode { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_OPEN = 2, EXIT_PROCESSING = 3 };

std::atomic<int> g_signal(0);   // lock-free: safe to set from a signal handler

//! First SIGINT/SIGTERM: clean stop (in-flight frames finished, files finalised); a second one
//! gets the default action (immediate termination).
extern "C" void onSignal(int sig)
{
    g_signal.store(sig);
    std::signal(sig, SIG_DFL);
}

//! Cannot open an input or an output: exit code 2.
struct OpenError : std::runtime_error
{
    explicit OpenError(const std::string& what) : std::runtime_error(what) {}
};

double nowMs()
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

//! Resident set size of this process in KiB (VmRSS), -1 where /proc is not available.
long readRssKb()
{
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.compare(0, 6, "VmRSS:") == 0)
            return std::atol(line.c_str() + 6);
    return -1;
}

// ------------------------------------------------------------------------------------- queue
/** FIFO with a fixed capacity shared by producer and consumer threads.
 *  close(): no more pushes, consumers drain what is queued; abort(): close and discard. */
template <typename T>
class BoundedQueue
{
public:
    enum Status { OK, TIMEOUT, CLOSED };

    explicit BoundedQueue(size_t capacity) : cap_(std::max<size_t>(1, capacity)) {}

    //! Blocks while full. False when the queue is closed (the item is not queued).
    bool push(T item)
    {
        std::unique_lock<std::mutex> lk(m_);
        notFull_.wait(lk, [&] { return closed_ || q_.size() < cap_; });
        if (closed_) return false;
        q_.push_back(std::move(item));
        notEmpty_.notify_one();
        return true;
    }
    //! Never blocks: when full, the oldest items are discarded and counted in @p dropped.
    bool pushDropOldest(T item, size_t& dropped)
    {
        std::lock_guard<std::mutex> lk(m_);
        dropped = 0;
        if (closed_) return false;
        while (q_.size() >= cap_) { q_.pop_front(); dropped++; }
        q_.push_back(std::move(item));
        notEmpty_.notify_one();
        return true;
    }
    //! Blocks while empty and open (at most @p timeoutMs when >= 0); CLOSED once closed and drained.
    Status pop(T& item, int timeoutMs = -1)
    {
        std::unique_lock<std::mutex> lk(m_);
        auto ready = [&] { return closed_ || !q_.empty(); };
        if (timeoutMs < 0) notEmpty_.wait(lk, ready);
        else if (!notEmpty_.wait_for(lk, std::chrono::milliseconds(timeoutMs), ready)) return TIMEOUT;
        if (q_.empty()) return CLOSED;
        item = std::move(q_.front());
        q_.pop_front();
        notFull_.notify_one();
        return OK;
    }
    void close()
    {
        std::lock_guard<std::mutex> lk(m_);
        closed_ = true;
        notEmpty_.notify_all();
        notFull_.notify_all();
    }
    void abort()
    {
        std::lock_guard<std::mutex> lk(m_);
        closed_ = true;
        q_.clear();
        notEmpty_.notify_all();
        notFull_.notify_all();
    }

private:
    const size_t cap_;
    std::deque<T> q_;
    bool closed_ = false;
    std::mutex m_;
    std::condition_variable notEmpty_, notFull_;
};

// ------------------------------------------------------------------------------------- stats
//! Work time of one stage; written by the stage's thread only, read by any.
struct StageStats
{
    explicit StageStats(const char* n) : name(n) {}
    const char* name;
    std::atomic<int64_t> frames{0}, busyUs{0};
    std::atomic<double> emaMs{0.0};   // smoothed time per frame, for the overlay

    void add(double ms, int n = 1)
    {
        frames += n;
        busyUs += (int64_t)(ms * 1000.0);
        const double per = ms / std::max(1, n), e = emaMs.load();
        emaMs.store(e == 0.0 ? per : 0.9 * e + 0.1 * per);
    }
    double meanMs() const { return frames ? busyUs * 1e-3 / frames : 0.0; }
    double meanFps() const { return busyUs ? frames * 1e6 / busyUs : 0.0; }
    double emaFps() const { const double e = emaMs.load(); return e > 0 ? 1000.0 / e : 0.0; }
};

/** Latency samples: exact up to kCap frames, then a uniform reservoir of kCap. The buffer is
 *  allocated and touched up front, so that memory stays constant however long the stream runs. */
class LatencyStats
{
public:
    LatencyStats() : samples_(kCap, 0.f) {}
    void add(double ms)
    {
        n_++;
        sum_ += ms;
        if (used_ < kCap) { samples_[used_++] = (float)ms; return; }
        state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
        const uint64_t j = (state_ >> 11) % (uint64_t)n_;
        if (j < kCap) samples_[(size_t)j] = (float)ms;
    }
    int64_t count() const { return n_; }
    double mean() const { return n_ ? sum_ / n_ : 0.0; }
    double percentile(double p) const
    {
        if (used_ == 0) return 0.0;
        std::vector<float> v(samples_.begin(), samples_.begin() + (long)used_);
        const size_t k = std::min(used_ - 1, (size_t)std::llround(p / 100.0 * (double)(used_ - 1)));
        std::nth_element(v.begin(), v.begin() + (long)k, v.end());
        return v[k];
    }

private:
    static const size_t kCap = 1 << 16;
    std::vector<float> samples_;
    size_t used_ = 0;
    int64_t n_ = 0;
    double sum_ = 0.0;
    uint64_t state_ = 88172645463325252ULL;
};

// ------------------------------------------------------------------------------------- frames
struct Packet
{
    int64_t index = -1;                 //!< frame number since the start (all loops)
    Mat frame;
    double tCapture = 0;                //!< steady clock, ms, right after the frame was read
    double ptsMs = 0;                   //!< position of the frame in the source, ms
    std::vector<Detection> dets;
    std::string json;
};

enum SourceKind { CAMERA, FILE_SOURCE, SEQUENCE, STREAM };

const char* kindName(SourceKind k)
{
    return k == CAMERA ? "camera" : k == FILE_SOURCE ? "video file" : k == SEQUENCE ? "image sequence" : "stream";
}

SourceKind classify(const std::string& s)
{
    if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) return CAMERA;
    if (s.compare(0, 10, "/dev/video") == 0) return CAMERA;
    if (s.find("://") != std::string::npos || s.find('!') != std::string::npos) return STREAM;
    if (s.find('%') != std::string::npos) return SEQUENCE;
    return FILE_SOURCE;
}

/** The capture side: opens the source, reads the first frame up front (so that the outputs can be
 *  opened at its size before anything runs), replays files --loop times, tolerates a few empty
 *  reads on live sources and treats one on a file as its end (with a warning when it comes before
 *  the reported frame count). */
class Reader
{
public:
    Reader(const std::string& spec, bool live, int loops, int64_t maxFrames)
        : spec_(spec), kind_(classify(spec)), live_(live || (kind_ != FILE_SOURCE && kind_ != SEQUENCE)),
          loops_(live_ ? 1 : std::max(1, loops)), maxFrames_(maxFrames) {}

    void open()
    {
        openCapture();
        Packet p;
        const double t0 = nowMs();
        if (!readFrame(p.frame))
            throw OpenError("input '" + spec_ + "' opened but delivered no frame");
        p.tCapture = nowMs();
        firstReadMs_ = p.tCapture - t0;
        tFirst_ = p.tCapture;
        p.ptsMs = framePosMs(p.tCapture);
        p.index = total_++;
        readInPass_ = 1;
        first_ = p.frame.size();
        pending_ = std::move(p);
        hasPending_ = true;
    }

    //! The next frame; false at the end (end of stream, all loops done, --max-frames or @p stop).
    bool read(Packet& p, const std::atomic<bool>& stop, StageStats& stats)
    {
        if (hasPending_)
        {
            hasPending_ = false;
            p = std::move(pending_);
            p.tCapture = nowMs();   // read during the setup: its latency counts from the start of the run
            stats.add(firstReadMs_);
            return true;
        }
        for (;;)
        {
            if (stop || g_signal || (maxFrames_ > 0 && total_ >= maxFrames_)) return false;
            const double t0 = nowMs();
            if (readFrame(p.frame))
            {
                p.tCapture = nowMs();
                stats.add(p.tCapture - t0);
                p.ptsMs = framePosMs(p.tCapture);
                p.index = total_++;
                readInPass_++;
                emptyReads_ = 0;
                return true;
            }
            if (live_)
            {
                if (++emptyReads_ == 1)
                    std::cerr << "warning: empty frame from the live source after " << total_ << " frames; retrying\n";
                if (emptyReads_ <= kLiveRetries)
                {
                    std::this_thread::sleep_for(std::chrono::milliseconds(20));
                    continue;
                }
                std::cerr << "warning: live source delivered no frame " << kLiveRetries
                          << " times in a row: end of stream\n";
                return false;
            }
            if (reported_ > 0 && readInPass_ < reported_ && !warnedEarlyEnd_)
            {
                std::cerr << "warning: '" << spec_ << "' ended (empty or unreadable frame) after " << readInPass_
                          << " of " << reported_ << " reported frames; treated as end of stream\n";
                warnedEarlyEnd_ = true;
            }
            if (++pass_ >= loops_) return false;
            openCapture();   // --loop: replay from the start
        }
    }

    SourceKind kind() const { return kind_; }
    bool live() const { return live_; }
    Size firstSize() const { return first_; }
    int64_t reportedFrames() const { return reported_; }
    int64_t framesRead() const { return total_; }
    double fps() const { return fps_; }
    const std::string& backend() const { return backend_; }
    //! Frames a file or sequence will give in all (0: unknown or live).
    int64_t expectedFrames() const
    {
        const int64_t all = live_ ? 0 : reported_ * loops_;
        return maxFrames_ > 0 && (all == 0 || maxFrames_ < all) && !live_ ? maxFrames_ : all;
    }

private:
    static const int kLiveRetries = 25;

    //! The position of the frame just read (readInPass_ frames before it in this pass), in ms.
    double framePosMs(double tCapture)
    {
        const double pos = kind_ == SEQUENCE ? -1.0 : cap_.get(CAP_PROP_POS_MSEC);
        if (pos > 0 || (pos == 0 && readInPass_ == 0)) return pos;
        if (fps_ > 0 && fps_ < 1000 && !live_) return readInPass_ * 1000.0 / fps_;
        return tCapture - tFirst_;
    }

    bool readFrame(Mat& frame)
    {
        frame = Mat();   // never reuse a buffer that a later stage may still hold
        return cap_.read(frame) && !frame.empty();
    }

    void openCapture()
    {
        cap_.release();
        bool ok = false;
        try
        {
            if (kind_ == CAMERA && spec_[0] != '/') ok = cap_.open(std::atoi(spec_.c_str()));
            else if (kind_ == SEQUENCE) ok = cap_.open(spec_, CAP_IMAGES);
            else if (kind_ == STREAM && spec_.find('!') != std::string::npos && spec_.find("://") == std::string::npos)
                ok = cap_.open(spec_, CAP_GSTREAMER);
            else
            {
                if (kind_ == FILE_SOURCE && !utils::fs::exists(spec_))
                    throw OpenError("cannot open input '" + spec_ + "': no such file");
                ok = cap_.open(spec_);
            }
        }
        catch (const cv::Exception& e)
        {
            throw OpenError("cannot open input '" + spec_ + "': " + e.err);
        }
        if (!ok || !cap_.isOpened())
            throw OpenError(std::string("cannot open input '") + spec_ + "' as a " + kindName(kind_) +
                            " (no VideoCapture backend could read it)");
        backend_ = cap_.getBackendName();
        const double n = cap_.get(CAP_PROP_FRAME_COUNT);
        reported_ = (!live_ && n > 0 && n < 1e12) ? (int64_t)n : 0;
        fps_ = kind_ == SEQUENCE ? 0.0 : cap_.get(CAP_PROP_FPS);   // CAP_IMAGES says 1
        readInPass_ = 0;
    }

    const std::string spec_;
    const SourceKind kind_;
    const bool live_;
    const int loops_;
    const int64_t maxFrames_;
    VideoCapture cap_;
    std::string backend_;
    Size first_;
    double fps_ = 0, firstReadMs_ = 0, tFirst_ = 0;
    int64_t reported_ = 0, total_ = 0, readInPass_ = 0;
    int pass_ = 0, emptyReads_ = 0;
    bool warnedEarlyEnd_ = false, hasPending_ = false;
    Packet pending_;
};

// ------------------------------------------------------------------------------------- app
int fourccFor(const std::string& path, const std::string& given)
{
    if (!given.empty())
    {
        if (given.size() != 4) throw OpenError("--fourcc needs four characters, got '" + given + "'");
        return VideoWriter::fourcc(given[0], given[1], given[2], given[3]);
    }
    const size_t dot = path.find_last_of('.');
    std::string ext = dot == std::string::npos ? std::string() : path.substr(dot + 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return (char)std::tolower(c); });
    if (ext == "avi" || ext == "mkv") return VideoWriter::fourcc('M', 'J', 'P', 'G');
    if (ext == "mp4" || ext == "m4v" || ext == "mov") return VideoWriter::fourcc('m', 'p', '4', 'v');
    throw OpenError("cannot choose a codec for output '" + path + "': use .avi (MJPG), .mp4 (mp4v) or --fourcc");
}

class VideoApp
{
public:
    VideoApp(const CommandLineParser& parser, RetinaNetDetectionModel& model, std::vector<std::string> names,
             std::ostream& log)
        : model_(model), names_(std::move(names)), log_(log), input_(parser.get<std::string>("input")),
          reader_(input_, parser.get<bool>("live"), parser.get<int>("loop"),
                  (int64_t)parser.get<double>("max-frames")),
          sequential_(parser.get<bool>("sequential")), batch_(std::max(1, parser.get<int>("batch"))),
          queueCap_(parser.get<int>("queue")),
          drawThr_(parser.get<float>("draw-thr") >= 0 ? parser.get<float>("draw-thr") : sample::scoreThreshold(parser, model)),
          outPath_(parser.get<std::string>("output")), fourcc_(parser.get<std::string>("fourcc")),
          outFps_(parser.get<double>("fps")), jsonStdout_(parser.get<bool>("json")),
          jsonPath_(parser.get<std::string>("json-file")), rssPath_(parser.get<std::string>("rss-log")),
          rssEvery_(std::max(1, parser.get<int>("rss-every"))), overlay_(!parser.get<bool>("no-overlay")),
          show_(sample::wantWindow(parser, true)), progress_("frames", 0)
    {
    }

    //! Opens the input and every output; throws OpenError before anything is processed.
    void open()
    {
        reader_.open();
        if (reader_.live() && batch_ > 1)
        {
            std::cerr << "warning: --batch=" << batch_ << " ignored for a live source (one frame per forward)\n";
            batch_ = 1;
        }
        if (!outPath_.empty())
        {
            const double fps = outFps_ > 0 ? outFps_ : (reader_.fps() > 0 && reader_.fps() < 1000 ? reader_.fps() : 25.0);
            const int fourcc = fourccFor(outPath_, fourcc_);
            bool ok = false;
            try { ok = writer_.open(outPath_, fourcc, fps, reader_.firstSize(), true); }
            catch (const cv::Exception& e) { throw OpenError("cannot write output video '" + outPath_ + "': " + e.err); }
            if (!ok || !writer_.isOpened())
                throw OpenError("cannot write output video '" + outPath_ +
                                "' (does its folder exist and is it writable? is the codec available?)");
            writerSize_ = reader_.firstSize();
            outDesc_ = format("%s (%dx%d @ %.3g fps)", outPath_.c_str(), writerSize_.width, writerSize_.height, fps);
        }
        if (!jsonPath_.empty())
        {
            jsonFile_.open(jsonPath_.c_str());
            if (!jsonFile_.good()) throw OpenError("cannot write JSON file '" + jsonPath_ + "'");
        }
        if (!rssPath_.empty())
        {
            rssFile_.open(rssPath_.c_str());
            if (!rssFile_.good()) throw OpenError("cannot write RSS log '" + rssPath_ + "'");
            rssFile_ << "frames,rss_kb,elapsed_s\n";
        }
        if (show_)
        {
            try { namedWindow(kWindow, WINDOW_AUTOSIZE); }
            catch (const cv::Exception& e)
            {
                std::cerr << "warning: no window (" << e.err << "); continuing without --show\n";
                show_ = false;
            }
        }
        log_ << "input: " << kindName(reader_.kind()) << " '" << input_ << "' (" << reader_.backend() << "), "
             << reader_.firstSize().width << "x" << reader_.firstSize().height;
        if (reader_.reportedFrames() > 0) log_ << ", " << reader_.reportedFrames() << " frames";
        if (reader_.fps() > 0) log_ << format(" @ %.3g fps", reader_.fps());
        log_ << (reader_.live() ? " (live: stale frames are dropped)\n" : " (lossless: every frame, in order)\n");
        if (!outDesc_.empty()) log_ << "output video: " << outDesc_ << "\n";
        log_ << "mode: " << (sequential_ ? "sequential (one thread)" : "pipelined (4 stages)")
             << ", batch " << batch_;
        if (!sequential_) log_ << ", queues " << queueCap_ << (reader_.live() ? " (inference queue 1)" : "");
        log_ << std::endl;
    }

    int run()
    {
        progress_.start(reader_.expectedFrames());
        t0_ = nowMs();
        if (sequential_) runSequential();
        else runPipelined();
        tEnd_ = nowMs();
        progress_.finish();
        finish();
        report();
        if (!error_.empty())
        {
            std::cerr << "error: " << error_ << std::endl;
            return EXIT_PROCESSING;
        }
        if (userQuit_) log_ << "stopped from the window" << std::endl;
        if (g_signal)
        {
            log_ << "interrupted by signal " << g_signal.load() << ": stopped cleanly" << std::endl;
            return 128 + g_signal.load();
        }
        return EXIT_OK;
    }

    bool captureAbandoned() const { return abandoned_; }

private:
    static constexpr const char* kWindow = "RetinaNet video";

    // ---------------------------------------------------------------- the stages
    void infer(std::vector<Packet>& batch)
    {
        const double t0 = nowMs();
        if (batch.size() == 1)
            model_.detect(batch[0].frame, batch[0].dets);
        else
        {
            std::vector<Mat> frames;
            for (const Packet& p : batch) frames.push_back(p.frame);
            std::vector<std::vector<Detection> > dets;
            model_.detectBatch(frames, dets);
            CV_Assert(dets.size() == batch.size());
            for (size_t i = 0; i < batch.size(); i++) batch[i].dets = std::move(dets[i]);
        }
        sample::addTimings(modelMs_, model_.getLastTimings());
        inferStats_.add(nowMs() - t0, (int)batch.size());
    }

    void annotate(Packet& p)
    {
        const double t0 = nowMs();
        p.json = format("{\"frame\":%lld,\"pts_ms\":%.3f,\"width\":%d,\"height\":%d,\"detections\":", (long long)p.index,
                        p.ptsMs, p.frame.cols, p.frame.rows) + sample::detectionsJson(p.dets, names_, true) + "}";
        sample::drawDetections(p.frame, p.dets, names_, drawThr_);
        if (overlay_) drawOverlay(p.frame);
        drawStats_.add(nowMs() - t0);
    }

    void drawOverlay(Mat& img) const
    {
        const double e2e = e2eEmaMs_.load(), lat = latEmaMs_.load();
        const std::string lines[2] = {
            format("fps: capture %.0f infer %.1f draw %.0f write %.0f", captureStats_.emaFps(), inferStats_.emaFps(),
                   drawStats_.emaFps(), writeStats_.emaFps()),
            format("out %.1f fps, latency %.0f ms", e2e > 0 ? 1000.0 / e2e : 0.0, lat) +
                (reader_.live() ? format(", dropped %lld", (long long)dropped_.load()) : std::string())};
        const double fs = std::max(0.3, std::min(img.cols, img.rows) / 900.0);
        int y = 0;
        for (const std::string& l : lines)
        {
            int base = 0;
            const Size ts = getTextSize(l, FONT_HERSHEY_SIMPLEX, fs, 1, &base);
            rectangle(img, Rect(0, y, std::min(img.cols, ts.width + 8), ts.height + base + 6), Scalar::all(0), FILLED);
            putText(img, l, Point(4, y + ts.height + 3), FONT_HERSHEY_SIMPLEX, fs, Scalar(255, 255, 255), 1, LINE_AA);
            y += ts.height + base + 6;
        }
    }

    //! Output stage (main thread): video file, JSON lines, window, latency, RSS log.
    void emit(Packet& p)
    {
        const double t0 = nowMs();
        if (writer_.isOpened())
        {
            if (p.frame.size() != writerSize_)
            {
                if (!warnedResize_)
                    std::cerr << "warning: frame " << p.index << " is " << p.frame.cols << "x" << p.frame.rows
                              << ", the output video is " << writerSize_.width << "x" << writerSize_.height
                              << ": frames of another size are resized for writing (detections use the original)\n";
                warnedResize_ = true;
                Mat resized;
                resize(p.frame, resized, writerSize_, 0, 0, INTER_AREA);
                writer_.write(resized);
            }
            else
                writer_.write(p.frame);
        }
        if (jsonStdout_)
        {
            std::cout << p.json << std::endl;
            if (!std::cout.good()) throw std::runtime_error("writing the JSON lines to stdout failed (closed pipe?)");
        }
        if (jsonFile_.is_open())
        {
            jsonFile_ << p.json << '\n';
            jsonFile_.flush();
            if (!jsonFile_.good()) throw std::runtime_error("writing '" + jsonPath_ + "' failed");
        }
        if (show_)
        {
            imshow(kWindow, p.frame);
            const int key = waitKey(1);
            if (key == 'q' || key == 'Q' || key == 27) { userQuit_ = true; stop_ = true; }
        }
        const double tw = nowMs();
        writeStats_.add(tw - t0);
        const double lat = tw - p.tCapture;
        latency_.add(lat);
        const double l0 = latEmaMs_.load();
        latEmaMs_.store(l0 == 0 ? lat : 0.9 * l0 + 0.1 * lat);
        if (lastOut_ > 0)
        {
            const double d = tw - lastOut_, e = e2eEmaMs_.load();
            e2eEmaMs_.store(e == 0 ? d : 0.9 * e + 0.1 * d);
        }
        lastOut_ = tw;
        written_++;
        progress_.update(written_);
        if (rssFile_.is_open() && (written_ == 1 || written_ % rssEvery_ == 0))
            logRss();
        p.frame.release();
    }

    void logRss()
    {
        const long rss = readRssKb();
        rssFile_ << written_ << "," << rss << "," << format("%.2f", (nowMs() - t0_) / 1000.0) << std::endl;
        if (rss > 0) { rssMin_ = rssMin_ < 0 ? rss : std::min(rssMin_, rss); rssMax_ = std::max(rssMax_, rss); }
    }

    // ---------------------------------------------------------------- the two drivers
    void runSequential()
    {
        try
        {
            bool more = true;
            while (more && !stopRequested())
            {
                std::vector<Packet> batch;
                while ((int)batch.size() < batch_)
                {
                    Packet p;
                    if (!reader_.read(p, stop_, captureStats_)) { more = false; break; }
                    batch.push_back(std::move(p));
                }
                if (batch.empty()) break;
                infer(batch);
                for (Packet& p : batch)
                {
                    annotate(p);
                    emit(p);
                }
            }
        }
        catch (const std::exception& e)
        {
            error_ = std::string("sequential loop: ") + e.what();
        }
    }

    void runPipelined()
    {
        typedef BoundedQueue<Packet> Queue;
        // shared: a capture thread left blocked in read() (see below) must not outlive its queue
        auto toInferPtr = std::make_shared<Queue>(reader_.live() ? 1 : (size_t)std::max(queueCap_, batch_));
        auto captureDone = std::make_shared<std::atomic<bool> >(false);
        Queue& toInfer = *toInferPtr;
        Queue toDraw((size_t)std::max(queueCap_, batch_)), toWrite((size_t)queueCap_);
        queues_ = {&toInfer, &toDraw, &toWrite};

        std::thread capture([this, toInferPtr, captureDone] {
            Queue& q = *toInferPtr;
            stage("capture", [&] {
                Packet p;
                while (reader_.read(p, stop_, captureStats_))
                {
                    if (reader_.live())
                    {
                        size_t dropped = 0;
                        if (!q.pushDropOldest(std::move(p), dropped)) break;
                        dropped_ += (int64_t)dropped;
                    }
                    else if (!q.push(std::move(p)))
                        break;
                    p = Packet();
                }
            });
            q.close();
            *captureDone = true;
        });
        std::thread inference([&] {
            stage("infer", [&] {
                for (;;)
                {
                    std::vector<Packet> batch;
                    Packet p;
                    while ((int)batch.size() < batch_ && toInfer.pop(p) == BoundedQueue<Packet>::OK)
                        batch.push_back(std::move(p));
                    if (batch.empty()) break;
                    infer(batch);
                    for (Packet& q : batch)
                        if (!toDraw.push(std::move(q))) return;
                }
            });
            toDraw.close();
        });
        std::thread drawing([&] {
            stage("annotate", [&] {
                Packet p;
                while (toDraw.pop(p) == BoundedQueue<Packet>::OK)
                {
                    annotate(p);
                    if (!toWrite.push(std::move(p))) return;
                }
            });
            toWrite.close();
        });

        // output stage on the main thread (highgui wants it there)
        bool closedInput = false;
        stage("output", [&] {
            for (;;)
            {
                if (stopRequested() && !closedInput)
                {
                    toInfer.close();   // the capture may sit in read(): stop feeding, drain the rest
                    closedInput = true;
                }
                Packet p;
                const auto st = toWrite.pop(p, 50);
                if (st == BoundedQueue<Packet>::CLOSED) break;
                if (st == BoundedQueue<Packet>::OK) emit(p);
            }
        });
        inference.join();
        drawing.join();
        // a live capture can block in VideoCapture::read(); never hang on it
        for (int i = 0; i < 300 && !*captureDone; i++)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (*captureDone)
            capture.join();
        else
        {
            std::cerr << "warning: the capture is blocked in VideoCapture::read(); not waiting for it\n";
            capture.detach();
            abandoned_ = true;
        }
        std::lock_guard<std::mutex> lk(errMutex_);
        queues_.clear();
    }

    //! Runs a stage body; the first exception stops every stage (queues aborted) and is reported.
    template <typename F>
    void stage(const char* name, F body)
    {
        try
        {
            body();
        }
        catch (const std::exception& e)
        {
            fail(std::string(name) + " stage: " + e.what());
        }
        catch (...)
        {
            fail(std::string(name) + " stage: unknown exception");
        }
    }

    void fail(const std::string& msg)
    {
        std::lock_guard<std::mutex> lk(errMutex_);
        if (error_.empty()) error_ = msg;
        stop_ = true;
        for (BoundedQueue<Packet>* q : queues_) q->abort();
    }

    bool stopRequested() const { return stop_ || g_signal; }

    void finish()
    {
        if (writer_.isOpened()) writer_.release();   // finalises the file (index, header)
        if (jsonFile_.is_open()) jsonFile_.close();
        if (rssFile_.is_open())
        {
            if (written_ % rssEvery_ != 0 && written_ != 1) logRss();
            rssFile_.close();
        }
        if (show_) destroyAllWindows();
    }

    void report()
    {
        const double wall = (tEnd_ - t0_) / 1000.0;
        log_ << format("frames: read %lld, written %lld", (long long)reader_.framesRead(), (long long)written_);
        if (reader_.live()) log_ << format(", dropped %lld (stale, inference busy)", (long long)dropped_.load());
        log_ << "\n";
        const StageStats* stages[] = {&captureStats_, &inferStats_, &drawStats_, &writeStats_};
        log_ << format("%-9s %8s %10s %10s\n", "stage", "frames", "mean ms", "mean fps");
        for (const StageStats* s : stages)
            log_ << format("%-9s %8lld %10.2f %10.1f\n", s->name, (long long)s->frames.load(), s->meanMs(), s->meanFps());
        if (inferStats_.frames)
        {
            const double n = (double)inferStats_.frames;
            log_ << "model per frame: " << sample::stagesText(modelMs_, n) << "\n";
        }
        log_ << format("throughput: %.2f fps (%lld frames in %.2f s, %s)\n", wall > 0 ? written_ / wall : 0.0,
                       (long long)written_, wall, sequential_ ? "sequential" : "pipelined");
        log_ << format("latency capture->written: mean %.1f ms, p50 %.1f ms, p95 %.1f ms\n", latency_.mean(),
                       latency_.percentile(50), latency_.percentile(95));
        if (rssMax_ > 0)
            log_ << format("RSS: %ld..%ld KiB (log: %s)\n", rssMin_, rssMax_, rssPath_.c_str());
        log_.flush();
    }

    RetinaNetDetectionModel& model_;
    const std::vector<std::string> names_;
    std::ostream& log_;
    const std::string input_;
    Reader reader_;
    const bool sequential_;
    int batch_, queueCap_;
    const float drawThr_;
    const std::string outPath_, fourcc_;
    const double outFps_;
    const bool jsonStdout_;
    const std::string jsonPath_, rssPath_;
    const int rssEvery_;
    const bool overlay_;
    bool show_;
    sample::Progress progress_;

    VideoWriter writer_;
    Size writerSize_;
    std::string outDesc_;
    std::ofstream jsonFile_, rssFile_;

    StageStats captureStats_{"capture"}, inferStats_{"infer"}, drawStats_{"annotate"}, writeStats_{"output"};
    Timings modelMs_;
    std::atomic<int64_t> dropped_{0};
    std::atomic<double> e2eEmaMs_{0.0}, latEmaMs_{0.0};
    LatencyStats latency_;
    double lastOut_ = 0, t0_ = 0, tEnd_ = 0;
    int64_t written_ = 0;
    long rssMin_ = -1, rssMax_ = -1;
    bool warnedResize_ = false, userQuit_ = false, abandoned_ = false;

    std::atomic<bool> stop_{false};
    std::vector<BoundedQueue<Packet>*> queues_;
    std::mutex errMutex_;
    std::string error_;
};

} // namespace

int main(int argc, char** argv)
{
    const std::string keys = std::string(sample::kCommonKeys) + sample::kWindowKeys +
        "{ input i     |       | camera index, video file, image sequence (frames/%04d.png), GStreamer pipeline or URL }"
        "{ output o    |       | annotated video (.avi: MJPG, .mp4: mp4v) at the first frame's size }"
        "{ fourcc      |       | codec of --output (four characters) instead of the extension's }"
        "{ fps         | 0     | frame rate of --output (0: the source's, else 25) }"
        "{ json        | false | per-frame detections as JSON lines on stdout (the log goes to stderr) }"
        "{ json-file   |       | per-frame detections as JSON lines into this file }"
        "{ live        | false | treat the input as live (drop stale frames) even if it is a file }"
        "{ max-frames  | 0     | stop after reading N frames (0: until the end) }"
        "{ batch       | 1     | frames per forward pass (detectBatch) for files and sequences }"
        "{ queue       | 2     | capacity of each queue between stages (live: the inference queue holds 1) }"
        "{ sequential  | false | plain one-thread loop capture -> detect -> draw -> write (benchmark) }"
        "{ loop        | 1     | play a file or sequence N times (soak tests) }"
        "{ rss-log     |       | CSV of the resident memory (VmRSS) every --rss-every frames }"
        "{ rss-every   | 500   | frames between two --rss-log rows }"
        "{ draw-thr    | -1    | boxes below this score are not drawn, the JSON has them all (default -1: --thr, "
        "every detection is drawn, as in retinanet_detect) }"
        "{ no-overlay  | false | no FPS / latency text on the frames }";
    CommandLineParser parser(argc, argv, keys);
    parser.about("RetinaNet object detection on video streams (OpenCV dnn_retinanet): a camera, a video file, an "
                 "image sequence,\na GStreamer pipeline or a URL -> a window, an annotated video and/or per-frame "
                 "JSON lines\n({\"frame\":N,\"pts_ms\":T,\"width\":W,\"height\":H,\"detections\":[...]}). Files "
                 "are processed losslessly by a 4-stage pipeline;\nlive sources drop stale frames. On a terminal, "
                 "stderr shows the progress (frames done / total, fps, time left).");
    std::vector<sample::NumberRule> rules = sample::commonNumberRules();
    const std::vector<sample::NumberRule> own = {
        {"fps", 0, 1000, false}, {"max-frames", 0, 9e15, true}, {"batch", 1, 256, true}, {"queue", 1, 1024, true},
        {"loop", 1, 1e9, true}, {"rss-every", 1, 1e9, true}, {"draw-thr", -1, 1, false}};
    rules.insert(rules.end(), own.begin(), own.end());
    const int exitCode = sample::helpOrErrors(parser, argc, argv, keys, rules);
    if (exitCode >= 0)
        return exitCode;
    if (parser.get<std::string>("input").empty())
    {
        std::cerr << "error: --input is required (camera index, file, sequence pattern, pipeline or URL)" << std::endl;
        return EXIT_USAGE;
    }
    if (parser.get<int>("batch") < 1 || parser.get<int>("loop") < 1 || parser.get<int>("queue") < 1)
    {
        std::cerr << "error: --batch, --loop and --queue must be >= 1" << std::endl;
        return EXIT_USAGE;
    }
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
#ifdef SIGPIPE
    std::signal(SIGPIPE, SIG_IGN);   // a closed stdout pipe is a write error (stages stop, files finalised)
#endif

    const bool jsonStdout = parser.get<bool>("json");
    std::ostream& log = jsonStdout ? std::cerr : std::cout;
    std::unique_ptr<VideoApp> app;
    std::unique_ptr<RetinaNetDetectionModel> model;
    try
    {
        std::vector<std::string> names;
        model.reset(new RetinaNetDetectionModel(sample::makeModel(parser, names, log)));
        app.reset(new VideoApp(parser, *model, names, log));
        app->open();
    }
    catch (const OpenError& e)
    {
        std::cerr << "error: " << e.what() << std::endl;
        return EXIT_OPEN;
    }
    catch (const cv::Exception& e)
    {
        std::cerr << "error: " << e.err << std::endl;
        return EXIT_OPEN;
    }
    catch (const std::exception& e)
    {
        std::cerr << "error: " << e.what() << std::endl;
        return EXIT_USAGE;
    }
    const int code = app->run();
    if (app->captureAbandoned())
    {
        // a thread is still inside VideoCapture::read(): leave without running destructors
        std::cout.flush();
        std::cerr.flush();
        std::_Exit(code);
    }
    return code;
}
