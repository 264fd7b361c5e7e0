"""The bytes that cross between the grader and the process running student code.

Only plain data crosses: None, bools, ints, floats, strings, lists, tuples, string-keyed
dicts and numpy arrays of a few numeric dtypes. Anything else is described by its type's
name and never reconstructed. Nothing is pickled: decoding a frame cannot run code.

A frame is ``!QQ`` (header length, body length), a JSON header, then the arrays' raw
bytes back to back. This module uses only the standard library and numpy, because the
child imports it on its own, without the rest of the grader.
"""

import json
import struct

import numpy as np

# Dtypes that may cross, by their numpy ``str`` (native little-endian on every target).
DTYPES = {np.dtype(t).str: np.dtype(t) for t in (
    "float64", "float32", "float16", "int64", "int32", "int16", "int8",
    "uint64", "uint32", "uint16", "uint8", "bool")}
MAX_FRAME = 512 * 2**20  # bytes; a larger frame is refused, not read
MAX_ITEMS = 100_000  # nodes in one message's tree
MAX_DEPTH = 32


class WireError(Exception):
    """A frame that is not well formed, too large, or not plain data."""


def _encode(obj, arrays, budget, depth):
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise WireError("the value is too large or too deeply nested to send")
    if obj is None:
        return {"t": "none"}
    if isinstance(obj, bool) and type(obj) is bool:
        return {"t": "bool", "v": obj}
    if type(obj) is int:
        if -2**63 <= obj < 2**63:
            return {"t": "int", "v": obj}
        return {"t": "other", "type": "int (too large)"}
    if type(obj) is float:
        arrays.append(np.array(obj, dtype=np.float64))
        return {"t": "float", "a": len(arrays) - 1}
    if type(obj) is str:
        return {"t": "str", "v": obj[:10_000]}
    if type(obj) is np.ndarray or isinstance(obj, np.generic):
        kind = "ndarray" if type(obj) is np.ndarray else "scalar"
        dtype = obj.dtype
        if dtype.str not in DTYPES:
            return {"t": "other", "type": f"numpy {kind} of dtype {dtype}"}
        arrays.append(np.array(obj, order="C", copy=True))  # keeps 0-d as 0-d
        return {"t": kind, "a": len(arrays) - 1}
    if type(obj) in (list, tuple):
        return {"t": type(obj).__name__,
                "v": [_encode(item, arrays, budget, depth + 1) for item in obj]}
    if type(obj) is dict:
        if not all(type(k) is str for k in obj):
            return {"t": "other", "type": "dict with keys that are not strings"}
        return {"t": "dict", "v": [[k, _encode(v, arrays, budget, depth + 1)]
                                   for k, v in obj.items()]}
    kind = type(obj)
    return {"t": "other", "type": f"{kind.__module__}.{kind.__qualname__}"}


def encode(message, values=None):
    """One frame: a JSON-able ``message`` dict plus a tree of plain ``values``."""
    arrays = []
    tree = _encode(values, arrays, [MAX_ITEMS], 0)
    specs = [{"dtype": a.dtype.str, "shape": list(a.shape), "nbytes": a.nbytes}
             for a in arrays]
    header = json.dumps({"message": message, "values": tree, "arrays": specs},
                        allow_nan=False).encode()
    body = b"".join(a.tobytes() for a in arrays)
    return struct.pack("!QQ", len(header), len(body)) + header + body


class Opaque:
    """Stands for a value that could not cross: only its type's name is known."""

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return f"<{self.type_name}>"


def _decode(node, arrays):
    t = node.get("t")
    if t == "none":
        return None
    if t in ("bool", "int", "str"):
        return node["v"]
    if t == "float":
        return float(arrays[node["a"]][()])
    if t == "ndarray":
        return arrays[node["a"]]
    if t == "scalar":
        return arrays[node["a"]][()]
    if t == "list":
        return [_decode(item, arrays) for item in node["v"]]
    if t == "tuple":
        return tuple(_decode(item, arrays) for item in node["v"])
    if t == "dict":
        return {str(k): _decode(v, arrays) for k, v in node["v"]}
    if t == "other":
        return Opaque(str(node.get("type", "unknown")))
    raise WireError(f"unknown node type {t!r}")


def decode(header, body):
    """The (message, values) of one frame's header and body bytes."""
    try:
        doc = json.loads(header)
        arrays, offset = [], 0
        for spec in doc["arrays"]:
            dtype = DTYPES[spec["dtype"]]
            shape = tuple(int(s) for s in spec["shape"])
            if any(s < 0 for s in shape):
                raise WireError("negative array dimension")
            nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if nbytes != spec["nbytes"] or offset + nbytes > len(body):
                raise WireError("array sizes do not add up")
            chunk = body[offset:offset + nbytes]
            arrays.append(np.frombuffer(chunk, dtype=dtype).reshape(shape).copy())
            offset += nbytes
        if offset != len(body):
            raise WireError("trailing bytes after the arrays")
        return doc["message"], _decode(doc["values"], arrays)
    except WireError:
        raise
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise WireError(f"malformed frame: {exc}") from None


def read_exact(read, n):
    """Read exactly n bytes with ``read`` (e.g. os.read on a fd), or raise EOFError."""
    chunks, left = [], n
    while left:
        chunk = read(min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(read, limit=MAX_FRAME):
    """Read one frame of at most ``limit`` bytes; returns (message, values)."""
    head, size = struct.unpack("!QQ", read_exact(read, 16))
    if head + size > limit:
        raise WireError(f"a frame of {head + size} bytes is larger than allowed")
    return decode(read_exact(read, head), read_exact(read, size))
