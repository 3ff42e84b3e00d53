"""The GIL is released during inference: two Python threads with two models run at the same time.

Method: each thread records the (start, end) of each call. Python's forced GIL hand-over is pushed
out of reach (sys.setswitchinterval(30 s)), so a thread can only run while the other one is inside
a call that released the GIL. Calls that hold the GIL then never overlap in time (the control, pure
Python work, shows it); calls that release it overlap for most of their duration, however loaded
the machine is (wall-clock intervals, not CPU time)."""
import sys
import threading
import time

import numpy as np
import pytest

import dnn_retinanet as dr
from conftest import TINY, small_config, synthetic_head


def run_concurrently(work, calls):
    """work: one callable per thread. Returns per thread the list of (start, end) of its calls."""
    intervals = [[] for _ in work]
    barrier = threading.Barrier(len(work))

    def worker(i):
        barrier.wait()
        for _ in range(calls):
            t0 = time.perf_counter()
            work[i]()
            intervals[i].append((t0, time.perf_counter()))

    old = sys.getswitchinterval()
    sys.setswitchinterval(30.0)
    try:
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(work))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    return intervals


def overlap_fraction(a, b):
    """Time during which a call of a and a call of b were both running, over the shorter busy time."""
    both = sum(max(0.0, min(a1, b1) - max(a0, b0)) for a0, a1 in a for b0, b1 in b)
    busy = min(sum(t1 - t0 for t0, t1 in a), sum(t1 - t0 for t0, t1 in b))
    return both / busy


def busy_python(seconds):
    end = time.perf_counter() + seconds
    x = 0
    while time.perf_counter() < end:
        x += 1
    return x


def tiny_model():
    return dr.RetinaNetDetectionModel(str(TINY / "model.onnx"), str(TINY / "config.yml"))


def test_two_models_in_two_threads_overlap():
    frame = np.random.default_rng(0).integers(0, 255, (256, 320, 3), dtype=np.uint8)
    models = [tiny_model(), tiny_model()]
    for m in models:
        m.detectAll(frame)  # warm-up (first forward allocates)
    t0 = time.perf_counter()
    models[0].detectAll(frame)
    call = time.perf_counter() - t0

    control = run_concurrently([lambda: busy_python(call)] * 2, calls=4)
    detect = run_concurrently([lambda m=m: m.detectAll(frame) for m in models], calls=8)
    ctrl, det = overlap_fraction(*control), overlap_fraction(*detect)
    print(f"overlap: detect {det:.2f}, GIL-holding control {ctrl:.2f} (one call {call * 1e3:.1f} ms)")
    assert ctrl < 0.2, "the method must not see overlap in calls that hold the GIL"
    assert det > 0.5, f"detect calls in two threads overlapped for {det:.0%} of their time only"


def test_decoder_releases_the_gil_too():
    config = small_config(K=20)
    outputs, names = synthetic_head(config, (640, 480), seed=4, batch=4)
    decoders = [dr.RetinaNetDecoder.create(config), dr.RetinaNetDecoder.create(config)]
    ref = decoders[0].decode(outputs, names, (640, 480))
    results = [[], []]
    work = [lambda i=i: results[i].append(decoders[i].decode(outputs, names, (640, 480))) for i in range(2)]
    frac = overlap_fraction(*run_concurrently(work, calls=10))
    assert frac > 0.5, f"decode calls in two threads overlapped for {frac:.0%} of their time only"
    for r in results[0] + results[1]:
        for got, exp in zip(r, ref):
            np.testing.assert_array_equal(got[2], exp[2])


def test_one_model_shared_by_threads_is_serialised_and_correct():
    """A model used by several threads at once: calls wait for each other (per-object lock), results
    are those of sequential calls."""
    model = tiny_model()
    frames = [np.random.default_rng(s).integers(0, 255, (256, 320, 3), dtype=np.uint8) for s in range(3)]
    ref = [model.detectAll(f) for f in frames]
    got = [[] for _ in frames]
    intervals = run_concurrently([lambda i=i: got[i].append(model.detectAll(frames[i])) for i in range(3)], calls=3)
    for i in range(3):
        for r in got[i]:
            for x, y in zip(r, ref[i]):
                np.testing.assert_array_equal(x, y)
    assert all(len(iv) == 3 for iv in intervals)


@pytest.mark.parametrize("threads", [4])
def test_many_threads_many_models_agree(threads):
    frame = np.random.default_rng(7).integers(0, 255, (256, 320, 3), dtype=np.uint8)
    models = [tiny_model() for _ in range(threads)]
    ref = models[0].detectAll(frame)
    out = [[] for _ in models]
    run_concurrently([lambda i=i: out[i].append(models[i].detectAll(frame)) for i in range(threads)], calls=2)
    for o in out:
        for r in o:
            np.testing.assert_array_equal(r[2], ref[2])
