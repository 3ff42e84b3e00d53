#!/usr/bin/env python3
"""Write the tiny torchvision model with its weights as ONNX external data (a side file).

Purpose
    ONNX can keep initializer data outside the model file (TensorProto.data_location = EXTERNAL,
    ``external_data`` entries ``location`` / ``offset`` / ``length``): ``torch.onnx.export`` does it
    for models over 2 GB, ``onnx.save_model(..., save_as_external_data=True)`` on request. OpenCV
    4.6's ONNX importer cannot read such a file (``cv2.dnn.readNetFromONNX`` dies with SIGFPE on
    this one). The module reads the side files itself before the importer sees the bytes (or says
    which side file is missing); this tool writes the test model for that: ``data/models/tiny_torchvision/model.onnx`` re-saved by ``onnx.save_model``
    with every initializer (``size_threshold=0``) in one side file ``model.onnx.data`` next to it.
    The graph is unchanged, so the tiny model's config.yml applies.

How to rerun
    /usr/bin/python3 tools/make_external_data_model.py \\
        [--src data/models/tiny_torchvision/model.onnx] [--out data/models/tiny_torchvision_external]

    Inline it again (what the module's error message tells users):
    python3 -c "import onnx; m = onnx.load('model.onnx'); onnx.save(m, 'inlined.onnx')"
"""

import argparse
import os
import sys

import onnx
import onnx.numpy_helper

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].strip(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", default=os.path.join(REPO_ROOT, "data", "models", "tiny_torchvision", "model.onnx"))
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "data", "models", "tiny_torchvision_external"))
    args = ap.parse_args(argv)

    model = onnx.load(args.src)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "model.onnx")
    side = "model.onnx.data"
    if os.path.exists(os.path.join(args.out, side)):
        os.remove(os.path.join(args.out, side))  # onnx appends to an existing side file
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location=side, size_threshold=0)

    # Check: every initializer is external, and onnx.load (external data loaded) gives the source back.
    bare = onnx.load(path, load_external_data=False)
    external = [t.name for t in bare.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
    if len(external) != len(bare.graph.initializer):
        print("ERROR: %d of %d initializers are external" % (len(external), len(bare.graph.initializer)),
              file=sys.stderr)
        return 1
    back = onnx.load(path)
    source = onnx.load(args.src)  # save_model moved `model`'s data out: compare with a fresh copy
    for a, b in zip(source.graph.initializer, back.graph.initializer):
        if a.name != b.name or onnx.numpy_helper.to_array(a).tobytes() != onnx.numpy_helper.to_array(b).tobytes():
            print("ERROR: tensor %s differs after the round trip" % a.name, file=sys.stderr)
            return 1
    onnx.checker.check_model(path)
    print("wrote %s (%d bytes) + %s (%d bytes): %d external initializers"
          % (path, os.path.getsize(path), side, os.path.getsize(os.path.join(args.out, side)), len(external)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
