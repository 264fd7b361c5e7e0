"""The bytes that cross between the grader and the process running student code.

Only plain data crosses: None, bools, ints, floats, strings, lists, tuples, string-keyed
dicts and numpy arrays of a few numeric dtypes. Anything else is described by its type's
name and never reconstructed. Nothing is pickled: decoding a frame cannot run code.

A frame is ``!QQ`` (header length, body length), a JSON header, then the arrays' raw
bytes back to back. This module uses only the standard library and numpy, because the
child imports it on its own, without the rest of the grader.
"""

import json
import math
import struct

import numpy as np

# Dtypes that may cross, by their numpy ``str`` (native little-endian on every target).
DTYPES = {np.dtype(t).str: np.dtype(t) for t in (
    "float64", "float32", "float16", "int64", "int32", "int16", "int8",
    "uint64", "uint32", "uint16", "uint8", "bool")}
MAX_FRAME = 512 * 2**20  # bytes; a larger frame is refused, not read
MAX_HEADER = 2 * 2**20  # bytes of JSON in one frame (a traced train needs ~200 KB)
MAX_ITEMS = 100_000  # nodes in one message's tree, arrays in one frame
MAX_DEPTH = 32
PLAIN = {"bool": bool, "int": int, "str": str}  # node types whose value is in the header


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
    if len(header) > MAX_HEADER:  # the other side would refuse it
        raise WireError("the value is too large to send: too many or too long strings")
    body = b"".join(a.tobytes() for a in arrays)
    return struct.pack("!QQ", len(header), len(body)) + header + body


class Opaque:
    """Stands for a value that could not cross: only its type's name is known."""

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return f"<{self.type_name}>"


def _array(arrays, used, node, zero_d=False):
    """The array a node points at: each array is used by exactly one node, so a small header
    cannot repeat a large array many times over."""
    index = node["a"]
    if type(index) is not int or not 0 <= index < len(arrays) or index in used:
        raise WireError("an array reference is out of range or repeated")
    used.add(index)
    array = arrays[index]
    if zero_d and array.ndim != 0:
        raise WireError("a scalar node points at an array that is not 0-d")
    return array


def _decode(node, arrays, used, budget, depth):
    """The value of one node, counting every node against ``budget`` and the depth."""
    budget[0] -= 1
    if budget[0] < 0:
        raise WireError(f"more than {MAX_ITEMS} values in one frame")
    if depth > MAX_DEPTH:
        raise WireError(f"values nested deeper than {MAX_DEPTH}")
    if type(node) is not dict:
        raise WireError("a value node is not an object")
    t = node.get("t")
    if t == "none":
        return None
    if t in PLAIN:
        value = node["v"]
        if type(value) is not PLAIN[t] or (t == "int" and not -2**63 <= value < 2**63):
            raise WireError(f"a {t} node holds something else ({type(value).__name__})")
        return value
    if t == "float":
        array = _array(arrays, used, node, zero_d=True)
        if array.dtype != np.float64:
            raise WireError("a float node points at an array that is not float64")
        return float(array[()])
    if t == "ndarray":
        return _array(arrays, used, node)
    if t == "scalar":
        return _array(arrays, used, node, zero_d=True)[()]
    if t in ("list", "tuple", "dict"):
        items = node["v"]
        if type(items) is not list:
            raise WireError(f"a {t} node's items are not a list")
        if t == "dict":
            if not all(type(kv) is list and len(kv) == 2 and type(kv[0]) is str for kv in items):
                raise WireError("a dict node's items are not [key, value] pairs")
            return {k: _decode(v, arrays, used, budget, depth + 1) for k, v in items}
        values = [_decode(item, arrays, used, budget, depth + 1) for item in items]
        return values if t == "list" else tuple(values)
    if t == "other":
        name = node.get("type", "unknown")
        return Opaque(name[:200] if type(name) is str else "unknown")
    raise WireError(f"unknown node type {str(t)[:50]!r}")


def _refuse_constant(name):
    raise WireError(f"{name} is not a JSON number")


def _arrays(specs, body):
    """Views of ``body`` for the arrays the header declares, every size checked first."""
    if type(specs) is not list or len(specs) > MAX_ITEMS:
        raise WireError("too many arrays in one frame")
    arrays, offset = [], 0
    for spec in specs:
        dtype = DTYPES[spec["dtype"]]
        shape = spec["shape"]
        if (type(shape) is not list or len(shape) > MAX_DEPTH
                or not all(type(s) is int and 0 <= s < 2**31 for s in shape)):
            raise WireError("an array's shape is not a short list of sizes")
        nbytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
        if nbytes != spec["nbytes"] or nbytes > len(body) - offset:
            raise WireError("array sizes do not add up")
        array = np.frombuffer(body, dtype=dtype, count=nbytes // dtype.itemsize,
                              offset=offset).reshape(shape)
        arrays.append(array if array.flags.aligned else array.copy())
        offset += nbytes
    if offset != len(body):
        raise WireError("trailing bytes after the arrays")
    return arrays


def decode(header, body):
    """The (message, values) of one frame's header and body bytes.

    Every limit is checked before the memory it guards is spent: the header's size (by
    ``read_frame``), JSON's own nesting (a RecursionError), each array's size against the
    body that is really there, and the count and depth of the value nodes. Arrays are views
    of ``body`` (a bytearray keeps them writeable), so the values cost no more than the body.
    """
    if len(header) > MAX_HEADER:
        raise WireError(f"a header of {len(header)} bytes is larger than allowed")
    try:
        doc = json.loads(header, parse_constant=_refuse_constant)
        if type(doc) is not dict or type(doc.get("message")) is not dict:
            raise WireError("the frame has no message")
        arrays = _arrays(doc["arrays"], body)
        used = set()
        values = _decode(doc["values"], arrays, used, [MAX_ITEMS], 0)
        if len(used) != len(arrays):
            raise WireError("the frame holds arrays that no value uses")
        return doc["message"], values
    except WireError:
        raise
    except RecursionError:
        raise WireError("the frame is nested too deeply") from None
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise WireError(f"malformed frame: {str(exc)[:200]}") from None


def read_exact(read, n):
    """Read exactly n bytes with ``read`` (e.g. os.read on a fd), or raise EOFError.

    The buffer grows as bytes arrive: a frame that announces a large body and sends nothing
    costs nothing.
    """
    buffer = bytearray()
    while len(buffer) < n:
        chunk = read(min(n - len(buffer), 1 << 20))
        if not chunk:
            raise EOFError
        buffer += chunk
    return buffer


def read_frame(read, limit=MAX_FRAME):
    """Read one frame of at most ``limit`` bytes; returns (message, values).

    The two lengths are checked before a byte of the header or body is read.
    """
    head, size = struct.unpack("!QQ", read_exact(read, 16))
    if head > MAX_HEADER:
        raise WireError(f"a frame header of {head} bytes is larger than allowed")
    if head + size > limit:
        raise WireError(f"a frame of {head + size} bytes is larger than allowed")
    return decode(read_exact(read, head), read_exact(read, size))
