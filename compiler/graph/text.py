"""A Graph as text (one line per node, with its cost) and as Graphviz DOT."""

from __future__ import annotations

from nasc.compiler.graph.cost import Summary, summarize
from nasc.compiler.graph.ir import Graph, IROp, Node
from nasc.compiler.values import format_value


def _call(index: int, node: Node) -> str:
    args = ", ".join(f"%{i}" for i in node.inputs)
    attrs = " ".join(f"{key}={format_value(value)}" for key, value in node.attrs)
    return f"%{index} = {node.op.value}({args})" + (f" {attrs}" if attrs else "")


def _grouped(number: int) -> str:
    return f"{number:,}"


def graph_text(graph: Graph, summary: Summary | None = None) -> str:
    """One line per node: operation, inputs, attributes, output shape, params, MACs, scope.

    >>> from nasc.compiler.graph.ir import Graph, IROp, Node
    >>> from nasc.compiler.shapes import Shape
    >>> x = Node(IROp.INPUT, (), Shape("vector", 8))
    >>> print(graph_text(Graph((x, Node(IROp.RELU, (0,), x.shape)))).splitlines()[-1])
    total: 2 nodes, 0 params, 0 MACs
    """
    summary = summary or summarize(graph)
    rows = [
        (
            _call(index, node),
            str(node.shape),
            _grouped(summary.params[index]),
            _grouped(summary.macs[index]),
            node.scope,
        )
        for index, node in enumerate(graph.nodes)
    ]
    widths = [max(len(row[col]) for row in rows) for col in range(4)]
    header = f"graph {graph.input_shape} -> {graph.output_shape}"
    lines = [header + (f"  # {graph.term}" if graph.term else "")]
    head = ("node", "shape", "params", "MACs", "scope")
    for row in [head, *rows]:
        lines.append(
            f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  "
            f"{row[2]:>{widths[2]}}  {row[3]:>{widths[3]}}  {row[4]}".rstrip()
        )
    lines.append(
        f"total: {len(graph.nodes)} nodes, {_grouped(summary.total_params)} params, "
        f"{_grouped(summary.total_macs)} MACs"
    )
    return "\n".join(lines)


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_SHAPES = {IROp.INPUT: "invhouse", IROp.SUM: "circle", IROp.CONCAT: "circle", IROp.ZERO: "box"}


def graph_dot(graph: Graph, name: str = "architecture") -> str:
    """The graph in Graphviz DOT: a node per op labelled with its text and output shape."""
    lines = [f"digraph {_dot_quote(name)} {{", "  rankdir=TB;", '  node [fontname="Helvetica"];']
    for index, node in enumerate(graph.nodes):
        label = node.text or node.op.value
        if node.op is IROp.SUM:
            label = "+"
        shape = _SHAPES.get(node.op, "box")
        if index == graph.output:
            shape = "house"
        text = _dot_quote(label)[:-1] + "\\n" + _dot_quote(str(node.shape))[1:]
        lines.append(f"  n{index} [label={text}, shape={shape}];")
    for index, node in enumerate(graph.nodes):
        lines.extend(f"  n{source} -> n{index};" for source in node.inputs)
    lines.append("}")
    return "\n".join(lines) + "\n"
