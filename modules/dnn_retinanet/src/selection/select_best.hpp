// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_SELECT_BEST_HPP
#define DNN_RETINANET_SELECT_BEST_HPP

#include "candidates.hpp"

namespace cv { namespace dnn_retinanet {

/** @brief std::nth_element(a, a + k - 1, a + n, BetterCandidate()) without its branch mispredictions:
 *  afterwards a[0, k) are the best k candidates (in no particular order) and a[k - 1] is the k-th
 *  best. Quickselect over one integer key per candidate (raw, then index: the same order, -0 ranks
 *  as +0), pivots taken from a sample at the rank sought, partitions branch-free through
 *  @p scratch (grown to n, kept by the caller). This is the decoder's trim and top-k. 1 <= k <= n. */
CV_EXPORTS void selectBest(Candidate* a, size_t n, size_t k, std::vector<Candidate>& scratch);

}}

#endif
