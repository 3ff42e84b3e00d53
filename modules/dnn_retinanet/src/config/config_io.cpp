// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// RetinaNetConfig <-> cv::FileStorage (YAML / JSON). Reading is strict: an unknown or mistyped
// field is an error naming the field and the known ones, never silently ignored.

#include "../precomp.hpp"
#include "presets.hpp"

#include <fstream>
#include <initializer_list>
#include <map>
#include <sstream>
#include <utility>

namespace cv {
namespace dnn_retinanet {

namespace {

typedef std::vector<std::pair<const char*, int> > EnumNames;

const EnumNames& anchorOrderNames()   { static const EnumNames n = {{"ratio_major", ANCHOR_ORDER_RATIO_MAJOR}, {"size_major", ANCHOR_ORDER_SIZE_MAJOR}}; return n; }
const EnumNames& roundingNames()      { static const EnumNames n = {{"none", ANCHOR_ROUNDING_NONE}, {"round", ANCHOR_ROUNDING_ROUND}, {"quantized", ANCHOR_ROUNDING_QUANTIZED}}; return n; }
const EnumNames& strideModeNames()    { static const EnumNames n = {{"fixed", STRIDE_FIXED}, {"padded_div_grid", STRIDE_PADDED_DIV_GRID}}; return n; }
const EnumNames& boxCodingNames()     { static const EnumNames n = {{"center_size", BOX_CODING_CENTER_SIZE}, {"corners", BOX_CODING_CORNERS}}; return n; }
const EnumNames& plusOneNames()       { static const EnumNames n = {{"none", PLUS_ONE_NONE}, {"legacy", PLUS_ONE_LEGACY}, {"symmetric", PLUS_ONE_SYMMETRIC}}; return n; }
const EnumNames& clampNames()         { static const EnumNames n = {{"none", DELTA_CLAMP_NONE}, {"upper", DELTA_CLAMP_UPPER}, {"symmetric", DELTA_CLAMP_SYMMETRIC}}; return n; }
const EnumNames& clipNames()          { static const EnumNames n = {{"none", CLIP_NONE}, {"before_nms", CLIP_BEFORE_NMS}, {"after_nms", CLIP_AFTER_NMS}}; return n; }
const EnumNames& clipTargetNames()    { static const EnumNames n = {{"image", CLIP_TO_IMAGE}, {"input", CLIP_TO_INPUT}}; return n; }
const EnumNames& clipSpaceNames()     { static const EnumNames n = {{"network", CLIP_SPACE_NETWORK}, {"frame", CLIP_SPACE_FRAME}}; return n; }
const EnumNames& activationNames()    { static const EnumNames n = {{"sigmoid", SCORE_SIGMOID}, {"probability", SCORE_PROBABILITY}, {"fl_star", SCORE_FL_STAR}, {"softmax", SCORE_SOFTMAX}}; return n; }
const EnumNames& selectOrderNames()   { static const EnumNames n = {{"threshold_then_topk", SELECT_THRESHOLD_THEN_TOPK}, {"topk_then_threshold", SELECT_TOPK_THEN_THRESHOLD}}; return n; }
const EnumNames& layoutNames()        { static const EnumNames n = {{"per_level_nchw", LAYOUT_PER_LEVEL_NCHW}, {"concatenated", LAYOUT_CONCATENATED}, {"per_level_nhwc", LAYOUT_PER_LEVEL_NHWC}}; return n; }
const EnumNames& resizeNames()        { static const EnumNames n = {{"none", RESIZE_NONE}, {"fixed", RESIZE_FIXED}, {"keep_ratio", RESIZE_KEEP_RATIO}, {"letterbox", RESIZE_LETTERBOX}}; return n; }
const EnumNames& resizeRuleNames()    { static const EnumNames n = {{"torchvision", RESIZE_RULE_TORCHVISION}, {"detectron2", RESIZE_RULE_DETECTRON2}, {"mmdetection", RESIZE_RULE_MMDETECTION}, {"keras_retinanet", RESIZE_RULE_KERAS_RETINANET}, {"detectron", RESIZE_RULE_DETECTRON}, {"odtk", RESIZE_RULE_ODTK}}; return n; }
const EnumNames& resizeInputNames()   { static const EnumNames n = {{"float", RESIZE_INPUT_FLOAT}, {"uint8", RESIZE_INPUT_UINT8}}; return n; }
const EnumNames& interpolationNames() { static const EnumNames n = {{"nearest", INTER_NEAREST}, {"linear", INTER_LINEAR}, {"cubic", INTER_CUBIC}, {"area", INTER_AREA}, {"torch_linear", INTER_TORCH_LINEAR}}; return n; }

std::string joinNames(const EnumNames& names)
{
    std::string s;
    for (size_t i = 0; i < names.size(); i++)
        s += (i ? ", " : "") + std::string(names[i].first);
    return s;
}

const char* enumName(const EnumNames& names, int value, const char* field)
{
    for (const auto& n : names)
        if (n.second == value)
            return n.first;
    CV_Error(Error::StsOutOfRange, format("dnn_retinanet config: invalid value %d of '%s'", value, field));
}

/** Reads one section, remembering which keys were consumed so that unknown ones are reported. */
class Section
{
public:
    Section(const FileNode& node, const std::string& path) : node_(node), path_(path) {}

    bool has(const char* key) const { return !node_.empty() && !node_[key].empty(); }
    FileNode child(const char* key) { used_.push_back(key); return node_.empty() ? FileNode() : node_[key]; }
    std::string path(const char* key) const { return path_.empty() ? std::string(key) : path_ + "." + key; }

    void real(const char* key, float& v)  { double d = v; real(key, d); v = (float)d; }
    void real(const char* key, double& v)
    {
        FileNode n = child(key);
        if (n.empty()) return;
        if (!n.isReal() && !n.isInt())
            CV_Error(Error::StsParseError, "dnn_retinanet config: '" + path(key) + "' must be a number");
        v = (double)n;
    }
    void integer(const char* key, int& v)
    {
        FileNode n = child(key);
        if (n.empty()) return;
        if (!n.isInt())
            CV_Error(Error::StsParseError, "dnn_retinanet config: '" + path(key) + "' must be an integer");
        v = (int)n;
    }
    void boolean(const char* key, bool& v)
    {
        FileNode n = child(key);
        if (n.empty()) return;
        if (n.isInt()) { v = (int)n != 0; return; }
        if (n.isString())
        {
            std::string s = (std::string)n;
            if (s == "true" || s == "True") { v = true; return; }
            if (s == "false" || s == "False") { v = false; return; }
        }
        CV_Error(Error::StsParseError, "dnn_retinanet config: '" + path(key) + "' must be true or false");
    }
    void text(const char* key, std::string& v)
    {
        FileNode n = child(key);
        if (n.empty()) return;
        if (!n.isString())
            CV_Error(Error::StsParseError, "dnn_retinanet config: '" + path(key) + "' must be a string");
        v = (std::string)n;
    }
    void enumeration(const char* key, int& v, const EnumNames& names)
    {
        FileNode n = child(key);
        if (n.empty()) return;
        std::string s = n.isString() ? (std::string)n : std::string();
        for (const auto& e : names)
            if (s == e.first) { v = e.second; return; }
        CV_Error(Error::StsParseError, "dnn_retinanet config: '" + path(key) + "' has unknown value '" + s +
                                       "' (expected one of: " + joinNames(names) + ")");
    }
    void reals(const char* key, std::vector<float>& v)
    {
        FileNode n = child(key);
        if (n.empty()) return;
        v.clear();
        if (n.isReal() || n.isInt()) { v.push_back((float)(double)n); return; }
        if (!n.isSeq())
            CV_Error(Error::StsParseError, "dnn_retinanet config: '" + path(key) + "' must be a list of numbers");
        for (FileNodeIterator it = n.begin(); it != n.end(); ++it)
        {
            if (!(*it).isReal() && !(*it).isInt())
                CV_Error(Error::StsParseError, "dnn_retinanet config: '" + path(key) + "' must be a list of numbers");
            v.push_back((float)(double)*it);
        }
    }
    void texts(const char* key, std::vector<std::string>& v)
    {
        FileNode n = child(key);
        if (n.empty()) return;
        v.clear();
        if (!n.isSeq())
            CV_Error(Error::StsParseError, "dnn_retinanet config: '" + path(key) + "' must be a list of strings");
        for (FileNodeIterator it = n.begin(); it != n.end(); ++it)
        {
            if (!(*it).isString())
                CV_Error(Error::StsParseError, "dnn_retinanet config: '" + path(key) + "' must be a list of strings");
            v.push_back((std::string)*it);
        }
    }
    template <int N, typename T> void vec(const char* key, Vec<T, N>& v)
    {
        std::vector<float> r;
        reals(key, r);
        if (r.empty() && !has(key)) return;
        if ((int)r.size() != N)
            CV_Error(Error::StsParseError, format("dnn_retinanet config: '%s' must have %d values", path(key).c_str(), N));
        for (int i = 0; i < N; i++) v[i] = (T)r[i];
    }
    void scalar3(const char* key, Scalar& s)
    {
        std::vector<double> r;
        FileNode n = child(key);
        if (n.empty()) return;
        if (n.isReal() || n.isInt()) r.push_back((double)n);
        else if (n.isSeq())
            for (FileNodeIterator it = n.begin(); it != n.end(); ++it)
            {
                if (!(*it).isReal() && !(*it).isInt())
                    CV_Error(Error::StsParseError, "dnn_retinanet config: '" + path(key) + "' must be a list of numbers");
                r.push_back((double)*it);
            }
        else
            CV_Error(Error::StsParseError, "dnn_retinanet config: '" + path(key) + "' must be a list of numbers");
        if (r.empty()) return;
        if (r.size() == 1) r.assign(3, r[0]);
        if (r.size() != 3)
            CV_Error(Error::StsParseError, "dnn_retinanet config: '" + path(key) + "' must have 1 or 3 values");
        s = Scalar(r[0], r[1], r[2]);
    }
    void size(const char* key, Size& s)
    {
        std::vector<float> r;
        reals(key, r);
        if (r.empty()) return;
        if (r.size() != 2)
            CV_Error(Error::StsParseError, "dnn_retinanet config: '" + path(key) + "' must be [width, height]");
        s = Size(cvRound(r[0]), cvRound(r[1]));
    }

    /** Throws on any key of the section that no reader consumed (catches typos). */
    void finish() const
    {
        if (node_.empty()) return;
        if (!node_.isMap())
            CV_Error(Error::StsParseError, "dnn_retinanet config: '" + (path_.empty() ? std::string("<root>") : path_) + "' must be a map");
        for (FileNodeIterator it = node_.begin(); it != node_.end(); ++it)
        {
            std::string key = (*it).name();
            if (std::find(used_.begin(), used_.end(), key) == used_.end())
            {
                std::string known;
                for (size_t i = 0; i < used_.size(); i++)
                    known += (i ? ", " : "") + used_[i];
                CV_Error(Error::StsParseError, "dnn_retinanet config: unknown field '" + path(key.c_str()) +
                                               "' (known fields: " + known + ")");
            }
        }
    }

private:
    FileNode node_;
    std::string path_;
    std::vector<std::string> used_;
};

void readAnchors(Section s, AnchorConfig& a)
{
    s.reals("strides", a.strides);
    FileNode sizes = s.child("sizes");
    if (!sizes.empty())
    {
        // A list of per-level lists; a flat list means one size per level.
        a.sizes.clear();
        a.sizesPerLevel = 0;
        if (!sizes.isSeq())
            CV_Error(Error::StsParseError, "dnn_retinanet config: 'anchors.sizes' must be a list (per level) of lists");
        for (FileNodeIterator it = sizes.begin(); it != sizes.end(); ++it)
        {
            FileNode row = *it;
            std::vector<float> r;
            if (row.isSeq())
                for (FileNodeIterator jt = row.begin(); jt != row.end(); ++jt)
                {
                    if (!(*jt).isReal() && !(*jt).isInt())
                        CV_Error(Error::StsParseError, "dnn_retinanet config: 'anchors.sizes' must contain numbers");
                    r.push_back((float)(double)*jt);
                }
            else if (row.isReal() || row.isInt())
                r.push_back((float)(double)row);
            else
                CV_Error(Error::StsParseError, "dnn_retinanet config: 'anchors.sizes' must contain numbers");
            if (a.sizesPerLevel == 0) a.sizesPerLevel = (int)r.size();
            if ((int)r.size() != a.sizesPerLevel)
                CV_Error(Error::StsParseError, "dnn_retinanet config: every row of 'anchors.sizes' must have the same length");
            a.sizes.insert(a.sizes.end(), r.begin(), r.end());
        }
    }
    // Octave form (mmdetection/Detectron): sizes = stride * octave_base_scale * 2^(i / scales_per_octave)
    double octaveBase = 0; int perOctave = 0;
    s.real("octave_base_scale", octaveBase);
    s.integer("scales_per_octave", perOctave);
    if ((octaveBase != 0) != (perOctave != 0) || octaveBase < 0 || perOctave < 0)
        CV_Error(Error::StsBadArg, "dnn_retinanet config: 'anchors.octave_base_scale' and 'anchors.scales_per_octave' "
                                   "must be given together and be positive");
    if (octaveBase > 0 && perOctave > 0)
    {
        if (!sizes.empty())
            CV_Error(Error::StsBadArg, "dnn_retinanet config: give either 'anchors.sizes' or "
                                       "'anchors.octave_base_scale' + 'scales_per_octave', not both");
        a.sizes.clear();
        a.sizesPerLevel = perOctave;
        for (float stride : a.strides)
            for (int i = 0; i < perOctave; i++)
                a.sizes.push_back((float)(stride * octaveBase * std::pow(2.0, (double)i / perOctave)));
    }
    s.reals("aspect_ratios", a.aspectRatios);
    s.enumeration("order", a.order, anchorOrderNames());
    s.enumeration("rounding", a.rounding, roundingNames());
    s.enumeration("stride_mode", a.strideMode, strideModeNames());
    s.real("center_offset", a.centerOffset);
    s.real("center_offset_pixels", a.centerOffsetPixels);
    s.boolean("plus_one", a.plusOne);
    s.finish();
}

void readBoxCoding(Section s, BoxCodingConfig& b)
{
    s.enumeration("type", b.type, boxCodingNames());
    s.vec("means", b.means);
    s.vec("stds", b.stds);
    if (s.has("weights"))
    {
        if (s.has("stds"))
            CV_Error(Error::StsBadArg, "dnn_retinanet config: give either 'box_coding.weights' or 'box_coding.stds', not both");
        Vec4f w(1, 1, 1, 1);
        s.vec("weights", w);
        for (int i = 0; i < 4; i++)
        {
            if (!(w[i] > 0))
                CV_Error(Error::StsOutOfRange, "dnn_retinanet config: 'box_coding.weights' must be positive");
            b.stds[i] = 1.f / w[i];
        }
    }
    else
        s.child("weights");
    s.enumeration("plus_one", b.plusOne, plusOneNames());
    s.enumeration("clamp", b.clamp, clampNames());
    s.real("clamp_value", b.clampValue);
    s.enumeration("clip", b.clip, clipNames());
    s.enumeration("clip_target", b.clipTarget, clipTargetNames());
    s.real("clip_max_offset", b.clipMaxOffset);
    s.enumeration("clip_space", b.clipSpace, clipSpaceNames());
    s.finish();
}

void readScoring(Section s, ScoringConfig& c)
{
    s.enumeration("activation", c.activation, activationNames());
    s.real("gamma", c.gamma);
    s.real("beta", c.beta);
    s.integer("background_channel", c.backgroundChannel);
    s.finish();
}

void readSelection(Section s, SelectionConfig& c)
{
    s.real("score_threshold", c.scoreThreshold);
    s.reals("level_score_thresholds", c.levelScoreThresholds);
    s.boolean("threshold_inclusive", c.thresholdInclusive);
    s.enumeration("order", c.order, selectOrderNames());
    s.integer("topk_per_level", c.topkPerLevel);
    s.real("nms_threshold", c.nmsThreshold);
    s.boolean("nms_inclusive", c.nmsInclusive);
    s.boolean("class_agnostic_nms", c.classAgnosticNms);
    s.boolean("nms_plus_one", c.nmsPlusOne);
    s.integer("max_detections", c.maxDetections);
    s.real("min_box_size", c.minBoxSize);
    s.finish();
}

void readOutputs(Section s, OutputConfig& c)
{
    s.enumeration("layout", c.layout, layoutNames());
    s.texts("cls_names", c.clsNames);
    s.texts("box_names", c.boxNames);
    s.finish();
}

void readPreprocess(Section s, PreprocessConfig& p)
{
    if (s.has("color_order"))
    {
        std::string order;
        s.text("color_order", order);
        if (order != "rgb" && order != "bgr")
            CV_Error(Error::StsParseError, "dnn_retinanet config: 'preprocess.color_order' must be rgb or bgr, got '" + order + "'");
        p.swapRB = order == "rgb";
    }
    else
        s.child("color_order");
    s.real("scale", p.scale);
    s.scalar3("mean", p.mean);
    s.scalar3("std", p.std);
    s.enumeration("resize", p.resize, resizeNames());
    s.size("input_size", p.inputSize);
    s.integer("min_size", p.minSize);
    s.integer("max_size", p.maxSize);
    s.integer("pad_divisor", p.padDivisor);
    s.real("pad_value", p.padValue);
    s.enumeration("interpolation", p.interpolation, interpolationNames());
    s.enumeration("resize_rule", p.resizeRule, resizeRuleNames());
    s.enumeration("resize_input", p.resizeInput, resizeInputNames());
    s.finish();
}

template <typename T> void writeList(FileStorage& fs, const char* key, const std::vector<T>& v)
{
    fs << key << "[:";
    for (const T& x : v) fs << x;
    fs << "]";
}

void writeReals(FileStorage& fs, const char* key, std::initializer_list<double> v)
{
    fs << key << "[:";
    for (double x : v) fs << x;
    fs << "]";
}

bool hasExtension(const std::string& path)
{
    size_t slash = path.find_last_of("/\\");
    size_t dot = path.find_last_of('.');
    return dot != std::string::npos && (slash == std::string::npos || dot > slash);
}

bool fileExists(const std::string& path)
{
    std::ifstream f(path.c_str());
    return f.good();
}

} // namespace

RetinaNetConfig RetinaNetConfig::read(const FileNode& root)
{
    if (root.empty() || !root.isMap())
        CV_Error(Error::StsParseError, "dnn_retinanet config: the root must be a map");
    // "base: <preset>" starts from a shipped preset and overrides only the fields given.
    RetinaNetConfig c;
    Section s(root, "");
    std::string base;
    s.text("base", base);
    if (!base.empty())
        c = preset(base);
    s.text("name", c.name);
    s.integer("num_classes", c.numClasses);
    s.texts("class_names", c.classNames);
    readAnchors(Section(s.child("anchors"), "anchors"), c.anchors);
    readBoxCoding(Section(s.child("box_coding"), "box_coding"), c.boxCoding);
    readScoring(Section(s.child("scoring"), "scoring"), c.scoring);
    readSelection(Section(s.child("selection"), "selection"), c.selection);
    readOutputs(Section(s.child("outputs"), "outputs"), c.outputs);
    readPreprocess(Section(s.child("preprocess"), "preprocess"), c.preprocess);
    s.finish();
    if (c.numClasses == 0 && !c.classNames.empty())
        c.numClasses = (int)c.classNames.size();
    c.validate();
    return c;
}

RetinaNetConfig RetinaNetConfig::load(const std::string& pathOrPreset)
{
    if (pathOrPreset.empty())
        CV_Error(Error::StsBadArg, "dnn_retinanet: empty config path / preset name");
    if (!hasExtension(pathOrPreset) && !fileExists(pathOrPreset))
        return preset(pathOrPreset);
    if (!fileExists(pathOrPreset))
    {
        // "odtk_19.04" has a dot but is a preset name.
        if (detail::findPreset(pathOrPreset))
            return preset(pathOrPreset);
        CV_Error(Error::StsObjectNotFound, "dnn_retinanet: config file not found: '" + pathOrPreset + "'");
    }
    FileStorage fs;
    try
    {
        fs.open(pathOrPreset, FileStorage::READ);
    }
    catch (const cv::Exception& e)
    {
        CV_Error(Error::StsParseError, "dnn_retinanet: cannot parse config '" + pathOrPreset + "': " + e.msg);
    }
    if (!fs.isOpened())
        CV_Error(Error::StsParseError, "dnn_retinanet: cannot open config '" + pathOrPreset + "'");
    try
    {
        return read(fs.root());
    }
    catch (const cv::Exception& e)
    {
        CV_Error(e.code, e.err + " (in '" + pathOrPreset + "')");
    }
}

RetinaNetConfig RetinaNetConfig::preset(const std::string& name)
{
    const char* text = detail::findPreset(name);
    if (!text)
    {
        std::string known;
        for (const std::string& n : presetNames())
            known += (known.empty() ? "" : ", ") + n;
        CV_Error(Error::StsObjectNotFound, "dnn_retinanet: unknown preset '" + name + "' (known presets: " + known + ")");
    }
    FileStorage fs(text, FileStorage::READ | FileStorage::MEMORY);
    return read(fs.root());
}

std::vector<std::string> RetinaNetConfig::presetNames()
{
    return detail::presetNames();
}

void RetinaNetConfig::write(FileStorage& fs) const
{
    fs << "name" << name;
    fs << "num_classes" << numClasses;
    if (!classNames.empty()) writeList(fs, "class_names", classNames);

    fs << "anchors" << "{";
    writeList(fs, "strides", anchors.strides);
    fs << "sizes" << "[";
    for (int l = 0; anchors.sizesPerLevel > 0 && l < (int)anchors.sizes.size() / anchors.sizesPerLevel; l++)
    {
        fs << "[:";
        for (int s = 0; s < anchors.sizesPerLevel; s++) fs << anchors.size(l, s);
        fs << "]";
    }
    fs << "]";
    writeList(fs, "aspect_ratios", anchors.aspectRatios);
    fs << "order" << enumName(anchorOrderNames(), anchors.order, "anchors.order");
    fs << "rounding" << enumName(roundingNames(), anchors.rounding, "anchors.rounding");
    fs << "stride_mode" << enumName(strideModeNames(), anchors.strideMode, "anchors.stride_mode");
    fs << "center_offset" << anchors.centerOffset;
    fs << "center_offset_pixels" << anchors.centerOffsetPixels;
    fs << "plus_one" << (anchors.plusOne ? "true" : "false");
    fs << "}";

    fs << "box_coding" << "{";
    fs << "type" << enumName(boxCodingNames(), boxCoding.type, "box_coding.type");
    writeReals(fs, "means", {boxCoding.means[0], boxCoding.means[1], boxCoding.means[2], boxCoding.means[3]});
    writeReals(fs, "stds", {boxCoding.stds[0], boxCoding.stds[1], boxCoding.stds[2], boxCoding.stds[3]});
    fs << "plus_one" << enumName(plusOneNames(), boxCoding.plusOne, "box_coding.plus_one");
    fs << "clamp" << enumName(clampNames(), boxCoding.clamp, "box_coding.clamp");
    fs << "clamp_value" << boxCoding.clampValue;
    fs << "clip" << enumName(clipNames(), boxCoding.clip, "box_coding.clip");
    fs << "clip_target" << enumName(clipTargetNames(), boxCoding.clipTarget, "box_coding.clip_target");
    fs << "clip_max_offset" << boxCoding.clipMaxOffset;
    fs << "clip_space" << enumName(clipSpaceNames(), boxCoding.clipSpace, "box_coding.clip_space");
    fs << "}";

    fs << "scoring" << "{";
    fs << "activation" << enumName(activationNames(), scoring.activation, "scoring.activation");
    fs << "gamma" << scoring.gamma << "beta" << scoring.beta;
    fs << "background_channel" << scoring.backgroundChannel;
    fs << "}";

    fs << "selection" << "{";
    fs << "score_threshold" << selection.scoreThreshold;
    if (!selection.levelScoreThresholds.empty()) writeList(fs, "level_score_thresholds", selection.levelScoreThresholds);
    fs << "threshold_inclusive" << (selection.thresholdInclusive ? "true" : "false");
    fs << "order" << enumName(selectOrderNames(), selection.order, "selection.order");
    fs << "topk_per_level" << selection.topkPerLevel;
    fs << "nms_threshold" << selection.nmsThreshold;
    fs << "nms_inclusive" << (selection.nmsInclusive ? "true" : "false");
    fs << "class_agnostic_nms" << (selection.classAgnosticNms ? "true" : "false");
    fs << "nms_plus_one" << (selection.nmsPlusOne ? "true" : "false");
    fs << "max_detections" << selection.maxDetections;
    fs << "min_box_size" << selection.minBoxSize;
    fs << "}";

    fs << "outputs" << "{";
    fs << "layout" << enumName(layoutNames(), outputs.layout, "outputs.layout");
    if (!outputs.clsNames.empty()) writeList(fs, "cls_names", outputs.clsNames);
    if (!outputs.boxNames.empty()) writeList(fs, "box_names", outputs.boxNames);
    fs << "}";

    fs << "preprocess" << "{";
    fs << "color_order" << (preprocess.swapRB ? "rgb" : "bgr");
    fs << "scale" << preprocess.scale;
    writeReals(fs, "mean", {preprocess.mean[0], preprocess.mean[1], preprocess.mean[2]});
    writeReals(fs, "std", {preprocess.std[0], preprocess.std[1], preprocess.std[2]});
    fs << "resize" << enumName(resizeNames(), preprocess.resize, "preprocess.resize");
    writeReals(fs, "input_size", {(double)preprocess.inputSize.width, (double)preprocess.inputSize.height});
    fs << "min_size" << preprocess.minSize << "max_size" << preprocess.maxSize;
    fs << "pad_divisor" << preprocess.padDivisor << "pad_value" << preprocess.padValue;
    fs << "interpolation" << enumName(interpolationNames(), preprocess.interpolation, "preprocess.interpolation");
    fs << "resize_rule" << enumName(resizeRuleNames(), preprocess.resizeRule, "preprocess.resize_rule");
    fs << "resize_input" << enumName(resizeInputNames(), preprocess.resizeInput, "preprocess.resize_input");
    fs << "}";
}

void RetinaNetConfig::save(const std::string& path) const
{
    validate();
    FileStorage fs(path, FileStorage::WRITE);
    if (!fs.isOpened())
        CV_Error(Error::StsError, "dnn_retinanet: cannot write config '" + path + "'");
    write(fs);
}

}} // namespace cv::dnn_retinanet
