// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_ANCHOR_GENERATOR_HPP
#define DNN_RETINANET_ANCHOR_GENERATOR_HPP

#include "../precomp.hpp"
#include "../box_coding/box_math.hpp"

namespace cv { namespace dnn_retinanet {

/** @brief Where the anchors of one level lie for a given input: the anchor of cell (y, x) and
 *  index a is cellAnchor[a] + (x * strideX + originX, y * strideY + originY). */
struct LevelGrid
{
    int width = 0, height = 0;   //!< feature-map size
    float strideX = 0, strideY = 0;
    float originX = 0, originY = 0;
};

/** @brief Anchors computed on demand from (level, y, x, a): only the A cell anchors of each level
 *  are stored, never a per-frame table of all anchors. Exported (CV_EXPORTS) for the unit tests only:
 *  inside an OpenCV build the module hides everything else (-fvisibility=hidden). */
class CV_EXPORTS AnchorGenerator
{
public:
    explicit AnchorGenerator(const AnchorConfig& config);

    int numLevels() const { return (int)cells_.size(); }
    int numAnchors() const { return numAnchors_; }
    //! The A cell anchors of a level (x1, y1, x2, y2 relative to the grid point), in head order.
    const std::vector<Vec4f>& cellAnchors(int level) const { return cells_[level]; }
    //! Geometry of a level for a feature map of @p featureSize on a (padded) input of @p inputSize.
    LevelGrid grid(int level, const Size& featureSize, const Size& inputSize) const;
    //! The feature-map size a level is expected to have for @p inputSize (ceil(input / stride)).
    Size expectedFeatureSize(int level, const Size& inputSize) const;

    static inline Vec4f anchorAt(const Vec4f& cell, const LevelGrid& g, int y, int x)
    {
        const float sx = (float)x * g.strideX + g.originX;
        const float sy = (float)y * g.strideY + g.originY;
        return Vec4f(cell[0] + sx, cell[1] + sy, cell[2] + sx, cell[3] + sy);
    }

private:
    AnchorConfig config_;
    int numAnchors_ = 0;
    std::vector<std::vector<Vec4f> > cells_;
};

}}

#endif
