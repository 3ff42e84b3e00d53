// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// A minimal protobuf wire-format filter (no protobuf library needed): ModelProto.graph (field 7)
// is re-emitted without GraphProto.output (field 12); every other byte is copied as is.

#include "onnx_graph_outputs.hpp"
#include "../precomp.hpp"

namespace cv { namespace dnn_retinanet {

namespace {

uint64_t readVarint(const std::string& s, size_t& pos)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7)
    {
        if (pos >= s.size())
            CV_Error(Error::StsParseError, "dnn_retinanet: truncated ONNX model");
        const unsigned char b = (unsigned char)s[pos++];
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
template <typename F> void forEachField(const std::string& s, F f)
{
    size_t pos = 0;
    while (pos < s.size())
    {
        const size_t begin = pos;
        const uint64_t key = readVarint(s, pos);
        const int field = (int)(key >> 3), wire = (int)(key & 7);
        size_t payload = pos;
        switch (wire)
        {
        case 0: readVarint(s, pos); break;
        case 1: pos += 8; break;
        case 5: pos += 4; break;
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
        if (pos > s.size())
            CV_Error(Error::StsParseError, "dnn_retinanet: truncated ONNX model");
        f(field, wire, begin, pos, payload);
    }
}

std::string readString(const std::string& s, size_t payload, size_t end) { return s.substr(payload, end - payload); }

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

}}
