// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// COCO box evaluation (mAP@[.5:.95], AP50, AP75, AP small/medium/large, AR100), the same rules as
// tools/eval_pytorch.py's coco_eval (itself pycocotools' COCOeval, iouType "bbox"):
//
//  * images and categories: all ids of the GT file (sorted). Detections whose image or category id
//    is not in the GT file are dropped; detections on an image without GT of their category are FPs.
//  * IoU of [x, y, w, h] boxes in continuous coordinates (no "+1"), in double precision.
//  * IoU thresholds linspace(.5, .95, 10), recall thresholds linspace(0, 1, 101) (numpy's formula).
//  * maxDets (100) per image AND category: stable sort by descending score, cut.
//  * area ranges on the GT `area` field (w*h when the field is absent), bounds inclusive: all
//    [0, 1e10], small [0, 32^2], medium [32^2, 96^2], large [96^2, 1e10]. A GT outside the range is
//    ignored; an unmatched detection whose box area w*h is outside the range is ignored.
//  * greedy matching per image, category and threshold t: GTs non-ignored first; each detection (in
//    score order) takes the unmatched GT of highest IoU >= min(t, 1 - 1e-10) (a later GT with an
//    equal IoU wins), ignored GTs only when no non-ignored one matched; each GT matched at most once;
//    a detection matched to an ignored GT is ignored.
//  * accumulation per category and area range: detections of all images (image order, score order)
//    stably sorted by descending score; recall = cumTP / nGT, precision = cumTP / (cumTP + cumFP +
//    DBL_EPSILON), made non-increasing from the right; 101-point interpolation takes, for each recall
//    threshold r, the precision at the first index with recall >= r (0 if none). A category with no
//    non-ignored GT in that range is left out (-1) of the means.
//  * iscrowd is read but, as in tools/eval_pytorch.py, not used (crowd GTs count as ordinary GTs;
//    pycocotools would ignore them and let them absorb any number of detections).
#ifndef DNN_RETINANET_TOOLS_COCO_EVAL_HPP
#define DNN_RETINANET_TOOLS_COCO_EVAL_HPP

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace coco {

struct CocoImage
{
    int id = 0;
    std::string fileName;
    int width = 0, height = 0;
};

struct CocoCategory
{
    int id = 0;
    std::string name;
};

struct CocoAnnotation
{
    int id = 0, imageId = 0, categoryId = 0;
    cv::Rect2d box;        //!< x, y, w, h
    double area = 0;       //!< the `area` field (w*h if the file has none); decides the size range
    bool iscrowd = false;  //!< read, not used (see above)
};

/** @brief The "images", "categories" and "annotations" of a COCO instances JSON. */
struct CocoGroundTruth
{
    std::vector<CocoImage> images;           //!< file order
    std::vector<CocoCategory> categories;    //!< file order
    std::vector<CocoAnnotation> annotations; //!< file order

    /** @brief Reads a COCO JSON with cv::FileStorage; throws cv::Exception on a malformed file. */
    static CocoGroundTruth load(const std::string& path);
    std::vector<int> imageIds() const;      //!< sorted, unique
    std::vector<int> categoryIds() const;   //!< sorted, unique
    std::string categoryName(int id) const; //!< "" if unknown
};

/** @brief One detection (a COCO results entry). */
struct CocoDetection
{
    int imageId = 0, categoryId = 0;
    float score = 0.f;
    cv::Rect2f box; //!< x, y, w, h in image pixels
};

/** @brief COCO summary metrics; -1 where undefined (no GT in the range), like pycocotools. */
struct CocoMetrics
{
    double AP = -1, AP50 = -1, AP75 = -1, APs = -1, APm = -1, APl = -1, AR100 = -1;
    std::vector<int> categoryIds;     //!< sorted
    std::vector<double> categoryAP;   //!< mAP@[.5:.95] (area all) per categoryIds[k]; -1 without GT
    int numImages = 0, numGt = 0, numDets = 0;
};

/** @brief COCO evaluation (rules at the top of this file). @p maxDets: per image and category. */
CocoMetrics evaluate(const CocoGroundTruth& gt, const std::vector<CocoDetection>& dets, int maxDets = 100);

/** @brief IoU of two [x, y, w, h] boxes, continuous coordinates (0 when the union is empty). */
double iouXYWH(const cv::Rect2d& a, const cv::Rect2d& b);

/** @brief Writes a COCO results JSON: [{"image_id", "category_id", "bbox": [x, y, w, h], "score"}],
 *  in the order given (floats with 9 significant digits: they read back exactly). */
void writeDetections(const std::string& path, const std::vector<CocoDetection>& dets);
/** @brief Reads a COCO results JSON (as written by writeDetections or tools/eval_pytorch.py). */
std::vector<CocoDetection> readDetections(const std::string& path);

/** @brief pycocotools-style summary lines, the eval_pytorch.py one-line summary and per-category AP. */
std::string formatMetrics(const CocoMetrics& m, const CocoGroundTruth& gt);

} // namespace coco

#endif
