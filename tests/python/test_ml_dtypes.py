"""encode / decode against ml_dtypes, an independent implementation of the same formats: every code of every
8-bit format, and a few million random, edge and ±inf float32 inputs; saturation against np.clip(...).astype(T).

ml_dtypes converts float32 straight to each type with one round-to-nearest-even, as numscope's engine does, so
every bit must agree, NaN compared by class (ml_dtypes keeps NaN payloads, numscope writes the canonical NaN).
"""

import bisect
import subprocess
from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest

import numscope

# (numscope format, ml_dtypes type): every float format ml_dtypes has that numscope has too.
FLOATS = [
    ("bf16", ml_dtypes.bfloat16),
    ("fp16", np.float16),
    ("e4m3", ml_dtypes.float8_e4m3fn),
    ("e5m2", ml_dtypes.float8_e5m2),
    ("e4m3fnuz", ml_dtypes.float8_e4m3fnuz),
    ("e5m2fnuz", ml_dtypes.float8_e5m2fnuz),
    ("e4m3b11fnuz", ml_dtypes.float8_e4m3b11fnuz),
    ("e4m3-ieee", ml_dtypes.float8_e4m3),
    ("e3m4", ml_dtypes.float8_e3m4),
    ("e3m2", ml_dtypes.float6_e3m2fn),
    ("e2m3", ml_dtypes.float6_e2m3fn),
    ("e2m1", ml_dtypes.float4_e2m1fn),
    ("e8m0", ml_dtypes.float8_e8m0fnu),
]
NARROW = [(f, t) for f, t in FLOATS if np.dtype(t).itemsize == 1]
IDS = [f for f, _ in FLOATS]


def code_dtype(t):
    return {1: np.uint8, 2: np.uint16}[np.dtype(t).itemsize]


def bits_of(t):
    """The code width of an ml_dtypes type, from ml_dtypes itself (finfo.bits; 8 for the 8-bit types)."""
    try:
        return int(ml_dtypes.finfo(t).bits)
    except (ValueError, TypeError):
        return 8 * np.dtype(t).itemsize


def all_codes(t):
    return np.arange(1 << bits_of(t), dtype=code_dtype(t))


def nearest_even(x, table):
    """The nearest value of a sorted list of Fractions; a tie goes to the one whose position is even (the even
    code among positive neighbours, which is RNE for the formats here). Exact rational arithmetic."""
    i = bisect.bisect_left(table, x)
    if i < len(table) and table[i] == x:
        return x
    lo, hi = table[max(i - 1, 0)], table[min(i, len(table) - 1)]
    if x - lo != hi - x:
        return lo if x - lo < hi - x else hi
    return lo if (i - 1) % 2 == 0 else hi


def same_values(got, want):
    """Equal bit for bit as float64 values, except that NaN matches NaN whatever its payload."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    both_nan = np.isnan(got) & np.isnan(want)
    same = (got.view(np.uint64) == want.view(np.uint64)) | both_nan
    return same


def ml_dtypes_deviations(fmt, x):
    """Inputs where ml_dtypes 0.6 is known to round wrongly, checked here against exact arithmetic instead:
    e8m0 (float8_e8m0fnu) rounds every value in (2^-127, 1.5·2^-127) up to 2^-126, though 2^-127 is nearer
    (1.25·2^-127 is 0.25·2^-127 from 2^-127 and 0.75·2^-127 from 2^-126)."""
    if fmt != "e8m0":
        return np.zeros(np.shape(x), dtype=bool)
    a = np.asarray(x, dtype=np.float64)
    return (a > 2.0**-127) & (a < 1.5 * 2.0**-127)


def no_value_inputs(fmt, x):
    """Inputs with no value to round to, whose outcome is a policy rather than arithmetic, tested on their own
    (test_nan_into_formats_without_nan, test_e8m0_has_no_zero_and_no_sign): NaN into a format without NaN, and
    zero and negative values into E8M0, which has neither (OCP MX v1.0 §5.4.1)."""
    x = np.asarray(x)
    t = dict(FLOATS)[fmt]
    has_nan = np.isnan(all_codes(t).view(t).astype(np.float64)).any()
    skip = np.isnan(x) if not has_nan else np.zeros(x.shape, dtype=bool)
    if fmt == "e8m0":
        skip |= (x <= 0) | np.signbit(x)
    return skip


def assert_same_codes(fmt, t, x, **options):
    """numscope's codes for x equal ml_dtypes' codes for `x` (or for `want_of`, the clipped inputs of the
    saturation test), NaN codes compared by class; where ml_dtypes is known to be wrong, the exact nearest value
    (fractions.Fraction) instead."""
    want_of = options.pop("want_of", None)
    x = np.asarray(x)
    keep = ~no_value_inputs(fmt, x)
    x = x[keep]
    got = numscope.encode(x, fmt, **options)
    if want_of is not None:
        x = np.asarray(want_of)[keep]
    dev = ml_dtypes_deviations(fmt, x)
    if dev.any():
        table = sorted({Fraction(float(v)) for v in all_codes(t).view(t).astype(np.float64) if np.isfinite(v)})
        for xi, code in zip(x[dev].reshape(-1), got[dev].reshape(-1)):
            want = nearest_even(Fraction(float(xi)), table)
            assert Fraction(float(numscope.decode([code], fmt, dtype=np.float64)[0])) == want, (fmt, xi)
        x, got = x[~dev], got[~dev]
    want = np.asarray(x).astype(t).view(code_dtype(t))
    differ = got != want
    if differ.any():
        # NaN in both is the same answer whatever the code (payloads).
        ours = numscope.decode(got[differ], fmt, dtype=np.float64)
        theirs = want[differ].view(t).astype(np.float64)
        still = ~(np.isnan(ours) & np.isnan(theirs))
        if still.any():
            i = np.flatnonzero(differ)[still][:5]
            raise AssertionError(
                f"{fmt}: inputs {np.asarray(x).reshape(-1)[i]!r} (bits "
                f"{[hex(v) for v in np.asarray(x).reshape(-1)[i].view(np.uint32)]}) give codes "
                f"{[hex(v) for v in got.reshape(-1)[i]]}, ml_dtypes {[hex(v) for v in want.reshape(-1)[i]]}")


@pytest.mark.parametrize("fmt,t", FLOATS, ids=IDS)
def test_decode_every_code(fmt, t):
    """Every code (all 2^8 or 2^16) decodes to ml_dtypes' value, in float32 and in float64."""
    codes = all_codes(t)
    want = codes.view(t).astype(np.float64)
    for dtype in (np.float32, np.float64):
        got = numscope.decode(codes, fmt, dtype=dtype)
        assert got.dtype == dtype
        assert same_values(got, want).all(), fmt


@pytest.mark.parametrize("fmt,t", FLOATS, ids=IDS)
def test_encode_every_value_and_midpoint(fmt, t):
    """Every value of the format encodes to its own code (NaN by class), and so does every midpoint between
    neighbours and a float32 step either side of it, the cases where rounding decides."""
    codes = all_codes(t)
    values = np.unique(codes.view(t).astype(np.float64))
    values = values[np.isfinite(values)]
    mids = (values[1:] + values[:-1]) / 2
    x = np.concatenate([values, mids]).astype(np.float32)
    steps = np.concatenate([np.nextafter(x, np.float32(np.inf)), np.nextafter(x, np.float32(-np.inf))])
    for inputs in (x, steps, -x):
        assert_same_codes(fmt, t, inputs)


def edge_inputs():
    f = np.float32
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, np.finfo(f).max, -np.finfo(f).max,
                np.finfo(f).tiny, np.finfo(f).smallest_subnormal, -np.finfo(f).smallest_subnormal, 1.0, -1.0]
    powers = [s * 2.0 ** e for e in range(-149, 128) for s in (1, -1, 1.5, -1.75)]
    return np.array(specials + powers, dtype=np.float32)


@pytest.mark.parametrize("fmt,t", FLOATS, ids=IDS)
def test_encode_edges(fmt, t):
    """±0, ±inf, NaN, float32's extremes, and ±(1, 1.5, 1.75)·2^e for every float32 exponent."""
    x = edge_inputs()
    assert_same_codes(fmt, t, x)


@pytest.mark.parametrize("fmt,t", FLOATS, ids=IDS)
def test_encode_random_float32(fmt, t):
    """Two million uniformly random float32 bit patterns (every exponent, NaNs and infinities among them), and a
    million normal values within the format's range."""
    rng = np.random.default_rng(20240601)
    x = rng.integers(0, 1 << 32, size=2_000_000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    assert_same_codes(fmt, t, x)
    top = float(ml_dtypes.finfo(t).max)
    y = (rng.standard_normal(1_000_000) * top / 4).astype(np.float32)
    assert_same_codes(fmt, t, y)


@pytest.mark.parametrize("fmt,t", FLOATS, ids=IDS)
def test_saturate_against_clip(fmt, t):
    """saturate=True stores what np.clip(x, -max, max).astype(T) does (ml_dtypes has no saturating cast)."""
    rng = np.random.default_rng(7)
    top = np.float32(ml_dtypes.finfo(t).max)
    x = np.concatenate([edge_inputs(), (rng.standard_normal(500_000) * top * 4).astype(np.float32)])
    x = x[~np.isnan(x)]
    clipped = np.clip(x, -top, top)
    assert_same_codes(fmt, t, x, saturate=True, want_of=clipped)


@pytest.mark.parametrize("fmt,t", FLOATS, ids=IDS)
def test_round_is_decode_of_encode(fmt, t):
    """round() gives ml_dtypes' x.astype(T) as values."""
    rng = np.random.default_rng(3)
    x = (rng.standard_normal(100_000) * float(ml_dtypes.finfo(t).max) / 8).astype(np.float32)
    x = x[~no_value_inputs(fmt, x)]
    got = numscope.round(x, fmt)
    assert got.dtype == np.float32
    assert same_values(got, x.astype(t).astype(np.float64)).all()


@pytest.mark.parametrize("fmt,t", FLOATS, ids=IDS)
def test_ml_dtypes_views(fmt, t):
    """to_ml_dtypes is a view of the same bytes; from_ml_dtypes gives the codes and the format back."""
    codes = all_codes(t)
    arr = numscope.to_ml_dtypes(codes, fmt)
    assert arr.dtype == np.dtype(t)
    assert np.shares_memory(arr, codes)
    back, name = numscope.from_ml_dtypes(arr)
    assert name == numscope.format_name(fmt)
    assert np.shares_memory(back, arr) and (back == codes).all()
    # encode takes ml_dtypes arrays: from T to fp32 is exact, so the codes come back unchanged
    finite = np.isfinite(arr.astype(np.float64))
    assert (numscope.encode(arr[finite], "fp32") == arr[finite].astype(np.float32).view(np.uint32)).all()


def test_integer_types_of_ml_dtypes():
    """ml_dtypes' int4/uint4/int2/uint2 keep the code in the low bits as numscope does: views, exact values."""
    for fmt, t in (("int4", ml_dtypes.int4), ("uint4", ml_dtypes.uint4), ("int2", ml_dtypes.int2),
                   ("uint2", ml_dtypes.uint2)):
        bits = int(fmt.lstrip("uint"))
        codes = np.arange(1 << bits, dtype=np.uint8)
        arr = numscope.to_ml_dtypes(codes, fmt)
        assert arr.dtype == np.dtype(t)
        assert (arr.astype(np.float64) == numscope.decode(codes, fmt, dtype=np.float64)).all()


@pytest.mark.parametrize("fmt", ["e3m2", "e2m3", "e2m1", "int8", "uint4"])
def test_nan_into_formats_without_nan(cli, fmt):
    """NaN has no code in these formats: encode refuses it with the line `numscope cast` prints, naming the
    element, unless nan_to says what to store (+0 or +max), as --nan-to does."""
    x = np.float32([1.0, np.nan, 2.0])
    with pytest.raises(ValueError) as e:
        numscope.encode(x, fmt)
    done = subprocess.run([cli, "cast", "--from", "fp32", "--to", fmt], input=x.tobytes(), capture_output=True)
    assert done.returncode == 2 and done.stderr.decode() == f"numscope: {e.value}\n"
    assert str(e.value).startswith(f"element 1 (byte offset 4) is NaN, and {fmt} has no NaN code")
    for policy in ("zero", "max"):
        got = numscope.encode(x, fmt, nan_to=policy)
        cast = subprocess.run([cli, "cast", "--from", "fp32", "--to", fmt, "--nan-to", policy], input=x.tobytes(),
                              capture_output=True, check=True).stdout
        assert got.tobytes() == cast
        values = numscope.decode(got, fmt, dtype=np.float64)
        top = numscope.decode(numscope.encode(np.float32([1e30]), fmt, saturate=True), fmt, dtype=np.float64)[0]
        assert values[1] == (0.0 if policy == "zero" else top)


def test_e8m0_has_no_zero_and_no_sign():
    """E8M0 has no zero and no sign (OCP MX v1.0 §5.4.1): numscope stores ±0 as the smallest scale 2^-127 (code
    0, an underflow), where ml_dtypes writes NaN (0xFF); a negative value is refused, naming the element."""
    assert list(numscope.encode(np.float32([0.0, -0.0]), "e8m0")) == [0, 0]
    assert numscope.decode([0], "e8m0", dtype=np.float64)[0] == 2.0**-127
    with pytest.raises(ValueError, match=r"element 1 \(byte offset 4\) is negative, and e8m0 has no sign"):
        numscope.encode(np.float32([1.0, -1.0]), "e8m0")
