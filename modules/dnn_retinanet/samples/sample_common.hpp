// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Helpers shared by the samples (retinanet_detect, retinanet_video, tools/eval/retinanet_eval): one
// command-line scheme (OpenCV's samples/dnn keys, models.yml aliases), class names, drawing, JSON,
// progress on a terminal.
#ifndef DNN_RETINANET_SAMPLE_COMMON_HPP
#define DNN_RETINANET_SAMPLE_COMMON_HPP

#include <opencv2/core/utility.hpp>
#include <opencv2/dnn_retinanet.hpp>
#include <opencv2/imgproc.hpp>

#ifdef _WIN32
#include <io.h>
#define isatty _isatty
#define fileno _fileno
#else
#include <unistd.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#ifndef DNN_RETINANET_DATA_DIR
#define DNN_RETINANET_DATA_DIR "data"
#endif

namespace sample {

using namespace cv;
using namespace cv::dnn_retinanet;

//! The keys every sample shares, after OpenCV's samples/dnn/object_detection.cpp where they mean the
//! same: @alias (models.yml), --zoo, --model, --classes, --thr, --nms, --width/--height, --backend,
//! --target. The RetinaNet config or preset is --retinanet_config (alias --preset): OpenCV's --config
//! is a network's second file (a .prototxt, .pbtxt, .cfg); "--config" and "-c" are still accepted.
static const char* const kCommonKeys =
    "{ help h      |       | print this help, the presets and the models.yml aliases }"
    "{ @alias      |       | a model alias of the models.yml registry (--zoo), e.g. shipped: sets --model, "
    "--retinanet_config and --classes (options given on the command line win) }"
    "{ zoo         |       | the models.yml registry of aliases (default: models.yml in the current folder, "
    "else modules/dnn_retinanet/samples/models.yml above --data) }"
    "{ model m     |       | network file (ONNX); default: the alias', else the shipped model }"
    "{ retinanet_config preset config c | | RetinaNet config file (.yml) or preset name (see the list below); "
    "default: config.yml next to the model. Not OpenCV's --config (a network's second file): "
    "--config and -c are accepted as old names }"
    "{ classes     |       | text file, one class name per line, line k = class k, as many as the model's classes "
    "(overrides the config's names; COCO: data/labels/coco80.txt or coco91.txt) }"
    "{ thr         | -1    | confidence threshold: detections with a score >= thr are kept, printed and drawn "
    "(default -1: the config's score_threshold) }"
    "{ nms         | -1    | non-maximum suppression IoU threshold (default -1: the config's) }"
    "{ width       | -1    | network input width: frames are stretched to width x height like OpenCV's samples "
    "(default -1: the config's resize, e.g. keep-ratio) }"
    "{ height      | -1    | network input height (with --width) }"
    "{ backend     | 0     | computation backend, a name or OpenCV's cv::dnn::Backend number: "
    "0 default (automatically), 1 halide, 2 openvino (Inference Engine), 3 opencv (OpenCV implementation; also: cpu), "
    "4 vkcom, 5 cuda, 6 webnn, 7 timvx }"
    "{ target      | 0     | target device, a name or OpenCV's cv::dnn::Target number: "
    "0 cpu, 1 opencl, 2 opencl_fp16, 3 myriad, 4 vulkan, 5 fpga, 6 cuda, 7 cuda_fp16, 8 hddl, 9 npu }"
    "{ data        | " DNN_RETINANET_DATA_DIR " | data folder (shipped model; relative models.yml paths are "
    "relative to the folder above it) }";

//! The window keys of the samples that can show frames.
static const char* const kWindowKeys =
    "{ show        | auto  | window: auto (when a display exists: $DISPLAY or $WAYLAND_DISPLAY; retinanet_detect: "
    "and no --output), true, false. In the window 'q' or Esc quits, any other key shows the next image }"
    "{ no-window   | false | never open a window (the same as --show=false) }";

/** Whether to open a window: --show=auto opens one when a display exists (Qt's highgui aborts the
 *  process without one) and @p autoShow; --show=true asks for it (a warning without a display). */
inline bool wantWindow(const CommandLineParser& parser, bool autoShow)
{
    auto env = [](const char* name) { const char* v = std::getenv(name); return v && *v; };
    const bool display = env("DISPLAY") || env("WAYLAND_DISPLAY") || env("QT_QPA_PLATFORM");
    const std::string show = parser.get<std::string>("show");
    if (parser.get<bool>("no-window") || show == "false" || show == "0" || show == "no") return false;
    if (show == "auto") return display && autoShow;
    if (show == "true" || show == "1" || show == "yes")
    {
        if (!display) std::cerr << "warning: --show: no display ($DISPLAY is not set); no window\n";
        return display;
    }
    CV_Error(Error::StsBadArg, "--show must be auto, true or false (got '" + show + "')");
}

/** One numeric option's accepted range (checked by checkArgs). */
struct NumberRule
{
    const char* key;
    double min, max;
    bool integer;
};

/** Strict checks cv::CommandLineParser does not make (it turns "--thr=abc" into 0 and ignores
 *  unknown options): every "-x" / "--name[=value]" argument must be one of @p keys' names, and each
 *  rule's value must be a whole, finite number (an integer when asked) in [min, max]. Returns the
 *  problems, one per line; empty when all is well. */
inline std::string checkArgs(int argc, char** argv, const std::string& keys, const std::vector<NumberRule>& rules)
{
    std::vector<std::string> names;
    for (size_t b = keys.find('{'); b != std::string::npos; b = keys.find('{', b + 1))
    {
        const size_t bar = keys.find('|', b);
        std::istringstream ss(keys.substr(b + 1, bar - b - 1));
        for (std::string n; ss >> n;) names.push_back(n);
    }
    std::string errors;
    std::vector<std::string> given;
    for (int i = 1; i < argc; i++)
    {
        std::string a = argv[i];
        if (a.size() < 2 || a[0] != '-') continue;
        a = a.substr(a[1] == '-' ? 2 : 1);
        const std::string name = a.substr(0, a.find('='));
        if (std::find(names.begin(), names.end(), name) == names.end())
            errors += "unknown option '" + std::string(argv[i]) + "' (see --help)\n";
    }
    for (const NumberRule& r : rules)
    {
        // The value the parser will use (given or default), as text.
        std::string v;
        for (int i = 1; i < argc; i++)
        {
            std::string a = argv[i];
            const std::string pre1 = "--" + std::string(r.key) + "=", pre2 = "-" + std::string(r.key) + "=";
            if (a.compare(0, pre1.size(), pre1) == 0) v = a.substr(pre1.size());
            else if (a.compare(0, pre2.size(), pre2) == 0) v = a.substr(pre2.size());
        }
        if (v.empty()) continue;  // default
        char* end = nullptr;
        errno = 0;
        const double d = std::strtod(v.c_str(), &end);
        const bool whole = end && *end == '\0' && end != v.c_str() && errno == 0;
        if (!whole || !std::isfinite(d))
            errors += "--" + std::string(r.key) + "=" + v + ": not a number\n";
        else if (r.integer && d != std::floor(d))
            errors += "--" + std::string(r.key) + "=" + v + ": not an integer\n";
        else if (d < r.min || d > r.max)
            errors += format("--%s=%s: out of range [%g, %g]\n", r.key, v.c_str(), r.min, r.max);
    }
    return errors;
}

//! The rules for kCommonKeys' numbers (-1: the config's value).
inline std::vector<NumberRule> commonNumberRules()
{
    return {{"thr", -1, 1, false}, {"nms", -1, 1, false}, {"width", -1, 16384, true}, {"height", -1, 16384, true}};
}

/** A name or a number of OpenCV's enum (the names of samples/dnn/common.py, the numbers of
 *  cv::dnn::Backend / cv::dnn::Target); throws naming @p key and the choices otherwise. */
inline int parseEnumArg(const std::string& key, const std::string& value,
                        const std::vector<std::pair<std::string, int> >& names, int maxNumber)
{
    for (const auto& n : names)
        if (value == n.first) return n.second;
    if (!value.empty() && value.size() < 4 && value.find_first_not_of("0123456789") == std::string::npos &&
        std::atoi(value.c_str()) <= maxNumber)
        return std::atoi(value.c_str());
    std::string choices;
    for (const auto& n : names) choices += format("%s%s (%d)", choices.empty() ? "" : ", ", n.first.c_str(), n.second);
    CV_Error(Error::StsBadArg, format("--%s=%s: unknown %s; use a name or a number: %s", key.c_str(), value.c_str(),
                                      key.c_str(), choices.c_str()));
}

inline dnn::Backend parseBackend(const std::string& s)
{
    return (dnn::Backend)parseEnumArg("backend", s,
        {{"default", dnn::DNN_BACKEND_DEFAULT}, {"halide", dnn::DNN_BACKEND_HALIDE},
         {"openvino", dnn::DNN_BACKEND_INFERENCE_ENGINE}, {"opencv", dnn::DNN_BACKEND_OPENCV},
         {"vkcom", dnn::DNN_BACKEND_VKCOM}, {"cuda", dnn::DNN_BACKEND_CUDA}, {"webnn", dnn::DNN_BACKEND_WEBNN},
         {"timvx", dnn::DNN_BACKEND_TIMVX}, {"cpu", dnn::DNN_BACKEND_OPENCV}, {"inference_engine", dnn::DNN_BACKEND_INFERENCE_ENGINE}},
        (int)dnn::DNN_BACKEND_TIMVX);
}

inline dnn::Target parseTarget(const std::string& s)
{
    return (dnn::Target)parseEnumArg("target", s,
        {{"cpu", dnn::DNN_TARGET_CPU}, {"opencl", dnn::DNN_TARGET_OPENCL}, {"opencl_fp16", dnn::DNN_TARGET_OPENCL_FP16},
         {"myriad", dnn::DNN_TARGET_MYRIAD}, {"vulkan", dnn::DNN_TARGET_VULKAN}, {"fpga", dnn::DNN_TARGET_FPGA},
         {"cuda", dnn::DNN_TARGET_CUDA}, {"cuda_fp16", dnn::DNN_TARGET_CUDA_FP16}, {"hddl", dnn::DNN_TARGET_HDDL},
         {"npu", dnn::DNN_TARGET_NPU}, {"ncs2_vpu", dnn::DNN_TARGET_MYRIAD}, {"hddl_vpu", dnn::DNN_TARGET_HDDL}},
        (int)dnn::DNN_TARGET_NPU);
}

inline std::string backendName(dnn::Backend b, dnn::Target t)
{
    std::string s = b == dnn::DNN_BACKEND_CUDA ? "CUDA" : b == dnn::DNN_BACKEND_OPENCV ? "OpenCV" :
                    b == dnn::DNN_BACKEND_DEFAULT ? "default" : format("backend %d", (int)b);
    s += "/";
    s += t == dnn::DNN_TARGET_CUDA ? "CUDA" : t == dnn::DNN_TARGET_CUDA_FP16 ? "CUDA FP16" :
         t == dnn::DNN_TARGET_OPENCL ? "OpenCL" : t == dnn::DNN_TARGET_OPENCL_FP16 ? "OpenCL FP16" :
         t == dnn::DNN_TARGET_CPU ? "CPU" : format("target %d", (int)t);
    return s;
}

inline bool fileExists(const std::string& path)
{
    return !path.empty() && std::ifstream(path.c_str()).good();
}

//! The folder of @p path ("." when it has none).
inline std::string folderOf(const std::string& path)
{
    const size_t slash = path.find_last_of("/\\");
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

//! config.yml next to the model (the default of --retinanet_config; also used by the GStreamer element).
inline std::string configNextTo(const std::string& model)
{
    return folderOf(model) + "/config.yml";
}

//! The repository root: the folder above --data (relative paths of models.yml start there).
inline std::string repositoryRoot(const CommandLineParser& parser)
{
    std::string data = parser.get<std::string>("data");
    while (data.size() > 1 && (data.back() == '/' || data.back() == '\\')) data.pop_back();
    const size_t slash = data.find_last_of("/\\");
    if (data == "." || data == ".." || (slash != std::string::npos && data.substr(slash + 1) == ".."))
        return data + "/..";
    return folderOf(data);
}

//! The models.yml to read: --zoo, else ./models.yml, else <root>/modules/dnn_retinanet/samples/models.yml.
inline std::string zooPath(const CommandLineParser& parser)
{
    const std::string zoo = parser.get<std::string>("zoo");
    if (!zoo.empty()) return zoo;
    if (fileExists("models.yml")) return "models.yml";
    return repositoryRoot(parser) + "/modules/dnn_retinanet/samples/models.yml";
}

/** The aliases of a models.yml (OpenCV's samples/dnn/models.yml layout: one map per alias). */
inline std::vector<std::string> zooAliases(const std::string& zoo)
{
    std::vector<std::string> names;
    if (!fileExists(zoo)) return names;
    FileStorage fs(zoo, FileStorage::READ);
    for (FileNodeIterator it = fs.root().begin(); it != fs.root().end(); ++it)
        if ((*it).isMap()) names.push_back((*it).name());
    return names;
}

/** The model the common keys select: --model / --retinanet_config / --classes / --width / --height,
 *  filled from the @alias entry of models.yml where not given, else the shipped model and the
 *  config.yml next to it. Relative paths of models.yml are relative to the folder above --data. */
struct ModelChoice
{
    std::string alias, model, config, classes, hint;
    int width = -1, height = -1;
};

inline ModelChoice chooseModel(const CommandLineParser& parser)
{
    ModelChoice c;
    const std::string data = parser.get<std::string>("data");
    c.alias = parser.get<std::string>("@alias");
    c.model = parser.get<std::string>("model");
    c.config = parser.get<std::string>("retinanet_config");
    c.classes = parser.get<std::string>("classes");
    c.width = parser.get<int>("width");
    c.height = parser.get<int>("height");
    if (!c.alias.empty())
    {
        const std::string zoo = zooPath(parser);
        if (!fileExists(zoo))
            CV_Error(Error::StsObjectNotFound, "alias '" + c.alias + "': cannot read the registry '" + zoo + "' (--zoo)");
        FileStorage fs(zoo, FileStorage::READ);
        const FileNode e = fs[c.alias];
        if (!e.isMap())
        {
            std::string known;
            for (const std::string& a : zooAliases(zoo)) known += (known.empty() ? "" : ", ") + a;
            CV_Error(Error::StsBadArg, "unknown model alias '" + c.alias + "' (" + zoo + " has: " + known + ")");
        }
        const std::string root = repositoryRoot(parser);
        auto path = [&](const char* key) {
            const std::string v = e[key].empty() ? std::string() : (std::string)e[key];
            return v.empty() || v[0] == '/' ? v : root + "/" + v;
        };
        if (c.model.empty()) c.model = path("model");
        if (c.config.empty()) c.config = e["retinanet_config"].empty() ? std::string() :
            (((std::string)e["retinanet_config"]).find_first_of("./") == std::string::npos
                 ? (std::string)e["retinanet_config"] : path("retinanet_config"));   // a preset name or a file
        if (c.classes.empty()) c.classes = path("classes");
        if (c.width < 0 && !e["width"].empty()) c.width = (int)e["width"];
        if (c.height < 0 && !e["height"].empty()) c.height = (int)e["height"];
        if (!e["export"].empty()) c.hint = "; make it with: " + (std::string)e["export"];
    }
    if (c.model.empty())
    {
        for (const char* p : {"/models/synth_retinanet/model.onnx", "/models/tiny_torchvision/model.onnx"})
            if (fileExists(data + p)) { c.model = data + p; break; }
        if (c.model.empty())
            CV_Error(Error::StsObjectNotFound, "no --model given and no shipped model found under " + data + " (--data)");
    }
    // A missing model is reported as such, before the config next to it is looked for.
    if (!fileExists(c.model))
        CV_Error(Error::StsObjectNotFound, "dnn_retinanet: model file not found: '" + c.model + "'" + c.hint);
    if (c.config.empty())
    {
        c.config = configNextTo(c.model);
        if (!fileExists(c.config))
            CV_Error(Error::StsObjectNotFound, "no --retinanet_config given and no config.yml next to the model '" +
                     c.model + "' (give a config file or a preset name)");
    }
    return c;
}

/** Reads a class-name file like OpenCV's samples (`--classes`): one name per line, line k names
 *  class k. A trailing "\r" is stripped and trailing empty lines are ignored; an empty line before
 *  the last name is an error (it would shift every later class by one). */
inline std::vector<std::string> readClassNames(const std::string& path)
{
    std::ifstream f(path.c_str());
    if (!f.good())
        CV_Error(Error::StsObjectNotFound, "cannot read class names file '" + path + "'");
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(f, line))
    {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(line);
    }
    while (!lines.empty() && lines.back().find_first_not_of(" \t") == std::string::npos)
        lines.pop_back();
    for (size_t i = 0; i < lines.size(); i++)
        if (lines[i].find_first_not_of(" \t") == std::string::npos)
            CV_Error(Error::StsParseError, format("class names file '%s': line %d is empty (one name per line, "
                                                  "line k names class k)", path.c_str(), (int)i + 1));
    if (lines.empty())
        CV_Error(Error::StsParseError, "class names file '" + path + "' has no names");
    return lines;
}

/** The names from --classes, which must have one name per class of the model: a file for another
 *  label set (COCO's 91 ids for an 80-class model) would label every detection wrongly. */
inline std::vector<std::string> classNamesFromFile(const std::string& path, const RetinaNetConfig& config)
{
    std::vector<std::string> names = readClassNames(path);
    if ((int)names.size() != config.numClasses)
        CV_Error(Error::StsBadArg, format("--classes '%s' has %d names but the model has %d classes (num_classes of "
                                          "config '%s'); line k must name class k. COCO: data/labels/coco80.txt for "
                                          "80-class models (detectron2, mmdetection, keras-retinanet, ODTK), "
                                          "data/labels/coco91.txt for torchvision's 91 (COCO category ids)",
                                          path.c_str(), (int)names.size(), config.numClasses, config.name.c_str()));
    return names;
}

/** Prints the help (--help) with the presets and the aliases, or the parse errors (exit code 1
 *  with a message naming the option). Returns the exit code to leave with, or -1 to go on. */
inline int helpOrErrors(const CommandLineParser& parser, int argc, char** argv, const std::string& keys,
                        const std::vector<NumberRule>& rules, bool helpWithoutArguments = true)
{
    if (parser.has("help") || (argc == 1 && helpWithoutArguments))
    {
        parser.printMessage();
        std::string presets, aliases;
        for (const std::string& p : RetinaNetConfig::presetNames()) presets += (presets.empty() ? "" : ", ") + p;
        const std::string zoo = zooPath(parser);
        for (const std::string& a : zooAliases(zoo)) aliases += (aliases.empty() ? "" : ", ") + a;
        std::cout << "\nRetinaNet presets (--retinanet_config=NAME): " << presets << "\n"
                  << "Model aliases (first argument, from " << zoo << "): " << (aliases.empty() ? "(none)" : aliases)
                  << "\n";
        return argc == 1 ? 1 : 0;
    }
    if (!parser.check())
    {
        parser.printErrors();
        return 1;
    }
    std::string errors = checkArgs(argc, argv, keys, rules);
    for (const char* key : {"backend", "target"})
        try
        {
            const std::string v = parser.get<std::string>(key);
            if (std::string(key) == "backend") parseBackend(v);
            else parseTarget(v);
        }
        catch (const cv::Exception& e)
        {
            errors += e.err + "\n";
        }
    if (keys.find("{ show ") != std::string::npos)
    {
        const std::string show = parser.get<std::string>("show");
        if (show != "auto" && show != "true" && show != "1" && show != "yes" && show != "false" && show != "0" && show != "no")
            errors += "--show must be auto, true or false (got '" + show + "')\n";
    }
    if ((parser.get<int>("width") > 0) != (parser.get<int>("height") > 0))
        errors += "--width and --height go together\n";
    if (!errors.empty())
    {
        std::cerr << "error: " << errors;
        return 1;
    }
    return -1;
}

//! The score threshold in effect: --thr, else the config's.
inline float scoreThreshold(const CommandLineParser& parser, const RetinaNetDetectionModel& net)
{
    const float thr = parser.get<float>("thr");
    return thr >= 0 ? thr : net.getConfig().selection.scoreThreshold;
}

/** Builds the model from the common keys; prints what actually runs (CUDA falls back to the CPU
 *  with OpenCV builds that lack it): one line, or three with @p verbose. */
inline RetinaNetDetectionModel makeModel(const CommandLineParser& parser, std::vector<std::string>& names,
                                        std::ostream& log, bool verbose = true)
{
    const ModelChoice c = chooseModel(parser);
    RetinaNetDetectionModel net(c.model, c.config);
    if (parser.get<float>("thr") >= 0) net.setScoreThreshold(parser.get<float>("thr"));
    if (parser.get<float>("nms") > 0) net.setNmsThreshold(parser.get<float>("nms"));
    if (c.width > 0 && c.height > 0) net.setInputResize(RESIZE_FIXED, Size(c.width, c.height));
    net.setPreferableBackend(parseBackend(parser.get<std::string>("backend")));
    net.setPreferableTarget(parseTarget(parser.get<std::string>("target")));
    names = net.getClassNames();
    if (!c.classes.empty())
        names = classNamesFromFile(c.classes, net.getConfig());
    const std::string on = backendName(net.getBackend(), net.getTarget());
    if (verbose)
        log << "model: " << c.model << (c.alias.empty() ? "" : " (alias " + c.alias + ")") << "\nconfig: " << c.config
            << " (" << net.getConfig().numClasses << " classes)\n"
            << "running on: " << on << " (decoder: CPU), score threshold " << scoreThreshold(parser, net) << "\n";
    else
        log << "model: " << (c.alias.empty() ? c.model : c.alias) << ", " << net.getConfig().numClasses
            << " classes, score threshold " << scoreThreshold(parser, net) << ", on " << on << "\n";
    return net;
}

//! Sums per-stage times over calls (for the per-image means the samples print).
inline void addTimings(Timings& a, const Timings& b)
{
    a.preprocess += b.preprocess;
    a.network += b.network;
    a.decode += b.decode;
    a.postprocess += b.postprocess;
    a.total += b.total;
}

//! "preprocess X ms, network X ms, decode X ms, postprocess X ms" of @p t divided by @p n.
inline std::string stagesText(const Timings& t, double n = 1)
{
    n = std::max(n, 1.0);
    return format("preprocess %.2f ms, network %.2f ms, decode %.2f ms, postprocess %.2f ms",
                  t.preprocess / n, t.network / n, t.decode / n, t.postprocess / n);
}

/** Progress of long work on stderr when it is a terminal ("\r"-redrawn, at most ~3 times a second):
 *  items done / total, rate and time left. Silent when stderr is not a terminal (a file, a pipe). */
class Progress
{
public:
    Progress(const std::string& unit, int64 total)
        : unit_(unit), total_(total), enabled_(isatty(fileno(stderr)) != 0), t0_((double)getTickCount()) {}
    ~Progress() { finish(); }

    //! (Re)starts the clock; @p total: 0 when unknown (no ETA then).
    void start(int64 total)
    {
        total_ = total;
        t0_ = (double)getTickCount();
    }

    void update(int64 done)
    {
        if (!enabled_) return;
        const double now = (double)getTickCount(), s = (now - t0_) / getTickFrequency();
        if (shown_ && (now - last_) / getTickFrequency() < 0.3 && done != total_) return;
        last_ = now;
        const double rate = s > 0 ? done / s : 0.0;
        std::string line = total_ > 0 ? format("%s %lld/%lld (%.0f%%)", unit_.c_str(), (long long)done, (long long)total_,
                                               100.0 * done / total_)
                                      : format("%s %lld", unit_.c_str(), (long long)done);
        line += format(", %.1f %s", rate, unit_ == "frames" ? "fps" : (unit_ + "/s").c_str());
        if (total_ > 0 && rate > 0 && done <= total_)
        {
            const int left = (int)std::lround((total_ - done) / rate);
            line += format(", ETA %d:%02d", left / 60, left % 60);
        }
        std::fprintf(stderr, "\r%-*s", (int)std::max(width_, line.size()), line.c_str());
        std::fflush(stderr);
        width_ = std::max(width_, line.size());
        shown_ = true;
    }

    //! Clears the line (the final report follows).
    void finish()
    {
        if (!shown_) return;
        std::fprintf(stderr, "\r%*s\r", (int)width_, "");
        std::fflush(stderr);
        shown_ = false;
    }

private:
    std::string unit_;
    int64 total_;
    bool enabled_, shown_ = false;
    double t0_, last_ = 0;
    size_t width_ = 0;
};

inline Scalar classColor(int k)
{
    static const Scalar palette[] = {Scalar(56, 56, 255), Scalar(151, 157, 255), Scalar(31, 112, 255), Scalar(29, 178, 255),
                                     Scalar(49, 210, 207), Scalar(10, 249, 72), Scalar(23, 204, 146), Scalar(134, 219, 61),
                                     Scalar(52, 147, 26), Scalar(187, 212, 0), Scalar(168, 153, 44), Scalar(255, 194, 0),
                                     Scalar(147, 69, 52), Scalar(255, 115, 100), Scalar(236, 24, 0), Scalar(255, 56, 132)};
    return palette[(k % 16 + 16) % 16];
}

inline std::string className(const std::vector<std::string>& names, int k)
{
    return k >= 0 && k < (int)names.size() ? names[k] : format("class %d", k);
}

//! Boxes with "name score" labels; line width and font scale follow the image size.
inline void drawDetections(Mat& img, const std::vector<Detection>& dets, const std::vector<std::string>& names,
                           float minScore = 0.f)
{
    const double scale = std::max(0.4, std::min(img.cols, img.rows) / 800.0);
    const int thick = std::max(1, (int)std::round(2 * scale));
    // lowest scores first so that the best boxes end on top
    for (auto it = dets.rbegin(); it != dets.rend(); ++it)
    {
        const Detection& d = *it;
        if (d.score < minScore) continue;
        const Scalar col = classColor(d.classId);
        const Rect r(Point(cvRound(d.box[0]), cvRound(d.box[1])), Point(cvRound(d.box[2]), cvRound(d.box[3])));
        rectangle(img, r, col, thick, LINE_AA);
        const std::string label = format("%s %.2f", className(names, d.classId).c_str(), d.score);
        int base = 0;
        const Size ts = getTextSize(label, FONT_HERSHEY_SIMPLEX, 0.5 * scale, std::max(1, thick / 2), &base);
        const Point org(r.x, std::max(r.y, ts.height + base));
        rectangle(img, Rect(org.x, org.y - ts.height - base, ts.width, ts.height + base), col, FILLED);
        putText(img, label, Point(org.x, org.y - base), FONT_HERSHEY_SIMPLEX, 0.5 * scale, Scalar(255, 255, 255),
                std::max(1, thick / 2), LINE_AA);
    }
}

inline std::string jsonEscape(const std::string& s)
{
    std::string o;
    for (char c : s)
    {
        if (c == '"' || c == '\\') { o += '\\'; o += c; }
        else if ((unsigned char)c < 0x20) o += format("\\u%04x", c);
        else o += c;
    }
    return o;
}

//! [{"class_id":..,"class":"..","score":..,"box":[x1,y1,x2,y2]},...]
//! @p exact: floats with 9 significant digits (they read back bit-exact) instead of %.6f / %.2f.
inline std::string detectionsJson(const std::vector<Detection>& dets, const std::vector<std::string>& names,
                                  bool exact = false)
{
    const char* fmt = exact ? "{\"class_id\":%d,\"class\":\"%s\",\"score\":%.9g,\"box\":[%.9g,%.9g,%.9g,%.9g]}"
                            : "{\"class_id\":%d,\"class\":\"%s\",\"score\":%.6f,\"box\":[%.2f,%.2f,%.2f,%.2f]}";
    std::ostringstream os;
    os << "[";
    for (size_t i = 0; i < dets.size(); i++)
    {
        const Detection& d = dets[i];
        os << (i ? "," : "") << format(fmt, d.classId, jsonEscape(className(names, d.classId)).c_str(), d.score,
                                       d.box[0], d.box[1], d.box[2], d.box[3]);
    }
    os << "]";
    return os.str();
}

} // namespace sample

#endif
