// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Loading ONNX files: external data (weights in side files, which OpenCV 4.6's importer cannot read
// and crashes on) is read by the module, or refused with a message naming the side files; the
// minimal protobuf reader survives any bytes; messages name outputs by their ONNX names (no "onnx_node!" prefix).
#include "test_precomp.hpp"
#include "layout/head_layout.hpp"
#include "model/onnx_graph_outputs.hpp"

#include <opencv2/core/utils/filesystem.hpp>

#include <fstream>
#include <sstream>

namespace opencv_test { namespace {

std::string tinyModel() { return findDataFile("models/tiny_torchvision/model.onnx"); }
std::string tinyConfig() { return findDataFile("models/tiny_torchvision/config.yml"); }
//! tools/make_external_data_model.py: the tiny model, every initializer in model.onnx.data.
std::string externalModel() { return findDataFile("models/tiny_torchvision_external/model.onnx"); }

std::string readFile(const std::string& path)
{
    std::ifstream f(path.c_str(), std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void writeFile(const std::string& path, const std::string& bytes)
{
    std::ofstream f(path.c_str(), std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), (std::streamsize)bytes.size());
    ASSERT_TRUE(f.good()) << path;
}

//! A fresh empty folder under the test temp dir.
std::string freshDir(const std::string& name)
{
    const std::string dir = ::testing::TempDir() + "/dnn_retinanet_" + name;
    if (utils::fs::exists(dir))
        utils::fs::remove_all(dir);
    utils::fs::createDirectories(dir);
    return dir;
}

std::string errorOf(const std::string& model, const std::string& config)
{
    try
    {
        RetinaNetDetectionModel m(model, config);
    }
    catch (const cv::Exception& e)
    {
        return e.what();
    }
    return std::string();
}

// --- protobuf wire format, to craft ONNX bytes ---------------------------------------------------
void varint(std::string& out, uint64_t v)
{
    while (v >= 0x80) { out.push_back((char)(v | 0x80)); v >>= 7; }
    out.push_back((char)v);
}
std::string lenField(int field, const std::string& payload)
{
    std::string s;
    varint(s, (uint64_t)field << 3 | 2);
    varint(s, payload.size());
    return s + payload;
}
std::string varintField(int field, uint64_t v)
{
    std::string s;
    varint(s, (uint64_t)field << 3);
    varint(s, v);
    return s;
}
std::string entry(const std::string& key, const std::string& value) { return lenField(13, lenField(1, key) + lenField(2, value)); }
//! TensorProto: name (8), dims (1), data_type (2) = FLOAT, external_data (13), data_location (14) = EXTERNAL.
std::string externalTensor(const std::string& name, const std::string& location, int offset, int length)
{
    return lenField(8, name) + varintField(1, (uint64_t)length / 4) + varintField(2, 1) + entry("location", location) +
           entry("offset", std::to_string(offset)) + entry("length", std::to_string(length)) + varintField(14, 1);
}
//! ModelProto: ir_version (1), graph (7) with the given initializers (5).
std::string modelWithInitializers(const std::vector<std::string>& tensors)
{
    std::string graph = lenField(2, "g");
    for (const std::string& t : tensors) graph += lenField(5, t);
    return varintField(1, 8) + lenField(7, graph);
}

TEST(DnnRetinaNet_OnnxExternalData, none_in_the_shipped_models)
{
    EXPECT_TRUE(findOnnxExternalData(readFile(tinyModel())).empty());
    const std::string synth = findDataFile("models/synth_retinanet/model.onnx", false);
    if (!synth.empty())
    {
        EXPECT_TRUE(findOnnxExternalData(readFile(synth)).empty());
    }
    // an inline tensor (data_location DEFAULT = 0, raw_data) is not external
    const std::string inlineTensor = lenField(8, "w") + varintField(2, 1) + lenField(9, std::string(16, '\0')) +
                                     varintField(14, 0);
    EXPECT_TRUE(findOnnxExternalData(modelWithInitializers({inlineTensor})).empty());
}

TEST(DnnRetinaNet_OnnxExternalData, finds_what_onnx_save_model_writes)
{
    const std::vector<OnnxExternalTensor> t = findOnnxExternalData(readFile(externalModel()));
    ASSERT_EQ(t.size(), 52u); // every initializer of the tiny model
    int64 end = 0;
    for (const OnnxExternalTensor& x : t)
    {
        EXPECT_EQ(x.location, "model.onnx.data");
        EXPECT_TRUE(x.valid) << x.tensor;
        EXPECT_FALSE(x.tensor.empty());
        EXPECT_GE(x.offset, end) << x.tensor; // onnx writes them one after another
        end = x.offset + x.length;
    }
    EXPECT_LE(end, (int64)readFile(externalModel() + ".data").size());
}

TEST(DnnRetinaNet_OnnxExternalData, side_file_missing_is_named)
{
    // What a user gets who copied only model.onnx: no SIGFPE, the side file and how to inline it.
    const std::string dir = freshDir("ext_missing");
    writeFile(dir + "/model.onnx", readFile(externalModel()));
    const std::string msg = errorOf(dir + "/model.onnx", tinyConfig());
    EXPECT_NE(msg.find("external"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'model.onnx.data' (52 tensor(s)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("MISSING, not found next to the model (looked for '" + dir + "/model.onnx.data')"),
              std::string::npos) << msg;
    EXPECT_NE(msg.find("but here side file 'model.onnx.data' is missing."), std::string::npos) << msg;
    EXPECT_NE(msg.find("1 side file(s) missing"), std::string::npos) << msg;
    EXPECT_NE(msg.find("python3 -c \"import onnx; m = onnx.load('" + dir + "/model.onnx'); onnx.save(m, 'inlined.onnx')\""),
              std::string::npos) << msg;
}

TEST(DnnRetinaNet_OnnxExternalData, side_file_present_is_read)
{
    // With model.onnx.data next to it the module inlines the data itself: the same network.
    RetinaNetDetectionModel external(externalModel(), tinyConfig());
    RetinaNetDetectionModel inlined(tinyModel(), tinyConfig());
    RNG rng(3);
    Mat frame(256, 320, CV_8UC3);
    rng.fill(frame, RNG::UNIFORM, 0, 255);
    std::vector<Detection> a, b;
    inlined.detect(frame, a);
    external.detect(frame, b);
    ASSERT_GT(a.size(), 0u);
    EXPECT_TRUE(sameDetections(a, b, 0.0, 1.0));

    // a side file shorter than the tensors need is named, with the sizes
    const std::string dir = freshDir("ext_short");
    writeFile(dir + "/model.onnx", readFile(externalModel()));
    writeFile(dir + "/model.onnx.data", readFile(externalModel() + ".data").substr(0, 1000));
    const std::string msg = errorOf(dir + "/model.onnx", tinyConfig());
    EXPECT_NE(msg.find("here side file 'model.onnx.data' is too short for tensor"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'model.onnx.data' (52 tensor(s)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("present next to the model ('" + dir + "/model.onnx.data') but too short: 1000 bytes, "
                       "the tensors need 1071012"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("MISSING"), std::string::npos) << msg;
    EXPECT_NE(msg.find("onnx.save(m, 'inlined.onnx')"), std::string::npos) << msg;
}

TEST(DnnRetinaNet_OnnxExternalData, inlining_reads_each_tensor_at_its_offset)
{
    // two float tensors in one side file, the second first; a third tensor stays inline
    std::string side(96, '\0');
    for (int i = 0; i < 96; i++) side[i] = (char)('A' + i % 26);
    const std::string dir = freshDir("ext_offsets");
    writeFile(dir + "/weights.bin", side);
    const std::string inlineTensor = lenField(8, "c") + varintField(1, 1) + varintField(2, 1) + lenField(9, "wxyz");
    const std::string model = modelWithInitializers({externalTensor("a", "weights.bin", 32, 64),
                                                     externalTensor("b", "weights.bin", 0, 32), inlineTensor});
    const std::string out = inlineOnnxExternalData(model, dir + "/m.onnx");
    EXPECT_TRUE(findOnnxExternalData(out).empty());
    EXPECT_EQ(out.find("weights.bin"), std::string::npos);
    EXPECT_NE(out.find(lenField(9, side.substr(32, 64))), std::string::npos);
    EXPECT_NE(out.find(lenField(9, side.substr(0, 32))), std::string::npos);
    EXPECT_NE(out.find(inlineTensor), std::string::npos);
    EXPECT_EQ(inlineOnnxExternalData(out, dir + "/m.onnx"), out); // nothing external left: unchanged

    // packed dims (2, 8) of FLOAT and no "length": 64 bytes from the offset
    std::string dims;
    varint(dims, 2);
    varint(dims, 8);
    const std::string packed = lenField(8, "p") + lenField(1, dims) + varintField(2, 1) + entry("location", "weights.bin") +
                               entry("offset", "16") + varintField(14, 1);
    EXPECT_NE(inlineOnnxExternalData(modelWithInitializers({packed}), dir + "/m.onnx").find(lenField(9, side.substr(16, 64))),
              std::string::npos);

    // lengths that disagree with the shape, and locations outside the model's folder, are refused
    const std::string shortLength = lenField(8, "a") + varintField(1, 16) + varintField(2, 1) +
                                    entry("location", "weights.bin") + entry("length", "60") + varintField(14, 1);
    EXPECT_CV_ERROR(inlineOnnxExternalData(modelWithInitializers({shortLength}), dir + "/m.onnx"),
                    "here tensor 'a': external data length 60 but its shape and type need 64 bytes");
    writeFile(dir + "/../dnn_retinanet_outside.bin", side);
    for (const char* where : {"../dnn_retinanet_outside.bin", "/etc/hostname", "sub/../../x.bin", "C:\\x.bin"})
    {
        const std::string m = modelWithInitializers({externalTensor("a", where, 0, 32)});
        EXPECT_CV_ERROR(inlineOnnxExternalData(m, dir + "/m.onnx"), "is not a relative path inside the model's folder");
        EXPECT_CV_ERROR(inlineOnnxExternalData(m, dir + "/m.onnx"), "not a relative path inside the model's folder, not read");
    }
    // a type without a fixed element size (STRING = 8)
    const std::string str = lenField(8, "s") + varintField(1, 4) + varintField(2, 8) + entry("location", "weights.bin") +
                            varintField(14, 1);
    EXPECT_CV_ERROR(inlineOnnxExternalData(modelWithInitializers({str}), dir + "/m.onnx"), "without a fixed element size");
}

TEST(DnnRetinaNet_OnnxExternalData, one_side_file_per_tensor_is_listed_briefly)
{
    // torch.onnx.export of a model over 2 GB writes one file per tensor, named after it.
    std::vector<std::string> tensors;
    for (int i = 0; i < 7; i++)
        tensors.push_back(externalTensor(format("w%d", i), format("w%d.bin", i), 0, 64));
    tensors.push_back(lenField(8, "broken") + varintField(14, 1)); // external without a location
    const std::string dir = freshDir("ext_many");
    const std::string path = dir + "/big.onnx";
    writeFile(path, modelWithInitializers(tensors));
    writeFile(dir + "/w1.bin", std::string(64, '\0'));
    const std::string msg = errorOf(path, tinyConfig());
    EXPECT_NE(msg.find("8 initializer(s)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'w0.bin' (1 tensor(s), e.g. 'w0'): MISSING"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'w1.bin' (1 tensor(s), e.g. 'w1'): present next to the model"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("'w4.bin'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("... and 3 more side file(s)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("1 tensor(s) have no valid location"), std::string::npos) << msg;
    EXPECT_NE(msg.find("6 side file(s) missing"), std::string::npos) << msg;

    const std::vector<OnnxExternalTensor> found = findOnnxExternalData(modelWithInitializers(tensors));
    ASSERT_EQ(found.size(), 8u);
    EXPECT_EQ(found[3].tensor, "w3");
    EXPECT_EQ(found[3].length, 64);
    EXPECT_EQ(found[3].dataBytes, 64);
    EXPECT_FALSE(found[7].valid);
}

TEST(DnnRetinaNet_OnnxExternalData, reader_survives_any_bytes)
{
    // Truncations, flipped bytes and noise: a result or a cv::Exception, never a crash or a hang.
    const std::string good = readFile(externalModel());
    RNG rng(7);
    int parsed = 0, refused = 0;
    auto probe = [&](const std::string& bytes) {
        try
        {
            findOnnxExternalData(bytes);
            stripOnnxGraphOutputs(inlineOnnxExternalData(bytes, externalModel()));
            parsed++;
        }
        catch (const cv::Exception&)
        {
            refused++;
        }
    };
    for (int i = 0; i < 300; i++)
        probe(good.substr(0, (size_t)rng.uniform(0, (int)good.size())));
    for (int i = 0; i < 300; i++)
    {
        std::string b = good;
        for (int k = 0; k < 4; k++)
            b[(size_t)rng.uniform(0, (int)b.size())] = (char)rng.uniform(0, 256);
        probe(b);
    }
    for (int i = 0; i < 300; i++)
    {
        std::string b((size_t)rng.uniform(0, 512), '\0');
        for (char& c : b) c = (char)rng.uniform(0, 256);
        probe(b);
    }
    // hostile lengths and varints
    probe(std::string("\x3a\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10));       // graph of 2^63 bytes
    probe(std::string("\x3a\x05\x2a\xff\xff\xff\x0f", 7));                     // initializer longer than the graph
    probe(std::string(11, '\xff'));                                             // varint over 64 bits
    probe(std::string("\x3b", 1));                                              // wire type 3 (group)
    EXPECT_EQ(parsed + refused, 904);
    EXPECT_GT(refused, 0);
    EXPECT_GT(parsed, 0);
}

TEST(DnnRetinaNet_OutputNames, messages_show_onnx_names_without_the_importer_prefix)
{
    EXPECT_EQ(outputDisplayName("onnx_node!cls_0"), "cls_0");
    EXPECT_EQ(outputDisplayName("cls_0"), "cls_0");
    EXPECT_EQ(outputDisplayName("head!cls_0"), "head!cls_0");
    EXPECT_EQ(outputDisplayName("onnx_node!"), "onnx_node!");

    // The path constructor reads the graph without its declared outputs: OpenCV 4.6 then names the
    // layers "onnx_node!cls_0". Messages must say "cls_0".
    const std::string dir = freshDir("names");
    RetinaNetConfig wrongK = RetinaNetConfig::load(tinyConfig());
    wrongK.numClasses = 91;
    wrongK.classNames.clear();
    wrongK.save(dir + "/k91.yml");
    const std::string k = errorOf(tinyModel(), dir + "/k91.yml");
    EXPECT_NE(k.find("score output 'cls_0' of level 0"), std::string::npos) << k;
    EXPECT_EQ(k.find("onnx_node!"), std::string::npos) << k;

    RetinaNetConfig wrongName = RetinaNetConfig::load(tinyConfig());
    wrongName.outputs.clsNames[2] = "logits_p5";
    wrongName.save(dir + "/names.yml");
    const std::string n = errorOf(tinyModel(), dir + "/names.yml");
    EXPECT_NE(n.find("output 'logits_p5' but the network has no such output (outputs: "), std::string::npos) << n;
    EXPECT_NE(n.find("cls_0"), std::string::npos) << n;
    EXPECT_EQ(n.find("onnx_node!"), std::string::npos) << n;

    // names in a config may still carry the prefix (older exports): they match, messages drop it
    RetinaNetConfig prefixed = RetinaNetConfig::load(tinyConfig());
    for (std::string& s : prefixed.outputs.clsNames) s = "onnx_node!" + s;
    for (std::string& s : prefixed.outputs.boxNames) s = "onnx_node!" + s;
    prefixed.save(dir + "/prefixed.yml");
    EXPECT_NO_THROW(RetinaNetDetectionModel(tinyModel(), dir + "/prefixed.yml"));
    prefixed.numClasses = 91;
    prefixed.save(dir + "/prefixed_k91.yml");
    const std::string pk = errorOf(tinyModel(), dir + "/prefixed_k91.yml");
    EXPECT_NE(pk.find("score output 'cls_0' of level 0"), std::string::npos) << pk;
    EXPECT_EQ(pk.find("onnx_node!"), std::string::npos) << pk;
}

}} // namespace
