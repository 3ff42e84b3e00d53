// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_PRESETS_HPP
#define DNN_RETINANET_PRESETS_HPP

#include <string>
#include <vector>

namespace cv { namespace dnn_retinanet { namespace detail {

//! The YAML text of a shipped preset (modules/dnn_retinanet/presets/<name>.yml, embedded at build time), or null.
const char* findPreset(const std::string& name);
std::vector<std::string> presetNames();

}}}

#endif
