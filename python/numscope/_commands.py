"""The commands of the CLI as functions returning Results: the same names and options (`_` for `-`), the
library's api functions called directly (api/*.h), no subprocess and no text parsed back."""

from __future__ import annotations

import decimal
import numbers
from fractions import Fraction
from typing import Any, Iterable

from . import _numscope
from ._results import Result

_MAX_SEED = 999999999999999999


def _exact_text(v: Any) -> str:
    """A number as exact text the library parses: strings as written, Fractions as p/q, ints in full, floats
    (and numpy floats) as the full decimal expansion of their binary value, Decimals as written."""
    if isinstance(v, bool):
        raise ValueError(f"{v!r} is a bool, not a number")
    if isinstance(v, str):
        return v
    if isinstance(v, Fraction):
        return f"{v.numerator}/{v.denominator}"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, decimal.Decimal):
        return _decimal_text(v)
    if isinstance(v, numbers.Real):
        return _decimal_text(decimal.Decimal(float(v)))  # exact: Decimal(float) keeps every binary digit
    raise ValueError(f"{v!r} is not a number: pass decimal strings, fractions.Fraction, int or float")


def _decimal_text(d: decimal.Decimal) -> str:
    if d.is_nan():
        return "nan"
    if d.is_infinite():
        return "-inf" if d < 0 else "inf"
    return str(d)


def _list(v: Any) -> list[Any]:
    if v is None:
        return []
    if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
        return [v]
    return list(v)


def _names(v: Any, what: str) -> list[str]:
    names = _list(v)
    for n in names:
        if not isinstance(n, str):
            raise ValueError(f"{what} are names such as 'bf16' or 'e4m3', not {n!r}")
    return names


def _conversion(rounding: str, saturate: bool, ftz: bool, seed: int) -> tuple[str, bool, bool, int]:
    if not isinstance(rounding, str):
        raise ValueError("rounding is one of rne, rna, rtz, up, down, odd, stochastic")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= int(seed) <= _MAX_SEED:
        raise ValueError(f"seed must be an integer from 0 to {_MAX_SEED}, not {seed!r}")
    return rounding, bool(saturate), bool(ftz), int(seed)


def formats(names: str | Iterable[str] | None = None, *, exact: bool = False) -> Result:
    """Range and precision of each format, as `numscope formats [NAME...]`.

    Tables "floats" (max, min_normal, min_subnormal, epsilon, unit_roundoff as exact values; bits, bias, emin,
    emax, digits10, max_digits10, ...) and "integers" (min, max, bytes), each present when asked for. Names are
    any the CLI accepts, user-defined ones too ("e6m9:bias=20", "int12"); None: every built-in format.

    >>> import numscope
    >>> e4m3 = numscope.formats("e4m3").tables["floats"][0]
    >>> e4m3["max"], e4m3["min_subnormal"], e4m3["epsilon"]
    (Exact('448'), Exact('0.001953125'), Exact('0.125'))
    >>> numscope.formats(["int8", "int4"]).tables["integers"]["max"]
    [127, 7]
    """
    return Result(_numscope.formats(_names(names, "format names"), bool(exact)))


def store(values: Any, formats: str | Iterable[str] | None = None, *, rounding: str = "rne",
          saturate: bool = False, ftz: bool = False, scale: Any = None, seed: int = 1) -> Result:
    """What each format stores for each value, as `numscope store VALUE... --formats LIST`.

    `values`: one value or a list: decimal strings ("123456.789", "1e-3", "0x1.8p3", "1/3", "inf"), Fractions,
    ints, or floats (a float is taken at its exact binary value: 0.1 is 0.1000000000000000055511151231257827...;
    pass "0.1" for the decimal). Each is rounded once, exactly. `formats`: names or comma-separated lists (None:
    fp32, tf32, fp16, bf16, e5m2, e4m3, int8, int4). `scale`: each format holds round(x / scale) and stores that
    times scale. Table "store": format, input, stored (exact), status (exact, rounded, overflow, saturated,
    underflow, nan, invalid), abs_error, rel_error (exact), bits, binary.

    >>> import numscope
    >>> r = numscope.store("123456.789", ["fp32", "bf16"])
    >>> [(row["format"], row["stored"], row["abs_error"]) for row in r.table]
    [('fp32', Exact('123456.7890625'), Exact('0.0000625')), ('bf16', Exact('123392'), Exact('64.789'))]
    >>> numscope.store("500", "e4m3", saturate=True).table[0]["stored"]
    Exact('448')
    """
    rounding, saturate, ftz, seed = _conversion(rounding, saturate, ftz, seed)
    texts = [_exact_text(v) for v in _list(values)]
    return Result(_numscope.store(texts, _names(formats, "formats"), rounding, saturate, ftz, seed,
                                  None if scale is None else _exact_text(scale)))


def explain(fmt: str, value: Any, *, rounding: str = "rne", saturate: bool = False, ftz: bool = False,
            seed: int = 1) -> Result:
    """The bit-level view of how `fmt` stores `value`, as `numscope explain FORMAT VALUE`: one record (table
    "explain") with stored, status, bits, sign, exponent, mantissa, the formula, neighbours and gaps.

    >>> import numscope
    >>> e = numscope.explain("bf16", "123456.789").table[0]
    >>> e["stored"], e["bits"], e["gap_above"]
    (Exact('123392'), '0x47f1', Exact('512'))
    """
    if not isinstance(fmt, str):
        raise ValueError(f"a format is a name such as 'bf16', not {fmt!r}")
    rounding, saturate, ftz, seed = _conversion(rounding, saturate, ftz, seed)
    return Result(_numscope.explain(fmt, _exact_text(value), rounding, saturate, ftz, seed))


def values(fmt: str, *, finite: bool = False) -> Result:
    """Every code of a format of at most 16 bits with its class and exact value, as `numscope values FORMAT`
    (table "values": code, bits, class, value); `finite=True` leaves out inf and NaN (--finite).

    >>> import numscope
    >>> [row["value"] for row in numscope.values("e2m1").table][:8]
    [Exact('0'), Exact('0.5'), Exact('1'), Exact('1.5'), Exact('2'), Exact('3'), Exact('4'), Exact('6')]
    """
    if not isinstance(fmt, str):
        raise ValueError(f"a format is a name such as 'e4m3', not {fmt!r}")
    return Result(_numscope.values(fmt, bool(finite)))
