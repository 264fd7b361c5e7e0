"""Only plain data crosses from the child, and decoding never runs code."""

import struct

import numpy as np
import pytest

from grader.sandbox.child import wire


def roundtrip(values):
    frame = wire.encode({"op": "x"}, values)
    pos = [0]

    def read(n):
        chunk = frame[pos[0]:pos[0] + n]
        pos[0] += n
        return chunk
    return wire.read_frame(read)[1]


def test_plain_values_round_trip():
    value = {"a": np.arange(6, dtype=np.float64).reshape(2, 3), "b": (1, 2.5, None, True, "s"),
             "c": [np.float64(np.nan), np.int64(3)], "d": np.array([1, 2], dtype=np.int32)}
    back = roundtrip(value)
    np.testing.assert_array_equal(back["a"], value["a"])
    assert back["b"] == (1, 2.5, None, True, "s")
    assert np.isnan(back["c"][0]) and back["c"][1] == 3 and back["d"].dtype == np.int32


def test_numpy_scalars_and_0d_arrays_stay_0d():
    assert roundtrip(np.float64(1.5)).shape == () and roundtrip(np.float64(1.5)) == 1.5
    assert roundtrip(np.array(2.0)).shape == ()
    assert roundtrip(np.int64(4)) == 4


class Liar(np.ndarray):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("value, kind", [
    (np.arange(3.0).view(Liar), "Liar"),
    (np.ma.masked_all((2, 2)), "MaskedArray"),
    (np.array([object()]), "dtype object"),
    ({1: 2}, "keys that are not strings"),
    (lambda: 0, "function"),
])
def test_what_is_not_plain_data_arrives_as_its_type_name(value, kind):
    back = roundtrip(value)
    assert isinstance(back, wire.Opaque) and kind in back.type_name


def test_malformed_frames_are_refused():
    header = b'{"message": {}, "values": {"t": "ndarray", "a": 0}, "arrays": [{"dtype": "|O", "shape": [1], "nbytes": 8}]}'
    with pytest.raises(wire.WireError):
        wire.decode(header, b"\0" * 8)
    with pytest.raises(wire.WireError):
        wire.read_frame(lambda n, d=iter([struct.pack("!QQ", 2**40, 0)]): next(d))


# -- the decoder's limits, enforced before it allocates -------------------------------------------
def reader(frame):
    """A read(n) over bytes, recording how much was asked for in all."""
    pos = [0]

    def read(n):
        chunk = frame[pos[0]:pos[0] + n]
        pos[0] += len(chunk)
        return chunk
    read.pos = pos
    return read


def framed(header, body=b""):
    return struct.pack("!QQ", len(header), len(body)) + header + body


def header_of(values, arrays=(), message=b'{"op": "result"}'):
    return b'{"message": ' + message + b', "values": ' + values + b', "arrays": [' + \
        b", ".join(arrays) + b"]}"


def peak_of(decode):
    """(the WireError raised, tracemalloc's peak in bytes while decoding)."""
    import tracemalloc
    tracemalloc.start()
    try:
        with pytest.raises(wire.WireError) as caught:
            decode()
        return caught.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


BOUND = 200 * 2**20  # generous: a decoded frame of the kind took 1.47 GiB


def test_a_header_past_the_limit_is_refused_before_it_is_read():
    frame = framed(b" " * (63 * 2**20))  # the 63 MB reply, all header
    read = reader(frame)
    error, peak = peak_of(lambda: wire.read_frame(read, 64 * 2**20))
    assert "header" in str(error) and read.pos[0] == 16 and peak < 2**20


def test_many_tiny_nodes_are_refused_with_bounded_memory():
    count = (wire.MAX_HEADER - 200) // len(b'{"t": "none"}, ')
    assert count > wire.MAX_ITEMS  # the header fits, the tree does not
    values = b'{"t": "list", "v": [' + b", ".join([b'{"t": "none"}'] * count) + b"]}"
    error, peak = peak_of(lambda: wire.read_frame(reader(framed(header_of(values)))))
    assert "values" in str(error) and peak < BOUND


def test_tiny_json_in_the_message_costs_bounded_memory():
    # the smallest JSON containers, 3 bytes each, as many as the header holds
    count = (wire.MAX_HEADER - 200) // 3
    message = b'{"op": "result", "junk": [' + b",".join([b"[]"] * count) + b"]}"
    frame = framed(header_of(b'{"t": "none"}', message=message))
    import tracemalloc
    tracemalloc.start()
    try:
        message, _ = wire.read_frame(reader(frame))  # plain JSON: the runner judges its fields
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(message["junk"]) == count and peak < BOUND


@pytest.mark.parametrize("depth", [wire.MAX_DEPTH + 2, 50_000])  # 50,000: past json's recursion limit
def test_deep_nesting_is_a_wire_error(depth):
    values = b'{"t": "list", "v": [' * depth + b'{"t": "none"}' + b"]}" * depth
    error, peak = peak_of(lambda: wire.read_frame(reader(framed(header_of(values)))))
    assert ("nested" in str(error)) and peak < BOUND


def test_deep_nesting_in_the_message_is_a_wire_error():
    header = header_of(b'{"t": "none"}', message=b"[" * 500_000 + b"]" * 500_000)
    error, _ = peak_of(lambda: wire.read_frame(reader(framed(header))))
    assert "nested" in str(error)


@pytest.mark.parametrize("spec, body, words", [
    (b'{"dtype": "<f8", "shape": [1048576, 1048576], "nbytes": 8796093022208}', b"\0" * 8, "add up"),
    (b'{"dtype": "<f8", "shape": [4294967296, 4294967296, 0], "nbytes": 0}', b"", "shape"),
    (b'{"dtype": "<f8", "shape": [2, 2], "nbytes": 8}', b"\0" * 8, "add up"),
    (b'{"dtype": "<f8", "shape": [-1], "nbytes": 8}', b"\0" * 8, "shape"),
    (b'{"dtype": "<f8", "shape": [true], "nbytes": 8}', b"\0" * 8, "shape"),
    (b'{"dtype": "<f8", "shape": [1], "nbytes": 8}', b"\0" * 16, "trailing"),
], ids=["larger-than-the-body", "zero-size-huge-dims", "nbytes-lies", "negative", "bool-dim", "trailing"])
def test_arrays_must_fit_the_body_they_came_with(spec, body, words):
    header = header_of(b'{"t": "list", "v": []}', [spec])
    error, peak = peak_of(lambda: wire.decode(header, bytearray(body)))
    assert words in str(error) and peak < 2**20


def test_an_array_cannot_be_repeated_by_reference():
    # one 8 MB array, named by two nodes: a header cannot multiply a body
    spec = b'{"dtype": "<f8", "shape": [1048576], "nbytes": 8388608}'
    values = b'{"t": "list", "v": [{"t": "ndarray", "a": 0}, {"t": "ndarray", "a": 0}]}'
    with pytest.raises(wire.WireError, match="repeated"):
        wire.decode(header_of(values, [spec]), bytearray(8 * 2**20))


@pytest.mark.parametrize("values, words", [
    (b'{"t": "int", "v": "7"}', "int node"),
    (b'{"t": "int", "v": 1e300}', "int node"),
    (b'{"t": "int", "v": 99999999999999999999999}', "int node"),
    (b'{"t": "bool", "v": 1}', "bool node"),
    (b'{"t": "str", "v": ["a"]}', "str node"),
    (b'{"t": "dict", "v": [[1, {"t": "none"}]]}', "pairs"),
    (b'{"t": "list", "v": {"a": 1}}', "not a list"),
    (b'{"t": "float", "a": 0}', "out of range"),
    (b'[]', "not an object"),
    (b'{"t": "pickle"}', "unknown node type"),
])
def test_nodes_hold_what_their_type_says(values, words):
    with pytest.raises(wire.WireError, match=words):
        wire.decode(header_of(values), bytearray())


def test_nan_and_infinity_are_not_json_numbers():
    header = header_of(b'{"t": "none"}', message=b'{"op": "result", "seconds": NaN}')
    with pytest.raises(wire.WireError, match="NaN"):
        wire.decode(header, bytearray())


def test_a_body_that_never_comes_costs_nothing():
    read = reader(struct.pack("!QQ", 2, 60 * 2**20) + b"{}")  # announces 60 MB, sends none
    import tracemalloc
    tracemalloc.start()
    try:
        with pytest.raises(EOFError):
            wire.read_frame(read, 64 * 2**20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20


def test_decoded_arrays_are_writeable_views_of_one_body():
    value = {"a": np.arange(5, dtype=np.int8), "b": np.arange(3.0)}  # b is not 8-byte aligned
    back = roundtrip(value)
    np.testing.assert_array_equal(back["b"], value["b"])
    back["a"][0] = 9  # the checks may modify what they got
    back["b"][0] = 9.0
    assert back["b"].flags.aligned


def test_a_value_whose_header_would_be_refused_is_not_sent():
    with pytest.raises(wire.WireError, match="too large"):
        wire.encode({"op": "result"}, ["x" * 10_000] * 300)
