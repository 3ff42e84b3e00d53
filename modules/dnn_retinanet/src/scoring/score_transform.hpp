// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_SCORE_TRANSFORM_HPP
#define DNN_RETINANET_SCORE_TRANSFORM_HPP

#include "../precomp.hpp"

namespace cv { namespace dnn_retinanet {

inline float sigmoidf(float x) { return 1.f / (1.f + std::exp(-x)); }

/** @brief Focal-loss-aware scoring: a raw head value passes when raw > rawThreshold, which is the
 *  score threshold moved into the raw (logit) domain, so that only candidates are ever activated. */
class ScoreTransform
{
public:
    explicit ScoreTransform(const ScoringConfig& config) : config_(config) {}

    //! Exact raw-domain boundary for probability threshold t (see rawScoreThreshold()).
    float rawThreshold(float t, bool inclusive) const;
    //! The score of a selected raw value (softmax candidates already carry their probability).
    inline float score(float raw) const
    {
        switch (config_.activation)
        {
        case SCORE_SIGMOID: return sigmoidf(raw);
        case SCORE_FL_STAR: return sigmoidf(config_.gamma * raw + config_.beta);
        default: return raw;
        }
    }
    bool isSoftmax() const { return config_.activation == SCORE_SOFTMAX; }
    const ScoringConfig& config() const { return config_; }

private:
    ScoringConfig config_;
};

}}

#endif
