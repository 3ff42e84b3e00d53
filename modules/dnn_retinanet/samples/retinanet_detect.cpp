// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// RetinaNet on images: a file, a folder or a glob -> annotated images + detections as text or JSON.
//
//   retinanet_detect --input=data/images/demo --output=out/
//   retinanet_detect -m=model.onnx -c=torchvision --input="photos/*.jpg" --json --thr=0.3

#include "sample_common.hpp"

#include <opencv2/core/utils/filesystem.hpp>
#include <opencv2/imgcodecs.hpp>

#include <iostream>

using namespace cv;
using namespace cv::dnn_retinanet;

#ifndef DNN_RETINANET_DATA_DIR
#define DNN_RETINANET_DATA_DIR "data"
#endif

static std::vector<std::string> listInputs(const std::string& input)
{
    std::vector<std::string> files;
    if (utils::fs::isDirectory(input))
    {
        for (const char* ext : {"*.png", "*.jpg", "*.jpeg", "*.bmp", "*.tif", "*.tiff", "*.webp"})
        {
            std::vector<String> found;
            utils::fs::glob(input, ext, found, false, false);
            files.insert(files.end(), found.begin(), found.end());
        }
    }
    else if (input.find_first_of("*?[") != std::string::npos)
    {
        std::vector<String> found;
        glob(input, found, false);
        files.assign(found.begin(), found.end());
    }
    else
        files.push_back(input);
    std::sort(files.begin(), files.end());
    return files;
}

int main(int argc, char** argv)
{
    const std::string keys = std::string(sample::kCommonKeys) +
        "{ input i     |       | image file, folder or glob (quote it) }"
        "{ output o    |       | folder for the annotated images (created); empty: none written }"
        "{ json        | false | print detections as JSON lines instead of text }"
        "{ data        | " DNN_RETINANET_DATA_DIR " | data folder (shipped model) }";
    CommandLineParser parser(argc, argv, keys);
    parser.about("RetinaNet object detection on images (OpenCV dnn_retinanet)");
    const int exitCode = sample::helpOrErrors(parser, argc, argv, keys, sample::commonNumberRules());
    if (exitCode >= 0)
        return exitCode;
    try
    {
        const bool json = parser.get<bool>("json");
        std::ostream& log = json ? std::cerr : std::cout;
        std::vector<std::string> names;
        RetinaNetDetectionModel model = sample::makeModel(parser, parser.get<std::string>("data"), names, log);

        const std::vector<std::string> files = listInputs(parser.get<std::string>("input"));
        if (files.empty())
            CV_Error(Error::StsObjectNotFound, "no images match '" + parser.get<std::string>("input") + "'");
        const std::string outDir = parser.get<std::string>("output");
        if (!outDir.empty() && !utils::fs::isDirectory(outDir) && !utils::fs::createDirectories(outDir))
            CV_Error(Error::StsError, "cannot create output folder '" + outDir + "'");

        double totals[4] = {0, 0, 0, 0};
        int processed = 0;
        for (const std::string& file : files)
        {
            Mat img = imread(file, IMREAD_COLOR);
            if (img.empty())
            {
                std::cerr << "skipping unreadable image: " << file << std::endl;
                continue;
            }
            std::vector<Detection> dets;
            model.detect(img, dets);
            const std::vector<double> t = model.getLastTimings();
            for (int i = 0; i < 4; i++) totals[i] += t[i];
            processed++;

            if (json)
                std::cout << "{\"image\":\"" << sample::jsonEscape(file) << "\",\"width\":" << img.cols << ",\"height\":"
                          << img.rows << ",\"detections\":" << sample::detectionsJson(dets, names, true) << "}" << std::endl;
            else
            {
                std::cout << file << ": " << dets.size() << " detections  (preprocess " << format("%.1f", t[0])
                          << " ms, forward " << format("%.1f", t[1]) << " ms, decode " << format("%.2f", t[2])
                          << " ms)\n";
                for (const Detection& d : dets)
                    std::cout << format("  %-12s %.3f  [%.1f, %.1f, %.1f, %.1f]\n", sample::className(names, d.classId).c_str(),
                                        d.score, d.box[0], d.box[1], d.box[2], d.box[3]);
            }
            if (!outDir.empty())
            {
                sample::drawDetections(img, dets, names, 0.3f);
                const size_t slash = file.find_last_of("/\\");
                const std::string base = file.substr(slash == std::string::npos ? 0 : slash + 1);
                const size_t dot = base.find_last_of('.');
                const std::string outPath = outDir + "/" + base.substr(0, dot) + "_detections.png";
                if (!imwrite(outPath, img))
                    CV_Error(Error::StsError, "cannot write '" + outPath + "'");
                log << "  written: " << outPath << "\n";
            }
        }
        if (processed == 0)
            CV_Error(Error::StsError, "no readable image among the inputs");
        log << format("%d image(s); mean per image: preprocess %.1f ms, forward %.1f ms, decode %.2f ms, "
                      "postprocess %.2f ms\n", processed, totals[0] / processed, totals[1] / processed,
                      totals[2] / processed, totals[3] / processed);
        if (!outDir.empty())
            log << "annotated images (boxes with score >= 0.3) are in " << outDir << "\n";
        return 0;
    }
    catch (const cv::Exception& e)
    {
        std::cerr << "error: " << e.err << std::endl;
        return 2;
    }
}
