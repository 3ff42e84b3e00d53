#!/usr/bin/env python3
"""Write (or check) the COCO label maps in data/labels/ from torchvision's own list.

Purpose
    ``data/labels/coco91.txt``: torchvision's ``_COCO_CATEGORIES`` (torchvision/models/_meta.py)
    verbatim, one name per line: 91 entries, line k = the name of class k = COCO category id k,
    line 0 ``__background__``, ``N/A`` for the 11 ids COCO does not use. This is the class map of
    torchvision's COCO detection models (``num_classes=91``).

    ``data/labels/coco80.txt``: the same names without ``__background__`` and the ``N/A`` entries,
    i.e. the 80 COCO categories in category-id order. This is the class map of models that number
    the COCO classes contiguously 0..79: detectron2, mmdetection, keras-retinanet, NVIDIA ODTK and
    the ONNX zoo retinanet-9 (all of them sort the categories by id).

    Line k of a file names class k (the decoder's ``classId``), which is how the samples' ``--classes``
    option and ``tools/export_torchvision.py --class-names`` read them.

How to rerun
    /usr/bin/python3 tools/make_label_maps.py            # (re)write data/labels/coco{80,91}.txt
    /usr/bin/python3 tools/make_label_maps.py --check    # exit 1 if the committed files differ

Library use
    ``coco91()``, ``coco80()`` return the lists (from torchvision); ``read_label_map(path)`` reads a
    file the way the C++ samples do.
"""

import argparse
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABEL_DIR = os.path.join(REPO_ROOT, "data", "labels")


def coco91():
    """torchvision's COCO category list (91 entries, index = category id)."""
    from torchvision.models._meta import _COCO_CATEGORIES
    names = list(_COCO_CATEGORIES)
    if len(names) != 91 or names[0] != "__background__":
        raise RuntimeError("unexpected torchvision _COCO_CATEGORIES (%d entries, first %r)"
                           % (len(names), names[:1]))
    return names


def coco80():
    """The 80 COCO categories in id order (contiguous ids 0..79)."""
    names = [n for n in coco91()[1:] if n != "N/A"]
    if len(names) != 80:
        raise RuntimeError("expected 80 COCO categories, got %d" % len(names))
    return names


def read_label_map(path):
    """One name per line; line k names class k. "\\r" is stripped and trailing empty lines are
    ignored; an empty line before the last name is a ValueError (it would shift every later class).
    The C++ samples (modules/dnn_retinanet/samples/sample_common.hpp readClassNames) apply the same rules."""
    with open(path, encoding="utf-8") as f:
        names = [line.rstrip("\r\n") for line in f]
    while names and not names[-1].strip():
        names.pop()
    for i, n in enumerate(names):
        if not n.strip():
            raise ValueError("%s: line %d is empty (one class name per line, line k names class k)"
                             % (path, i + 1))
    if not names:
        raise ValueError("%s: no class names" % path)
    return names


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].strip(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    ap.add_argument("--out-dir", default=LABEL_DIR)
    args = ap.parse_args(argv)

    maps = {"coco91.txt": coco91(), "coco80.txt": coco80()}
    status = 0
    for fname, names in maps.items():
        path = os.path.join(args.out_dir, fname)
        if args.check:
            if not os.path.exists(path):
                print("MISSING %s" % path)
                status = 1
                continue
            got = read_label_map(path)
            if got != names:
                diff = [i for i in range(max(len(got), len(names)))
                        if i >= len(got) or i >= len(names) or got[i] != names[i]]
                print("DIFFERS %s: %d vs %d entries, first difference at line %d"
                      % (path, len(got), len(names), diff[0]))
                status = 1
            else:
                print("ok %s (%d names)" % (path, len(names)))
        else:
            os.makedirs(args.out_dir, exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write("\n".join(names) + "\n")
            print("wrote %s (%d names)" % (path, len(names)))
    return status


if __name__ == "__main__":
    sys.exit(main())
