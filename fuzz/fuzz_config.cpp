// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// libFuzzer target: config text through the path RetinaNetConfig::load takes after reading the
// file (pre-scan, cv::FileStorage, read, validate). Anything but a cv::Exception, a hang or a
// sanitizer report is a finding. Build and run: scripts/fuzz.sh [seconds].
#include "../modules/dnn_retinanet/src/config/config_scan.hpp"

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static bool quiet = (cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT), true);
    (void)quiet;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try
    {
        cv::dnn_retinanet::detail::readConfigText(text, "fuzz");
    }
    catch (const cv::Exception&)
    {
    }
    return 0;
}
