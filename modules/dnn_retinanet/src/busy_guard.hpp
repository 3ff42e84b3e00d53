// This file is part of the dnn_retinanet module.
// It is subject to the license terms in the LICENSE file found in the top-level directory.
#ifndef DNN_RETINANET_BUSY_GUARD_HPP
#define DNN_RETINANET_BUSY_GUARD_HPP

#include <opencv2/core.hpp>
#include <atomic>
#include <string>

namespace cv { namespace dnn_retinanet { namespace detail {

/** Catches the documented misuse of one model / decoder from two threads at once (issue 13): the
 * second caller gets a cv::Exception instead of corrupting the shared buffers. One atomic
 * exchange per call; it is a misuse detector, not a lock (the caller does not wait). */
class BusyGuard
{
public:
    BusyGuard(std::atomic<bool>& flag, const char* what) : flag_(flag)
    {
        if (flag_.exchange(true, std::memory_order_acquire))
            CV_Error(Error::StsError, std::string("dnn_retinanet: ") + what +
                                      " is already running in another thread; one object must not be used from two "
                                      "threads at once (create one per thread)");
    }
    ~BusyGuard() { flag_.store(false, std::memory_order_release); }
    BusyGuard(const BusyGuard&) = delete;
    BusyGuard& operator=(const BusyGuard&) = delete;

private:
    std::atomic<bool>& flag_;
};

}}} // namespace

#endif
