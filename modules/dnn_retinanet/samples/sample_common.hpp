// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Helpers shared by the samples: backend names, class names, drawing, JSON, input listing.
#ifndef DNN_RETINANET_SAMPLE_COMMON_HPP
#define DNN_RETINANET_SAMPLE_COMMON_HPP

#include <opencv2/dnn_retinanet.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace sample {

using namespace cv;
using namespace cv::dnn_retinanet;

//! The keys every sample shares (model, config, thresholds, backend).
static const char* const kCommonKeys =
    "{ help h      |       | print this help }"
    "{ model m     |       | network file (ONNX); default: the shipped model }"
    "{ config c    |       | config file or preset name (torchvision, detectron2, ...); default: next to the model }"
    "{ classes     |       | text file, one class name per line, line k = class k, as many as the model's classes "
    "(overrides the config's names; COCO: data/labels/coco80.txt or coco91.txt) }"
    "{ thr         | -1    | score threshold (default: the config's) }"
    "{ nms         | -1    | NMS IoU threshold (default: the config's) }"
    "{ backend     | cpu   | cpu | cuda }"
    "{ target      | cpu   | cpu | cuda | cuda_fp16 | opencl | opencl_fp16 }";

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

//! The rules for kCommonKeys' numbers (-1: the config's threshold).
inline std::vector<NumberRule> commonNumberRules()
{
    return {{"thr", -1, 1, false}, {"nms", -1, 1, false}};
}

/** Prints the help (--help, or no argument at all) or the parse errors. Returns the exit code to
 *  leave with, or -1 to go on. */
inline int helpOrErrors(const CommandLineParser& parser, int argc, char** argv = nullptr, const std::string& keys = std::string(),
                        const std::vector<NumberRule>& rules = std::vector<NumberRule>())
{
    if (parser.has("help") || argc == 1)
    {
        parser.printMessage();
        return argc == 1 ? 1 : 0;
    }
    if (!parser.check())
    {
        parser.printErrors();
        return 1;
    }
    if (argv)
    {
        const std::string errors = checkArgs(argc, argv, keys, rules);
        if (!errors.empty())
        {
            std::cerr << "error: " << errors;
            return 1;
        }
    }
    return -1;
}

inline dnn::Backend parseBackend(const std::string& s)
{
    if (s == "cpu" || s == "opencv") return dnn::DNN_BACKEND_OPENCV;
    if (s == "cuda") return dnn::DNN_BACKEND_CUDA;
    if (s == "default") return dnn::DNN_BACKEND_DEFAULT;
    CV_Error(Error::StsBadArg, "unknown --backend '" + s + "' (cpu, cuda, default)");
}

inline dnn::Target parseTarget(const std::string& s)
{
    if (s == "cpu") return dnn::DNN_TARGET_CPU;
    if (s == "cuda") return dnn::DNN_TARGET_CUDA;
    if (s == "cuda_fp16") return dnn::DNN_TARGET_CUDA_FP16;
    if (s == "opencl") return dnn::DNN_TARGET_OPENCL;
    if (s == "opencl_fp16") return dnn::DNN_TARGET_OPENCL_FP16;
    CV_Error(Error::StsBadArg, "unknown --target '" + s + "' (cpu, cuda, cuda_fp16, opencl, opencl_fp16)");
}

inline std::string backendName(dnn::Backend b, dnn::Target t)
{
    std::string s = b == dnn::DNN_BACKEND_CUDA ? "CUDA" : b == dnn::DNN_BACKEND_OPENCV ? "OpenCV" : "default";
    s += "/";
    s += t == dnn::DNN_TARGET_CUDA ? "CUDA" : t == dnn::DNN_TARGET_CUDA_FP16 ? "CUDA FP16" :
         t == dnn::DNN_TARGET_OPENCL ? "OpenCL" : t == dnn::DNN_TARGET_OPENCL_FP16 ? "OpenCL FP16" : "CPU";
    return s;
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

//! Default model: data/models/shipped (trained), else the tiny parity model.
inline std::string defaultModelPath(const std::string& dataDir)
{
    for (const char* p : {"/models/synth_retinanet/model.onnx", "/models/tiny_torchvision/model.onnx"})
        if (std::ifstream((dataDir + p).c_str()).good())
            return dataDir + p;
    return std::string();
}

//! config.yml next to the model when --config is not given.
inline std::string configNextTo(const std::string& model)
{
    const size_t slash = model.find_last_of("/\\");
    return (slash == std::string::npos ? std::string(".") : model.substr(0, slash)) + "/config.yml";
}

/** Builds the model from the common keys; prints what actually runs (CUDA falls back to the CPU
 *  with OpenCV builds that lack it). */
inline RetinaNetDetectionModel makeModel(const CommandLineParser& parser, const std::string& dataDir,
                                        std::vector<std::string>& names, std::ostream& log)
{
    std::string model = parser.get<std::string>("model");
    if (model.empty()) model = defaultModelPath(dataDir);
    if (model.empty())
        CV_Error(Error::StsObjectNotFound, "no --model given and no shipped model found under " + dataDir);
    std::string config = parser.get<std::string>("config");
    if (config.empty()) config = configNextTo(model);
    RetinaNetDetectionModel net(model, config);
    if (parser.get<float>("thr") >= 0) net.setScoreThreshold(parser.get<float>("thr"));
    if (parser.get<float>("nms") > 0) net.setNmsThreshold(parser.get<float>("nms"));
    net.setPreferableBackend(parseBackend(parser.get<std::string>("backend")));
    net.setPreferableTarget(parseTarget(parser.get<std::string>("target")));
    names = net.getClassNames();
    if (!parser.get<std::string>("classes").empty())
        names = classNamesFromFile(parser.get<std::string>("classes"), net.getConfig());
    log << "model: " << model << "\nconfig: " << config << " (" << net.getConfig().numClasses << " classes)\n"
        << "running on: " << backendName(net.getBackend(), net.getTarget()) << " (decoder: CPU)\n";
    return net;
}

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
