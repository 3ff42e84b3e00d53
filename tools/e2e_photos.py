#!/usr/bin/env python3
"""Real photos for the end-to-end checks, from Debian's ``opencv-doc`` package.

The photos are read where the package installs them (``/usr/share/doc/opencv-doc/examples/data``,
or ``$OPENCV_DOC_DATA``) and cropped to the sizes where keep-ratio formulas diverge; nothing is copied
into the repository. The C++ tests apply the same crops: each reference file records ``source`` and
``crop`` (x, y, w, h), see test/test_e2e_torchvision.cpp.

    name          HxW        source (crop)
    aero1         480x640    aero1.jpg
    building      427x640    building.jpg (crop)
    leuven        375x500    leuvenA.jpg (crop)
    messi5        342x548    messi5.jpg
    home          384x512    home.jpg
    baboon        512x512    baboon.jpg
    aloe          720x1280   aloeL.jpg (crop)
    portrait      600x400    building.jpg (crop)
    fish          194x259    HappyFish.jpg (small)
    tiny          60x80      fruits.jpg (crop)
"""

import os

import cv2

DEFAULT_DIR = "/usr/share/doc/opencv-doc/examples/data"

# name, source file, crop (x, y, w, h) or None for the whole photo
PHOTOS = [
    ("aero1", "aero1.jpg", None),
    ("building", "building.jpg", (100, 80, 640, 427)),
    ("leuven", "leuvenA.jpg", (120, 90, 500, 375)),
    ("messi5", "messi5.jpg", None),
    ("home", "home.jpg", None),
    ("baboon", "baboon.jpg", None),
    ("aloe", "aloeL.jpg", (0, 200, 1280, 720)),
    ("portrait", "building.jpg", (300, 0, 400, 600)),
    ("fish", "HappyFish.jpg", None),
    ("tiny", "fruits.jpg", (200, 150, 80, 60)),
]


def photo_dir():
    d = os.environ.get("OPENCV_DOC_DATA", DEFAULT_DIR)
    if not os.path.isdir(d):
        raise RuntimeError("%s not found: install Debian's opencv-doc package (scripts/install_deps.sh)" % d)
    return d


def load(entry):
    """BGR uint8 photo of a PHOTOS entry (name, source, crop)."""
    _, source, crop = entry
    path = os.path.join(photo_dir(), source)
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise RuntimeError("cannot read %s" % path)
    if crop is not None:
        x, y, w, h = crop
        if x + w > img.shape[1] or y + h > img.shape[0]:
            raise RuntimeError("crop %s outside %s (%dx%d)" % (crop, path, img.shape[1], img.shape[0]))
        img = img[y:y + h, x:x + w].copy()
    return img


def select(names=None):
    """The PHOTOS entries named in ``names`` (all when None), in table order."""
    if not names:
        return list(PHOTOS)
    unknown = set(names) - {p[0] for p in PHOTOS}
    if unknown:
        raise ValueError("unknown photo(s) %s; known: %s" % (sorted(unknown), ", ".join(p[0] for p in PHOTOS)))
    return [p for p in PHOTOS if p[0] in names]
