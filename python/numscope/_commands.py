"""The commands of the CLI as functions returning Results: the same names and options (`_` for `-`), the
library's api functions called directly (api/*.h), no subprocess and no text parsed back."""

from __future__ import annotations

import decimal
import numbers
from fractions import Fraction
from typing import Any, Iterable

from . import _numscope
from ._arrays import _options
from ._results import Result


def _exact_text(v: Any) -> str:
    """A number as exact text the library parses: strings as written, Fractions as p/q, ints in full, floats
    (and numpy floats) as the full decimal expansion of their binary value, Decimals as written."""
    if type(v).__module__ == "numpy" and getattr(v, "ndim", None) == 0:
        v = v[()]  # a 0-d array (np.array(0.1), w.max() of some libraries): its one element
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
    if isinstance(v, numbers.Real) or type(v).__module__.startswith("ml_dtypes"):
        # exact: Decimal(float) keeps every binary digit, and every ml_dtypes value (bfloat16, float8_*, int4...)
        # is a double
        return _decimal_text(decimal.Decimal(float(v)))
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
    if type(v).__module__ == "numpy" and hasattr(v, "ndim"):  # an array of any shape (0-d too): its elements
        return list(v.reshape(-1)) if v.ndim else [v[()]]
    if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
        return [v]
    return list(v)


def _names(v: Any, what: str) -> list[str]:
    names = _list(v)
    for n in names:
        if not isinstance(n, str):
            raise ValueError(f"{what} are names such as 'bf16' or 'e4m3', not {n!r}")
    return names


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
    rounding, saturate, ftz, seed = _options(rounding, saturate, ftz, seed)
    texts = [_exact_text(v) for v in _list(values)]
    if not texts:  # as the CLI: `numscope store` takes at least one value
        raise ValueError("store takes at least one value (a number, a decimal string or a list of them), got none")
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
    rounding, saturate, ftz, seed = _options(rounding, saturate, ftz, seed)
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


def _option_text(key: str, v: Any) -> list[tuple[str, str]]:
    """One keyword argument as (key, value) options of the memory estimator: lists repeat the option (gpu),
    True/False are switches, numbers are written in full."""
    if v is None:
        return []
    if isinstance(v, (list, tuple)):
        return [pair for item in v for pair in _option_text(key, item)]
    if isinstance(v, bool):
        return [(key, "" if v else "false")]  # a switch given: as the CLI passes --tied
    if isinstance(v, numbers.Integral):
        return [(key, str(int(v)))]
    if isinstance(v, (str, Fraction, decimal.Decimal)):
        return [(key, str(v))]
    if isinstance(v, numbers.Real):  # float, numpy's float16/32/64: a whole number as an integer (seq=1024.0)
        f = float(v)
        return [(key, str(int(f)) if f.is_integer() else repr(f))]
    raise ValueError(f"option {key}: {v!r} is not a number, name or list")


def memory(model: str | None = None, *, config: str | None = None, params: Any = None,
           list_models: bool = False, list_gpus: bool = False, **options: Any) -> Result:
    """The LLM memory estimate, as `numscope memory`: the same options with `_` for `-` (mode, weights, grads,
    master, optimizer, optimizer_dtype, batch, seq, kv, recompute, sp, zero, gpus, tp, lora_rank,
    lora_targets, overhead, units, gpu (a name or a list), max_abs, and the architecture: layers, hidden,
    heads, kv_heads, head_dim, intermediate, vocab, tied, experts, experts_per_token, mlp, ...).

    Tables "breakdown" (name, dtype, bytes_per_element, elements, bytes, per_gpu_bytes, formula; a row "total"
    sums the rows above it; rows after it, such as the CUDA context, count in the fit only), "fit" with `gpu`, "overflow" with `max_abs`, "params" for models with parts. With
    list_models / list_gpus: the tables "models" / "gpus".

    >>> import numscope
    >>> r = numscope.memory(params="7B", weights="fp16")
    >>> [(row["name"], int(row["bytes"])) for row in r.tables["breakdown"]][:2]
    [('weights', 14000000000), ('total', 14000000000)]
    >>> train = numscope.memory(params="7B", mode="train").tables["breakdown"]
    >>> int(train[train["name"].index("total")]["bytes"])  # 16 bytes per parameter (mixed-precision Adam)
    112000000000
    """
    pairs: list[tuple[str, str]] = []
    for key, v in (("model", model), ("config", config), ("params", params)):
        pairs += _option_text(key, v)
    for key, v in options.items():
        pairs += _option_text(key, v)
    return Result(_numscope.memory(pairs, bool(list_models), bool(list_gpus)))


def _array_input(x: Any) -> tuple[Any, str, list[int]]:
    """A numpy array (or array-like) as the buffer, numscope format and shape the library reads in place."""
    import numpy as np

    from ._arrays import _native, _source_format

    arr = np.asarray(x)
    if arr.dtype.kind not in "fV" and not arr.dtype.type.__module__.startswith("ml_dtypes"):
        raise ValueError(f"quantize analyses float tensors, not dtype {arr.dtype}")
    fmt = _source_format(arr.dtype)
    arr = _native(arr)
    return arr, fmt, [int(d) for d in arr.shape]


def quantize(x: Any = None, schemes: str | Iterable[str] | None = None, *, tensor: str | Iterable[str] | None = None,
             all: bool = False, synthetic: str | None = None, dtype: str | None = None, rounding: str = "rne",
             threads: int = 0, mx_scale: str = "floor", max_bits: float | None = None,
             min_sqnr: float | None = None, ignore_nonfinite: bool = False, dump_dequantized: str | None = None,
             dump_scheme: str = "", write_blocks: str | None = None, include: str | Iterable[str] | None = None,
             exclude: str | Iterable[str] | None = None, include_1d: bool = False, per_layer: bool = False,
             percentiles: bool = False, histogram: int = 0, imatrix: Any = None, list_tensors: bool = False,
             name: str = "array") -> Result:
    """Quantization schemes run over one tensor (or several), as `numscope quantize`: bits per element against
    error (MSE, SQNR, max error, cosine, clipped and underflow fractions) and, with max_bits or min_sqnr, a
    recommendation.

    `x`: a numpy array (float16/32/64 or an ml_dtypes type; analysed in place, rows being its first dimension
    as for a weight matrix), a path to a .npy, .safetensors or .gguf file or to a model directory, or a list of
    paths (the shards of one model; pick tensors with `tensor` or `all=True`). Or `synthetic="normal:n=65536,seed=1"`.
    `schemes`: names (int8-ch, int4-g128, e4m3-tensor, mxfp4, nvfp4, nf4, q8_0, q4_0, ...) or None for a
    representative set. With `all`: `include` / `exclude` globs, `include_1d`. `imatrix`: a llama.cpp importance
    matrix file (GGUF or legacy .dat) for the ggml schemes that take weights. `list_tensors=True` only lists the
    files' tensors (tables "tensors" and "dtypes", from the headers). Tables "input" and "schemes", and
    with `per_layer`, `percentiles`, `histogram=BINS` the tables "layers", "percentiles", "histogram".

    >>> import numpy as np, numscope
    >>> w = np.random.default_rng(0).standard_normal((256, 256)).astype(np.float32)
    >>> r = numscope.quantize(w, ["int8-ch", "q4_0", "nf4"], max_bits=6)
    >>> [(row["scheme"], row["bits_per_element"], row["recommended"]) for row in r.tables["schemes"]]
    [('q4_0', 4.5, True), ('nf4', 4.5, False), ('int8-ch', 8.125, False)]
    """
    args = _numscope.QuantizeArgs()
    array = None
    fmt, shape = "", []
    if x is not None and synthetic is not None:
        raise ValueError("give the tensor as x (an array or file) or synthetic=SPEC, not both")
    if isinstance(x, (str, bytes)) or hasattr(x, "__fspath__"):
        args.inputs = [_path(x)]
    elif isinstance(x, (list, tuple)) and x and all_paths(x):
        args.inputs = [_path(p) for p in x]
    elif x is not None:
        array, fmt, shape = _array_input(x)
    args.tensors = _names(tensor, "tensor names")
    args.schemes = _names(schemes, "schemes")
    args.all = bool(all)
    args.synthetic = synthetic
    args.dtype = dtype
    args.rounding = rounding
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or not 0 <= threads <= 1024:
        raise ValueError(f"threads is a count from 0 (every core) to 1024, not {threads!r}")
    args.threads = int(threads)
    args.mx_scale = mx_scale
    args.max_bits = None if max_bits is None else float(max_bits)
    args.min_sqnr = None if min_sqnr is None else float(min_sqnr)
    args.ignore_nonfinite = bool(ignore_nonfinite)
    args.dump_dequantized = None if dump_dequantized is None else _path(dump_dequantized)
    args.dump_scheme = dump_scheme
    args.write_blocks = None if write_blocks is None else _path(write_blocks)
    args.imatrix = None if imatrix is None else _path(imatrix)
    args.list_tensors = bool(list_tensors)
    args.include = _names(include, "include globs")
    args.exclude = _names(exclude, "exclude globs")
    args.include_1d = bool(include_1d)
    args.per_layer = bool(per_layer)
    args.percentiles = bool(percentiles)
    if isinstance(histogram, bool) or not isinstance(histogram, numbers.Integral) or histogram < 0:
        raise ValueError(f"histogram is a number of bins (0: none), not {histogram!r}")
    args.histogram = int(histogram)
    view = None if array is None else array.reshape(-1).view("u1")
    # The dtype as the .npy reader shows it ('<f4'), or the ml_dtypes name ('bfloat16').
    label = "" if array is None else (array.dtype.name if array.dtype.kind == "V" else array.dtype.str)
    result = Result(_numscope.quantize(args, view, fmt, shape, name, label))
    result._source = (x, synthetic, dtype, args)  # error_histogram quantizes again with one scheme
    return result


def all_paths(items: Iterable[Any]) -> bool:
    return all(isinstance(p, (str, bytes)) or hasattr(p, "__fspath__") for p in items)


def _path(p: Any) -> str:
    import os

    p = os.fspath(p)
    return p.decode() if isinstance(p, bytes) else p


def _dequantized(result: Result, scheme: str) -> tuple[Any, Any]:
    """(original, dequantized) float64 arrays of a quantize result's tensor for one scheme: the library writes
    both (--dump-dequantized of the scheme, and of fp64, which stores every input value exactly)."""
    import os
    import tempfile

    import numpy as np

    source = getattr(result, "_source", None)
    if source is None:
        raise ValueError("pass the result of numscope.quantize(...)")
    x, synthetic, dtype, args = source
    if len(result.tables["input"]) != 1:
        raise ValueError("error_histogram needs a result for one tensor")
    out = []
    with tempfile.TemporaryDirectory(prefix="numscope-") as tmp:
        for i, s in enumerate(("fp64", scheme)):
            path = os.path.join(tmp, f"{i}.npy")
            quantize(x, [s], tensor=list(args.tensors) or None, all=args.all, synthetic=synthetic, dtype=dtype,
                     rounding=args.rounding, mx_scale=args.mx_scale, ignore_nonfinite=args.ignore_nonfinite,
                     dump_dequantized=path)
            out.append(np.load(path))
    return out[0], out[1]


def check(text_or_path: Any = None, *, claims: str | Iterable[str] | None = None, failing_only: bool = False,
          markdown: bool | None = None) -> Result:
    """Numeric claims checked exactly, as `numscope check`: `text_or_path` is a file or folder (.claims,
    Markdown with ```claims blocks, notebooks), or the text of such a document (Markdown when it has a
    ```claims fence or `markdown=True`, else one claim per line); `claims` are single claims. Table "claims"
    (file, line, claim, left, right, verdict, reason); `status` is 0 when all hold, 1 when one is false, 2
    when one could not be evaluated.

    >>> import numscope
    >>> r = numscope.check("store(bf16, 123456.789) = 123392\\nmax(e4m3) = 500")
    >>> [row["verdict"] for row in r.tables["claims"]], r.status
    (['TRUE', 'FALSE'], 1)
    """
    import os

    paths: list[str] = []
    texts: list[tuple[str, str]] = []
    if text_or_path is not None:
        one_line = isinstance(text_or_path, str) and "\n" not in text_or_path
        # A single line naming a document (notes/x.md) is a path even when missing: the CLI's "not a file" line,
        # not a claim 'notes/x.md' refused as "unknown name 'notes'". No claim ends in these extensions.
        is_path = hasattr(text_or_path, "__fspath__") or one_line and (
            os.path.exists(text_or_path) or text_or_path.strip().lower().endswith((".md", ".claims", ".ipynb")))
        if is_path:
            paths.append(_path(text_or_path))
        elif isinstance(text_or_path, str):
            md = markdown if markdown is not None else ("```claims" in text_or_path or "~~~claims" in text_or_path)
            texts.append(("<text>.md" if md else "<text>", text_or_path))
        else:
            raise ValueError(f"check takes a path or the text of claims, not {type(text_or_path).__name__}")
    single = _names(claims, "claims")
    return Result(_numscope.check(paths, single, texts, bool(failing_only)))
