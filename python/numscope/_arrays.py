"""Arrays through a format: encode, decode, round and the ml_dtypes views, on the conversion `numscope cast` runs
(io/code_cast.h: the fast kernels where they apply, the engine elsewhere, no silent wrong code)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from . import _numscope

_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


@functools.lru_cache(maxsize=None)
def _info(fmt: str) -> dict[str, Any]:
    if not isinstance(fmt, str):
        raise ValueError(f"a format is a name such as 'bf16' or 'e4m3', not {type(fmt).__name__}")
    return _numscope.format_info(fmt)


def _code_dtype(info: dict[str, Any]) -> type[np.unsignedinteger]:
    dtype = _UNSIGNED.get(info["container_bytes"])
    if dtype is None:
        raise ValueError(
            f"{info['name']} codes take {info['container_bytes']} bytes, wider than any numpy integer: "
            "use numscope.store() for exact values of formats wider than 64 bits"
        )
    return dtype


def _native(arr: np.ndarray) -> np.ndarray:
    """arr as a C-contiguous array in the machine's byte order: the library reads elements as native numbers, so a
    big-endian array ('>f4' from np.load or np.frombuffer) is byte-swapped first, never read as its raw bytes."""
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return np.require(arr, requirements="C")


def _source_format(dtype: np.dtype) -> str:
    """The numscope format whose codes an array of this dtype holds (user input: a dtype, not a format row)."""
    if dtype.kind == "f" and dtype.itemsize in (2, 4, 8) and dtype.type in (np.float16, np.float32, np.float64):
        return {2: "fp16", 4: "fp32", 8: "fp64"}[dtype.itemsize]
    if dtype.kind in "iu" and dtype.type.__module__ == "numpy":
        return f"{'int' if dtype.kind == 'i' else 'uint'}{8 * dtype.itemsize}"
    from_ml = _ml_dtypes_format(dtype)
    if from_ml is not None:
        return from_ml
    raise ValueError(
        f"cannot encode an array of dtype {dtype}: numscope reads float16/32/64, integer arrays, "
        "and the ml_dtypes types whose layout it has (bfloat16, float8_*, float6_*, float4_*)"
    )


def _options(rounding: str, saturate: bool, ftz: bool, seed: int) -> tuple[str, bool, bool, int]:
    if not isinstance(rounding, str):
        raise ValueError("rounding is one of rne, rna, rtz, up, down, odd, stochastic")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or not 0 <= seed <= 999999999999999999:
        raise ValueError(f"seed must be an integer from 0 to 999999999999999999, not {seed!r}")
    return rounding, bool(saturate), bool(ftz), int(seed)


def encode(x: Any, fmt: str, *, rounding: str = "rne", saturate: bool = False, ftz: bool = False,
           seed: int = 1, nan_to: str = "error") -> np.ndarray:
    """The codes that format `fmt` stores for every element of `x`, as an unsigned integer array.

    `x` is any array-like of numbers (float16/32/64, integers, or an ml_dtypes array); each element is rounded
    once, from its exact value, by `rounding` (rne, rna, rtz, up, down, odd, stochastic with `seed`), with
    overflow clamped to ±max when `saturate` and subnormal results flushed to zero when `ftz`. The codes are
    what ``numscope cast --from <x's format> --to fmt`` writes: uint8 for formats of 8 bits or fewer (the code
    in the low bits), uint16 for 16-bit formats, uint32 for 32-bit ones (tf32: its 19 bits at the top, the low
    13 bits zero), uint64 for fp64. The result has x's shape. fp32 input runs the fast kernels.

    As in `numscope cast`, no code is written silently for a value the format cannot hold: NaN into a format
    without NaN (e2m1, int8, ...) raises ValueError naming the element unless `nan_to` is "zero" or "max" (--nan-to),
    and so does a negative value into a format without a sign (e8m0, uint8).

    >>> import numpy as np, numscope
    >>> numscope.encode(np.float32([1.0, 448.0, 460.0, 500.0]), "e4m3")  # 500 overflows: NaN (OFP8 §5)
    array([ 56, 126, 126, 127], dtype=uint8)
    >>> numscope.encode(np.float32([500.0]), "e4m3", saturate=True)
    array([126], dtype=uint8)
    >>> [hex(c) for c in numscope.encode([123456.789], "bf16")]
    ['0x47f1']
    >>> numscope.encode(np.float32([1.0, np.nan]), "e2m1", nan_to="zero")
    array([2, 0], dtype=uint8)
    """
    rounding, saturate, ftz, seed = _options(rounding, saturate, ftz, seed)
    if not isinstance(nan_to, str):
        raise ValueError("nan_to is error (refuse NaN, the default), zero (store +0) or max (store +max)")
    info = _info(fmt)
    out_dtype = _code_dtype(info)
    arr = np.asarray(x)
    if arr.dtype.kind == "b" or arr.dtype.kind not in "fiuV" and not _is_ml_dtype(arr.dtype):
        raise ValueError(
            f"encode takes numbers (float or integer arrays), not dtype {arr.dtype}: "
            "numscope.store() takes decimal strings and fractions exactly"
        )
    src = _source_format(arr.dtype)
    arr = _native(arr)
    out = np.empty(arr.shape, dtype=out_dtype)
    _numscope.convert(src, info["name"], arr.reshape(-1).view(np.uint8), out.reshape(-1).view(np.uint8),
                      rounding, saturate, ftz, seed, nan_to, False)
    return out


def _codes(codes: Any, info: dict[str, Any]) -> np.ndarray:
    arr = np.asarray(codes)
    want = _code_dtype(info)
    if arr.dtype.kind not in "iu":
        raise ValueError(
            f"codes are unsigned integers ({np.dtype(want).name} for {info['name']}), not dtype {arr.dtype}; "
            "numscope.from_ml_dtypes() takes ml_dtypes arrays"
        )
    if arr.dtype.itemsize == np.dtype(want).itemsize:
        return _native(arr).view(want)
    # Another integer width: the values must be codes (0 <= c < 2^bits); the library checks the bits above.
    if arr.size and (arr.min() < 0 or (arr.dtype.itemsize > np.dtype(want).itemsize
                                      and arr.max() > np.iinfo(want).max)):
        bad = int(np.flatnonzero((arr < 0) | (arr > np.iinfo(want).max))[0])
        raise ValueError(
            f"element {bad} is {arr.reshape(-1)[bad]}, not a {info['bits']}-bit {info['name']} code "
            f"(0 to {2 ** info['bits'] - 1})"
        )
    return np.require(arr.astype(want), requirements="C")


def _float_dtype(info: dict[str, Any], dtype: Any) -> np.dtype:
    if dtype is None:
        return np.dtype(np.float32 if info["fits_fp32"] else np.float64)
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"decode writes float32 or float64, not {dt}")
    return dt


def decode(codes: Any, fmt: str, *, dtype: Any = None, tf32_truncate: bool = False) -> np.ndarray:
    """The values of the codes `codes` of format `fmt`, as floats (the inverse of encode).

    The result is float32 when every value of `fmt` is a float32 (all 8- and 16-bit formats, tf32, fp32),
    otherwise float64; `dtype=np.float64` asks for float64 anyway. Decoding into a float that holds every value
    is exact; a narrower `dtype` rounds to nearest even, as ``numscope cast --from fmt --to fp32`` does. Codes
    with bits set above the format's width raise ValueError naming the first such element, and so do tf32 codes
    with bits set below their 19-bit field unless `tf32_truncate` drops them (--tf32-truncate).

    >>> import numpy as np, numscope
    >>> numscope.decode(np.uint8([56, 126, 127]), "e4m3")
    array([  1., 448.,  nan], dtype=float32)
    >>> numscope.decode([0x47f1], "bf16")
    array([123392.], dtype=float32)
    """
    info = _info(fmt)
    arr = _codes(codes, info)
    dt = _float_dtype(info, dtype)
    out = np.empty(arr.shape, dtype=dt)
    _numscope.convert(info["name"], "fp32" if dt == np.float32 else "fp64", arr.reshape(-1).view(np.uint8),
                      out.reshape(-1).view(np.uint8), "rne", False, False, 1, "error", bool(tf32_truncate))
    return out


def round(x: Any, fmt: str, *, rounding: str = "rne", saturate: bool = False, ftz: bool = False,
          seed: int = 1, nan_to: str = "error") -> np.ndarray:
    """The values format `fmt` stores for every element of `x`: decode(encode(x, fmt, ...), fmt).

    The result is float32 when `x` is float32 (or narrower) and every value of `fmt` is a float32, otherwise
    float64. Options as in encode().

    >>> import numpy as np, numscope
    >>> numscope.round(np.float32([0.1, 123456.789]), "bf16").tolist()
    [0.10009765625, 123392.0]
    >>> numscope.round(np.float32([300.0]), "e4m3", rounding="rtz")
    array([288.], dtype=float32)
    """
    arr = np.asarray(x)
    info = _info(fmt)
    codes = encode(arr, fmt, rounding=rounding, saturate=saturate, ftz=ftz, seed=seed, nan_to=nan_to)
    narrow = arr.dtype.kind == "f" and arr.dtype.itemsize <= 4 or _is_ml_dtype(arr.dtype)
    return decode(codes, fmt, dtype=np.float32 if narrow and info["fits_fp32"] else np.float64)


# ---- ml_dtypes: views where the layouts agree ----------------------------------------------------------

# The ml_dtypes types numscope may share a layout with; which format each one is, is decided by comparing
# every code's value (_ml_layout), never by the names.
_ML_TYPES = ("bfloat16", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
             "float8_e4m3b11fnuz", "float8_e4m3", "float8_e3m4", "float8_e8m0fnu", "float6_e2m3fn",
             "float6_e3m2fn", "float4_e2m1fn", "int2", "uint2", "int4", "uint4")
# The numscope format whose codes each one holds: checked by _ml_layout before use.
_ML_CANDIDATES = {"bfloat16": "bf16", "float8_e4m3fn": "e4m3", "float8_e5m2": "e5m2",
                  "float8_e4m3fnuz": "e4m3fnuz", "float8_e5m2fnuz": "e5m2fnuz",
                  "float8_e4m3b11fnuz": "e4m3b11fnuz", "float8_e4m3": "e4m3-ieee", "float8_e3m4": "e3m4",
                  "float8_e8m0fnu": "e8m0", "float6_e2m3fn": "e2m3", "float6_e3m2fn": "e3m2",
                  "float4_e2m1fn": "e2m1", "int2": "int2", "uint2": "uint2", "int4": "int4", "uint4": "uint4"}


def _ml_dtypes():
    try:
        import ml_dtypes
    except ImportError as e:  # pragma: no cover - exercised only without the optional dependency
        raise ValueError("ml_dtypes is not installed: pip install ml_dtypes") from e
    return ml_dtypes


def _is_ml_dtype(dtype: np.dtype) -> bool:
    return getattr(dtype.type, "__module__", "").startswith("ml_dtypes")


@functools.lru_cache(maxsize=None)
def _ml_layout(type_name: str) -> tuple[str, bool] | None:
    """(format, same codes) for an ml_dtypes type: the numscope format with the same values, and whether its
    stored bytes are numscope's codes (so a view converts without copying). None when no format matches."""
    ml = _ml_dtypes()
    t = getattr(ml, type_name, None)
    fmt = _ML_CANDIDATES.get(type_name)
    if t is None or fmt is None:
        return None
    info = _info(fmt)
    itemsize = np.dtype(t).itemsize
    if itemsize != info["container_bytes"]:
        return None
    n = 1 << info["bits"]
    ours = decode(np.arange(n, dtype=_code_dtype(info)), fmt, dtype=np.float64)
    # numpy warns "invalid value encountered in cast" for the NaN codes it casts here on purpose; the warning
    # would otherwise surface, once per type, in the user's first to_ml_dtypes / from_ml_dtypes / encode call.
    with np.errstate(invalid="ignore", over="ignore"):
        # Same bytes: the ml_dtypes value of each of our codes, read as its own type.
        theirs = np.arange(n, dtype=_code_dtype(info)).view(t).astype(np.float64)
        if np.array_equal(ours, theirs, equal_nan=True):
            return fmt, True
        # Same values, other bytes (ml_dtypes' intN keep the value sign-extended in a byte): every value of ours
        # round-trips through the type.
        back = ours[~np.isnan(ours)].astype(t).astype(np.float64)
    return (fmt, False) if np.array_equal(back, ours[~np.isnan(ours)]) else None


def _ml_dtypes_format(dtype: np.dtype) -> str | None:
    if not _is_ml_dtype(dtype):
        return None
    layout = _ml_layout(dtype.type.__name__)
    if layout is None or not layout[1]:
        return None
    return layout[0]


# numpy's own floats hold these formats' codes as they are (tf32: 19 bits at the top of a float32).
_NATIVE = {"fp16": np.float16, "fp32": np.float32, "tf32": np.float32, "fp64": np.float64}


def to_ml_dtypes(codes: Any, fmt: str) -> np.ndarray:
    """The codes of format `fmt` as an array of the matching ml_dtypes type (numpy's float16/32/64 for fp16,
    fp32, tf32 and fp64): a view without copying where that type stores the same bytes, else its values
    converted exactly. ValueError when no such type exists or a code has bits above the format's width.

    >>> import numpy as np, numscope
    >>> numscope.to_ml_dtypes(np.uint8([56, 126]), "e4m3").dtype.name
    'float8_e4m3fn'
    """
    info = _info(fmt)
    arr = _codes(codes, info)
    name = info["name"]
    spare = 8 * arr.dtype.itemsize - info["bits"]
    if spare and name != "tf32" and arr.size and (arr >> info["bits"]).any():
        bad = int(np.flatnonzero(arr.reshape(-1) >> info["bits"])[0])
        raise ValueError(f"element {bad} has bits set above the {info['bits']}-bit {name} code; "
                         "narrow codes go in the low bits")
    if name in _NATIVE:
        return arr.view(_NATIVE[name])
    for type_name in _ML_TYPES:
        layout = _ml_layout(type_name)
        if layout is not None and layout[0] == name:
            t = getattr(_ml_dtypes(), type_name)
            return arr.view(t) if layout[1] else decode(arr, fmt, dtype=np.float64).astype(t)
    raise ValueError(f"ml_dtypes has no type with {name}'s layout")


def from_ml_dtypes(arr: Any) -> tuple[np.ndarray, str]:
    """(codes, format) for an ml_dtypes (or float16/32/64) array: a view of its bytes as unsigned codes where
    they are numscope's codes, else the codes encoded exactly from its values.

    >>> import ml_dtypes, numpy as np, numscope
    >>> codes, fmt = numscope.from_ml_dtypes(np.array([1.0, 448.0], dtype=ml_dtypes.float8_e4m3fn))
    >>> codes, fmt
    (array([ 56, 126], dtype=uint8), 'e4m3')
    """
    a = np.asarray(arr)
    if _is_ml_dtype(a.dtype):
        layout = _ml_layout(a.dtype.type.__name__)
        if layout is None:
            raise ValueError(f"numscope has no format with the layout of ml_dtypes' {a.dtype}")
        fmt, same_bytes = layout
        info = _info(fmt)
        if same_bytes:
            return np.require(a, requirements="C").view(_code_dtype(info)), fmt
        return encode(a.astype(np.float64), fmt), fmt
    if a.dtype.kind == "f" and a.dtype.type in (np.float16, np.float32, np.float64):
        fmt = _source_format(a.dtype)
        return np.require(a, requirements="C").view(_code_dtype(_info(fmt))), fmt
    raise ValueError(f"from_ml_dtypes takes an ml_dtypes or float array, not dtype {a.dtype}")


def format_name(fmt: str) -> str:
    """The canonical name of a format given by any accepted name or alias.

    >>> import numscope
    >>> numscope.format_name("float8_e4m3fn"), numscope.format_name("BF16")
    ('e4m3', 'bf16')
    """
    return _info(fmt)["name"]
