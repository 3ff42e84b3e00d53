// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// A minimal protobuf wire-format reader (no protobuf library needed):
//  - stripOnnxGraphOutputs: ModelProto.graph (field 7) is re-emitted without GraphProto.output
//    (field 12); every other byte is copied as is;
//  - findOnnxExternalData: the initializers (GraphProto.initializer, field 5) whose TensorProto has
//    data_location (14) = EXTERNAL and their external_data (13) entries.
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

// The external-data tensors of one GraphProto's initializers.
void findExternalInitializers(Bytes graph, std::vector<OnnxExternalTensor>& found)
{
    const int kGraphInitializer = 5;
    const int kTensorExternalData = 13, kTensorDataLocation = 14, kTensorName = 8, kExternal = 1;
    const int kEntryKey = 1, kEntryValue = 2;
    forEachField(graph, [&](int field, int wire, size_t, size_t end, size_t payload) {
        if (field != kGraphInitializer || wire != 2)
            return;
        const Bytes tensor = graph.sub(payload, end);
        bool external = false;
        OnnxExternalTensor t;
        std::string offset, length;
        forEachField(tensor, [&](int f, int w, size_t, size_t e, size_t p) {
            if (f == kTensorDataLocation && w == 0)
            {
                size_t pos = p;
                external = readVarint(tensor, pos) == (uint64_t)kExternal;
            }
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
            return;
        t.offset = offset.empty() ? 0 : parseDecimal(offset);
        t.length = length.empty() ? -1 : parseDecimal(length);
        t.valid = !t.location.empty() && t.offset >= 0 && (length.empty() || t.length >= 0);
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

std::string onnxExternalDataMessage(const std::vector<OnnxExternalTensor>& tensors, const std::string& modelPath)
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
        if (t.valid && t.length >= 0) s.needed = std::max(s.needed, t.offset + t.length);
    }
    const std::string folder = folderOf(modelPath);
    std::string msg = format("dnn_retinanet: model '%s' keeps the data of %d initializer(s) in external file(s) "
                             "(ONNX external data: what torch.onnx.export writes for models over 2 GB and "
                             "onnx.save_model(..., save_as_external_data=True) writes); OpenCV 4.6's ONNX importer "
                             "cannot read external data (it crashes on such a file). Side files:",
                             modelPath.c_str(), (int)tensors.size());
    const size_t kListed = 4;
    std::vector<std::string> items;
    int missing = 0;
    for (size_t i = 0; i < order.size(); i++)
    {
        const Side& s = sides[order[i]];
        const std::string path = folder + order[i];
        const int64 size = fileSize(path);
        missing += size < 0;
        if (i >= kListed)
            continue;
        std::string item = format("%s (%d tensor(s), e.g. '%s'): ", quoted(order[i]).c_str(), s.count, s.example.c_str());
        if (size < 0)
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
