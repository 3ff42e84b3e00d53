// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// The presets are the YAML files of the module's presets/ folder, embedded by CMake (cmake/embed_presets.cmake)
// so that loading one by name needs no data path. A new framework convention is a new YAML file.

#include "presets.hpp"

#include <cstring>

namespace cv { namespace dnn_retinanet { namespace detail {

namespace {
struct EmbeddedPreset { const char* name; const char* text; };
#include "dnn_retinanet_presets.inc"  // static const EmbeddedPreset kPresets[] = {...};
}

const char* findPreset(const std::string& name)
{
    for (const EmbeddedPreset& p : kPresets)
        if (name == p.name)
            return p.text;
    return nullptr;
}

std::vector<std::string> presetNames()
{
    std::vector<std::string> names;
    for (const EmbeddedPreset& p : kPresets)
        names.push_back(p.name);
    return names;
}

}}}
