// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// A minimal protobuf wire-format reader (no protobuf library needed):
//  - stripOnnxGraphOutputs: ModelProto.graph (field 7) is re-emitted without GraphProto.output
//    (field 12); every other byte is copied as is;
//  - findOnnxExternalData: the initializers (GraphProto.initializer, field 5) whose TensorProto has
//    data_location (14) = EXTERNAL and their external_data (13) entries;
//  - inlineOnnxExternalData: those tensors re-emitted with their side-file bytes as raw_data (9).
// Field numbers are onnx.proto's. Walks have a fixed depth; malformed input throws cv::Exception.

#include "onnx_graph_outputs.hpp"
#include "../precomp.hpp"

#include <climits>
#include <fstream>
#include <map>

namespace cv { namespace dnn_retinanet {

namespace {

//! A byte range of the model; the parser walks nested messages without copying them.
struct Bytes
{
    const char* p;
    size_t n;
    Bytes(const char* p_, size_t n_) : p(p_), n(n_) {}
    Bytes(const std::string& s) : p(s.data()), n(s.size()) {}
    size_t size() const { return n; }
    Bytes sub(size_t begin, size_t end) const { return Bytes(p + begin, end - begin); }
    std::string str() const { return std::string(p, n); }
};

uint64_t readVarint(Bytes s, size_t& pos)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7)
    {
        if (pos >= s.size())
            CV_Error(Error::StsParseError, "dnn_retinanet: truncated ONNX model");
        const unsigned char b = (unsigned char)s.p[pos++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    CV_Error(Error::StsParseError, "dnn_retinanet: malformed varint in ONNX model");
}

void writeVarint(std::string& out, uint64_t v)
{
    while (v >= 0x80)
    {
        out.push_back((char)(v | 0x80));
        v >>= 7;
    }
    out.push_back((char)v);
}

// Calls f(fieldNumber, wireType, [begin, end) of the whole field incl. tag, payload begin, payload end).
// For varint fields (wire type 0) f may read the value with readVarint(s, payload).
// One level only: nested messages are walked by calling it again on the payload, so the depth of a
// walk is fixed by the caller (no recursion driven by the input).
template <typename F> void forEachField(Bytes s, F f)
{
    size_t pos = 0;
    while (pos < s.size())
    {
        const size_t begin = pos;
        const uint64_t key = readVarint(s, pos);
        const int field = (int)std::min<uint64_t>(key >> 3, INT_MAX), wire = (int)(key & 7);
        size_t payload = pos;
        switch (wire)
        {
        case 0: readVarint(s, pos); break;
        case 1:
            if (s.size() - pos < 8)
                CV_Error(Error::StsParseError, "dnn_retinanet: truncated ONNX model");
            pos += 8;
            break;
        case 5:
            if (s.size() - pos < 4)
                CV_Error(Error::StsParseError, "dnn_retinanet: truncated ONNX model");
            pos += 4;
            break;
        case 2:
        {
            const uint64_t len = readVarint(s, pos);
            payload = pos;
            if (len > s.size() - pos)
                CV_Error(Error::StsParseError, "dnn_retinanet: truncated field in ONNX model");
            pos += (size_t)len;
            break;
        }
        default:
            CV_Error(Error::StsParseError, format("dnn_retinanet: unsupported protobuf wire type %d in ONNX model", wire));
        }
        f(field, wire, begin, pos, payload);
    }
}

std::string readString(Bytes s, size_t payload, size_t end) { return s.sub(payload, end).str(); }

void writeStringField(std::string& out, int field, const std::string& value)
{
    writeVarint(out, (uint64_t)(field << 3 | 2));
    writeVarint(out, value.size());
    out += value;
}

// GraphProto without its outputs; nodes that produced a graph output are renamed after it.
std::string filterGraph(const std::string& graph)
{
    const int kGraphNode = 1, kGraphOutput = 12, kValueInfoName = 1, kNodeOutput = 2, kNodeName = 3;
    std::vector<std::string> outputs;
    forEachField(graph, [&](int field, int wire, size_t, size_t end, size_t payload) {
        if (field != kGraphOutput || wire != 2)
            return;
        const std::string info = readString(graph, payload, end);
        forEachField(info, [&](int f, int w, size_t, size_t e, size_t p) {
            if (f == kValueInfoName && w == 2) outputs.push_back(readString(info, p, e));
        });
    });
    std::string filtered;
    filtered.reserve(graph.size());
    forEachField(graph, [&](int field, int wire, size_t begin, size_t end, size_t payload) {
        if (field == kGraphOutput && wire == 2)
            return;
        if (field != kGraphNode || wire != 2)
        {
            filtered.append(graph, begin, end - begin);
            return;
        }
        const std::string node = readString(graph, payload, end);
        std::string producedOutput;
        forEachField(node, [&](int f, int w, size_t, size_t e, size_t p) {
            if (f == kNodeOutput && w == 2 && producedOutput.empty())
            {
                const std::string o = readString(node, p, e);
                if (std::find(outputs.begin(), outputs.end(), o) != outputs.end()) producedOutput = o;
            }
        });
        if (producedOutput.empty())
        {
            filtered.append(graph, begin, end - begin);
            return;
        }
        std::string renamed;
        forEachField(node, [&](int f, int w, size_t b, size_t e, size_t) {
            if (!(f == kNodeName && w == 2)) renamed.append(node, b, e - b);
        });
        writeStringField(renamed, kNodeName, producedOutput);
        writeStringField(filtered, kGraphNode, renamed);
    });
    return filtered;
}

// "123" -> 123; -1 for anything that is not a non-negative decimal integer below 2^62.
int64 parseDecimal(const std::string& s)
{
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos)
        return -1;
    int64 v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
}

// Bytes per element of TensorProto.DataType with a fixed size; 0 for STRING, UNDEFINED and unknown.
int elementSize(int64 dataType)
{
    switch (dataType)
    {
    case 2: case 3: case 9: return 1;                 // UINT8, INT8, BOOL
    case 4: case 5: case 10: case 16: return 2;       // UINT16, INT16, FLOAT16, BFLOAT16
    case 1: case 6: case 12: return 4;                // FLOAT, INT32, UINT32
    case 7: case 11: case 13: case 14: return 8;      // INT64, DOUBLE, UINT64, COMPLEX64
    case 15: return 16;                               // COMPLEX128
    default: return 0;
    }
}

const int kTensorDims = 1, kTensorDataType = 2, kTensorName = 8, kTensorRawData = 9, kTensorExternalData = 13,
          kTensorDataLocation = 14, kLocationExternal = 1;

/* Reads one TensorProto; returns whether its data is external (then @p t is filled). Bytes the data
 * must have: product of dims times the element size (-1 when the type has no fixed size or the
 * product exceeds 2^40). */
bool readExternalTensor(Bytes tensor, OnnxExternalTensor& t)
{
    const int kEntryKey = 1, kEntryValue = 2;
    bool external = false;
    std::string offset, length;
    int64 dataType = 0, elements = 1;
    bool dimsValid = true;
    auto addDim = [&](uint64_t d) {
        const uint64_t kMax = (uint64_t)1 << 40;
        if (d > kMax || (d > 0 && (uint64_t)elements > kMax / d)) dimsValid = false;
        else elements *= (int64)d;
    };
    forEachField(tensor, [&](int f, int w, size_t, size_t e, size_t p) {
        size_t pos = p;
        if (f == kTensorDataLocation && w == 0)
            external = readVarint(tensor, pos) == (uint64_t)kLocationExternal;
        else if (f == kTensorDataType && w == 0)
            dataType = (int64)std::min<uint64_t>(readVarint(tensor, pos), INT_MAX);
        else if (f == kTensorDims && w == 0)
            addDim(readVarint(tensor, pos));
        else if (f == kTensorDims && w == 2) // packed
            while (pos < e) addDim(readVarint(tensor.sub(0, e), pos));
        else if (f == kTensorName && w == 2)
            t.tensor = readString(tensor, p, e);
        else if (f == kTensorExternalData && w == 2)
        {
            const Bytes entry = tensor.sub(p, e);
            std::string key, value;
            forEachField(entry, [&](int ef, int ew, size_t, size_t ee, size_t ep) {
                if (ef == kEntryKey && ew == 2) key = readString(entry, ep, ee);
                else if (ef == kEntryValue && ew == 2) value = readString(entry, ep, ee);
            });
            if (key == "location") t.location = value;
            else if (key == "offset") offset = value;
            else if (key == "length") length = value;
        }
    });
    if (!external)
        return false;
    t.offset = offset.empty() ? 0 : parseDecimal(offset);
    t.length = length.empty() ? -1 : parseDecimal(length);
    t.valid = !t.location.empty() && t.offset >= 0 && (length.empty() || t.length >= 0);
    t.dataBytes = dimsValid && elementSize(dataType) > 0 ? elements * elementSize(dataType) : -1;
    return true;
}

// The external-data tensors of one GraphProto's initializers.
void findExternalInitializers(Bytes graph, std::vector<OnnxExternalTensor>& found)
{
    const int kGraphInitializer = 5;
    forEachField(graph, [&](int field, int wire, size_t, size_t end, size_t payload) {
        OnnxExternalTensor t;
        if (field == kGraphInitializer && wire == 2 && readExternalTensor(graph.sub(payload, end), t))
            found.push_back(t);
    });
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// The folder of a model path ("" for a bare file name), with its trailing separator.
std::string folderOf(const std::string& path)
{
    const size_t slash = path.find_last_of("/\\");
    return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

// Size of a regular file, -1 when it cannot be opened.
int64 fileSize(const std::string& path)
{
    std::ifstream f(path.c_str(), std::ios::binary | std::ios::ate);
    if (!f.good())
        return -1;
    const std::streamoff n = f.tellg();
    return n < 0 ? -1 : (int64)n;
}

// A location inside the model's folder: relative, no ".." component (onnx.checker's rule too).
bool insideModelFolder(const std::string& location)
{
    if (location.empty() || location[0] == '/' || location[0] == '\\' || location.find(':') != std::string::npos ||
        location.find('\0') != std::string::npos)
        return false;
    size_t begin = 0;
    while (begin <= location.size())
    {
        size_t end = location.find_first_of("/\\", begin);
        if (end == std::string::npos) end = location.size();
        if (location.compare(begin, end - begin, "..") == 0)
            return false;
        begin = end + 1;
    }
    return true;
}

// Bytes a tensor reads from its side file: the data size, or "length" when the type has none.
int64 bytesToRead(const OnnxExternalTensor& t) { return t.dataBytes >= 0 ? t.dataBytes : t.length; }

// Why the tensors cannot be read from their side files next to @p modelPath; empty when they can.
std::string externalDataProblem(const std::vector<OnnxExternalTensor>& tensors, const std::string& modelPath,
                                int64 modelBytes)
{
    const std::string folder = folderOf(modelPath);
    std::map<std::string, int64> sizes;
    int64 total = modelBytes;
    for (const OnnxExternalTensor& t : tensors)
    {
        if (!t.valid)
            return "tensor '" + t.tensor + "' has no valid location/offset/length entries";
        if (!insideModelFolder(t.location))
            return "tensor '" + t.tensor + "': location '" + t.location + "' is not a relative path inside the "
                   "model's folder";
        if (t.dataBytes < 0)
            return "tensor '" + t.tensor + "' has a data type without a fixed element size, or no valid shape";
        if (t.length >= 0 && t.length != t.dataBytes)
            return format("tensor '%s': external data length %lld but its shape and type need %lld bytes",
                          t.tensor.c_str(), (long long)t.length, (long long)t.dataBytes);
        if (!sizes.count(t.location))
            sizes[t.location] = fileSize(folder + t.location);
        const int64 size = sizes[t.location];
        if (size < 0)
            return "side file '" + t.location + "' is missing";
        if (t.offset > size || bytesToRead(t) > size - t.offset)
            return format("side file '%s' is too short for tensor '%s' (%lld bytes, it needs %lld)", t.location.c_str(),
                          t.tensor.c_str(), (long long)size, (long long)(t.offset + bytesToRead(t)));
        total += bytesToRead(t) + 16;
    }
    if (total > INT_MAX)
        return format("with its data inlined the model would have %lld bytes, over protobuf's 2 GB limit",
                      (long long)total);
    return std::string();
}

// The GraphProto with every external initializer's data read into raw_data.
std::string inlineGraph(Bytes graph, const std::string& folder)
{
    const int kGraphInitializer = 5;
    std::string out;
    forEachField(graph, [&](int field, int wire, size_t begin, size_t end, size_t payload) {
        OnnxExternalTensor t;
        const Bytes tensor = graph.sub(payload, end);
        if (!(field == kGraphInitializer && wire == 2 && readExternalTensor(tensor, t)))
        {
            out.append(graph.p + begin, end - begin);
            return;
        }
        std::string inlined;
        forEachField(tensor, [&](int f, int, size_t b, size_t e, size_t) {
            if (f != kTensorRawData && f != kTensorExternalData && f != kTensorDataLocation)
                inlined.append(tensor.p + b, e - b);
        });
        const int64 n = bytesToRead(t);
        writeVarint(inlined, (uint64_t)(kTensorRawData << 3 | 2));
        writeVarint(inlined, (uint64_t)n);
        const size_t at = inlined.size();
        inlined.resize(at + (size_t)n);
        std::ifstream f((folder + t.location).c_str(), std::ios::binary);
        f.seekg((std::streamoff)t.offset);
        f.read(&inlined[at], (std::streamsize)n);
        if (!f.good() || f.gcount() != (std::streamsize)n)
            CV_Error(Error::StsError, "dnn_retinanet: cannot read tensor '" + t.tensor + "' from '" + folder +
                                      t.location + "'");
        writeStringField(out, kGraphInitializer, inlined);
    });
    return out;
}

} // namespace

std::string stripOnnxGraphOutputs(const std::string& model)
{
    const int kModelGraph = 7;
    std::string out;
    out.reserve(model.size());
    bool sawGraph = false;
    forEachField(model, [&](int field, int wire, size_t begin, size_t end, size_t payload) {
        if (field != kModelGraph || wire != 2)
        {
            out.append(model, begin, end - begin);
            return;
        }
        sawGraph = true;
        writeStringField(out, kModelGraph, filterGraph(readString(model, payload, end)));
    });
    if (!sawGraph)
        CV_Error(Error::StsParseError, "dnn_retinanet: the file is not an ONNX model (no graph)");
    return out;
}

std::vector<OnnxExternalTensor> findOnnxExternalData(const std::string& model)
{
    const int kModelGraph = 7;
    std::vector<OnnxExternalTensor> found;
    const Bytes m(model);
    forEachField(m, [&](int field, int wire, size_t, size_t end, size_t payload) {
        if (field == kModelGraph && wire == 2)
            findExternalInitializers(m.sub(payload, end), found);
    });
    return found;
}

std::string inlineOnnxExternalData(const std::string& model, const std::string& modelPath)
{
    const std::vector<OnnxExternalTensor> tensors = findOnnxExternalData(model);
    if (tensors.empty())
        return model;
    const std::string problem = externalDataProblem(tensors, modelPath, (int64)model.size());
    if (!problem.empty())
        CV_Error(Error::StsUnsupportedFormat, onnxExternalDataMessage(tensors, modelPath, problem));
    const int kModelGraph = 7;
    const std::string folder = folderOf(modelPath);
    std::string out;
    const Bytes m(model);
    forEachField(m, [&](int field, int wire, size_t begin, size_t end, size_t payload) {
        if (field == kModelGraph && wire == 2)
            writeStringField(out, kModelGraph, inlineGraph(m.sub(payload, end), folder));
        else
            out.append(model, begin, end - begin);
    });
    return out;
}

std::string onnxExternalDataMessage(const std::vector<OnnxExternalTensor>& tensors, const std::string& modelPath,
                                    const std::string& problem)
{
    // side file -> (tensors, bytes the tensors need: max offset + length)
    struct Side { int count = 0; int64 needed = 0; std::string example; };
    std::map<std::string, Side> sides;
    std::vector<std::string> order;
    int invalid = 0;
    for (const OnnxExternalTensor& t : tensors)
    {
        if (!t.valid)
        {
            invalid++;
            if (t.location.empty())
                continue;
        }
        if (!sides.count(t.location)) order.push_back(t.location);
        Side& s = sides[t.location];
        if (s.count++ == 0) s.example = t.tensor;
        if (t.valid && bytesToRead(t) >= 0) s.needed = std::max(s.needed, t.offset + bytesToRead(t));
    }
    const std::string folder = folderOf(modelPath);
    std::string msg = format("dnn_retinanet: model '%s' keeps the data of %d initializer(s) in external file(s) "
                             "(ONNX external data: what torch.onnx.export writes for models over 2 GB and "
                             "onnx.save_model(..., save_as_external_data=True) writes). OpenCV 4.6's ONNX importer "
                             "cannot read them (it crashes); the module inlines them itself when every side file is "
                             "next to the model and holds its tensors, but here ",
                             modelPath.c_str(), (int)tensors.size());
    msg += (problem.empty() ? std::string("they cannot be read") : problem) + ". Side files:";
    const size_t kListed = 4;
    std::vector<std::string> items;
    int missing = 0;
    for (size_t i = 0; i < order.size(); i++)
    {
        const Side& s = sides[order[i]];
        const std::string path = folder + order[i];
        const int64 size = insideModelFolder(order[i]) ? fileSize(path) : -1;
        missing += size < 0;
        if (i >= kListed)
            continue;
        std::string item = format("%s (%d tensor(s), e.g. '%s'): ", quoted(order[i]).c_str(), s.count, s.example.c_str());
        if (!insideModelFolder(order[i]))
            item += "not a relative path inside the model's folder, not read";
        else if (size < 0)
            item += "MISSING, not found next to the model (looked for '" + path + "')";
        else if (size < s.needed)
            item += format("present next to the model ('%s') but too short: %lld bytes, the tensors need %lld",
                           path.c_str(), (long long)size, (long long)s.needed);
        else
            item += format("present next to the model ('%s', %lld bytes)", path.c_str(), (long long)size);
        items.push_back(item);
    }
    if (order.size() > kListed)
        items.push_back(format("... and %d more side file(s)", (int)(order.size() - kListed)));
    if (invalid)
        items.push_back(format("%d tensor(s) have no valid location/offset/length entries", invalid));
    for (size_t i = 0; i < items.size(); i++)
        msg += (i ? "; " : " ") + items[i];
    msg += ".";
    if (missing)
        msg += format(" %d side file(s) missing: copy them next to the model first.", missing);
    msg += " To inline the weights into one file (onnx.load reads the side files from the model's folder; the "
           "result must stay under protobuf's 2 GB limit): python3 -c \"import onnx; m = onnx.load('" + modelPath +
           "'); onnx.save(m, 'inlined.onnx')\"";
    return msg;
}

}}
