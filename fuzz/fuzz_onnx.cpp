// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// libFuzzer target: ONNX model bytes through the module's own protobuf code, in the order the model
// constructor runs it: findOnnxExternalData (external initializers), inlineOnnxExternalData (side
// files next to the model, here a folder with a 4 KB "model.onnx.data"), stripOnnxGraphOutputs.
// With FUZZ_ONNX_IMPORTER=1 the result also goes through OpenCV's readNetFromONNX (OpenCV's own
// code: its findings are OpenCV's, see doc/robustness.md). Anything but a cv::Exception, a hang or
// a sanitizer report is a finding. Build and run: scripts/fuzz.sh.
#include "../modules/dnn_retinanet/src/model/onnx_graph_outputs.hpp"

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

std::string modelFolder()
{
    // a model path whose folder holds a short side file, so that valid references can be read
    char tmpl[] = "/tmp/fuzz_onnx.XXXXXX";
    const char* dir = mkdtemp(tmpl);
    if (!dir) abort();
    std::ofstream side(std::string(dir) + "/model.onnx.data", std::ios::binary);
    for (int i = 0; i < 4096; i++) side.put((char)(i * 37));
    return std::string(dir) + "/model.onnx";
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static bool quiet = (cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT), true);
    static const std::string modelPath = modelFolder();
    static const bool importer = getenv("FUZZ_ONNX_IMPORTER") && std::string(getenv("FUZZ_ONNX_IMPORTER")) == "1";
    (void)quiet;
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    try
    {
        cv::dnn_retinanet::findOnnxExternalData(bytes);
        const std::string inlined = cv::dnn_retinanet::inlineOnnxExternalData(bytes, modelPath);
        const std::string stripped = cv::dnn_retinanet::stripOnnxGraphOutputs(inlined);
        if (importer)
            cv::dnn::readNetFromONNX(stripped.data(), stripped.size());
    }
    catch (const cv::Exception&)
    {
    }
    return 0;
}
