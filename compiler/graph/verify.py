"""The Graph IR's invariants, checked after building (tests run it on every graph)."""

from __future__ import annotations

from nasc.compiler.graph.ir import MERGE_OPS, Graph, IROp
from nasc.compiler.ops import OPS
from nasc.compiler.shapes import ShapeError, broadcast


def verify(graph: Graph) -> list[str]:
    """Every broken invariant of ``graph``, in words; an empty list when it is sound.

    Node 0 is the only input; inputs point to earlier nodes; merges have at
    least two inputs of agreeing shapes (a binary operation's may broadcast a
    vector over the other's positions, `nasc.compiler.shapes.broadcast`); each op node's shape is what the op
    table's shape rule gives; every node feeds the output.
    """
    problems: list[str] = []
    nodes = graph.nodes
    if not nodes or nodes[0].op is not IROp.INPUT or nodes[0].inputs:
        return ["node 0 must be the input, with no inputs"]
    used = [False] * len(nodes)
    used[0] = used[-1] = True
    for index, node in enumerate(nodes[1:], start=1):
        if node.op is IROp.INPUT:
            problems.append(f"node {index}: a second input")
        if any(not 0 <= i < index for i in node.inputs):
            problems.append(f"node {index}: inputs {node.inputs} are not all earlier nodes")
            continue
        for i in node.inputs:
            used[i] = True
        shapes = [nodes[i].shape for i in node.inputs]
        if node.op in MERGE_OPS:
            if len(shapes) < 2:
                problems.append(f"node {index}: {node.op.value} merges fewer than two inputs")
            elif node.op is IROp.SUM and any(s != node.shape for s in shapes):
                problems.append(f"node {index}: {node.op.value} of different shapes {shapes}")
            elif node.op not in (IROp.SUM, IROp.CONCAT) and broadcast(shapes) != node.shape:
                problems.append(f"node {index}: {node.op.value} cannot combine {shapes}")
        elif node.op is IROp.ZERO:
            if node.inputs:
                problems.append(f"node {index}: zero takes no inputs")
        elif len(shapes) != 1:
            problems.append(f"node {index}: {node.op.value} needs exactly one input")
        else:
            problems.extend(_shape_rule(index, graph))
    problems.extend(f"node {i}: does not feed the output" for i, u in enumerate(used) if not u)
    return problems


def _shape_rule(index: int, graph: Graph) -> list[str]:
    node = graph.nodes[index]
    source = graph.nodes[node.inputs[0]].shape
    params = dict(node.attrs)
    try:
        expected = OPS[node.op.value].shape(source, params)
    except ShapeError as exc:
        return [f"node {index}: {node.op.value} cannot take {source}: {exc}"]
    if expected != node.shape:
        return [f"node {index}: {node.op.value} of {source} gives {expected}, not {node.shape}"]
    return []
