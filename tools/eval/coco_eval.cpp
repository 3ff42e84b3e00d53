// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#include "coco_eval.hpp"

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

namespace coco {

namespace {

const int kNumIou = 10, kNumRec = 101, kNumArea = 4;
const double kAreaLo[kNumArea] = {0.0, 0.0, 32.0 * 32.0, 96.0 * 96.0};
const double kAreaHi[kNumArea] = {1e10, 32.0 * 32.0, 96.0 * 96.0, 1e10};

//! numpy.linspace(start, stop, num): i * ((stop - start) / (num - 1)) + start, last = stop.
std::vector<double> linspace(double start, double stop, int num)
{
    std::vector<double> v(num);
    const double step = (stop - start) / (num - 1);
    for (int i = 0; i < num; i++)
        v[i] = i * step + start;
    v[num - 1] = stop;
    return v;
}

std::string readText(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f)
        CV_Error(cv::Error::StsError, "cannot open " + path);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

//! Detections of one image and category, score order, evaluated for one area range.
struct ImageEval
{
    std::vector<double> scores;
    std::vector<char> matched, ignored; // [t * D + d]
    int numGt = 0;                      // non-ignored GTs
};

ImageEval evaluateImage(const std::vector<const CocoAnnotation*>& gts,
                        const std::vector<const CocoDetection*>& dts, double lo, double hi,
                        const std::vector<double>& iouThrs, int maxDets)
{
    std::vector<const CocoAnnotation*> g(gts);
    auto outside = [&](double area) { return area < lo || area > hi; };
    std::stable_sort(g.begin(), g.end(), [&](const CocoAnnotation* a, const CocoAnnotation* b) {
        return !outside(a->area) && outside(b->area); });
    std::vector<const CocoDetection*> d(dts);
    std::stable_sort(d.begin(), d.end(), [](const CocoDetection* a, const CocoDetection* b) {
        return a->score > b->score; });
    if ((int)d.size() > maxDets)
        d.resize(maxDets);
    const int T = (int)iouThrs.size(), D = (int)d.size(), G = (int)g.size();
    std::vector<char> gIgn(G);
    for (int j = 0; j < G; j++)
        gIgn[j] = outside(g[j]->area);
    std::vector<double> ious((size_t)D * G);
    for (int i = 0; i < D; i++)
        for (int j = 0; j < G; j++)
            ious[(size_t)i * G + j] = iouXYWH(cv::Rect2d(d[i]->box), g[j]->box);

    ImageEval r;
    r.matched.assign((size_t)T * D, 0);
    r.ignored.assign((size_t)T * D, 0);
    for (int t = 0; t < T; t++)
    {
        std::vector<char> gtm(G, 0);
        for (int i = 0; i < D; i++)
        {
            double best = std::min(iouThrs[t], 1 - 1e-10);
            int m = -1;
            for (int j = 0; j < G; j++)
            {
                if (gtm[j])
                    continue;
                if (m > -1 && !gIgn[m] && gIgn[j])
                    break; // a real GT matched: ignored GTs (sorted last) are not considered
                if (ious[(size_t)i * G + j] < best)
                    continue;
                best = ious[(size_t)i * G + j];
                m = j;
            }
            if (m == -1)
                continue;
            r.matched[(size_t)t * D + i] = 1;
            r.ignored[(size_t)t * D + i] = gIgn[m];
            gtm[m] = 1;
        }
        for (int i = 0; i < D; i++)
            if (!r.matched[(size_t)t * D + i] && outside((double)d[i]->box.width * d[i]->box.height))
                r.ignored[(size_t)t * D + i] = 1;
    }
    for (const CocoDetection* x : d)
        r.scores.push_back(x->score);
    r.numGt = G - (int)std::count(gIgn.begin(), gIgn.end(), 1);
    return r;
}

//! Mean of the entries > -1, -1 if none.
double meanValid(const std::vector<double>& v)
{
    double s = 0;
    int n = 0;
    for (double x : v)
        if (x > -1)
        {
            s += x;
            n++;
        }
    return n ? s / n : -1.0;
}

void appendFloat(std::string& s, double v)
{
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.9g", v);
    s += buf;
}

} // namespace

double iouXYWH(const cv::Rect2d& a, const cv::Rect2d& b)
{
    const double iw = std::max(0.0, std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x));
    const double ih = std::max(0.0, std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y));
    const double inter = iw * ih;
    const double uni = a.width * a.height + b.width * b.height - inter;
    return inter / std::max(uni, DBL_MIN);
}

CocoGroundTruth CocoGroundTruth::load(const std::string& path)
{
    cv::FileStorage fs(path, cv::FileStorage::READ | cv::FileStorage::FORMAT_JSON);
    if (!fs.isOpened())
        CV_Error(cv::Error::StsError, "cannot open " + path);
    CocoGroundTruth gt;
    for (const cv::FileNode& n : fs["images"])
    {
        CocoImage im;
        im.id = (int)n["id"];
        im.fileName = (std::string)n["file_name"];
        im.width = (int)n["width"];
        im.height = (int)n["height"];
        gt.images.push_back(im);
    }
    for (const cv::FileNode& n : fs["categories"])
    {
        CocoCategory c;
        c.id = (int)n["id"];
        c.name = (std::string)n["name"];
        gt.categories.push_back(c);
    }
    for (const cv::FileNode& n : fs["annotations"])
    {
        cv::FileNode b = n["bbox"];
        if (!b.isSeq() || b.size() != 4)
            CV_Error(cv::Error::StsParseError, path + ": an annotation has no 4-number bbox");
        CocoAnnotation a;
        a.id = (int)n["id"];
        a.imageId = (int)n["image_id"];
        a.categoryId = (int)n["category_id"];
        a.box = cv::Rect2d((double)b[0], (double)b[1], (double)b[2], (double)b[3]);
        a.area = n["area"].empty() ? a.box.area() : (double)n["area"];
        a.iscrowd = !n["iscrowd"].empty() && (int)n["iscrowd"] != 0;
        gt.annotations.push_back(a);
    }
    if (gt.images.empty() || gt.categories.empty())
        CV_Error(cv::Error::StsParseError, path + ": no images or no categories");
    return gt;
}

std::vector<int> CocoGroundTruth::imageIds() const
{
    std::vector<int> ids;
    for (const CocoImage& im : images)
        ids.push_back(im.id);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

std::vector<int> CocoGroundTruth::categoryIds() const
{
    std::vector<int> ids;
    for (const CocoCategory& c : categories)
        ids.push_back(c.id);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

std::string CocoGroundTruth::categoryName(int id) const
{
    for (const CocoCategory& c : categories)
        if (c.id == id)
            return c.name;
    return std::string();
}

CocoMetrics evaluate(const CocoGroundTruth& gt, const std::vector<CocoDetection>& dets, int maxDets)
{
    CV_Assert(maxDets > 0);
    const std::vector<double> iouThrs = linspace(0.5, 0.95, kNumIou), recThrs = linspace(0.0, 1.0, kNumRec);
    const std::vector<int> imgIds = gt.imageIds(), catIds = gt.categoryIds();
    typedef std::pair<int, int> Key; // (image id, category id)
    std::map<Key, std::vector<const CocoAnnotation*> > G;
    std::map<Key, std::vector<const CocoDetection*> > D;
    for (const CocoAnnotation& a : gt.annotations)
        G[Key(a.imageId, a.categoryId)].push_back(&a);
    for (const CocoDetection& d : dets)
        D[Key(d.imageId, d.categoryId)].push_back(&d);

    const int T = kNumIou, R = kNumRec, K = (int)catIds.size(), A = kNumArea;
    std::vector<double> precision((size_t)T * R * K * A, -1.0); // [t][r][k][a]
    std::vector<double> recall((size_t)T * K * A, -1.0);        // [t][k][a]
    auto P = [&](int t, int r, int k, int a) -> double& { return precision[(((size_t)t * R + r) * K + k) * A + a]; };
    auto Rc = [&](int t, int k, int a) -> double& { return recall[((size_t)t * K + k) * A + a]; };
    const std::vector<const CocoAnnotation*> noGt;
    const std::vector<const CocoDetection*> noDt;

    for (int k = 0; k < K; k++)
        for (int a = 0; a < A; a++)
        {
            std::vector<double> scores;
            std::vector<std::vector<char> > matched(T), ignored(T);
            int npig = 0;
            for (int img : imgIds)
            {
                auto gi = G.find(Key(img, catIds[k]));
                auto di = D.find(Key(img, catIds[k]));
                const auto& g = gi == G.end() ? noGt : gi->second;
                const auto& d = di == D.end() ? noDt : di->second;
                if (g.empty() && d.empty())
                    continue;
                ImageEval e = evaluateImage(g, d, kAreaLo[a], kAreaHi[a], iouThrs, maxDets);
                const size_t n = e.scores.size();
                scores.insert(scores.end(), e.scores.begin(), e.scores.end());
                for (int t = 0; t < T; t++)
                {
                    matched[t].insert(matched[t].end(), e.matched.begin() + t * n, e.matched.begin() + (t + 1) * n);
                    ignored[t].insert(ignored[t].end(), e.ignored.begin() + t * n, e.ignored.begin() + (t + 1) * n);
                }
                npig += e.numGt;
            }
            if (npig == 0)
                continue;
            std::vector<int> order(scores.size());
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(), [&](int i, int j) { return scores[i] > scores[j]; });
            const size_t n = order.size();
            for (int t = 0; t < T; t++)
            {
                std::vector<double> rc(n), pr(n);
                double tp = 0, fp = 0;
                for (size_t i = 0; i < n; i++)
                {
                    const int o = order[i];
                    if (!ignored[t][o])
                        (matched[t][o] ? tp : fp) += 1;
                    rc[i] = tp / npig;
                    pr[i] = tp / (fp + tp + DBL_EPSILON);
                }
                Rc(t, k, a) = n ? rc[n - 1] : 0.0;
                for (size_t i = n; i-- > 1;)
                    pr[i - 1] = std::max(pr[i - 1], pr[i]);
                for (int r = 0; r < R; r++)
                {
                    const size_t i = std::lower_bound(rc.begin(), rc.end(), recThrs[r]) - rc.begin();
                    P(t, r, k, a) = i < n ? pr[i] : 0.0;
                }
            }
        }

    // means over the selected thresholds (t0..t1), all recall thresholds, categories (k0..k1)
    auto summarize = [&](int t0, int t1, int k0, int k1, int a) {
        std::vector<double> v;
        for (int t = t0; t < t1; t++)
            for (int r = 0; r < R; r++)
                for (int k = k0; k < k1; k++)
                    v.push_back(P(t, r, k, a));
        return meanValid(v);
    };
    CocoMetrics m;
    m.AP = summarize(0, T, 0, K, 0);
    m.AP50 = summarize(0, 1, 0, K, 0);
    m.AP75 = summarize(5, 6, 0, K, 0);
    m.APs = summarize(0, T, 0, K, 1);
    m.APm = summarize(0, T, 0, K, 2);
    m.APl = summarize(0, T, 0, K, 3);
    std::vector<double> rcAll;
    for (int t = 0; t < T; t++)
        for (int k = 0; k < K; k++)
            rcAll.push_back(Rc(t, k, 0));
    m.AR100 = meanValid(rcAll);
    m.categoryIds = catIds;
    for (int k = 0; k < K; k++)
        m.categoryAP.push_back(summarize(0, T, k, k + 1, 0));
    m.numImages = (int)imgIds.size();
    m.numGt = (int)gt.annotations.size();
    m.numDets = (int)dets.size();
    return m;
}

void writeDetections(const std::string& path, const std::vector<CocoDetection>& dets)
{
    std::string s = "[";
    for (size_t i = 0; i < dets.size(); i++)
    {
        const CocoDetection& d = dets[i];
        s += i ? ",\n" : "\n";
        s += "{\"image_id\": " + std::to_string(d.imageId) + ", \"category_id\": " + std::to_string(d.categoryId) +
             ", \"bbox\": [";
        const float b[4] = {d.box.x, d.box.y, d.box.width, d.box.height};
        for (int j = 0; j < 4; j++)
        {
            appendFloat(s, b[j]);
            s += j < 3 ? ", " : "], \"score\": ";
        }
        appendFloat(s, d.score);
        s += "}";
    }
    s += "\n]\n";
    std::ofstream f(path, std::ios::binary);
    if (!(f << s))
        CV_Error(cv::Error::StsError, "cannot write " + path);
}

std::vector<CocoDetection> readDetections(const std::string& path)
{
    // cv::FileStorage wants an object at the top level: wrap the results list
    const std::string text = "{\"results\": " + readText(path) + "\n}\n";
    cv::FileStorage fs(text, cv::FileStorage::READ | cv::FileStorage::MEMORY | cv::FileStorage::FORMAT_JSON);
    std::vector<CocoDetection> dets;
    for (const cv::FileNode& n : fs["results"])
    {
        cv::FileNode b = n["bbox"];
        if (!b.isSeq() || b.size() != 4)
            CV_Error(cv::Error::StsParseError, path + ": a result has no 4-number bbox");
        CocoDetection d;
        d.imageId = (int)n["image_id"];
        d.categoryId = (int)n["category_id"];
        d.score = (float)(double)n["score"];
        d.box = cv::Rect2f((float)(double)b[0], (float)(double)b[1], (float)(double)b[2], (float)(double)b[3]);
        dets.push_back(d);
    }
    return dets;
}

std::string formatMetrics(const CocoMetrics& m, const CocoGroundTruth& gt)
{
    std::string s;
    char buf[256];
    const struct { const char* what; const char* iou; const char* area; double v; } rows[] = {
        {"Average Precision  (AP)", "0.50:0.95", "   all", m.AP},
        {"Average Precision  (AP)", "0.50     ", "   all", m.AP50},
        {"Average Precision  (AP)", "0.75     ", "   all", m.AP75},
        {"Average Precision  (AP)", "0.50:0.95", " small", m.APs},
        {"Average Precision  (AP)", "0.50:0.95", "medium", m.APm},
        {"Average Precision  (AP)", "0.50:0.95", " large", m.APl},
        {"Average Recall     (AR)", "0.50:0.95", "   all", m.AR100}};
    for (const auto& r : rows)
    {
        std::snprintf(buf, sizeof(buf), " %s @[ IoU=%s | area=%s | maxDets=100 ] = %.3f\n", r.what, r.iou, r.area, r.v);
        s += buf;
    }
    std::snprintf(buf, sizeof(buf), "mAP@[.5:.95] %.4f  AP50 %.4f  AP75 %.4f  APs %.4f  APm %.4f  APl %.4f  AR100 %.4f\n",
                  m.AP, m.AP50, m.AP75, m.APs, m.APm, m.APl, m.AR100);
    s += buf;
    s += "per-category AP:";
    for (size_t k = 0; k < m.categoryIds.size(); k++)
    {
        std::snprintf(buf, sizeof(buf), "%s %s %.3f", k ? "," : "", gt.categoryName(m.categoryIds[k]).c_str(),
                      m.categoryAP[k]);
        s += buf;
    }
    return s + "\n";
}

} // namespace coco
