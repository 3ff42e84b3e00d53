// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_PRECOMP_HPP
#define DNN_RETINANET_PRECOMP_HPP

// No cvconfig.h here: the module builds both inside an OpenCV tree and against an installed
// OpenCV; its own feature macros (DNN_RETINANET_WITH_CUDA) come from its CMakeLists.txt.
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/dnn.hpp>

#include "opencv2/dnn_retinanet.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#endif
