#!/usr/bin/env python3
"""Prints a markdown table comparing the shipped RetinaNet presets (modules/dnn_retinanet/presets/*.yml).

Rows are the config fields whose effective value differs between presets; columns are the presets
(presets whose effective configs are identical apart from `name` share one column). A field a preset
does not set takes the default of RetinaNetConfig() (modules/dnn_retinanet/src/config/config.cpp and
include/opencv2/dnn_retinanet/config.hpp), mirrored in DEFAULTS below; `base:`, `weights` and
`octave_base_scale` + `scales_per_octave` are resolved the way config_io.cpp does.

Reads the files with PyYAML when it is installed, else with cv2.FileStorage.

    python3 tools/presets_table.py                # the table pasted into doc/config.md
    python3 tools/presets_table.py --all          # also the rows that are the same everywhere
    python3 tools/presets_table.py --reader cv2   # force the cv2.FileStorage reader
"""

import argparse
import copy
import glob
import math
import os
import sys

# RetinaNetConfig() defaults (config.cpp constructor over the config.hpp member initialisers).
DEFAULTS = {
    "name": "",
    "num_classes": 0,
    "class_names": [],
    "anchors": {
        "strides": [8, 16, 32, 64, 128],
        "sizes": [[32, 40, 50], [64, 80, 101], [128, 161, 203], [256, 322, 406], [512, 645, 812]],
        "aspect_ratios": [0.5, 1.0, 2.0],
        "order": "ratio_major",
        "rounding": "round",
        "stride_mode": "padded_div_grid",
        "center_offset": 0.0,
        "center_offset_pixels": 0.0,
        "plus_one": False,
    },
    "box_coding": {
        "type": "center_size",
        "means": [0.0, 0.0, 0.0, 0.0],
        "stds": [1.0, 1.0, 1.0, 1.0],
        "plus_one": "none",
        "clamp": "upper",
        "clamp_value": 4.135166556742356,
        "clip": "before_nms",
        "clip_target": "image",
        "clip_max_offset": 0.0,
        "clip_space": "network",
    },
    "scoring": {"activation": "sigmoid", "gamma": 1.0, "beta": 0.0, "background_channel": 0},
    "selection": {
        "score_threshold": 0.05,
        "level_score_thresholds": [],
        "threshold_inclusive": False,
        "order": "threshold_then_topk",
        "topk_per_level": 1000,
        "nms_threshold": 0.5,
        "nms_inclusive": False,
        "class_agnostic_nms": False,
        "nms_plus_one": False,
        "max_detections": 300,
        "min_box_size": -1.0,
    },
    "outputs": {"layout": "per_level_nchw", "cls_names": [], "box_names": []},
    "preprocess": {
        "color_order": "rgb",
        "scale": 1.0 / 255.0,
        "mean": [0.485, 0.456, 0.406],
        "std": [0.229, 0.224, 0.225],
        "resize": "keep_ratio",
        "input_size": [0, 0],
        "min_size": 800,
        "max_size": 1333,
        "pad_divisor": 32,
        "pad_value": 0.0,
        "interpolation": "linear",
        "resize_rule": "torchvision",
        "resize_input": "float",
    },
}

# Preferred column order (the order of the header's preset list); other presets follow, sorted.
COLUMN_ORDER = ["torchvision", "torchvision_v2", "detectron2", "mmdetection", "keras_retinanet",
                "odtk", "odtk_19.04", "detectron", "aploss"]


# ----------------------------------------------------------------------------------------- reading

def read_with_yaml(path):
    import yaml
    with open(path, "r") as f:
        text = f.read()
    # OpenCV's "%YAML:1.0" directive is not YAML 1.1 syntax: drop the directive line.
    lines = text.splitlines()
    if lines and lines[0].startswith("%YAML"):
        lines = lines[1:]
    return yaml.safe_load("\n".join(lines)) or {}


def _node_to_py(node):
    if node.isMap():
        return {k: _node_to_py(node.getNode(k)) for k in node.keys()}
    if node.isSeq():
        return [_node_to_py(node.at(i)) for i in range(node.size())]
    if node.isInt():
        return int(node.real())
    if node.isReal():
        return node.real()
    if node.isString():
        s = node.string()
        # cv::FileStorage keeps true/false as strings (config_io.cpp accepts both spellings).
        return {"true": True, "True": True, "false": False, "False": False}.get(s, s)
    return None


def read_with_cv2(path):
    import cv2
    fs = cv2.FileStorage(path, cv2.FILE_STORAGE_READ)
    if not fs.isOpened():
        raise RuntimeError("cannot open " + path)
    try:
        return _node_to_py(fs.root())
    finally:
        fs.release()


def make_reader(kind):
    if kind in ("auto", "yaml"):
        try:
            import yaml  # noqa: F401
            return read_with_yaml
        except ImportError:
            if kind == "yaml":
                raise
    return read_with_cv2


# ----------------------------------------------------------------------------------- effective config

def as_list(v):
    return v if isinstance(v, list) else [v]


def resolve(raw, presets_dir, reader, depth=0):
    """The effective config of one parsed file, like RetinaNetConfig::read()."""
    if depth > 8:
        raise RuntimeError("'base:' chain too deep")
    base = raw.get("base")
    if base:
        cfg = resolve(reader(os.path.join(presets_dir, base + ".yml")), presets_dir, reader, depth + 1)
    else:
        cfg = copy.deepcopy(DEFAULTS)
    for key in ("name", "num_classes", "class_names"):
        if key in raw:
            cfg[key] = raw[key]
    for section in ("anchors", "box_coding", "scoring", "selection", "outputs", "preprocess"):
        given = raw.get(section) or {}
        for key in DEFAULTS[section]:
            if key in given:
                cfg[section][key] = given[key]
        if section == "anchors":
            a = cfg["anchors"]
            a["strides"] = as_list(a["strides"])
            if "sizes" in given:  # list of per-level lists, or one size per level
                a["sizes"] = [as_list(row) for row in as_list(given["sizes"])]
            obs, spo = given.get("octave_base_scale", 0), given.get("scales_per_octave", 0)
            if obs > 0 and spo > 0:
                a["sizes"] = [[s * obs * 2.0 ** (i / spo) for i in range(spo)] for s in a["strides"]]
        if section == "box_coding" and "weights" in given:
            cfg["box_coding"]["stds"] = [1.0 / w for w in given["weights"]]
        if section == "preprocess":
            for key in ("mean", "std"):
                v = as_list(cfg["preprocess"][key])
                cfg["preprocess"][key] = v * 3 if len(v) == 1 else v
    if cfg["num_classes"] == 0 and cfg["class_names"]:
        cfg["num_classes"] = len(cfg["class_names"])
    return cfg


# ------------------------------------------------------------------------------------------ formatting

def num(x, digits=4):
    if isinstance(x, bool):
        return str(x).lower()
    x = float(x)
    if x == int(x) and abs(x) < 1e9:
        return str(int(x))
    return ("%.*f" % (digits, x)).rstrip("0").rstrip(".")


def nums(v, digits=4):
    return "[" + ", ".join(num(x, digits) for x in v) + "]"


def names(v):
    if not v:
        return "(from shapes)"
    return v[0] + " … " + v[-1] if len(v) > 2 else ", ".join(v)


def fmt_threshold(s):
    op = ">=" if s["threshold_inclusive"] else ">"
    text = "%s %s" % (op, num(s["score_threshold"]))
    if s["level_score_thresholds"]:
        text += "; per level " + "/".join(num(t) for t in s["level_score_thresholds"])
    return text


def fmt_clamp(b):
    if b["type"] == "corners":
        return "n/a (corners)"
    if b["clamp"] == "none":
        return "none"
    v = num(b["clamp_value"])
    return "min(d, %s)" % v if b["clamp"] == "upper" else "±%s" % v


def fmt_resize(p):
    r = p["resize"]
    if r == "keep_ratio":
        return "keep_ratio %d / %d" % (p["min_size"], p["max_size"])
    if r in ("fixed", "letterbox"):
        return "%s %d×%d" % (r, p["input_size"][0], p["input_size"][1])
    return r


def fmt_scale(x):
    return "1/255" if abs(float(x) - 1.0 / 255.0) < 1e-12 else num(x, 6)


def fmt_activation(c):
    """The activation and what the score outputs must hold for it: logits or probabilities."""
    a = c["scoring"]["activation"]
    if a == "fl_star":
        return "fl_star (γ=%s, β=%s; expects logits)" % (num(c["scoring"]["gamma"]), num(c["scoring"]["beta"]))
    if a == "softmax":
        return "softmax (background %d; expects logits)" % c["scoring"]["background_channel"]
    if a == "probability":
        return "probability (expects probabilities)"
    return "sigmoid (expects logits)"


def fmt_nms(s):
    return "%s %s" % (">=" if s["nms_inclusive"] else ">", num(s["nms_threshold"]))


def fmt_min_size(s):
    m = s["min_box_size"]
    return "off" if m < 0 else "w, h > %s" % num(m)


# (label, function of the effective config -> cell text)
ROWS = [
    ("num_classes", lambda c: str(c["num_classes"])),
    ("anchors.strides", lambda c: nums(c["anchors"]["strides"])),
    ("anchors.sizes (P3 row; A = S×R)", lambda c: "%s; A=%d" % (
        nums(c["anchors"]["sizes"][0], 2), len(c["anchors"]["sizes"][0]) * len(c["anchors"]["aspect_ratios"]))),
    ("anchors.aspect_ratios", lambda c: nums(c["anchors"]["aspect_ratios"])),
    ("anchors.order", lambda c: c["anchors"]["order"]),
    ("anchors.rounding", lambda c: c["anchors"]["rounding"]),
    ("anchors.stride_mode", lambda c: c["anchors"]["stride_mode"]),
    ("anchors.center_offset", lambda c: num(c["anchors"]["center_offset"])),
    ("anchors.center_offset_pixels", lambda c: num(c["anchors"]["center_offset_pixels"])),
    ("anchors.plus_one", lambda c: num(c["anchors"]["plus_one"])),
    ("box_coding.type", lambda c: c["box_coding"]["type"]),
    ("box_coding.means", lambda c: nums(c["box_coding"]["means"])),
    ("box_coding.stds", lambda c: nums(c["box_coding"]["stds"])),
    ("box_coding.plus_one", lambda c: c["box_coding"]["plus_one"]),
    ("box_coding.clamp (+ clamp_value)", lambda c: fmt_clamp(c["box_coding"])),
    ("box_coding.clip", lambda c: c["box_coding"]["clip"]),
    ("box_coding.clip_target", lambda c: c["box_coding"]["clip_target"]),
    ("box_coding.clip_max_offset", lambda c: num(c["box_coding"]["clip_max_offset"])),
    ("box_coding.clip_space", lambda c: c["box_coding"]["clip_space"]),
    ("scoring.activation (score outputs)", fmt_activation),
    ("selection.score_threshold (+ level_score_thresholds)", lambda c: fmt_threshold(c["selection"])),
    ("selection.order", lambda c: c["selection"]["order"]),
    ("selection.topk_per_level", lambda c: (str(c["selection"]["topk_per_level"])
                                            if c["selection"]["topk_per_level"] > 0 else "none")),
    ("selection.nms_threshold (+ nms_inclusive)", lambda c: fmt_nms(c["selection"])),
    ("selection.class_agnostic_nms", lambda c: num(c["selection"]["class_agnostic_nms"])),
    ("selection.nms_plus_one", lambda c: num(c["selection"]["nms_plus_one"])),
    ("selection.max_detections", lambda c: (str(c["selection"]["max_detections"])
                                            if c["selection"]["max_detections"] > 0 else "unlimited")),
    ("selection.min_box_size", lambda c: fmt_min_size(c["selection"])),
    ("outputs.layout", lambda c: c["outputs"]["layout"]),
    ("outputs.cls_names / box_names", lambda c: (
        names(c["outputs"]["cls_names"]) if not c["outputs"]["cls_names"]
        else names(c["outputs"]["cls_names"]) + " / " + names(c["outputs"]["box_names"]))),
    ("preprocess.color_order", lambda c: c["preprocess"]["color_order"]),
    ("preprocess.scale", lambda c: fmt_scale(c["preprocess"]["scale"])),
    ("preprocess.mean", lambda c: nums(c["preprocess"]["mean"])),
    ("preprocess.std", lambda c: nums(c["preprocess"]["std"])),
    ("preprocess.resize (min/max or input_size)", lambda c: fmt_resize(c["preprocess"])),
    ("preprocess.pad_divisor", lambda c: str(c["preprocess"]["pad_divisor"])),
    ("preprocess.pad_value", lambda c: num(c["preprocess"]["pad_value"])),
    ("preprocess.interpolation", lambda c: c["preprocess"]["interpolation"]),
    ("preprocess.resize_rule", lambda c: c["preprocess"]["resize_rule"]),
    ("preprocess.resize_input", lambda c: c["preprocess"]["resize_input"]),
]


def column_key(name):
    return (COLUMN_ORDER.index(name), name) if name in COLUMN_ORDER else (len(COLUMN_ORDER), name)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets-dir", default=os.path.join(here, "..", "modules", "dnn_retinanet", "presets"))
    ap.add_argument("--reader", choices=("auto", "yaml", "cv2"), default="auto")
    ap.add_argument("--all", action="store_true", help="also print rows that are equal in every preset")
    args = ap.parse_args()

    reader = make_reader(args.reader)
    files = sorted(glob.glob(os.path.join(args.presets_dir, "*.yml")))
    if not files:
        sys.exit("no presets in " + args.presets_dir)
    configs = {}
    for f in files:
        name = os.path.splitext(os.path.basename(f))[0]  # the preset name, as embed_presets.cmake does
        configs[name] = resolve(reader(f), args.presets_dir, reader)

    # One column per distinct effective config (ignoring `name`).
    cells = {n: [fn(c) for _, fn in ROWS] for n, c in configs.items()}
    columns = []  # [names, cells]
    for n in sorted(configs, key=column_key):
        for col in columns:
            if col[1] == cells[n]:
                col[0].append(n)
                break
        else:
            columns.append([[n], cells[n]])

    header = ["field"] + [", ".join("`%s`" % n for n in col[0]) for col in columns]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    same = []
    for i, (label, _) in enumerate(ROWS):
        values = [col[1][i] for col in columns]
        if not args.all and len(set(values)) == 1:
            same.append("%s %s" % (label.split(" (")[0], values[0]))
            continue
        print("| " + " | ".join([label] + [v.replace("|", "\\|") for v in values]) + " |")
    if same:
        print()
        print("Same in every preset: " + "; ".join("`%s`" % s for s in same) + ".")


if __name__ == "__main__":
    main()
