// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.

// RetinaNet on images or a camera: a file, a folder or a glob -> annotated images, a window, one
// summary line per image (--verbose: every detection) or JSON lines. The keys are those of OpenCV's
// samples/dnn/object_detection.cpp (doc/samples.md):
//
//   retinanet_detect --input=data/images/demo --output=out/        # the shipped model
//   retinanet_detect shipped --input=data/images/demo --thr=0.5    # an alias of models.yml
//   retinanet_detect -m=model.onnx --retinanet_config=torchvision --input="photos/*.jpg" --json
//   retinanet_detect                                               # camera 0 in a window

#include "sample_common.hpp"

#include <opencv2/core/utils/filesystem.hpp>
#include <opencv2/highgui.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include <iostream>

using namespace cv;
using namespace cv::dnn_retinanet;

static const char* const kAbout =
    "RetinaNet object detection on images or a camera (OpenCV dnn_retinanet).\n"
    "Input: an image, a folder of images, a glob (quote it), or a camera index (default: camera 0).\n"
    "Output: one line per image \"<file>: N detections (>= thr) in X ms\" (--verbose: every detection and\n"
    "the time per stage; --json: one JSON object per image), the annotated images in --output, and a window\n"
    "when a display exists. The boxes drawn are the detections printed: those with a score >= --thr.\n"
    "Keys as in OpenCV's samples/dnn/object_detection.cpp; the first argument may be an alias of models.yml.";

static std::vector<std::string> listInputs(const std::string& input)
{
    std::vector<String> files;
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
        glob(input, files, false);
    else
        files.push_back(input);
    std::sort(files.begin(), files.end());
    return std::vector<std::string>(files.begin(), files.end());
}

//! Camera @p index in a window until 'q' / Esc; one summary line per frame with --verbose.
static int runCamera(RetinaNetDetectionModel& model, const std::vector<std::string>& names, int index, bool window,
                     bool verbose)
{
    VideoCapture cap(index);
    if (!cap.isOpened())
        CV_Error(Error::StsObjectNotFound, format("cannot open camera %d (--input: an image, a folder, a glob or a "
                                                  "camera index)", index));
    if (!window)
        std::cerr << "warning: no window (no display, or --show=false): detections of each frame on stdout\n";
    TickMeter tm;
    for (Mat frame; cap.read(frame) && !frame.empty();)
    {
        std::vector<Detection> dets;
        tm.reset(); tm.start();
        model.detect(frame, dets);
        tm.stop();
        if (!window || verbose)
            std::cout << format("camera %d: %d detections in %.1f ms", index, (int)dets.size(), tm.getTimeMilli()) << std::endl;
        if (!window) continue;
        sample::drawDetections(frame, dets, names);
        putText(frame, format("%.1f ms per frame", tm.getTimeMilli()), Point(4, 16), FONT_HERSHEY_SIMPLEX, 0.5,
                Scalar(0, 255, 0), 1, LINE_AA);
        imshow("RetinaNet", frame);
        const int key = waitKey(1);
        if (key == 'q' || key == 27) break;
    }
    return 0;
}

int main(int argc, char** argv)
{
    const std::string keys = std::string(sample::kCommonKeys) + sample::kWindowKeys +
        "{ input i     |       | image file, folder, glob (quote it) or camera index (default: camera 0) }"
        "{ output o    |       | folder for the annotated images (created); empty: none written }"
        "{ json        | false | print detections as JSON lines instead of text (the log goes to stderr) }"
        "{ verbose v   | false | print every detection and the time per stage }";
    CommandLineParser parser(argc, argv, keys);
    parser.about(kAbout);
    const int exitCode = sample::helpOrErrors(parser, argc, argv, keys, sample::commonNumberRules(), false);
    if (exitCode >= 0)
        return exitCode;
    try
    {
        const bool json = parser.get<bool>("json"), verbose = parser.get<bool>("verbose");
        std::ostream& log = json ? std::cerr : std::cout;
        const std::string input = parser.get<std::string>("input"), outDir = parser.get<std::string>("output");
        const bool camera = input.empty() || input.find_first_not_of("0123456789") == std::string::npos;
        const bool window = sample::wantWindow(parser, camera || outDir.empty());
        std::vector<std::string> names;
        RetinaNetDetectionModel model = sample::makeModel(parser, names, log, verbose);
        const float thr = sample::scoreThreshold(parser, model);
        if (camera)
            return runCamera(model, names, input.empty() ? 0 : std::atoi(input.c_str()), window, verbose);

        const std::vector<std::string> files = listInputs(input);
        if (files.empty())
            CV_Error(Error::StsObjectNotFound, "no images match '" + input + "'");
        if (!outDir.empty() && !utils::fs::isDirectory(outDir) && !utils::fs::createDirectories(outDir))
            CV_Error(Error::StsError, "cannot create output folder '" + outDir + "'");

        Timings totals;
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
            const Timings t = model.getLastTimings();
            sample::addTimings(totals, t);
            processed++;

            if (json)
                std::cout << "{\"image\":\"" << sample::jsonEscape(file) << "\",\"width\":" << img.cols << ",\"height\":"
                          << img.rows << ",\"detections\":" << sample::detectionsJson(dets, names, true) << "}" << std::endl;
            else
                std::cout << format("%s: %d detections (>= %g) in %.1f ms\n", file.c_str(), (int)dets.size(), thr,
                                    t.total);
            if (verbose && !json)
            {
                std::cout << "  " << sample::stagesText(t) << "\n";
                for (const Detection& d : dets)
                    std::cout << format("  %-12s %.3f  [%.1f, %.1f, %.1f, %.1f]\n", sample::className(names, d.classId).c_str(),
                                        d.score, d.box[0], d.box[1], d.box[2], d.box[3]);
            }
            sample::drawDetections(img, dets, names);   // exactly the detections printed: score >= --thr
            if (!outDir.empty())
            {
                const size_t slash = file.find_last_of("/\\");
                const std::string base = file.substr(slash == std::string::npos ? 0 : slash + 1);
                const std::string outPath = outDir + "/" + base.substr(0, base.find_last_of('.')) + "_detections.png";
                if (!imwrite(outPath, img))
                    CV_Error(Error::StsError, "cannot write '" + outPath + "'");
                if (verbose) log << "  written: " << outPath << "\n";
            }
            if (window)
            {
                imshow("RetinaNet", img);
                const int key = waitKey(0);
                if (key == 'q' || key == 27) break;
            }
        }
        if (processed == 0)
            CV_Error(Error::StsError, "no readable image among the inputs");
        log << format("%d image(s); mean per image: ", processed) << sample::stagesText(totals, processed) << "\n";
        if (!outDir.empty())
            log << format("annotated images (boxes with score >= %g) are in %s\n", thr, outDir.c_str());
        return 0;
    }
    catch (const cv::Exception& e)
    {
        std::cerr << "error: " << e.err << std::endl;
        return 2;
    }
}
