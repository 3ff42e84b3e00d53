// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_CONFIG_SCAN_HPP
#define DNN_RETINANET_CONFIG_SCAN_HPP

#include <string>

#include "opencv2/dnn_retinanet.hpp"

namespace cv { namespace dnn_retinanet { namespace detail {

/** Limits of the pre-scan (see doc/robustness.md). */
enum
{
    kConfigMaxBytes = 1 << 20,  //!< 1 MiB: the largest shipped preset is ~3 KB
    kConfigMaxLines = 20000,
    kConfigMaxLineLength = 4096,
    kConfigMaxDepth = 16,       //!< flow brackets [ { plus block indentation levels
    kConfigMaxIndent = 128      //!< columns of leading spaces
};

/** Bounded, linear, non-recursive check of a config text before it reaches cv::FileStorage.
 * Throws cv::Exception (StsParseError) naming @p where, the line and the problem. */
void scanConfigText(const std::string& text, const std::string& where);

/** Reads a config file into memory: a clear error for a missing file, a directory, an empty or
 * oversized file, or a compressed one (which could not be pre-scanned). */
std::string readConfigFile(const std::string& path);

/** scanConfigText, then cv::FileStorage on the text and RetinaNetConfig::read; any exception
 * (cv::Exception, std::length_error, std::bad_alloc, ...) becomes a cv::Exception naming @p where. */
RetinaNetConfig readConfigText(const std::string& text, const std::string& where);

}}} // namespace

#endif
