#!/usr/bin/env python3
"""Make an exported ONNX graph loadable by OpenCV 4.6's dnn module.

Purpose
    ``torch.onnx.export`` (opset 11, constant folding on) emits ``Identity`` nodes whose input is an
    initializer whenever a module is applied more than once (RetinaNet's head convs are shared by
    all FPN levels). OpenCV 4.6's ONNX importer refuses them
    (``[Identity] ... getMemoryShapes ... inputs.size()``). This tool replaces every such Identity by
    a copy of its initializer stored under the Identity's output name (chains of Identities are
    folded too), drops initializers no node uses any more, optionally renames graph outputs, prints
    what it changed and runs ``onnx.checker``.

Usage
    /usr/bin/python3 tools/fix_onnx.py in.onnx out.onnx [--rename old=new ...]

    ``in.onnx`` and ``out.onnx`` may be the same file. ``--rename`` renames a graph output (and the
    tensor everywhere in the graph); repeat it for several outputs.

Library use
    ``from fix_onnx import fix_model`` (with ``tools/`` on ``sys.path``), then
    ``fix_model(model_proto, renames={...}) -> list of change descriptions``; the model is edited in
    place. ``fix_file(in_path, out_path, renames)`` does the load / fix / check / save round trip.
"""

import argparse
import sys

import onnx


def _graph_input_names(graph):
    return {i.name for i in graph.input}


def fold_identity_initializers(model):
    """Replaces Identity(initializer) nodes by initializer copies. Returns change descriptions."""
    graph = model.graph
    changes = []
    while True:
        inits = {t.name: t for t in graph.initializer}
        graph_inputs = _graph_input_names(graph)
        victim = None
        for node in graph.node:
            if node.op_type == "Identity" and len(node.input) == 1 and node.input[0] in inits:
                victim = node
                break
        if victim is None:
            break
        src_name, dst_name = victim.input[0], victim.output[0]
        copy = onnx.TensorProto()
        copy.CopyFrom(inits[src_name])
        copy.name = dst_name
        graph.initializer.append(copy)
        if src_name in graph_inputs and dst_name not in graph_inputs:
            # IR < 4 style graphs list initializers as inputs as well; keep that consistent.
            src_vi = next(i for i in graph.input if i.name == src_name)
            vi = graph.input.add()
            vi.CopyFrom(src_vi)
            vi.name = dst_name
        graph.node.remove(victim)
        changes.append("folded Identity %r: initializer %r copied as %r" % (victim.name, src_name, dst_name))
    return changes


def prune_unused_initializers(model):
    """Drops initializers no node (and no graph output) reads. Returns change descriptions."""
    graph = model.graph
    used = {name for node in graph.node for name in node.input}
    used |= {o.name for o in graph.output}
    changes = []
    for init in list(graph.initializer):
        if init.name not in used:
            graph.initializer.remove(init)
            for vi in list(graph.input):
                if vi.name == init.name:
                    graph.input.remove(vi)
            changes.append("removed unused initializer %r" % init.name)
    return changes


def rename_tensor(model, old, new):
    """Renames tensor ``old`` everywhere in the main graph (nodes, outputs, value_info, inits)."""
    graph = model.graph
    existing = {o for n in graph.node for o in n.output} | {i.name for i in graph.input} \
        | {t.name for t in graph.initializer}
    if old not in existing and old not in {o.name for o in graph.output}:
        raise KeyError("no tensor named %r in the graph" % old)
    if new in existing:
        raise ValueError("cannot rename %r to %r: %r already exists" % (old, new, new))
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name == old:
                node.input[i] = new
        for i, name in enumerate(node.output):
            if name == old:
                node.output[i] = new
    for coll in (graph.input, graph.output, graph.value_info):
        for vi in coll:
            if vi.name == old:
                vi.name = new
    for init in graph.initializer:
        if init.name == old:
            init.name = new


def rename_outputs(model, renames):
    """Renames graph outputs, ``renames`` = {old: new}. Returns change descriptions."""
    outputs = [o.name for o in model.graph.output]
    changes = []
    for old, new in renames.items():
        if old not in outputs:
            raise KeyError("%r is not a graph output (outputs: %s)" % (old, ", ".join(outputs)))
        rename_tensor(model, old, new)
        changes.append("renamed output %r -> %r" % (old, new))
    return changes


def fix_model(model, renames=None):
    """Edits ``model`` (onnx.ModelProto) in place; returns the list of change descriptions."""
    changes = fold_identity_initializers(model)
    if changes:
        changes += prune_unused_initializers(model)
    if renames:
        changes += rename_outputs(model, renames)
    return changes


def fix_file(in_path, out_path, renames=None, verbose=True):
    """Loads, fixes, checks and saves; returns the list of change descriptions."""
    model = onnx.load(in_path)
    changes = fix_model(model, renames)
    onnx.checker.check_model(model)
    onnx.save(model, out_path)
    if verbose:
        for c in changes:
            print("fix_onnx: " + c)
        print("fix_onnx: %d change(s); onnx.checker passed; wrote %s" % (len(changes), out_path))
    return changes


def _parse_renames(items):
    renames = {}
    for item in items or []:
        if "=" not in item:
            raise SystemExit("--rename expects old=new, got %r" % item)
        old, new = item.split("=", 1)
        if not old or not new:
            raise SystemExit("--rename expects old=new, got %r" % item)
        renames[old] = new
    return renames


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="input .onnx")
    ap.add_argument("output", help="output .onnx (may equal input)")
    ap.add_argument("--rename", action="append", metavar="OLD=NEW",
                    help="rename a graph output; repeatable")
    args = ap.parse_args(argv)
    try:
        fix_file(args.input, args.output, _parse_renames(args.rename))
    except (KeyError, ValueError) as e:
        print("fix_onnx: error: %s" % (e.args[0] if e.args else e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
