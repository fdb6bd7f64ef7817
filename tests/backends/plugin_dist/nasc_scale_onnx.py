def emit(b, i, node, shapes, xs):
    weight = b.op("Reshape", [b.weight(i, "weight"), b.const([1, -1, *[1] * shapes[0].rank])])
    return b.op("Add", [b.op("Mul", [xs[0], weight]), b.const(node.float_attr("offset"))])
