// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// Cell anchors of every convention in doc/conventions.md. Where a framework computes its cell
// anchors in float32 (torchvision) we do the same, so the rounded values agree bit for bit.

#include "anchor_generator.hpp"

namespace cv { namespace dnn_retinanet {

namespace {

// (w, h) of the anchor for ratio r = h/w and ratio-1 side `size`.
void anchorShape(const AnchorConfig& c, int level, float size, float ratio, float& w, float& h)
{
    switch (c.rounding)
    {
    case ANCHOR_ROUNDING_ROUND:
    {
        // torchvision AnchorGenerator.generate_anchors, float32 throughout; rounding happens on
        // the half-extents below.
        const float hRatio = std::sqrt(ratio);
        const float wRatio = 1.f / hRatio;
        w = wRatio * size;
        h = hRatio * size;
        return;
    }
    case ANCHOR_ROUNDING_QUANTIZED:
    {
        // Detectron _ratio_enum / ODTK 19.04: quantise at the base size (= stride), then scale.
        const double base = c.strides[level];
        const double ws0 = std::nearbyint(std::sqrt(base * base / ratio));
        const double hs0 = std::nearbyint(ws0 * ratio);
        const double scale = size / base;
        w = (float)(ws0 * scale);
        h = (float)(hs0 * scale);
        return;
    }
    default:
        w = (float)(size / std::sqrt((double)ratio));
        h = (float)(size * std::sqrt((double)ratio));
        return;
    }
}

} // namespace

AnchorGenerator::AnchorGenerator(const AnchorConfig& config) : config_(config)
{
    const int L = config.numLevels();
    const int S = config.sizesPerLevel;
    const int R = (int)config.aspectRatios.size();
    numAnchors_ = S * R;
    cells_.resize(L);
    for (int l = 0; l < L; l++)
    {
        std::vector<Vec4f>& cells = cells_[l];
        cells.resize(numAnchors_);
        for (int r = 0; r < R; r++)
            for (int s = 0; s < S; s++)
            {
                float w, h;
                anchorShape(config, l, config.size(l, s), config.aspectRatios[r], w, h);
                Vec4f box;
                if (config.rounding == ANCHOR_ROUNDING_ROUND)
                {
                    // torch: stack([-ws, -hs, ws, hs]) / 2, then round() (half to even)
                    const float hw = w / 2.f, hh = h / 2.f;
                    box = Vec4f(std::nearbyint(-hw), std::nearbyint(-hh), std::nearbyint(hw), std::nearbyint(hh));
                }
                else
                {
                    const float e = config.plusOne ? 1.f : 0.f;
                    const float hw = 0.5f * (w - e), hh = 0.5f * (h - e);
                    box = Vec4f(-hw, -hh, hw, hh);
                }
                const int a = config.order == ANCHOR_ORDER_RATIO_MAJOR ? r * S + s : s * R + r;
                cells[a] = box;
            }
    }
}

LevelGrid AnchorGenerator::grid(int level, const Size& featureSize, const Size& inputSize) const
{
    CV_Assert(level >= 0 && level < numLevels());
    LevelGrid g;
    g.width = featureSize.width;
    g.height = featureSize.height;
    if (config_.strideMode == STRIDE_PADDED_DIV_GRID)
    {
        // torchvision: image_size // grid_size (integer division), per axis
        g.strideX = (float)(inputSize.width / std::max(featureSize.width, 1));
        g.strideY = (float)(inputSize.height / std::max(featureSize.height, 1));
    }
    else
    {
        g.strideX = g.strideY = config_.strides[level];
    }
    g.originX = config_.centerOffset * g.strideX + config_.centerOffsetPixels;
    g.originY = config_.centerOffset * g.strideY + config_.centerOffsetPixels;
    return g;
}

Size AnchorGenerator::expectedFeatureSize(int level, const Size& inputSize) const
{
    const double s = config_.strides[level];
    return Size((int)std::ceil(inputSize.width / s), (int)std::ceil(inputSize.height / s));
}

}}
