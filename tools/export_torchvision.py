#!/usr/bin/env python3
"""Export a torchvision RetinaNet's raw per-level heads to ONNX plus a dnn_retinanet config YAML.

Purpose
    Builds ``retinanet_resnet50_fpn`` / ``retinanet_resnet50_fpn_v2`` (torchvision builders, never
    downloading anything: ``weights=None, weights_backbone=None``; ``--weights`` loads a local
    state_dict) or ``tiny`` (torchvision's own ``RetinaNet``/``RetinaNetHead``/``BackboneWithFPN``/
    ``LastLevelP6P7`` on a small conv-bn-relu backbone, a few hundred kB of ONNX), wraps
    ``backbone`` + the two head branches into a module that returns, for every FPN level,

        cls_<l> = head.classification_head.cls_logits(head.classification_head.conv(f_l))  (N, A*K, H_l, W_l)
        box_<l> = head.regression_head.bbox_reg(head.regression_head.conv(f_l))            (N, A*4, H_l, W_l)

    (raw logits / raw deltas; anchors, decoding, thresholds and NMS are left to the C++ decoder),
    exports it (dynamic N, H, W), folds Identity-on-initializer nodes (``fix_onnx.fix_model``; OpenCV
    4.6 refuses them), runs ``onnx.checker`` and verifies that ``cv2.dnn.readNetFromONNX`` loads the
    file and reproduces PyTorch at the export size and at a second size (another multiple of 32).
    It fails (exit code 1) when the max |diff| is above ``--tol`` (1e-4, relative to max(1, max|ref|)).

    The config is the torchvision preset (``modules/dnn_retinanet/presets/torchvision.yml`` or ``torchvision_v2.yml``,
    the anchors / box_coding / scoring / selection sections copied verbatim after checking that the
    model's anchor generator, BoxCoder and post-processing parameters equal them) with ``name``,
    ``num_classes``, optional ``class_names``, ``outputs`` (layout per_level_nchw and the output names
    exactly as ``cv2.dnn.Net.getUnconnectedOutLayersNames()`` reports them) and ``preprocess`` (the
    model transform's mean/std/min_size/max_size/size_divisible, plus ``input_size: [W, H]`` = the
    export size).

    ``--bake-normalization`` puts ``(x/255 - mean)/std`` into the graph: the network then takes RGB
    0..255 float input and the config's preprocess has scale 1, mean 0, std 1, color_order rgb.
    Caveat: torchvision pads *after* normalisation (padded pixels are 0 = the mean colour in pixel
    space); with baked normalisation the decoder pads raw pixels with pad_value 0 (black), so padded
    borders differ from torchvision's (the scalar pad_value cannot express the per-channel mean).

How to rerun
    /usr/bin/python3 tools/export_torchvision.py --arch retinanet_resnet50_fpn --num-classes 91 \\
        --input-size 512 512 --output /tmp/r50.onnx --config /tmp/r50.yml [--weights r50.pth] \\
        [--class-names names.txt] [--bake-normalization] [--min-size 800 --max-size 1333]

    With ``--num-classes 91`` (torchvision's COCO models) the config gets ``class_names`` from
    ``data/labels/coco91.txt`` (torchvision's ``_COCO_CATEGORIES``: ``__background__``, ``person``, ...,
    ``N/A`` for unused ids) unless ``--class-names`` names another file (or ``none``).

    ``--weights`` takes a state_dict (.pth; a dict holding it under "model" or "state_dict" works
    too). As torchvision's builder does for trained v1 models, the v1 backbone then uses
    FrozenBatchNorm2d; pass ``--bn-eps 0`` for torchvision's official COCO_V1 checkpoint (torchvision
    overwrites eps with 0 for it).

Library use (tools/make_e2e_reference.py)
    build_model(), HeadsWrapper, export_onnx(), verify_onnx(), write_config(), cv2_output_names().
"""

import argparse
import collections
import contextlib
import copy
import math
import os
import re
import sys
import tempfile
import warnings

import numpy as np
import torch
import torch.nn as nn

import torchvision
from torchvision.models.detection import RetinaNet
from torchvision.models.detection.retinanet import RetinaNetHead, _default_anchorgen
from torchvision.models.detection.backbone_utils import BackboneWithFPN, _resnet_fpn_extractor
from torchvision.ops.feature_pyramid_network import LastLevelP6P7
from torchvision.ops import misc as misc_nn_ops

import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fix_onnx  # noqa: E402
import make_label_maps  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRESET_DIR = os.path.join(REPO_ROOT, "modules", "dnn_retinanet", "presets")
COCO91_LABELS = os.path.join(REPO_ROOT, "data", "labels", "coco91.txt")
ARCHS = ("retinanet_resnet50_fpn", "retinanet_resnet50_fpn_v2", "tiny", "tiny_resnet", "tiny_resnet_v2")
PRESET_OF_ARCH = {"retinanet_resnet50_fpn": "torchvision",
                  "retinanet_resnet50_fpn_v2": "torchvision_v2",
                  "tiny": "torchvision",
                  "tiny_resnet": "torchvision",
                  "tiny_resnet_v2": "torchvision_v2"}


# ----------------------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------------------

def _conv_bn_relu(cin, cout, stride):
    return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


def tiny_backbone_body(widths=(16, 24, 32, 48, 64)):
    """A small conv-bn-relu network; children stem (/4), layer2 (/8 = C3), layer3 (/16 = C4),
    layer4 (/32 = C5), in forward order as IntermediateLayerGetter requires."""
    w0, w1, w2, w3, w4 = widths
    return nn.Sequential(collections.OrderedDict([
        ("stem", nn.Sequential(*_conv_bn_relu(3, w0, 2), *_conv_bn_relu(w0, w1, 2))),
        ("layer2", nn.Sequential(*_conv_bn_relu(w1, w2, 2), *_conv_bn_relu(w2, w2, 1))),
        ("layer3", nn.Sequential(*_conv_bn_relu(w2, w3, 2), *_conv_bn_relu(w3, w3, 1))),
        ("layer4", nn.Sequential(*_conv_bn_relu(w3, w4, 2), *_conv_bn_relu(w4, w4, 1))),
    ]))


def build_tiny(num_classes, out_channels=32, **kwargs):
    """torchvision RetinaNet on the tiny backbone: BackboneWithFPN(C3..C5) + LastLevelP6P7 on P5,
    torchvision's default anchor generator and RetinaNetHead."""
    body = tiny_backbone_body()
    backbone = BackboneWithFPN(body, return_layers={"layer2": "0", "layer3": "1", "layer4": "2"},
                               in_channels_list=[32, 48, 64], out_channels=out_channels,
                               extra_blocks=LastLevelP6P7(out_channels, out_channels))
    anchor_generator = _default_anchorgen()
    head = RetinaNetHead(out_channels, anchor_generator.num_anchors_per_location()[0], num_classes)
    return RetinaNet(backbone, num_classes, anchor_generator=anchor_generator, head=head, **kwargs)


class TinyResNet(nn.Module):
    """torchvision's ResNet structure at a few hundred kB: the real stem (7x7/2 conv, BatchNorm,
    ReLU, 3x3/2 MaxPool with padding 1) and four stages of torchvision's own ``BasicBlock`` (strided
    3x3 downsampling with a 1x1 conv + BatchNorm shortcut), widths ``widths`` instead of 64..512.
    Attribute names are torchvision.models.resnet.ResNet's, so IntermediateLayerGetter returns
    layer2..layer4 (C3..C5) exactly as for ResNet-50."""

    def __init__(self, widths=(8, 8, 16, 32, 64)):
        super().__init__()
        from torchvision.models.resnet import BasicBlock, conv1x1
        w0 = widths[0]
        self.conv1 = nn.Conv2d(3, w0, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(w0)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        cin = w0
        for i, (w, stride) in enumerate(zip(widths[1:], (1, 2, 2, 2))):
            down = None
            if stride != 1 or cin != w:
                down = nn.Sequential(conv1x1(cin, w, stride), nn.BatchNorm2d(w))
            setattr(self, "layer%d" % (i + 1), nn.Sequential(BasicBlock(cin, w, stride, down), BasicBlock(w, w)))
            cin = w

    def forward(self, x):  # only used through IntermediateLayerGetter
        raise NotImplementedError


def build_tiny_resnet(num_classes, v2=False, out_channels=32, **kwargs):
    """torchvision RetinaNet on TinyResNet, built as retinanet_resnet50_fpn(_v2) is: v1 has P6/P7 from
    P5 and the plain head; v2 has P6/P7 from C5 and the GroupNorm head (torchvision uses
    GroupNorm(32, 256), 8 channels per group; here GroupNorm(8, 32), 4 channels per group)."""
    import functools
    body = TinyResNet()
    c5 = body.layer4[-1].conv2.out_channels
    extra = LastLevelP6P7(c5, out_channels) if v2 else LastLevelP6P7(out_channels, out_channels)
    backbone = BackboneWithFPN(body, return_layers={"layer2": "0", "layer3": "1", "layer4": "2"},
                               in_channels_list=[body.layer2[-1].conv2.out_channels,
                                                 body.layer3[-1].conv2.out_channels, c5],
                               out_channels=out_channels, extra_blocks=extra)
    anchor_generator = _default_anchorgen()
    norm = functools.partial(nn.GroupNorm, 8) if v2 else None
    head = RetinaNetHead(out_channels, anchor_generator.num_anchors_per_location()[0], num_classes,
                         norm_layer=norm)
    if v2:
        head.regression_head._loss_type = "giou"
    return RetinaNet(backbone, num_classes, anchor_generator=anchor_generator, head=head, **kwargs)


def _set_bn_eps(model, eps):
    n = 0
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm2d, misc_nn_ops.FrozenBatchNorm2d)):
            m.eps = eps
            n += 1
    return n


def _load_state_dict(path):
    sd = torch.load(path, map_location="cpu")
    for key in ("model", "state_dict"):
        if isinstance(sd, dict) and key in sd and isinstance(sd[key], dict):
            sd = sd[key]
    return sd


def build_model(arch, num_classes, weights=None, min_size=None, max_size=None, bn_eps=None):
    """Builds the model in eval mode. Never downloads: weights/weights_backbone are None."""
    kwargs = {}
    if min_size is not None:
        kwargs["min_size"] = min_size
    if max_size is not None:
        kwargs["max_size"] = max_size
    if arch == "retinanet_resnet50_fpn":
        if weights is None:
            model = torchvision.models.detection.retinanet_resnet50_fpn(
                weights=None, weights_backbone=None, num_classes=num_classes, **kwargs)
        else:
            # What the builder does when is_trained: FrozenBatchNorm2d in the ResNet body.
            body = torchvision.models.resnet50(weights=None, norm_layer=misc_nn_ops.FrozenBatchNorm2d)
            backbone = _resnet_fpn_extractor(body, 3, returned_layers=[2, 3, 4],
                                             extra_blocks=LastLevelP6P7(256, 256))
            model = RetinaNet(backbone, num_classes, **kwargs)
    elif arch == "retinanet_resnet50_fpn_v2":
        model = torchvision.models.detection.retinanet_resnet50_fpn_v2(
            weights=None, weights_backbone=None, num_classes=num_classes, **kwargs)
    elif arch == "tiny":
        model = build_tiny(num_classes, **kwargs)
    elif arch in ("tiny_resnet", "tiny_resnet_v2"):
        model = build_tiny_resnet(num_classes, v2=arch.endswith("_v2"), **kwargs)
    else:
        raise ValueError("unknown arch %r (choose from %s)" % (arch, ", ".join(ARCHS)))
    if weights is not None:
        missing, unexpected = model.load_state_dict(_load_state_dict(weights), strict=True)
        print("loaded %s" % weights)
    if bn_eps is not None:
        print("set eps=%g on %d BatchNorm layers" % (bn_eps, _set_bn_eps(model, bn_eps)))
    model.eval()
    return model


class HeadsWrapper(nn.Module):
    """Normalized image (N,3,H,W) -> (cls_0..cls_{L-1}, box_0..box_{L-1}) raw per-level NCHW heads.

    With bake_normalization the input is RGB 0..255 and (x/255 - mean)/std is the first op."""

    def __init__(self, model, bake_normalization=False):
        super().__init__()
        self.backbone = model.backbone
        self.cls_conv = model.head.classification_head.conv
        self.cls_logits = model.head.classification_head.cls_logits
        self.box_conv = model.head.regression_head.conv
        self.bbox_reg = model.head.regression_head.bbox_reg
        self.bake_normalization = bake_normalization
        mean = torch.tensor(model.transform.image_mean, dtype=torch.float32).view(1, 3, 1, 1)
        std = torch.tensor(model.transform.image_std, dtype=torch.float32).view(1, 3, 1, 1)
        # (x/255 - mean)/std as a depthwise 1x1 conv: OpenCV 4.6 mis-broadcasts a Mul/Add with a
        # (1,3,1,1) constant when N > 1.
        self.register_buffer("in_scale", (1.0 / (255.0 * std)).view(3, 1, 1, 1))
        self.register_buffer("in_shift", (-mean / std).view(3))
        self.eval()  # a fresh wrapper starts in training mode; see measured.md

    def forward(self, x):
        if self.bake_normalization:
            x = torch.nn.functional.conv2d(x, self.in_scale, self.in_shift, groups=3)
        feats = list(self.backbone(x).values())
        cls = [self.cls_logits(self.cls_conv(f)) for f in feats]
        box = [self.bbox_reg(self.box_conv(f)) for f in feats]
        return tuple(cls) + tuple(box)


def num_levels(model):
    return len(model.anchor_generator.sizes)


def output_names_for(levels):
    return ["cls_%d" % i for i in range(levels)], ["box_%d" % i for i in range(levels)]


# ----------------------------------------------------------------------------------------------
# Export and verification
# ----------------------------------------------------------------------------------------------

class _FpnInterpolateShim(object):
    """Stands in for torch.nn.functional inside torchvision.ops.feature_pyramid_network while
    exporting: the FPN's ``F.interpolate(last_inner, size=lateral.shape[-2:], mode="nearest")``
    becomes ``scale_factor=2`` (checked to be the same thing at trace time, which holds whenever the
    input is a multiple of 32). Size-based Resize makes the graph read ``Shape`` of a dynamic tensor,
    which OpenCV 4.6 cannot import ("dynamic 'zero' shapes are not supported")."""

    def __getattr__(self, name):
        return getattr(torch.nn.functional, name)

    @staticmethod
    def interpolate(input, size=None, scale_factor=None, mode="nearest", **kwargs):
        F = torch.nn.functional
        if size is not None and scale_factor is None and mode == "nearest" and not kwargs:
            ih, iw = (int(v) for v in input.shape[-2:])
            oh, ow = (int(v) for v in size)
            if (oh, ow) == (2 * ih, 2 * iw):
                return F.interpolate(input, scale_factor=2.0, mode="nearest")
            raise RuntimeError("FPN upsampling %dx%d -> %dx%d is not 2x: export at a multiple of 32"
                               % (ih, iw, oh, ow))
        return F.interpolate(input, size=size, scale_factor=scale_factor, mode=mode, **kwargs)


class GroupNormNoShape(nn.Module):
    """nn.GroupNorm rewritten without Reshape/Shape, for the export only.

    torch's ONNX GroupNorm is Reshape(x, [0, G, -1]) -> InstanceNormalization -> Reshape(Shape(x)),
    and OpenCV 4.6 cannot import ``Shape`` of a tensor with dynamic H/W. Here the group mean and
    (biased) variance are GlobalAveragePool per channel followed by a fixed block-averaging 1x1 conv
    (each group's channels have the same H*W, so the mean of channel means is the group mean):
        m = avg_g(gap(x)); d = x - m; v = avg_g(gap(d*d)); y = dwconv1x1(d * pow(v + eps, -0.5); w, b)
    (In OpenCV 4.6 ReduceMean over H/W imports as NaN, ``const / tensor`` Div is wrong, and adding a
    (1,C,1,1) constant fails for N > 1; hence GlobalAveragePool, Pow(-0.5) and the depthwise conv.)"""

    def __init__(self, gn):
        super().__init__()
        c, g = gn.num_channels, gn.num_groups
        per = c // g
        avg = torch.zeros(c, c, 1, 1)
        for i in range(c):
            j = (i // per) * per
            avg[i, j:j + per] = 1.0 / per
        self.register_buffer("avg", avg)
        self.eps = float(gn.eps)
        w = gn.weight.detach().clone() if gn.affine else torch.ones(c)
        b = gn.bias.detach().clone() if gn.affine else torch.zeros(c)
        self.register_buffer("weight", w.view(c, 1, 1, 1))
        self.register_buffer("bias", b.view(c))

    def forward(self, x):
        F = torch.nn.functional
        m = F.conv2d(F.adaptive_avg_pool2d(x, 1), self.avg)
        d = x - m
        v = F.conv2d(F.adaptive_avg_pool2d(d * d, 1), self.avg)
        return F.conv2d(d * torch.pow(v + self.eps, -0.5), self.weight, self.bias, groups=d.shape[1])


def replace_group_norms(module):
    """Replaces every nn.GroupNorm below ``module`` (in place) by GroupNormNoShape; returns count."""
    n = 0
    for name, child in list(module.named_children()):
        if isinstance(child, nn.GroupNorm):
            setattr(module, name, GroupNormNoShape(child))
            n += 1
        else:
            n += replace_group_norms(child)
    return n


@contextlib.contextmanager
def fpn_scale_factor_upsampling():
    import torchvision.ops.feature_pyramid_network as fpn_mod
    saved = fpn_mod.F
    fpn_mod.F = _FpnInterpolateShim()
    try:
        yield
    finally:
        fpn_mod.F = saved


def export_onnx(wrapper, path, input_size, opset=11, levels=5):
    """Exports ``wrapper`` (input 'input', dynamic N/H/W), folds Identity-on-initializer nodes and
    runs onnx.checker. Returns (cls_names, box_names) = the ONNX graph output names."""
    h, w = input_size
    cls_names, box_names = output_names_for(levels)
    names = cls_names + box_names
    dyn = {"input": {0: "N", 2: "H", 3: "W"}}
    for i in range(levels):
        dyn["cls_%d" % i] = {0: "N", 2: "H%d" % i, 3: "W%d" % i}
        dyn["box_%d" % i] = {0: "N", 2: "H%d" % i, 3: "W%d" % i}
    wrapper.eval()
    export_module = wrapper
    if any(isinstance(m, nn.GroupNorm) for m in wrapper.modules()):
        export_module = copy.deepcopy(wrapper)
        print("exporting %d GroupNorm layer(s) as GroupNormNoShape" % replace_group_norms(export_module))
        export_module.eval()
    dummy = torch.rand(1, 3, h, w) * (255.0 if wrapper.bake_normalization else 1.0)
    tmp_fd, tmp_path = tempfile.mkstemp(suffix=".onnx", dir=os.path.dirname(os.path.abspath(path)))
    os.close(tmp_fd)
    try:
        with torch.no_grad(), fpn_scale_factor_upsampling(), warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            torch.onnx.export(export_module, dummy, tmp_path, opset_version=opset, input_names=["input"],
                              output_names=names, dynamic_axes=dyn, do_constant_folding=True)
        export_module.eval()  # torch.onnx.export restores the previous mode; be explicit anyway
        wrapper.eval()
        model = onnx.load(tmp_path)
    finally:
        os.remove(tmp_path)
    changes = fix_onnx.fix_model(model)
    n_fold = sum(1 for c in changes if c.startswith("folded"))
    print("fix_onnx: folded %d Identity-on-initializer node(s), %d other change(s)"
          % (n_fold, len(changes) - n_fold))
    onnx.checker.check_model(model)
    graph_outputs = [o.name for o in model.graph.output]
    if graph_outputs != names:
        raise RuntimeError("unexpected ONNX outputs %s" % graph_outputs)
    onnx.save(model, path)
    print("wrote %s (%.1f kB), onnx.checker passed" % (path, os.path.getsize(path) / 1024.0))
    return cls_names, box_names


def cv2_output_names(onnx_path):
    import cv2
    net = cv2.dnn.readNetFromONNX(onnx_path)
    return list(net.getUnconnectedOutLayersNames())


def cv2_forward(onnx_path, blob, names=None):
    """Runs cv2.dnn on an NCHW float32 blob; returns {name: array} for ``names`` (default: all
    unconnected outputs), mapped by name."""
    import cv2
    net = cv2.dnn.readNetFromONNX(onnx_path)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    if names is None:
        names = list(net.getUnconnectedOutLayersNames())
    net.setInput(np.ascontiguousarray(blob, dtype=np.float32))
    outs = net.forward(list(names))
    return dict(zip(names, outs))


def torch_heads(wrapper, blob):
    wrapper.eval()
    with torch.no_grad():
        outs = wrapper(torch.from_numpy(np.ascontiguousarray(blob, dtype=np.float32)))
    levels = len(outs) // 2
    cls_names, box_names = output_names_for(levels)
    return {n: o.numpy() for n, o in zip(cls_names + box_names, outs)}


def compare(ref, got, what=""):
    """Max |diff| over all outputs, keyed by name; raises when a name or shape is missing."""
    worst, worst_ref = 0.0, 0.0
    for name, r in ref.items():
        if name not in got:
            raise RuntimeError("%soutput %r missing from cv2.dnn (has %s)" % (what, name, sorted(got)))
        g = got[name]
        if g.shape != r.shape:
            raise RuntimeError("%soutput %r: cv2 shape %s != torch shape %s" % (what, name, g.shape, r.shape))
        worst = max(worst, float(np.abs(g - r).max()))
        worst_ref = max(worst_ref, float(np.abs(r).max()))
    return worst, worst_ref


def verify_onnx(onnx_path, wrapper, sizes, tol=1e-4, seed=0):
    """cv2.dnn vs PyTorch for each (N, H, W) in ``sizes``; raises when a max|diff| is above
    tol * max(1, max|ref|). Returns [(N, H, W, max_abs_diff, max_abs_ref), ...]."""
    rng = np.random.RandomState(seed)
    results = []
    for (n, h, w) in sizes:
        blob = rng.rand(n, 3, h, w).astype(np.float32)
        blob = blob * 255.0 if wrapper.bake_normalization else (blob - 0.45) / 0.226
        ref = torch_heads(wrapper, blob)
        got = cv2_forward(onnx_path, blob)
        diff, mref = compare(ref, got, "%dx%dx%d: " % (n, h, w))
        shapes = " ".join("%s:%s" % (k, "x".join(map(str, ref[k].shape[2:]))) for k in ref if k.startswith("cls"))
        print("verify N=%d %dx%d (HxW): max|cv2 - torch| = %.3g (max|torch| = %.3g) [%s]"
              % (n, h, w, diff, mref, shapes))
        if not diff <= tol * max(1.0, mref):
            raise RuntimeError("cv2.dnn does not reproduce PyTorch at N=%d %dx%d: max|diff| %.3g > %.3g"
                               % (n, h, w, diff, tol * max(1.0, mref)))
        results.append((n, h, w, diff, mref))
    return results


def second_size(h, w):
    """A different multiple of 32 for the second verification (non-square if possible)."""
    h2 = max(64, int(math.ceil(h * 0.75 / 32.0)) * 32)
    w2 = max(64, int(math.ceil(w * 1.25 / 32.0)) * 32)
    if (h2, w2) == (h, w):
        w2 += 32
    return h2, w2


# ----------------------------------------------------------------------------------------------
# Config
# ----------------------------------------------------------------------------------------------

def _q(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _flow(values, fmt=repr):
    return "[" + ", ".join(fmt(v) for v in values) + "]"


def _real(v):
    s = repr(float(v))
    return s if ("." in s or "e" in s or "n" in s) else s + ".0"


def _read_preset(preset):
    import cv2
    path = os.path.join(PRESET_DIR, preset + ".yml")
    fs = cv2.FileStorage(path, cv2.FILE_STORAGE_READ)
    if not fs.isOpened():
        raise RuntimeError("cannot open preset %s" % path)
    with open(path) as f:
        text = f.read()
    return path, fs, text


def _seq(node):
    return [node.at(i) for i in range(node.size())]


def check_model_matches_preset(model, preset):
    """Raises unless anchors, box coder and post-processing of ``model`` equal the preset's."""
    _, fs, _ = _read_preset(preset)
    root = fs.root()
    errs = []
    a = root.getNode("anchors")
    sizes = [[int(round(v.real())) for v in _seq(row)] for row in _seq(a.getNode("sizes"))]
    if [list(map(int, s)) for s in model.anchor_generator.sizes] != sizes:
        errs.append("anchor sizes %s != %s" % (model.anchor_generator.sizes, sizes))
    ratios = [v.real() for v in _seq(a.getNode("aspect_ratios"))]
    for r in model.anchor_generator.aspect_ratios:
        if list(map(float, r)) != ratios:
            errs.append("aspect ratios %s != %s" % (r, ratios))
    bc = root.getNode("box_coding")
    stds = [v.real() for v in _seq(bc.getNode("stds"))]
    if [1.0 / w for w in model.box_coder.weights] != stds:
        errs.append("BoxCoder weights %s != 1/%s" % (model.box_coder.weights, stds))
    if abs(model.box_coder.bbox_xform_clip - bc.getNode("clamp_value").real()) > 1e-12:
        errs.append("bbox_xform_clip %r" % model.box_coder.bbox_xform_clip)
    sel = root.getNode("selection")
    pairs = [("score_threshold", model.score_thresh), ("nms_threshold", model.nms_thresh),
             ("topk_per_level", model.topk_candidates), ("max_detections", model.detections_per_img)]
    for key, val in pairs:
        if abs(sel.getNode(key).real() - float(val)) > 1e-12:
            errs.append("%s: model %r != preset %r" % (key, val, sel.getNode(key).real()))
    fs.release()
    if errs:
        raise RuntimeError("model does not match preset %s: %s" % (preset, "; ".join(errs)))


def preprocess_of(model, input_size=None, bake_normalization=False):
    t = model.transform
    if getattr(t, "fixed_size", None):
        raise RuntimeError("transform.fixed_size is not supported")
    p = collections.OrderedDict()
    p["color_order"] = "rgb"
    if bake_normalization:
        p["scale"], p["mean"], p["std"] = 1.0, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]
    else:
        p["scale"], p["mean"], p["std"] = 1.0 / 255.0, list(t.image_mean), list(t.image_std)
    p["resize"] = "keep_ratio"
    p["min_size"] = int(t.min_size[-1])
    p["max_size"] = int(t.max_size)
    p["pad_divisor"] = int(t.size_divisible)
    p["pad_value"] = 0.0
    p["interpolation"] = "torch_linear"  # interpolate(mode="bilinear", align_corners=False)
    if input_size is not None:
        p["input_size"] = [int(input_size[1]), int(input_size[0])]  # [W, H]
    return p


def write_config(path, preset, name, num_classes, cls_names, box_names, preprocess,
                 class_names=None, comment=None):
    """Writes the preset with name / num_classes / class_names / outputs / preprocess replaced.

    The anchors, box_coding, scoring and selection sections are copied verbatim from the preset.
    The file is read back with cv2.FileStorage to check it."""
    import cv2
    ppath, fs, text = _read_preset(preset)
    fs.release()
    m = re.search(r"^outputs:", text, flags=re.M)
    if m is None or not re.search(r"^preprocess:", text[m.start():], flags=re.M):
        raise RuntimeError("preset %s: expected outputs: then preprocess: at the end" % ppath)
    body = text[:m.start()]
    lines = body.split("\n")
    # header (%YAML, ---), then our comment
    head = lines[:2]
    rest = lines[2:]
    out = head[:]
    if comment:
        out += ["# " + c for c in comment.split("\n")]
    out.append("# anchors / box_coding / scoring / selection: copied from modules/dnn_retinanet/presets/%s.yml" % preset)
    for line in rest:
        if line.startswith("#"):
            continue  # the preset's top-level comments describe the preset (e.g. COCO's 91 classes)
        m_comment = re.match(r'^([^"#]*?\S)\s+#.*$', line)
        if m_comment and not line.lstrip().startswith("#"):
            # OpenCV 4.6's YAML reader keeps "value   # comment" as the value of a plain scalar
            line = m_comment.group(1)
        if re.match(r"^name:", line):
            line = "name: %s" % (name if re.match(r"^[A-Za-z][A-Za-z0-9_.-]*$", name) else _q(name))
        elif re.match(r"^num_classes:", line):
            line = "num_classes: %d" % num_classes
            if class_names:
                line += "\nclass_names: " + _flow(class_names, _q)
        out.append(line)
    text_out = "\n".join(out).rstrip("\n") + "\n"
    text_out += "outputs:\n  layout: per_level_nchw\n"
    text_out += "  cls_names: %s\n" % _flow(cls_names, _q)
    text_out += "  box_names: %s\n" % _flow(box_names, _q)
    text_out += "preprocess:\n"
    for key, val in preprocess.items():
        if isinstance(val, str):
            s = val
        elif isinstance(val, bool):
            s = "true" if val else "false"
        elif isinstance(val, int):
            s = str(val)
        elif isinstance(val, float):
            s = _real(val)
        elif all(isinstance(v, int) for v in val):
            s = _flow(val, str)
        else:
            s = _flow(val, _real)
        text_out += "  %s: %s\n" % (key, s)
    with open(path, "w") as f:
        f.write(text_out)
    # read back
    fs = cv2.FileStorage(path, cv2.FILE_STORAGE_READ)
    if not fs.isOpened():
        raise RuntimeError("cv2.FileStorage cannot read back %s" % path)
    root = fs.root()
    got_cls = [n.string() for n in _seq(root.getNode("outputs").getNode("cls_names"))]
    got_box = [n.string() for n in _seq(root.getNode("outputs").getNode("box_names"))]
    if got_cls != list(cls_names) or got_box != list(box_names) \
            or int(root.getNode("num_classes").real()) != num_classes:
        raise RuntimeError("config read-back mismatch in %s" % path)
    if class_names and [n.string() for n in _seq(root.getNode("class_names"))] != list(class_names):
        raise RuntimeError("class_names read-back mismatch in %s" % path)
    fs.release()
    print("wrote %s" % path)


def config_names_from_cv2(onnx_path, cls_names, box_names):
    """Maps the ONNX output names to what cv2.dnn's getUnconnectedOutLayersNames() reports.

    Fails when the sets differ in a way that is not a plain one-to-one renaming we can resolve."""
    reported = cv2_output_names(onnx_path)
    print("cv2.dnn getUnconnectedOutLayersNames(): %s" % reported)
    if set(reported) == set(cls_names) | set(box_names):
        return list(cls_names), list(box_names)
    mapping = {}
    for n in list(cls_names) + list(box_names):
        cand = [r for r in reported if r == n or r.endswith("!" + n) or r.endswith("/" + n)]
        if len(cand) != 1:
            raise RuntimeError("cannot map ONNX output %r to cv2 names %s" % (n, reported))
        mapping[n] = cand[0]
    return [mapping[n] for n in cls_names], [mapping[n] for n in box_names]


# ----------------------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].strip(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", required=True, choices=ARCHS)
    ap.add_argument("--num-classes", type=int, required=True, help="K (torchvision counts background)")
    ap.add_argument("--weights", help="state_dict .pth (default: random init, nothing downloaded)")
    ap.add_argument("--bn-eps", type=float, help="override BatchNorm eps (0 for torchvision COCO_V1)")
    ap.add_argument("--input-size", type=int, nargs=2, default=[512, 512], metavar=("H", "W"),
                    help="export size, multiples of 32 (default 512 512)")
    ap.add_argument("--bake-normalization", action="store_true",
                    help="graph takes RGB 0..255 and normalizes itself")
    ap.add_argument("--opset", type=int, default=11)
    ap.add_argument("--output", required=True, help="output .onnx")
    ap.add_argument("--config", required=True, help="output config .yml")
    ap.add_argument("--class-names",
                    help="text file, one class name per line (num_classes lines; line k names class k); "
                         "default with --num-classes 91: data/labels/coco91.txt (torchvision's COCO "
                         "map); 'none': no class_names in the config")
    ap.add_argument("--min-size", type=int, help="transform min_size (default: the model's, 800)")
    ap.add_argument("--max-size", type=int, help="transform max_size (default: the model's, 1333)")
    ap.add_argument("--name", help="config name (default: torchvision_<arch>)")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=0, help="torch seed for the random init")
    args = ap.parse_args(argv)

    h, w = args.input_size
    if h % 32 or w % 32:
        ap.error("--input-size must be multiples of 32")
    class_names = None
    class_names_file = args.class_names
    if class_names_file is None and args.num_classes == 91:
        # torchvision's COCO models: class k is COCO category id k (tools/make_label_maps.py)
        class_names_file = COCO91_LABELS
    if class_names_file and class_names_file != "none":
        try:
            class_names = make_label_maps.read_label_map(class_names_file)
        except (OSError, ValueError) as e:
            ap.error("--class-names: %s" % e)
        if len(class_names) != args.num_classes:
            ap.error("%s has %d names, --num-classes is %d" % (class_names_file, len(class_names),
                                                                args.num_classes))
        print("class names: %s (%d)" % (class_names_file, len(class_names)))
    torch.manual_seed(args.seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    model = build_model(args.arch, args.num_classes, weights=args.weights, min_size=args.min_size,
                        max_size=args.max_size, bn_eps=args.bn_eps)
    preset = PRESET_OF_ARCH[args.arch]
    check_model_matches_preset(model, preset)
    wrapper = HeadsWrapper(model, bake_normalization=args.bake_normalization)
    cls_names, box_names = export_onnx(wrapper, args.output, (h, w), args.opset, num_levels(model))
    try:
        verify_onnx(args.output, wrapper, [(1, h, w), (2,) + second_size(h, w)], tol=args.tol)
        cfg_cls, cfg_box = config_names_from_cv2(args.output, cls_names, box_names)
    except Exception as e:  # fail loudly
        print("ERROR: %s" % e, file=sys.stderr)
        return 1
    comment = ("%s exported by tools/export_torchvision.py (%s, K=%d%s%s, input %dx%d HxW, opset %d)"
               % (args.name or "torchvision_" + args.arch, args.arch, args.num_classes,
                  ", weights " + os.path.basename(args.weights) if args.weights else ", random init",
                  ", normalization baked into the graph (RGB 0..255 input)" if args.bake_normalization else "",
                  h, w, args.opset))
    write_config(args.config, preset, args.name or "torchvision_" + args.arch, args.num_classes,
                 cfg_cls, cfg_box, preprocess_of(model, (h, w), args.bake_normalization),
                 class_names=class_names, comment=comment)
    return 0


if __name__ == "__main__":
    sys.exit(main())
