// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// COCO box evaluation of a RetinaNet through cv::dnn_retinanet::RetinaNetDetectionModel.
//
//   retinanet_eval --model=model.onnx --retinanet_config=config.yml --gt=data/synth_test/annotations.json
//       [--images=DIR] [--thr=0.05] [--max=100] [--labels=auto|index|id] [--out=dets.json]
//       [--backend=opencv --target=cpu]
//   retinanet_eval shipped --gt=data/synth_test/annotations.json    (an alias of models.yml)
//   retinanet_eval --gt=... --dets=dets.json      (evaluate a COCO results file, no model)
//
// The model keys (@alias, --model, --retinanet_config, --thr, --nms, --backend, --target, ...) are
// those of the samples (modules/dnn_retinanet/samples/sample_common.hpp); without --model, the
// shipped model. On a terminal, stderr shows the progress (images done / total, rate, time left).
//
// Runs RetinaNetDetectionModel::detect(frame, std::vector<Detection>&) on every image of the GT
// file (sorted by id), converts the frame-coordinate boxes to COCO [x, y, w, h], evaluates with
// coco_eval.hpp (the rules of tools/eval_pytorch.py / pycocotools) and prints the metrics and the
// time per image. --out writes the detections as a COCO results JSON, which
// `tools/eval_pytorch.py --dets-in` evaluates with the Python implementation.
//
// Model class -> COCO category id (--labels):
//   index: class k is the k-th category of the JSON sorted by id (models trained on labels 0..K-1);
//   id:    class k is category id k (torchvision convention, used by tools/train.py: num_classes =
//          max id + 1, class 0 unused);
//   auto:  `id` when the config's num_classes == (largest category id + 1), else `index`.
// Detections whose class maps to no category of the JSON are dropped (and counted).
// --thr: score threshold (default: the config's selection.score_threshold); --max: detections kept
// per image by the model (like eval_pytorch.py --max-dets / torchvision detections_per_img). The
// COCO evaluation itself always uses maxDets = 100 per image and category, as eval_pytorch.py does.
#include "coco_eval.hpp"
#include "sample_common.hpp"

#include <opencv2/core/utility.hpp>
#include <opencv2/dnn_retinanet.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

using namespace cv;

namespace {

const char* kKeys =
    "{gt        |        | COCO annotations JSON }"
    "{images    |        | image folder (default: the folder of --gt) }"
    "{max       | 100    | detections kept per image by the model }"
    "{labels    | auto   | model class -> category id: auto, index or id }"
    "{out       |        | write the detections as a COCO results JSON }"
    "{dets      |        | evaluate this COCO results JSON instead of running a model }";

int run(const CommandLineParser& parser)
{
    const std::string gtPath = parser.get<std::string>("gt");
    if (gtPath.empty())
        CV_Error(Error::StsBadArg, "--gt is required");
    const coco::CocoGroundTruth gt = coco::CocoGroundTruth::load(gtPath);
    const std::vector<int> catIds = gt.categoryIds();
    const int crowd = (int)std::count_if(gt.annotations.begin(), gt.annotations.end(),
                                         [](const coco::CocoAnnotation& a) { return a.iscrowd; });
    std::printf("[eval] %s: %d images, %d GT, %d categories\n", gtPath.c_str(), (int)gt.images.size(),
                (int)gt.annotations.size(), (int)catIds.size());
    if (crowd)
        std::printf("[eval] warning: %d iscrowd annotations are evaluated as ordinary GTs (as "
                    "tools/eval_pytorch.py does; pycocotools would ignore them)\n", crowd);

    std::vector<coco::CocoDetection> dets;
    if (parser.has("dets"))
        dets = coco::readDetections(parser.get<std::string>("dets"));
    else
    {
        std::vector<std::string> names;
        std::ostringstream header;
        dnn_retinanet::RetinaNetDetectionModel model = sample::makeModel(parser, names, header, false);
        std::printf("[eval] %s", header.str().c_str());
        const float thr = parser.get<float>("thr");
        model.setMaxDetections(parser.get<int>("max"));
        const int K = model.getConfig().numClasses;

        std::string labels = parser.get<std::string>("labels");
        if (labels == "auto")
            labels = K == catIds.back() + 1 ? "id" : "index";
        if (labels != "id" && labels != "index")
            CV_Error(Error::StsBadArg, "--labels must be auto, index or id");
        std::vector<int> classToCat(K, -1);
        for (int k = 0; k < K; k++)
            if (labels == "index")
                classToCat[k] = k < (int)catIds.size() ? catIds[k] : -1;
            else
                classToCat[k] = std::binary_search(catIds.begin(), catIds.end(), k) ? k : -1;
        std::printf("[eval] model: %d classes, labels=%s (class k -> category %s), score threshold %g, "
                    "max %d per image, backend %d target %d\n", K, labels.c_str(),
                    labels == "id" ? "id k" : "ids sorted [k]",
                    thr >= 0 ? thr : model.getConfig().selection.scoreThreshold, parser.get<int>("max"),
                    (int)model.getBackend(), (int)model.getTarget());

        std::string folder = parser.has("images") ? parser.get<std::string>("images") : sample::folderOf(gtPath);
        std::vector<coco::CocoImage> images(gt.images);
        std::stable_sort(images.begin(), images.end(),
                         [](const coco::CocoImage& a, const coco::CocoImage& b) { return a.id < b.id; });
        TickMeter tmRead;
        dnn_retinanet::Timings stages;
        double firstMs = 0, detectMs = 0;
        int dropped = 0, n = 0;
        sample::Progress progress("images", (int64)images.size());
        for (const coco::CocoImage& im : images)
        {
            tmRead.start();
            Mat frame = imread(folder + "/" + im.fileName, IMREAD_COLOR);
            tmRead.stop();
            if (frame.empty())
                CV_Error(Error::StsError, "cannot read " + folder + "/" + im.fileName);
            std::vector<dnn_retinanet::Detection> out;
            TickMeter tm;
            tm.start();
            model.detect(frame, out);
            tm.stop();
            if (n++ == 0) // the first call includes the network's setup
                firstMs = tm.getTimeMilli();
            else
            {
                detectMs += tm.getTimeMilli();
                sample::addTimings(stages, model.getLastTimings());
            }
            for (const dnn_retinanet::Detection& d : out)
            {
                const int cat = d.classId >= 0 && d.classId < K ? classToCat[d.classId] : -1;
                if (cat < 0)
                {
                    dropped++;
                    continue;
                }
                coco::CocoDetection c;
                c.imageId = im.id;
                c.categoryId = cat;
                c.score = d.score;
                c.box = d.rect();
                dets.push_back(c);
            }
            progress.update(n);
        }
        progress.finish();
        const int m = std::max(n - 1, 1);
        std::printf("[eval] %d images: imread %.2f ms/image; detect: first call %.1f ms, then %.2f ms/image "
                    "(%s)\n", n, tmRead.getTimeMilli() / std::max(n, 1), firstMs, detectMs / m,
                    sample::stagesText(stages, m).c_str());
        if (dropped)
            std::printf("[eval] %d detections of classes without a category dropped\n", dropped);
    }
    if (parser.has("out"))
    {
        coco::writeDetections(parser.get<std::string>("out"), dets);
        std::printf("[eval] wrote %d detections to %s\n", (int)dets.size(), parser.get<std::string>("out").c_str());
    }
    TickMeter tmEval;
    tmEval.start();
    const coco::CocoMetrics metrics = coco::evaluate(gt, dets);
    tmEval.stop();
    std::printf("[eval] %d detections, evaluation %.1f ms\n%s", metrics.numDets, tmEval.getTimeMilli(),
                coco::formatMetrics(metrics, gt).c_str());
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    const std::string keys = std::string(sample::kCommonKeys) + kKeys;
    CommandLineParser parser(argc, argv, keys);
    parser.about("COCO mAP of a RetinaNet (cv::dnn_retinanet) on a COCO-format split: runs the model on every image "
                 "of --gt\n(or reads --dets), prints AP / AP50 / AP75 / APs,m,l / AR and the time per image; --out "
                 "writes the detections\nas a COCO results JSON. On a terminal, stderr shows the progress.");
    std::vector<sample::NumberRule> rules = sample::commonNumberRules();
    rules.push_back({"max", 1, 100000, true});
    const int exitCode = sample::helpOrErrors(parser, argc, argv, keys, rules);
    if (exitCode >= 0)
        return exitCode;
    try
    {
        return run(parser);
    }
    catch (const cv::Exception& e)
    {
        std::cerr << "[eval] error: " << e.what() << std::endl;
        return 1;
    }
}
