// Detects on one image with the installed shipped model; prints "<n> detections" and the best one.
#include <opencv2/dnn_retinanet.hpp>
#include <opencv2/imgcodecs.hpp>
#include <iostream>

#ifndef MODEL_DIR
#define MODEL_DIR ""   // the pkg-config build passes it on the command line
#endif

int main(int argc, char** argv)
{
    if (argc < 2) { std::cerr << "usage: downstream <image> [model dir]\n"; return 2; }
    const std::string dir = argc > 2 ? argv[2] : MODEL_DIR;
    try
    {
        cv::dnn_retinanet::RetinaNetDetectionModel model(dir + "/model.onnx", dir + "/config.yml");
        cv::Mat image = cv::imread(argv[1]);
        if (image.empty()) { std::cerr << "cannot read " << argv[1] << "\n"; return 1; }
        std::vector<cv::dnn_retinanet::Detection> dets;
        model.detect(image, dets);
        std::cout << dets.size() << " detections";
        if (!dets.empty())
            std::cout << ", best: class " << dets[0].classId << " score " << dets[0].score;
        std::cout << std::endl;
        return dets.empty() ? 1 : 0;
    }
    catch (const cv::Exception& e)
    {
        std::cerr << e.what() << "\n";
        return 1;
    }
}
