"""encode / decode / round beyond ml_dtypes: integer formats against exact rounding, every rounding mode against
a search of the format's sorted values, the same bytes as `numscope cast`, shapes, dtypes and bad input."""

import bisect
import subprocess
from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest

import numscope

INTS = [("int8", 8, True), ("uint8", 8, False), ("int4", 4, True), ("uint4", 4, False), ("int2", 2, True),
        ("uint2", 2, False), ("int16", 16, True), ("int32", 32, True)]

# Integer rounding by mode, on float64 values that are float32 inputs (exact in float64).
ROUND_INT = {
    "rne": np.rint,  # IEEE 754 roundTiesToEven
    "rtz": np.trunc,
    "up": np.ceil,
    "down": np.floor,
    "rna": lambda v: np.sign(v) * np.floor(np.abs(v) + 0.5),  # |v| + 0.5 is exact below 2^52
}


def int_inputs():
    rng = np.random.default_rng(11)
    halves = np.arange(-300, 300, 0.5)
    return np.concatenate([halves, halves + 0.25, rng.standard_normal(200_000) * 100,
                           rng.standard_normal(1000) * 1e10, [3e38, -3e38, 0.0, -0.0]]).astype(np.float32)


@pytest.mark.parametrize("fmt,bits,signed", INTS, ids=[i[0] for i in INTS])
@pytest.mark.parametrize("mode", sorted(ROUND_INT))
def test_integers_round_exactly_and_saturate(fmt, bits, signed, mode):
    """intN/uintN store round(x) by the mode, clamped to the type's range (numscope's integers saturate;
    ml_dtypes' intN truncates and wraps, so it is no oracle here), as two's-complement codes in the low bits."""
    x = int_inputs()
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    want_values = np.clip(ROUND_INT[mode](x.astype(np.float64)), lo, hi).astype(np.int64)
    want = (want_values & ((1 << bits) - 1)).astype(np.uint64)
    got = numscope.encode(x, fmt, rounding=mode)
    assert got.dtype == {2: np.uint8, 4: np.uint8, 8: np.uint8, 16: np.uint16, 32: np.uint32}[bits]
    bad = np.flatnonzero(got.astype(np.uint64) != want)
    assert bad.size == 0, (x[bad[:5]], got[bad[:5]], want[bad[:5]])
    assert (numscope.decode(got, fmt, dtype=np.float64) == want_values).all()


def float_table(t):
    """The sorted finite values of an ml_dtypes type, from ml_dtypes (independent of numscope)."""
    codes = np.arange(1 << (8 * np.dtype(t).itemsize), dtype={1: np.uint8, 2: np.uint16}[np.dtype(t).itemsize])
    v = codes.view(t).astype(np.float64)
    return np.unique(v[np.isfinite(v)])


DIRECTED = [("e4m3", ml_dtypes.float8_e4m3fn), ("e5m2", ml_dtypes.float8_e5m2), ("bf16", ml_dtypes.bfloat16),
            ("e2m1", ml_dtypes.float4_e2m1fn), ("e3m2", ml_dtypes.float6_e3m2fn), ("fp16", np.float16),
            ("e4m3fnuz", ml_dtypes.float8_e4m3fnuz)]


@pytest.mark.parametrize("fmt,t", DIRECTED, ids=[d[0] for d in DIRECTED])
@pytest.mark.parametrize("mode", ["rtz", "up", "down", "rna"])
def test_directed_modes_against_the_value_table(fmt, t, mode):
    """Within the range, rtz/up/down take the neighbour the mode names and rna the nearest with ties away from
    zero, found by searching ml_dtypes' sorted values (float64 comparisons, exact for these inputs)."""
    table = float_table(t)
    rng = np.random.default_rng(5)
    mids = (table[1:] + table[:-1]) / 2
    x = np.concatenate([table, mids, rng.uniform(table[0], table[-1], 100_000)]).astype(np.float32)
    x = x[(x >= table[0]) & (x <= table[-1])].astype(np.float64)
    i = np.searchsorted(table, x)  # table[i-1] < x <= table[i]
    exact = table[np.minimum(i, len(table) - 1)] == x
    below = table[np.maximum(i - 1, 0)]
    above = table[np.minimum(i, len(table) - 1)]
    if mode == "up":
        want = above
    elif mode == "down":
        want = np.where(exact, x, below)
    elif mode == "rtz":
        want = np.where(exact, x, np.where(x > 0, below, above))
    else:
        d_lo, d_hi = x - below, above - x
        want = np.where(exact, x, np.where(d_lo < d_hi, below, np.where(d_hi < d_lo, above,
                                                                     np.where(x > 0, above, below))))
    got = numscope.round(x.astype(np.float32), fmt, rounding=mode).astype(np.float64)
    bad = np.flatnonzero((got != want) & ~((got == 0) & (want == 0)))
    assert bad.size == 0, (x[bad[:5]], got[bad[:5]], want[bad[:5]])


FORMATS_FOR_CLI = ["fp16", "bf16", "tf32", "e5m2", "e4m3", "e4m3fnuz", "e2m1", "e8m0", "int8", "uint4", "fp64",
                   "e5m10", "e11m52"]


def cast(cli, data, src, dst, *options):
    done = subprocess.run([cli, "cast", "--from", src, "--to", dst, *options], input=data, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@pytest.mark.parametrize("fmt", FORMATS_FOR_CLI)
@pytest.mark.parametrize("options", [(), ("--rounding", "rtz"), ("--rounding", "odd"), ("--saturate",),
                                     ("--ftz",), ("--rounding", "stochastic", "--seed", "42")],
                         ids=["rne", "rtz", "odd", "saturate", "ftz", "stochastic"])
def test_same_bytes_as_numscope_cast(cli, fmt, options):
    """encode, decode and round write exactly the bytes `numscope cast` writes for the same data and flags."""
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.standard_normal(50_000).astype(np.float32) * 300, np.float32([np.inf, -np.inf, 0, -0.0,
                                                                                            1e-40, 65520.0])])
    info = numscope._arrays._info(fmt)
    if not info["has_sign"] and not info["is_int"]:  # e8m0 refuses negatives (test_ml_dtypes); uintN clamp to 0
        x = np.abs(x)
    kw = {}
    if "--rounding" in options:
        kw["rounding"] = options[options.index("--rounding") + 1]
    if "--seed" in options:
        kw["seed"] = int(options[options.index("--seed") + 1])
    kw["saturate"] = "--saturate" in options
    kw["ftz"] = "--ftz" in options
    codes = numscope.encode(x, fmt, **kw)
    assert codes.tobytes() == cast(cli, x.tobytes(), "fp32", fmt, *options)
    values = numscope.decode(codes, fmt, dtype=np.float32)
    assert values.tobytes() == cast(cli, codes.tobytes(), fmt, "fp32")
    wide = numscope.decode(codes, fmt, dtype=np.float64)
    assert wide.tobytes() == cast(cli, codes.tobytes(), fmt, "fp64")
    x64 = x.astype(np.float64) * np.float64(1 + 2.0**-40)  # values between float32's, so float64 input matters
    assert numscope.encode(x64, fmt, **kw).tobytes() == cast(cli, x64.tobytes(), "fp64", fmt, *options)


def test_shapes_and_dtypes_are_kept():
    x = np.float32(np.arange(24).reshape(2, 3, 4)) / 7
    codes = numscope.encode(x, "e4m3")
    assert codes.shape == (2, 3, 4) and codes.dtype == np.uint8
    assert numscope.decode(codes, "e4m3").shape == (2, 3, 4)
    assert numscope.encode(x[:, ::2, 1], "bf16").shape == (2, 2)  # non-contiguous input
    assert numscope.encode(np.float32(3.0), "fp16").shape == ()
    assert numscope.encode([], "fp16").shape == (0,)
    assert numscope.encode(x, "tf32").dtype == np.uint32
    assert numscope.encode(x, "fp64").dtype == np.uint64
    assert numscope.decode(numscope.encode(x, "fp64"), "fp64").dtype == np.float64
    assert numscope.decode(np.uint32([0]), "int32").dtype == np.float64  # 2^24 + 1 is no float32
    assert numscope.round(x, "bf16").dtype == np.float32
    assert numscope.round(x.astype(np.float64), "bf16").dtype == np.float64


def test_byte_order_is_read_not_assumed():
    """Big-endian arrays (np.load of a '>f4' .npy, np.frombuffer(..., '>f4'), FITS data) hold the same numbers as
    little-endian ones: the codes, values and quantization must be those of the native array (they were the
    bytes read little-endian: 1.0 as '>f4' encoded to bf16 0x0001, and every value of arange came back 0)."""
    x = np.float32([0.1, 1.0, 2.0, -3.5, 448.0, 65504.0])
    for fmt in ("bf16", "fp16", "e4m3", "int8", "fp64"):
        want = numscope.encode(x, fmt)
        for dt in (">f4", ">f8", ">f2"):
            assert (numscope.encode(x.astype(dt), fmt) == numscope.encode(x.astype(dt[1:]), fmt)).all(), (fmt, dt)
        assert (numscope.encode(x.astype(">f4"), fmt) == want).all()
        assert np.array_equal(numscope.round(x.astype(">f4"), fmt), numscope.round(x, fmt), equal_nan=True)
    assert (numscope.encode(np.arange(6, dtype=">i4"), "fp16") == numscope.encode(np.arange(6), "fp16")).all()
    assert (numscope.encode(np.arange(6, dtype=">u8"), "fp16") == numscope.encode(np.arange(6), "fp16")).all()
    codes = np.array([0x3F80, 0x47F1], dtype=">u2")  # bf16 1.0 and 123392, stored big-endian
    assert numscope.decode(codes, "bf16").tolist() == [1.0, 123392.0]
    assert numscope.decode(codes.astype(">u4"), "bf16").tolist() == [1.0, 123392.0]
    w = np.linspace(-1, 1, 256, dtype=np.float32).reshape(8, 32)
    a, b = numscope.quantize(w, ["int8"]), numscope.quantize(w.astype(">f4"), ["int8"])
    assert a.tables["schemes"][0]["mse"] == b.tables["schemes"][0]["mse"]
    assert b.tables["input"][0]["max"] == a.tables["input"][0]["max"] == 1.0


def test_python_numbers_are_float64_not_float32():
    """A list of Python floats is read as float64: 0.1 rounds once from its double, as `cast --from fp64`."""
    assert numscope.encode([0.1], "fp32")[0] == np.float32(0.1).view(np.uint32)
    # 1 + 2^-24 + 2^-40 rounds up to 1 + 2^-23 from the double; through float32 it would tie back to 1.
    v = 1 + 2.0**-24 + 2.0**-40
    assert numscope.encode([v], "bf16")[0] == numscope.encode(np.float32([1.0]), "bf16")[0]
    assert numscope.round([v], "fp32")[0] == np.float32(1 + 2.0**-23)


def test_integer_arrays_are_exact():
    big = np.int64([2**53 + 1, -(2**62) - 1])  # both ties between two doubles
    assert (numscope.round(big, "fp64") == np.float64([2**53, -(2**62)])).all()  # ties to even, from the integer
    assert numscope.round(np.int64([2**53 + 3]), "fp64")[0] == 2**53 + 4


def test_exact_rounding_against_fractions():
    """Random doubles rounded into bf16 by numscope are the nearest bf16 value, found with fractions.Fraction
    among ml_dtypes' sorted bf16 values (ties: the even code, whose last mantissa bit is 0)."""
    rng = np.random.default_rng(9)
    values = float_table(ml_dtypes.bfloat16)
    table = [Fraction(float(v)) for v in values]
    inputs = np.concatenate([rng.standard_normal(2000) * 1000, (values[1:] + values[:-1]) / 2])
    got = numscope.round(inputs, "bf16")
    for v, g in zip(inputs, got):
        f = Fraction(float(v))
        i = bisect.bisect_left(table, f)
        near = [t for t in table[max(i - 1, 0):i + 1]]
        best = min(abs(t - f) for t in near)
        assert abs(Fraction(float(g)) - f) == best, v
        ties = [t for t in near if abs(t - f) == best]
        if len(ties) == 2:  # the even one: bf16 codes of the two neighbours differ by one
            assert np.float32(float(g)).view(np.uint32) >> 16 & 1 == 0, v


def test_bad_input_is_a_value_error_with_the_cli_message():
    with pytest.raises(ValueError, match="unknown format 'fp7'"):
        numscope.encode([1.0], "fp7")
    with pytest.raises(ValueError, match="rounding"):
        numscope.encode([1.0], "bf16", rounding="nearest")
    with pytest.raises(ValueError, match=r"element 2 \(byte offset 2\) has bits set above the 4-bit e2m1 code"):
        numscope.decode(np.uint8([1, 2, 0x10]), "e2m1")
    with pytest.raises(ValueError, match="not a 8-bit e4m3 code"):
        numscope.decode(np.int64([1, 300]), "e4m3")
    with pytest.raises(ValueError, match="decimal strings"):
        numscope.encode(["1.5"], "bf16")
    with pytest.raises(ValueError, match="wider than any numpy integer"):
        numscope.encode([1.0], "e15m112")
    with pytest.raises(ValueError, match="seed"):
        numscope.encode([1.0], "bf16", rounding="stochastic", seed=-1)


def test_big_arrays_use_every_core_and_give_the_same_bits():
    """Arrays above 1 MiB are split across threads (each piece its own CodeCast); the bits do not depend on it."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal(3_000_000).astype(np.float32)
    small = np.concatenate([numscope.encode(x[i:i + 100_000], "e4m3", rounding="rtz")
                            for i in range(0, x.size, 100_000)])
    assert (numscope.encode(x, "e4m3", rounding="rtz") == small).all()


def test_prepared_casts_keep_each_request_apart():
    """The extension keeps prepared casts per (names, options): alternating requests on the same formats each get
    their own bits (against ml_dtypes and np.clip), and a bad request after good ones still raises."""
    x = np.float32([0.1, 500.0, -1000.0, np.nan])
    clipped = np.clip(x, -448, 448).astype(ml_dtypes.float8_e4m3fn).view(np.uint8)
    plain = x.astype(ml_dtypes.float8_e4m3fn).view(np.uint8)
    for _ in range(3):
        assert (numscope.encode(x, "e4m3") == plain).all()
        assert (numscope.encode(x, "e4m3", saturate=True)[:3] == clipped[:3]).all()
        assert numscope.encode(x, "e2m1", nan_to="zero")[3] == 0
        assert numscope.encode(x, "e2m1", nan_to="max")[3] == 7
        with pytest.raises(ValueError, match="e2m1 has no NaN code"):
            numscope.encode(x, "e2m1")
        with pytest.raises(ValueError, match="rounding"):
            numscope.encode(x, "e4m3", rounding="sideways")
    for fmt in [f"e{e}m{m}" for e in range(3, 9) for m in range(1, 13)]:  # more than the 64 kept: starts over
        assert numscope.decode(numscope.encode(np.float32([1.5]), fmt), fmt)[0] == 1.5
    assert (numscope.encode(x, "e4m3") == plain).all()
