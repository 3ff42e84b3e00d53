// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_FLOOR_GUESS_HPP
#define DNN_RETINANET_FLOOR_GUESS_HPP

// A sampled estimate of a dense level's top-k floor. The exact running floor (the k-th best value
// seen so far) starts at the threshold and needs ~k·ln(N/k) pushes and as many /k trims to climb;
// a few thousand sampled values tell where the floor will end after a few hundred microseconds of
// reading instead. The estimate is only a guess: the decoder verifies it after the scan (the
// check in CpuDecoder::selectLevel, src/decoder/cpu_decoder.cpp: at least k candidates at or above
// it, else LevelSync::guessFailed) and rescans the level without it in the rare case it was too high.

#include "../precomp.hpp"

namespace cv { namespace dnn_retinanet { namespace floor_guess {

//! Sampled lines whose best value must be at or above the guess (its relative error is about
//! 1/sqrt of it).
const int kSampleRank = 16;
//! The guess aims at kExpectedOverK * k values of the level at or above it.
const int kExpectedOverK = 4;
//! Values read per sample: one 64-byte cache line.
const int kLineValues = 16;

/** @brief Offsets of the sampled lines in a block of @p n values for a top-@p topk: one line at a
 *  pseudo-random place in each of n / (kExpectedOverK * topk) equal strata, so neither a hot region
 *  nor a period in the layout (channel planes) can hide from it. Empty when the level is too small
 *  for a guess to pay (n < 32 * topk) or topk < 64. */
CV_EXPORTS void sampleLines(size_t n, int topk, std::vector<size_t>& lineStarts);

/** @brief The guess for a block of @p n values: the kSampleRank-th best of the sampled lines' best
 *  values above @p threshold. About kExpectedOverK * topk lines of the block then have a value >= it,
 *  so at least that many values are, however the candidates cluster (lines, not values, are the
 *  independent samples). -inf (no guess) when the block is too small or fewer than kSampleRank
 *  sampled lines pass the threshold (then the level is sparse enough for the exact floor). NaN is
 *  never sampled as above. */
CV_EXPORTS float guessFloor(const float* block, size_t n, float threshold, int topk, std::vector<size_t>& lines);

}}}

#endif
