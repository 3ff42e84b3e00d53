// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The `dnn_retinanet` Python module (pybind11), built by the standalone CMake build:
//
//   import cv2, dnn_retinanet as dr
//   model = dr.RetinaNetDetectionModel("model.onnx", "config.yml")
//   classIds, confidences, boxes = model.detect(cv2.imread("a.jpg"), confThreshold=0.5)
//
// Images come in as numpy arrays the way cv2 gives them (HxW, HxWx3, HxWx4; uint8, uint16, float32)
// and are wrapped in a cv::Mat without a copy when their pixels are laid out as a Mat can describe
// (any row stride, contiguous pixels and channels: frames, crops); other views are copied first.
// Every call into the library runs with the GIL released, under a per-object mutex (one model or
// decoder is never used by two threads at once; independent objects run in parallel).
// cv::Exception becomes dnn_retinanet.error, a subclass of cv2.error and RuntimeError, whose str()
// is e.what() and whose attributes err, code, func, file, line, msg are cv2.error's.

#include <opencv2/dnn_retinanet.hpp>

#include "model/preprocess.hpp" // boxToFrame: the model's own mapping of boxes to the frame

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace py = pybind11;
using namespace cv;
using namespace cv::dnn_retinanet;

#ifndef DNN_RETINANET_VERSION
#define DNN_RETINANET_VERSION "0.0.0"
#endif

// ------------------------------------------------------------------ small value types <-> tuples
namespace pybind11 { namespace detail {

//! Reads a Python sequence of numbers (tuple, list, 1-D numpy array) into @p out; false if it is not one.
template <typename T>
bool loadNumbers(handle src, std::vector<T>& out)
{
    if (!src || !PySequence_Check(src.ptr()) || isinstance<str>(src) || isinstance<bytes>(src))
        return false;
    const sequence seq = reinterpret_borrow<sequence>(src);
    out.clear();
    for (size_t i = 0; i < seq.size(); i++)
    {
        make_caster<T> c;
        if (!c.load(seq[i], true))
            return false;
        out.push_back(cast_op<T>(c));
    }
    return true;
}

//! cv::Size <-> (width, height)
template <> struct type_caster<cv::Size>
{
    PYBIND11_TYPE_CASTER(cv::Size, const_name("tuple[int, int]"));
    bool load(handle src, bool)
    {
        std::vector<int> v;
        if (!loadNumbers(src, v) || v.size() != 2)
            return false;
        value = cv::Size(v[0], v[1]);
        return true;
    }
    static handle cast(const cv::Size& s, return_value_policy, handle)
    {
        return make_tuple(s.width, s.height).release();
    }
};

//! cv::Vec<T, n> <-> a tuple of n numbers (Vec4f: means, stds, boxes)
template <typename T, int n> struct type_caster<cv::Vec<T, n> >
{
    using VecT = cv::Vec<T, n>;
    PYBIND11_TYPE_CASTER(VecT, const_name("tuple[float, ...]"));
    bool load(handle src, bool)
    {
        std::vector<T> v;
        if (!loadNumbers(src, v) || (int)v.size() != n)
            return false;
        for (int i = 0; i < n; i++) value[i] = v[i];
        return true;
    }
    static handle cast(const cv::Vec<T, n>& v, return_value_policy, handle)
    {
        tuple t(n);
        for (int i = 0; i < n; i++) t[i] = pybind11::cast(v[i]);
        return t.release();
    }
};

//! cv::Scalar <-> a tuple of 4 floats (1 to 4 numbers accepted, the rest 0, like cv2)
template <> struct type_caster<cv::Scalar>
{
    PYBIND11_TYPE_CASTER(cv::Scalar, const_name("tuple[float, float, float, float]"));
    bool load(handle src, bool)
    {
        std::vector<double> v;
        if (isinstance<float_>(src) || isinstance<int_>(src))
        {
            value = cv::Scalar(src.cast<double>());
            return true;
        }
        if (!loadNumbers(src, v) || v.empty() || v.size() > 4)
            return false;
        value = cv::Scalar::all(0);
        for (size_t i = 0; i < v.size(); i++) value[(int)i] = v[i];
        return true;
    }
    static handle cast(const cv::Scalar& s, return_value_policy, handle)
    {
        return make_tuple(s[0], s[1], s[2], s[3]).release();
    }
};

}} // namespace pybind11::detail

namespace {

// ------------------------------------------------------------------ errors
PyObject* g_error = nullptr; // dnn_retinanet.error

void raiseCvError(const cv::Exception& e)
{
    PyObject* exc = PyObject_CallFunction(g_error, "s", e.what());
    if (!exc)
        return; // the constructor raised: that error stands
    const auto setAttr = [exc](const char* name, PyObject* value) {
        if (value)
        {
            PyObject_SetAttrString(exc, name, value);
            Py_DECREF(value);
        }
    };
    setAttr("err", PyUnicode_FromString(e.err.c_str()));
    setAttr("code", PyLong_FromLong(e.code));
    setAttr("func", PyUnicode_FromString(e.func.c_str()));
    setAttr("file", PyUnicode_FromString(e.file.c_str()));
    setAttr("line", PyLong_FromLong(e.line));
    setAttr("msg", PyUnicode_FromString(e.msg.c_str()));
    PyErr_SetObject(g_error, exc);
    Py_DECREF(exc);
}

// ------------------------------------------------------------------ numpy <-> cv::Mat

//! OpenCV depth of a numpy dtype, -1 when there is none (bool, int64, complex, non-native byte order, ...).
int depthOf(const py::dtype& dt)
{
    if (!dt.attr("isnative").cast<bool>())
        return -1;
    const char kind = dt.kind();
    const ssize_t size = dt.itemsize();
    if (kind == 'u' && size == 1) return CV_8U;
    if (kind == 'i' && size == 1) return CV_8S;
    if (kind == 'u' && size == 2) return CV_16U;
    if (kind == 'i' && size == 2) return CV_16S;
    if (kind == 'i' && size == 4) return CV_32S;
    if (kind == 'f' && size == 4) return CV_32F;
    if (kind == 'f' && size == 8) return CV_64F;
    if (kind == 'f' && size == 2) return CV_16F;
    return -1;
}

std::string dtypeName(const py::dtype& dt)
{
    return py::str(static_cast<const py::object&>(dt)).cast<std::string>();
}

/** A numpy array seen as a cv::Mat. @p keep holds the array the Mat points into (the caller's
 *  array, or a contiguous copy) and must outlive the Mat. */
struct MatRef
{
    Mat mat;
    py::object keep;
};

/** An image: None -> empty Mat (cv2 habit: detect(cv2.imread("missing")) then fails with the
 *  library's "empty frame"); (H, W) -> 1 channel, (H, W, C) -> C channels; other ranks become
 *  N-d Mats, which the library rejects with its own message. Not copied when the pixels of each
 *  row are contiguous (any positive row stride, so crops of a frame are views too). */
MatRef imageFromPython(const py::handle& obj, const char* what)
{
    MatRef r;
    if (obj.is_none())
        return r;
    py::array a = py::array::ensure(obj);
    if (!a)
        throw py::type_error(std::string(what) + ": expected a numpy array (as cv2.imread gives), got " +
                             py::str(py::type::of(obj)).cast<std::string>());
    const int depth = depthOf(a.dtype());
    if (depth < 0)
        throw py::type_error(std::string(what) + ": unsupported dtype " + dtypeName(a.dtype()) +
                             " (use uint8, uint16 or float32 in [0, 1], as cv2 gives images)");
    const ssize_t nd = a.ndim();
    if (nd < 2)
        CV_Error(Error::StsBadArg, format("dnn_retinanet: frames must be 2-D images (got %d dimensions)", (int)nd));
    const ssize_t esz1 = a.itemsize();
    const bool image = nd == 2 || (nd == 3 && a.shape(2) <= CV_CN_MAX);
    if (image)
    {
        const int cn = nd == 3 ? (int)a.shape(2) : 1;
        const bool viewable = (nd == 2 || a.strides(2) == esz1 || cn == 1) &&
                              (a.shape(1) <= 1 || a.strides(1) == esz1 * cn) &&
                              (a.shape(0) <= 1 || (a.strides(0) > 0 && a.strides(0) % esz1 == 0 &&
                                                   a.strides(0) >= esz1 * cn * a.shape(1)));
        if (!viewable)
            a = py::array::ensure(a, py::array::c_style); // a contiguous copy
        const size_t step = a.shape(0) <= 1 ? (size_t)(esz1 * cn * a.shape(1)) : (size_t)a.strides(0);
        r.mat = Mat((int)a.shape(0), (int)a.shape(1), CV_MAKETYPE(depth, cn), const_cast<void*>(a.data()),
                    step == 0 ? (size_t)Mat::AUTO_STEP : step);
    }
    else
        r.mat = [&] {
            a = py::array::ensure(a, py::array::c_style);
            std::vector<int> sizes(a.shape(), a.shape() + nd);
            return Mat((int)nd, sizes.data(), depth, const_cast<void*>(a.data()));
        }();
    r.keep = std::move(a);
    return r;
}

/** A tensor (decoder input): all dimensions are Mat dimensions (1 channel), C-contiguous (copied
 *  when it is not: a transposed torch tensor, a sliced view). Any dtype OpenCV has is passed on,
 *  so the decoder's own check reports anything but float32. */
MatRef tensorFromPython(const py::handle& obj, const char* what)
{
    MatRef r;
    py::array a = py::array::ensure(obj, py::array::c_style);
    if (!a)
        throw py::type_error(std::string(what) + ": expected a numpy array (or anything numpy.asarray takes), got " +
                             py::str(py::type::of(obj)).cast<std::string>());
    const int depth = depthOf(a.dtype());
    if (depth < 0)
        throw py::type_error(std::string(what) + ": unsupported dtype " + dtypeName(a.dtype()) + " (use float32)");
    const ssize_t nd = a.ndim();
    if (nd == 0)
        throw py::value_error(std::string(what) + ": a tensor needs at least one dimension");
    std::vector<int> sizes(a.shape(), a.shape() + nd);
    if (nd == 1)
        sizes.push_back(1);
    r.mat = Mat((int)sizes.size(), sizes.data(), depth, const_cast<void*>(a.data()));
    r.keep = std::move(a);
    return r;
}

//! A Mat as a numpy array without a copy: the array owns a reference to the Mat's buffer.
py::array matToArray(const Mat& m)
{
    CV_Assert(m.channels() == 1 && (m.depth() == CV_32F || m.depth() == CV_32S || m.depth() == CV_8U));
    Mat* owner = new Mat(m);
    py::capsule free(owner, [](void* p) { delete static_cast<Mat*>(p); });
    std::vector<ssize_t> shape(m.size.p, m.size.p + m.dims), strides(m.step.p, m.step.p + m.dims);
    py::dtype dt = m.depth() == CV_32F ? py::dtype::of<float>() : m.depth() == CV_32S ? py::dtype::of<int32_t>()
                                                                                    : py::dtype::of<uint8_t>();
    return py::array(dt, shape, strides, owner->data, free);
}

//! (classIds int32 (N,), scores float32 (N,), boxes float32 (N, 4) x1, y1, x2, y2)
py::tuple detectionsToPython(const std::vector<Detection>& dets)
{
    const ssize_t n = (ssize_t)dets.size();
    py::array_t<int32_t> ids(n);
    py::array_t<float> scores(n);
    py::array_t<float> boxes({n, (ssize_t)4});
    int32_t* pi = ids.mutable_data();
    float* ps = scores.mutable_data();
    float* pb = boxes.mutable_data();
    for (ssize_t i = 0; i < n; i++)
    {
        pi[i] = dets[i].classId;
        ps[i] = dets[i].score;
        std::memcpy(pb + 4 * i, dets[i].box.val, 4 * sizeof(float));
    }
    return py::make_tuple(ids, scores, boxes);
}

py::list batchToPython(const std::vector<std::vector<Detection> >& batch)
{
    py::list out;
    for (const std::vector<Detection>& d : batch)
        out.append(detectionsToPython(d));
    return out;
}

// ------------------------------------------------------------------ wrapped objects

/** Runs @p f without the GIL while holding @p mutex (taken after the GIL is released, so a thread
 *  waiting for the object never blocks the interpreter). */
template <typename F>
auto withoutGil(std::mutex& mutex, F&& f) -> decltype(f())
{
    py::gil_scoped_release nogil;
    std::lock_guard<std::mutex> lock(mutex);
    return f();
}

/** Seconds per call of @p n calls of @p f, timed in C++ (bench/python_overhead.py: the C++ side of
 *  the binding's overhead). The result vector is reused across calls, as a C++ caller would. */
template <typename F>
std::vector<double> timeCalls(int n, F&& f)
{
    std::vector<double> t;
    std::vector<std::vector<Detection> > d;
    for (int i = 0; i < n; i++)
    {
        const int64 t0 = getTickCount();
        f(d);
        t.push_back((double)(getTickCount() - t0) / getTickFrequency());
    }
    return t;
}

struct PyModel
{
    explicit PyModel(RetinaNetDetectionModel m) : model(std::move(m)) {}
    RetinaNetDetectionModel model;
    std::mutex mutex;
};

struct PyDecoder
{
    explicit PyDecoder(Ptr<RetinaNetDecoder> d) : decoder(std::move(d)) {}
    Ptr<RetinaNetDecoder> decoder;
    std::mutex mutex;
};

struct DecoderInputs
{
    std::vector<MatRef> refs;
    std::vector<Mat> mats;
};

DecoderInputs decoderInputs(const py::iterable& outputs)
{
    if (py::isinstance<py::array>(outputs))
        throw py::type_error("outputs: expected a list of arrays (one per head output), got one array");
    DecoderInputs in;
    for (const py::handle& o : outputs)
    {
        in.refs.push_back(tensorFromPython(o, "outputs"));
        in.mats.push_back(in.refs.back().mat);
    }
    return in;
}

std::string repr(const RetinaNetConfig& c)
{
    return format("<dnn_retinanet.RetinaNetConfig name='%s' numClasses=%d levels=%d anchors/location=%d>",
                  c.name.c_str(), c.numClasses, c.anchors.numLevels(), c.anchors.numAnchors());
}

template <typename T>
void addCopy(py::class_<T>& cls)
{
    cls.def(py::init<const T&>(), py::arg("other"), "A copy.")
       .def("__copy__", [](const T& self) { return T(self); })
       .def("__deepcopy__", [](const T& self, py::dict) { return T(self); }, py::arg("memo"));
}

} // namespace

PYBIND11_MODULE(dnn_retinanet, m)
{
    m.doc() = "RetinaNet (focal loss) object detection for OpenCV dnn: RetinaNetDetectionModel, "
              "RetinaNetDecoder, RetinaNetConfig. Images are numpy arrays as cv2 gives them (BGR).";
    m.attr("__version__") = DNN_RETINANET_VERSION;

    // dnn_retinanet.error: cv2.error's attributes and str(); catchable as cv2.error and RuntimeError.
    {
        py::tuple bases;
        try
        {
            bases = py::make_tuple(py::module_::import("cv2").attr("error"), py::handle(PyExc_RuntimeError));
        }
        catch (const py::error_already_set&)
        {
            bases = py::make_tuple(py::handle(PyExc_RuntimeError)); // no cv2: RuntimeError only
        }
        g_error = PyErr_NewExceptionWithDoc("dnn_retinanet.error",
                                            "An OpenCV error (cv::Exception) raised by dnn_retinanet: str() is the "
                                            "full OpenCV message; err is the message itself; code, func, file, "
                                            "line, msg as in cv2.error.",
                                            bases.ptr(), nullptr);
        if (!g_error)
            throw py::error_already_set();
        m.attr("error") = py::handle(g_error); // the module keeps the reference
    }
    py::register_exception_translator([](std::exception_ptr p) {
        try
        {
            if (p) std::rethrow_exception(p);
        }
        catch (const cv::Exception& e)
        {
            raiseCvError(e);
        }
    });

    // Enumerations as integer constants, as cv2 exposes them.
#define DNN_RETINANET_CONST(name) m.attr(#name) = (int)name
    DNN_RETINANET_CONST(ANCHOR_ORDER_RATIO_MAJOR); DNN_RETINANET_CONST(ANCHOR_ORDER_SIZE_MAJOR);
    DNN_RETINANET_CONST(ANCHOR_ROUNDING_NONE); DNN_RETINANET_CONST(ANCHOR_ROUNDING_ROUND);
    DNN_RETINANET_CONST(ANCHOR_ROUNDING_QUANTIZED);
    DNN_RETINANET_CONST(STRIDE_FIXED); DNN_RETINANET_CONST(STRIDE_PADDED_DIV_GRID);
    DNN_RETINANET_CONST(BOX_CODING_CENTER_SIZE); DNN_RETINANET_CONST(BOX_CODING_CORNERS);
    DNN_RETINANET_CONST(PLUS_ONE_NONE); DNN_RETINANET_CONST(PLUS_ONE_LEGACY); DNN_RETINANET_CONST(PLUS_ONE_SYMMETRIC);
    DNN_RETINANET_CONST(DELTA_CLAMP_NONE); DNN_RETINANET_CONST(DELTA_CLAMP_UPPER); DNN_RETINANET_CONST(DELTA_CLAMP_SYMMETRIC);
    DNN_RETINANET_CONST(CLIP_NONE); DNN_RETINANET_CONST(CLIP_BEFORE_NMS); DNN_RETINANET_CONST(CLIP_AFTER_NMS);
    DNN_RETINANET_CONST(CLIP_TO_IMAGE); DNN_RETINANET_CONST(CLIP_TO_INPUT);
    DNN_RETINANET_CONST(CLIP_SPACE_NETWORK); DNN_RETINANET_CONST(CLIP_SPACE_FRAME);
    DNN_RETINANET_CONST(SCORE_SIGMOID); DNN_RETINANET_CONST(SCORE_PROBABILITY); DNN_RETINANET_CONST(SCORE_FL_STAR);
    DNN_RETINANET_CONST(SCORE_SOFTMAX);
    DNN_RETINANET_CONST(SELECT_THRESHOLD_THEN_TOPK); DNN_RETINANET_CONST(SELECT_TOPK_THEN_THRESHOLD);
    DNN_RETINANET_CONST(LAYOUT_PER_LEVEL_NCHW); DNN_RETINANET_CONST(LAYOUT_CONCATENATED);
    DNN_RETINANET_CONST(LAYOUT_PER_LEVEL_NHWC);
    DNN_RETINANET_CONST(RESIZE_NONE); DNN_RETINANET_CONST(RESIZE_FIXED); DNN_RETINANET_CONST(RESIZE_KEEP_RATIO);
    DNN_RETINANET_CONST(RESIZE_LETTERBOX);
    DNN_RETINANET_CONST(INTER_TORCH_LINEAR);
    DNN_RETINANET_CONST(RESIZE_RULE_TORCHVISION); DNN_RETINANET_CONST(RESIZE_RULE_DETECTRON2);
    DNN_RETINANET_CONST(RESIZE_RULE_MMDETECTION); DNN_RETINANET_CONST(RESIZE_RULE_KERAS_RETINANET);
    DNN_RETINANET_CONST(RESIZE_RULE_DETECTRON); DNN_RETINANET_CONST(RESIZE_RULE_ODTK);
    DNN_RETINANET_CONST(RESIZE_INPUT_FLOAT); DNN_RETINANET_CONST(RESIZE_INPUT_UINT8);
#undef DNN_RETINANET_CONST

    // ---------------------------------------------------------------- config sections
    py::class_<AnchorConfig> anchors(m, "AnchorConfig", "The 'anchors' section of a RetinaNetConfig.");
    anchors.def(py::init<>())
        .def_readwrite("strides", &AnchorConfig::strides)
        .def_readwrite("sizes", &AnchorConfig::sizes, "row-major, sizesPerLevel columns per level")
        .def_readwrite("sizesPerLevel", &AnchorConfig::sizesPerLevel)
        .def_readwrite("aspectRatios", &AnchorConfig::aspectRatios)
        .def_readwrite("order", &AnchorConfig::order)
        .def_readwrite("rounding", &AnchorConfig::rounding)
        .def_readwrite("strideMode", &AnchorConfig::strideMode)
        .def_readwrite("centerOffset", &AnchorConfig::centerOffset)
        .def_readwrite("centerOffsetPixels", &AnchorConfig::centerOffsetPixels)
        .def_readwrite("plusOne", &AnchorConfig::plusOne)
        .def("numLevels", &AnchorConfig::numLevels)
        .def("numAnchors", &AnchorConfig::numAnchors);
    addCopy(anchors);

    py::class_<BoxCodingConfig> boxCoding(m, "BoxCodingConfig", "The 'box_coding' section of a RetinaNetConfig.");
    boxCoding.def(py::init<>())
        .def_readwrite("type", &BoxCodingConfig::type)
        .def_readwrite("means", &BoxCodingConfig::means)
        .def_readwrite("stds", &BoxCodingConfig::stds)
        .def_readwrite("plusOne", &BoxCodingConfig::plusOne)
        .def_readwrite("clamp", &BoxCodingConfig::clamp)
        .def_readwrite("clampValue", &BoxCodingConfig::clampValue)
        .def_readwrite("clip", &BoxCodingConfig::clip)
        .def_readwrite("clipTarget", &BoxCodingConfig::clipTarget)
        .def_readwrite("clipMaxOffset", &BoxCodingConfig::clipMaxOffset)
        .def_readwrite("clipSpace", &BoxCodingConfig::clipSpace);
    addCopy(boxCoding);

    py::class_<ScoringConfig> scoring(m, "ScoringConfig", "The 'scoring' section of a RetinaNetConfig.");
    scoring.def(py::init<>())
        .def_readwrite("activation", &ScoringConfig::activation)
        .def_readwrite("gamma", &ScoringConfig::gamma)
        .def_readwrite("beta", &ScoringConfig::beta)
        .def_readwrite("backgroundChannel", &ScoringConfig::backgroundChannel);
    addCopy(scoring);

    py::class_<SelectionConfig> selection(m, "SelectionConfig", "The 'selection' section of a RetinaNetConfig.");
    selection.def(py::init<>())
        .def_readwrite("scoreThreshold", &SelectionConfig::scoreThreshold)
        .def_readwrite("levelScoreThresholds", &SelectionConfig::levelScoreThresholds)
        .def_readwrite("thresholdInclusive", &SelectionConfig::thresholdInclusive)
        .def_readwrite("order", &SelectionConfig::order)
        .def_readwrite("topkPerLevel", &SelectionConfig::topkPerLevel)
        .def_readwrite("nmsThreshold", &SelectionConfig::nmsThreshold)
        .def_readwrite("nmsInclusive", &SelectionConfig::nmsInclusive)
        .def_readwrite("classAgnosticNms", &SelectionConfig::classAgnosticNms)
        .def_readwrite("nmsPlusOne", &SelectionConfig::nmsPlusOne)
        .def_readwrite("maxDetections", &SelectionConfig::maxDetections)
        .def_readwrite("minBoxSize", &SelectionConfig::minBoxSize);
    addCopy(selection);

    py::class_<OutputConfig> outputs(m, "OutputConfig", "The 'outputs' section of a RetinaNetConfig.");
    outputs.def(py::init<>())
        .def_readwrite("layout", &OutputConfig::layout)
        .def_readwrite("clsNames", &OutputConfig::clsNames)
        .def_readwrite("boxNames", &OutputConfig::boxNames);
    addCopy(outputs);

    py::class_<PreprocessConfig> preprocess(m, "PreprocessConfig", "The 'preprocess' section of a RetinaNetConfig.");
    preprocess.def(py::init<>())
        .def_readwrite("swapRB", &PreprocessConfig::swapRB)
        .def_readwrite("scale", &PreprocessConfig::scale)
        .def_readwrite("mean", &PreprocessConfig::mean)
        .def_readwrite("std", &PreprocessConfig::std)
        .def_readwrite("resize", &PreprocessConfig::resize)
        .def_readwrite("inputSize", &PreprocessConfig::inputSize)
        .def_readwrite("minSize", &PreprocessConfig::minSize)
        .def_readwrite("maxSize", &PreprocessConfig::maxSize)
        .def_readwrite("padDivisor", &PreprocessConfig::padDivisor)
        .def_readwrite("padValue", &PreprocessConfig::padValue)
        .def_readwrite("interpolation", &PreprocessConfig::interpolation, "cv2.INTER_* or INTER_TORCH_LINEAR")
        .def_readwrite("resizeRule", &PreprocessConfig::resizeRule, "RESIZE_RULE_* (RESIZE_KEEP_RATIO only)")
        .def_readwrite("resizeInput", &PreprocessConfig::resizeInput, "RESIZE_INPUT_*");
    addCopy(preprocess);

    py::class_<RetinaNetConfig> config(m, "RetinaNetConfig",
        "How a RetinaNet's outputs are decoded (doc/config.md). Sections are attributes that are changed in "
        "place (config.selection.scoreThreshold = 0.3); list fields are copies: assign a new list.");
    config.def(py::init<>())
        .def_readwrite("numClasses", &RetinaNetConfig::numClasses)
        .def_readwrite("classNames", &RetinaNetConfig::classNames)
        .def_readwrite("anchors", &RetinaNetConfig::anchors)
        .def_readwrite("boxCoding", &RetinaNetConfig::boxCoding)
        .def_readwrite("scoring", &RetinaNetConfig::scoring)
        .def_readwrite("selection", &RetinaNetConfig::selection)
        .def_readwrite("outputs", &RetinaNetConfig::outputs)
        .def_readwrite("preprocess", &RetinaNetConfig::preprocess)
        .def_readwrite("name", &RetinaNetConfig::name)
        .def_static("load", &RetinaNetConfig::load, py::arg("pathOrPreset"),
                    "A config file (.yml, .yaml, .json, .gz) or, when the argument is not a file and has no "
                    "extension, the shipped preset of that name.")
        .def_static("preset", &RetinaNetConfig::preset, py::arg("name"))
        .def_static("presetNames", &RetinaNetConfig::presetNames)
        .def("save", &RetinaNetConfig::save, py::arg("path"))
        .def("validate", &RetinaNetConfig::validate, "Raises dnn_retinanet.error naming the first inconsistent field.")
        .def("__repr__", [](const RetinaNetConfig& c) { return repr(c); });
    addCopy(config);

    // ---------------------------------------------------------------- small result types
    py::class_<LetterboxInfo>(m, "LetterboxInfo", "Where a frame went inside the network input: input = frame * scale.")
        .def(py::init<>())
        .def_readwrite("frameSize", &LetterboxInfo::frameSize)
        .def_readwrite("imageSize", &LetterboxInfo::imageSize)
        .def_readwrite("inputSize", &LetterboxInfo::inputSize)
        .def_readwrite("scaleX", &LetterboxInfo::scaleX)
        .def_readwrite("scaleY", &LetterboxInfo::scaleY)
        .def("__repr__", [](const LetterboxInfo& i) {
            return format("<dnn_retinanet.LetterboxInfo frameSize=(%d, %d) imageSize=(%d, %d) inputSize=(%d, %d) "
                          "scale=(%g, %g)>", i.frameSize.width, i.frameSize.height, i.imageSize.width,
                          i.imageSize.height, i.inputSize.width, i.inputSize.height, i.scaleX, i.scaleY);
        });

    py::class_<FrameInfo>(m, "FrameInfo", "An image's original frame and resize factor (input = frame * scale), "
                                          "for RetinaNetDecoder.decode(frames=...).")
        .def(py::init<>())
        .def(py::init<const Size&, double, double>(), py::arg("frameSize"), py::arg("scaleX"), py::arg("scaleY"))
        .def_readwrite("frameSize", &FrameInfo::frameSize)
        .def_readwrite("scaleX", &FrameInfo::scaleX)
        .def_readwrite("scaleY", &FrameInfo::scaleY);

    py::class_<Timings>(m, "Timings", "Per-stage time of the last RetinaNetDetectionModel call, in milliseconds.")
        .def(py::init<>())
        .def_readwrite("preprocess", &Timings::preprocess, "frame(s) to network blob")
        .def_readwrite("network", &Timings::network, "the forward pass without the decode layer")
        .def_readwrite("decode", &Timings::decode, "the decode layer alone")
        .def_readwrite("postprocess", &Timings::postprocess, "mapping the output rows back to the frame(s)")
        .def_readwrite("total", &Timings::total, "the whole call")
        .def("__repr__", [](const Timings& t) {
            return format("<dnn_retinanet.Timings preprocess=%.3f network=%.3f decode=%.3f postprocess=%.3f "
                          "total=%.3f ms>", t.preprocess, t.network, t.decode, t.postprocess, t.total);
        });

    py::class_<DecodeStats>(m, "DecodeStats", "Counters of the last decode() call.")
        .def_readonly("scanned", &DecodeStats::scanned)
        .def_readonly("candidates", &DecodeStats::candidates)
        .def_readonly("afterTopk", &DecodeStats::afterTopk)
        .def_readonly("nonFinite", &DecodeStats::nonFinite)
        .def_readonly("detections", &DecodeStats::detections)
        .def_readonly("rescans", &DecodeStats::rescans);

    // ---------------------------------------------------------------- decoder
    py::class_<PyDecoder>(m, "RetinaNetDecoder",
        "The focal-loss-aware anchor decoder on raw head outputs (numpy float32, any layout the config "
        "supports, a batch of images). One decoder is used by one thread at a time (calls from others wait); "
        "create one per thread to decode in parallel.")
        .def_static("create", [](const RetinaNetConfig& c) {
            return std::unique_ptr<PyDecoder>(new PyDecoder(RetinaNetDecoder::create(c)));
        }, py::arg("config"), "A CPU decoder; the config is validated.")
        .def("decode", [](PyDecoder& self, const py::iterable& outputs, const std::vector<std::string>& names,
                          const Size& inputSize, const std::vector<Size>& imageSizes,
                          const std::vector<FrameInfo>& frames) {
            DecoderInputs in = decoderInputs(outputs);
            std::vector<std::vector<Detection> > dets;
            withoutGil(self.mutex, [&] {
                self.decoder->decode(in.mats, names, inputSize, imageSizes, frames, dets);
            });
            return batchToPython(dets);
        }, py::arg("outputs"), py::arg("names") = std::vector<std::string>(), py::arg("inputSize"),
           py::arg("imageSizes") = std::vector<Size>(), py::arg("frames") = std::vector<FrameInfo>(),
           "Decodes a batch: outputs (list of arrays), their names (may be empty: mapped by shape), inputSize "
           "(width, height) of the padded network input, imageSizes (per image, its valid part; empty: the "
           "whole input), frames (optional FrameInfo per image). Returns one (classIds int32 (N,), scores "
           "float32 (N,), boxes float32 (N, 4) x1, y1, x2, y2) tuple per image, best first, in network-input "
           "pixels (frame pixels with clip_space: frame and frames).")
        .def("decodeToBlob", [](PyDecoder& self, const py::iterable& outputs, const std::vector<std::string>& names,
                                const Size& inputSize, const std::vector<Size>& imageSizes) {
            DecoderInputs in = decoderInputs(outputs);
            Mat blob;
            withoutGil(self.mutex, [&] { self.decoder->decodeToBlob(in.mats, names, inputSize, imageSizes, blob); });
            return matToArray(blob);
        }, py::arg("outputs"), py::arg("names") = std::vector<std::string>(), py::arg("inputSize"),
           py::arg("imageSizes") = std::vector<Size>(),
           "decode() as an SSD-style [1, 1, D, 7] float32 array of [imageId, classId, score, x1, y1, x2, y2].")
        .def("getConfig", [](PyDecoder& self) {
            return withoutGil(self.mutex, [&] { return RetinaNetConfig(self.decoder->getConfig()); });
        }, "A copy of the decoder's config (with the setters' changes).")
        .def("setScoreThreshold", [](PyDecoder& self, float t) {
            withoutGil(self.mutex, [&] { self.decoder->setScoreThreshold(t); });
        }, py::arg("threshold"))
        .def("setNmsThreshold", [](PyDecoder& self, float t) {
            withoutGil(self.mutex, [&] { self.decoder->setNmsThreshold(t); });
        }, py::arg("threshold"))
        .def("setTopK", [](PyDecoder& self, int k) {
            withoutGil(self.mutex, [&] { self.decoder->setTopK(k); });
        }, py::arg("topkPerLevel"))
        .def("setMaxDetections", [](PyDecoder& self, int n) {
            withoutGil(self.mutex, [&] { self.decoder->setMaxDetections(n); });
        }, py::arg("maxDetections"))
        .def("setClassAgnosticNms", [](PyDecoder& self, bool a) {
            withoutGil(self.mutex, [&] { self.decoder->setClassAgnosticNms(a); });
        }, py::arg("agnostic"))
        .def("getLastStats", [](PyDecoder& self) {
            return withoutGil(self.mutex, [&] { return self.decoder->getLastStats(); });
        })
        .def("_cppDecodeTimes", [](PyDecoder& self, const py::iterable& outputs, const std::vector<std::string>& names,
                                   const Size& inputSize, const std::vector<Size>& imageSizes, int n) {
            DecoderInputs in = decoderInputs(outputs);
            return withoutGil(self.mutex, [&] {
                return timeCalls(n, [&](std::vector<std::vector<Detection> >& d) {
                    self.decoder->decode(in.mats, names, inputSize, imageSizes, d);
                });
            });
        }, py::arg("outputs"), py::arg("names"), py::arg("inputSize"), py::arg("imageSizes"), py::arg("n"),
           "Benchmark helper (bench/python_overhead.py): n decode() calls in a C++ loop, seconds per call.");

    // ---------------------------------------------------------------- model
    py::class_<PyModel>(m, "RetinaNetDetectionModel",
        "RetinaNet as an OpenCV detection model: full preprocessing (resize, padding, per-channel mean and std), "
        "the network, the decoder; boxes in frame pixels. One model is used by one thread at a time (calls "
        "from others wait); independent models run in parallel.")
        .def(py::init([](const std::string& model, const std::string& config) {
            py::gil_scoped_release nogil;
            return new PyModel(RetinaNetDetectionModel(model, config));
        }), py::arg("model"), py::arg("config"),
            "model: the network file (ONNX); config: a config file or a preset name.")
        .def(py::init([](const std::string& model, const RetinaNetConfig& config) {
            py::gil_scoped_release nogil;
            return new PyModel(RetinaNetDetectionModel(model, config));
        }), py::arg("model"), py::arg("config"), "model: the network file (ONNX); config: a RetinaNetConfig.")
        .def("detect", [](PyModel& self, const py::object& frame, float confThreshold, float nmsThreshold) {
            MatRef f = imageFromPython(frame, "frame");
            std::vector<int> ids;
            std::vector<float> conf;
            std::vector<Rect> boxes;
            withoutGil(self.mutex, [&] { self.model.detect(f.mat, ids, conf, boxes, confThreshold, nmsThreshold); });
            const ssize_t n = (ssize_t)ids.size();
            py::array_t<int32_t> pids(n), pboxes({n, (ssize_t)4});
            py::array_t<float> pconf(n);
            if (n)
            {
                std::memcpy(pids.mutable_data(), ids.data(), n * sizeof(int));
                std::memcpy(pconf.mutable_data(), conf.data(), n * sizeof(float));
                int32_t* b = pboxes.mutable_data();
                for (ssize_t i = 0; i < n; i++)
                {
                    b[4 * i] = boxes[i].x; b[4 * i + 1] = boxes[i].y;
                    b[4 * i + 2] = boxes[i].width; b[4 * i + 3] = boxes[i].height;
                }
            }
            return py::make_tuple(pids, pconf, pboxes);
        }, py::arg("frame"), py::arg("confThreshold") = 0.5f, py::arg("nmsThreshold") = 0.0f,
           "Like cv2.dnn.DetectionModel.detect: (classIds int32 (N,), confidences float32 (N,), boxes int32 (N, 4) "
           "x, y, w, h) with confidence >= confThreshold; nmsThreshold > 0 overrides the config's for this call.")
        .def("detectAll", [](PyModel& self, const py::object& frame) {
            MatRef f = imageFromPython(frame, "frame");
            std::vector<Detection> dets;
            withoutGil(self.mutex, [&] { self.model.detect(f.mat, dets); });
            return detectionsToPython(dets);
        }, py::arg("frame"),
           "Every detection above the config's score threshold, best first: (classIds int32 (N,), scores float32 "
           "(N,), boxes float32 (N, 4) x1, y1, x2, y2 in frame pixels, sub-pixel).")
        .def("detectBatch", [](PyModel& self, const py::iterable& frames) {
            if (py::isinstance<py::array>(frames))
                throw py::type_error("frames: expected a list of images, got one array");
            std::vector<MatRef> refs;
            std::vector<Mat> mats;
            for (const py::handle& f : frames)
            {
                refs.push_back(imageFromPython(f, "frames"));
                mats.push_back(refs.back().mat);
            }
            std::vector<std::vector<Detection> > dets;
            withoutGil(self.mutex, [&] { self.model.detectBatch(mats, dets); });
            return batchToPython(dets);
        }, py::arg("frames"),
           "Frames (sizes may differ) in one forward pass; one detectAll() tuple per frame, equal to detectAll() "
           "on each frame.")
        .def("setScoreThreshold", [](PyModel& self, float t) -> PyModel& {
            withoutGil(self.mutex, [&] { self.model.setScoreThreshold(t); });
            return self;
        }, py::arg("threshold"), py::return_value_policy::reference)
        .def("setNmsThreshold", [](PyModel& self, float t) -> PyModel& {
            withoutGil(self.mutex, [&] { self.model.setNmsThreshold(t); });
            return self;
        }, py::arg("threshold"), py::return_value_policy::reference)
        .def("setTopK", [](PyModel& self, int k) -> PyModel& {
            withoutGil(self.mutex, [&] { self.model.setTopK(k); });
            return self;
        }, py::arg("topkPerLevel"), py::return_value_policy::reference)
        .def("setMaxDetections", [](PyModel& self, int n) -> PyModel& {
            withoutGil(self.mutex, [&] { self.model.setMaxDetections(n); });
            return self;
        }, py::arg("maxDetections"), py::return_value_policy::reference)
        .def("setClassAgnosticNms", [](PyModel& self, bool a) -> PyModel& {
            withoutGil(self.mutex, [&] { self.model.setClassAgnosticNms(a); });
            return self;
        }, py::arg("agnostic"), py::return_value_policy::reference)
        .def("setInputResize", [](PyModel& self, int mode, const Size& size, int minSize, int maxSize) -> PyModel& {
            withoutGil(self.mutex, [&] { self.model.setInputResize(mode, size, minSize, maxSize); });
            return self;
        }, py::arg("mode"), py::arg("size") = Size(), py::arg("minSize") = 0, py::arg("maxSize") = 0,
           py::return_value_policy::reference,
           "RESIZE_KEEP_RATIO (minSize, maxSize), RESIZE_FIXED or RESIZE_LETTERBOX (size), RESIZE_NONE.")
        .def("setPreferableBackend", [](PyModel& self, int b) -> PyModel& {
            withoutGil(self.mutex, [&] { self.model.setPreferableBackend((dnn::Backend)b); });
            return self;
        }, py::arg("backendId"), py::return_value_policy::reference, "cv2.dnn.DNN_BACKEND_*")
        .def("setPreferableTarget", [](PyModel& self, int t) -> PyModel& {
            withoutGil(self.mutex, [&] { self.model.setPreferableTarget((dnn::Target)t); });
            return self;
        }, py::arg("targetId"), py::return_value_policy::reference, "cv2.dnn.DNN_TARGET_*")
        .def("getBackend", [](PyModel& self) {
            return withoutGil(self.mutex, [&] { return (int)self.model.getBackend(); });
        })
        .def("getTarget", [](PyModel& self) {
            return withoutGil(self.mutex, [&] { return (int)self.model.getTarget(); });
        })
        .def("getClassNames", [](PyModel& self) {
            return withoutGil(self.mutex, [&] { return self.model.getClassNames(); });
        })
        .def("getConfig", [](PyModel& self) {
            return withoutGil(self.mutex, [&] { return RetinaNetConfig(self.model.getConfig()); });
        }, "A copy of the model's config.")
        .def("getLastLetterbox", [](PyModel& self) {
            return withoutGil(self.mutex, [&] { return self.model.getLastLetterbox(); });
        })
        .def("getLastTimings", [](PyModel& self) {
            return withoutGil(self.mutex, [&] { return self.model.getLastTimings(); });
        }, "Timings of the last call (preprocess, network, decode, postprocess, total), in milliseconds.")
        .def("_cppDetectTimes", [](PyModel& self, const py::object& frame, int n, float confThreshold) {
            MatRef f = imageFromPython(frame, "frame");
            std::vector<int> ids;
            std::vector<float> conf;
            std::vector<Rect> boxes;
            return withoutGil(self.mutex, [&] {
                return timeCalls(n, [&](std::vector<std::vector<Detection> >& d) {
                    d.resize(1);
                    if (confThreshold >= 0)
                        self.model.detect(f.mat, ids, conf, boxes, confThreshold);
                    else
                        self.model.detect(f.mat, d[0]);
                });
            });
        }, py::arg("frame"), py::arg("n"), py::arg("confThreshold") = -1.f,
           "Benchmark helper (bench/python_overhead.py): n calls in a C++ loop, seconds per call, of "
           "detect(frame, detections) (what detectAll() wraps) or, with confThreshold >= 0, of "
           "detect(frame, classIds, confidences, boxes, confThreshold) (what detect() wraps).");

    // ---------------------------------------------------------------- functions
    m.def("blobFromFrame", [](const py::object& frame, const PreprocessConfig& pre) {
        MatRef f = imageFromPython(frame, "frame");
        Mat blob;
        LetterboxInfo info;
        {
            py::gil_scoped_release nogil;
            blobFromFrame(f.mat, pre, blob, info);
        }
        return py::make_tuple(matToArray(blob), info);
    }, py::arg("frame"), py::arg("preprocess"),
       "The network input of a frame as the config's preprocess section says: (blob float32 (1, 3, H, W), "
       "LetterboxInfo). To run the network with another runtime and decode with RetinaNetDecoder.");
    m.def("boxesToFrame", [](const py::object& boxesObj, const LetterboxInfo& info, const PreprocessConfig& pre) {
        py::array_t<float, py::array::c_style | py::array::forcecast> boxes(boxesObj);
        if (!(boxes.ndim() == 2 && boxes.shape(1) == 4) && !(boxes.ndim() == 1 && boxes.shape(0) == 0))
            throw py::value_error("boxes: expected an (N, 4) array of x1, y1, x2, y2");
        const ssize_t n = boxes.ndim() == 2 ? boxes.shape(0) : 0;
        py::array_t<float> out({n, (ssize_t)4});
        const float* in = boxes.data();
        float* o = out.mutable_data();
        for (ssize_t i = 0; i < n; i++)
        {
            const Vec4f b = cv::dnn_retinanet::boxToFrame(Vec4f(in + 4 * i), info, pre);
            std::memcpy(o + 4 * i, b.val, sizeof(b.val));
        }
        return out;
    }, py::arg("boxes"), py::arg("info"), py::arg("preprocess"),
       "Boxes (N, 4) x1, y1, x2, y2 in network-input pixels, as RetinaNetDecoder.decode() gives them, mapped to "
       "the frame exactly as RetinaNetDetectionModel does (clamped to the resized image, then the config's "
       "framework's rescaling); info is blobFromFrame()'s LetterboxInfo. (With clip_space frame and frames, "
       "decode() already returns frame pixels.)");
    m.def("rawScoreThreshold", &rawScoreThreshold, py::arg("scoring"), py::arg("t"), py::arg("inclusive") = false,
          "The threshold on raw head values equivalent to the score threshold t.");
    m.def("scoreFromRaw", &scoreFromRaw, py::arg("scoring"), py::arg("raw"));
    m.def("registerRetinaNetLayers", &registerRetinaNetLayers,
          "Registers the RetinaNetDecode dnn layer (needed only to read graphs that contain it with cv2.dnn).");
}
