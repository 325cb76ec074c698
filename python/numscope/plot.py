"""Pictures of numscope's results (matplotlib, an optional dependency: pip install matplotlib).

Each function draws what a numscope command computed, never numbers of its own, and returns the matplotlib
Figure; titles and axis labels say what is shown and in which units.

- number_line(fmt): every finite value of a format (at most 16 bits), on a linear and a log axis, with the
  subnormals and the largest value marked.
- bits(fmt, value): the sign, exponent and mantissa boxes of the code that stores `value`, with their values
  and the formula (float-toy style).
- pareto(quantize_result): SQNR against bits per element of every scheme `numscope quantize` ran, the
  recommendation marked.
- error_histogram(quantize_result, scheme): the distribution of one scheme's element errors.
- memory(memory_result): the memory breakdown as a stacked bar against the capacity of the GPUs asked about.

>>> import matplotlib; matplotlib.use("Agg")
>>> import numscope.plot
>>> fig = numscope.plot.number_line("e2m1")
>>> len(fig.axes[0].collections[0].get_offsets())  # one point per finite value: ±0.5 ... ±6 and 0
15
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._commands import explain, values

# One colour per field and class, the same in every picture.
_SIGN, _EXPONENT, _MANTISSA, _INTEGER = "#d95f02", "#1b9e77", "#7570b3", "#666666"
_NORMAL, _SUBNORMAL, _ZERO, _MAX = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - only without the optional dependency
        raise ImportError("numscope.plot needs matplotlib: pip install matplotlib") from e
    return plt


def _finite_values(fmt: str) -> tuple[np.ndarray, np.ndarray, str]:
    """The distinct finite values of a format (from `numscope values FMT --finite`) and each one's class."""
    r = values(fmt, finite=True)
    table = r.tables["values"]
    vals = np.array([float(v) for v in table["value"]], dtype=np.float64)
    classes = np.array(table["class"])
    # +0 and -0 are one value; every other finite value has one code.
    keep = ~((vals == 0) & np.signbit(vals))
    vals, classes = vals[keep], classes[keep]
    order = np.argsort(vals, kind="stable")
    name = r.request.get("format") or fmt
    return vals[order], classes[order], str(name)


def number_line(fmt: str, *, figsize: tuple[float, float] = (10, 4.2)) -> Any:
    """Every finite value of `fmt` (a format of at most 16 bits) as points on a number line: top, linear in the
    value (so the wide gaps near max show); bottom, |value| on a log axis (each binade the same width, the
    subnormals thinning out at the left). Subnormals, zero and ±max are coloured and labelled.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numscope.plot
    >>> fig = numscope.plot.number_line("e4m3")
    >>> fig.axes[0].get_title()
    'e4m3: all 253 finite values (linear)'
    """
    plt = _pyplot()
    vals, classes, name = _finite_values(fmt)
    fig, (lin, log) = plt.subplots(2, 1, figsize=figsize, constrained_layout=True)
    colours = np.where(classes == "subnormal", _SUBNORMAL, np.where(vals == 0, _ZERO, _NORMAL))
    lin.scatter(vals, np.zeros_like(vals), c=list(colours), s=14, marker="|" if vals.size > 2000 else "o",
                linewidths=1)
    top = vals.max()
    lin.scatter([-top, top], [0, 0], s=70, facecolors="none", edgecolors=_MAX, linewidths=1.5, label=f"±max = ±{top:g}")
    lin.set_yticks([])
    lin.set_xlabel("value")
    lin.set_title(f"{name}: all {vals.size} finite values (linear)")
    handles = [plt.Line2D([], [], ls="", marker="o", color=_NORMAL, label="normal")]
    if (classes == "subnormal").any():
        handles.append(plt.Line2D([], [], ls="", marker="o", color=_SUBNORMAL, label="subnormal"))
    if (vals == 0).any():
        handles.append(plt.Line2D([], [], ls="", marker="o", color=_ZERO, label="zero"))
    handles.append(plt.Line2D([], [], ls="", marker="o", mfc="none", color=_MAX, label=f"±max = ±{top:g}"))
    lin.legend(handles=handles, loc="upper left", fontsize=8, ncol=len(handles), frameon=False)
    lin.set_ylim(-1, 1.6)

    pos = vals > 0
    pos_colours = colours[pos]
    log.scatter(vals[pos], np.zeros(pos.sum()), c=list(pos_colours), s=14,
                marker="|" if pos.sum() > 1000 else "o", linewidths=1)
    log.set_xscale("log", base=2)
    log.set_yticks([])
    log.set_xlabel("|value| (log scale, base 2)")
    log.set_title(f"{name}: the {int(pos.sum())} positive values (log scale; negatives mirror them)")
    sub = vals[pos & (classes == "subnormal")]
    if sub.size:
        log.axvspan(sub.min(), vals[pos & (classes != "subnormal")].min(), color=_SUBNORMAL, alpha=0.12,
                    label="subnormal range")
        log.legend(loc="upper left", fontsize=8, frameon=False)
    log.annotate(f"max {top:g}", (top, 0), xytext=(0, 12), textcoords="offset points", ha="right",
                 fontsize=8, color=_MAX)
    log.set_ylim(-1, 1.6)
    return fig


def bits(fmt: str, value: Any, *, rounding: str = "rne", saturate: bool = False, ftz: bool = False,
         figsize: tuple[float, float] | None = None) -> Any:
    """The code that `fmt` stores for `value` as a row of bit boxes (float-toy style): the sign, exponent and
    mantissa fields in their colours, each field's value underneath, and `numscope explain`'s formula.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numscope.plot
    >>> fig = numscope.plot.bits("bf16", "123456.789")
    >>> [t.get_text() for t in fig.axes[0].texts][:16]  # the 16 bits of 0x47f1
    ['0', '1', '0', '0', '0', '1', '1', '1', '1', '1', '1', '1', '0', '0', '0', '1']
    """
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    e = explain(fmt, value, rounding=rounding, saturate=saturate, ftz=ftz).tables["explain"][0]
    groups = e["binary"].split(" ")
    is_float = "sign" in e
    if is_float:
        fields = ([("sign", _SIGN)] if len(groups) == 3 else []) + [("exponent", _EXPONENT), ("mantissa", _MANTISSA)]
        fields = fields[-len(groups):]
    else:
        fields = [("two's complement" if e.get("encoding", "").startswith("two") else "integer", _INTEGER)]
    nbits = sum(len(g) for g in groups)
    fig, ax = plt.subplots(figsize=figsize or (max(6.0, 0.5 * nbits + 1.5), 3.0), constrained_layout=True)
    x = 0
    spans = []
    for (label, colour), group in zip(fields, groups):
        start = x
        for bit in group:
            ax.add_patch(Rectangle((x, 0), 1, 1, facecolor=colour, alpha=0.85 if bit == "1" else 0.25,
                                   edgecolor="black"))
            ax.text(x + 0.5, 0.5, bit, ha="center", va="center", fontsize=12, family="monospace")
            x += 1
        spans.append((label, colour, start, x))
    for label, colour, a, b in spans:
        detail = {
            "sign": f"sign {e.get('sign')}: {'−' if e.get('sign') else '+'}",
            "exponent": f"exponent field {e.get('exponent_field')}\n→ 2^{e.get('exponent')}",
            "mantissa": f"mantissa field {e.get('mantissa_field')}",
        }.get(label, f"{label}: {e.get('stored')}")
        ax.text((a + b) / 2, -0.15, detail, ha="center", va="top", fontsize=9, color=colour)
    formula = e.get("formula") or f"stored {e['stored']}"
    ax.set_title(f"{e['input']} in {fmt}: bits {e['bits']}, stored {e['stored']} ({e['status']})", fontsize=11)
    ax.text(nbits / 2, 1.25, formula, ha="center", va="bottom", fontsize=9)
    ax.set_xlim(-0.2, nbits + 0.2)
    ax.set_ylim(-1.0, 1.7)
    ax.axis("off")
    return fig


def _quantize_rows(result: Any) -> tuple[list[dict[str, Any]], str]:
    """The scheme rows of one tensor of a quantize result: the only tensor's, or the totals of several."""
    if getattr(result, "command", None) != "quantize":
        raise ValueError("pass the result of numscope.quantize(...)")
    rows = result.tables["schemes"].rows
    if rows and "tensor" in rows[0]:
        tensors = [r["tensor"] for r in rows]
        pick = "total" if "total" in tensors else tensors[0]
        return [r for r in rows if r["tensor"] == pick], pick
    name = result.tables["input"][0]["tensor"] if "input" in result.tables and len(result.tables["input"]) else ""
    return rows, name


def pareto(result: Any, *, figsize: tuple[float, float] = (8, 5)) -> Any:
    """SQNR (dB) against bits per element for every scheme of a `numscope.quantize` result, one labelled point
    each; the schemes no other scheme beats on both axes are joined (the Pareto front), and the recommended
    scheme (when max_bits or min_sqnr was given) is starred.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numscope, numscope.plot
    >>> r = numscope.quantize(synthetic="normal:n=4096,seed=1", schemes=["q4_0", "q8_0", "int8-ch"], max_bits=8)
    >>> ax = numscope.plot.pareto(r).axes[0]
    >>> ax.get_xlabel(), len(ax.collections[0].get_offsets())
    ('bits per element (scales included)', 3)
    """
    plt = _pyplot()
    rows, tensor = _quantize_rows(result)
    bits_ = np.array([r["bits_per_element"] for r in rows], dtype=float)
    sqnr = np.array([r["sqnr_db"] if r["sqnr_db"] is not None else np.nan for r in rows], dtype=float)
    names = [r["scheme"] for r in rows]
    fig, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    shown = np.where(np.isfinite(sqnr), sqnr, np.nan)
    ax.scatter(bits_, shown, s=28, color=_NORMAL, zorder=3)
    for b, q, n in zip(bits_, shown, names):
        if np.isfinite(q):
            ax.annotate(n, (b, q), xytext=(4, 3), textcoords="offset points", fontsize=8)
    # The front: in order of bits, each scheme whose SQNR beats every cheaper scheme's.
    order = np.lexsort((-np.nan_to_num(shown, nan=-np.inf), bits_))
    front, best = [], -np.inf
    for i in order:
        if np.isfinite(shown[i]) and shown[i] > best:
            front.append(i)
            best = shown[i]
    if len(front) > 1:
        ax.plot(bits_[front], shown[front], color=_NORMAL, alpha=0.5, lw=1, label="Pareto front")
    rec = [i for i, r in enumerate(rows) if r.get("recommended")]
    for i in rec:
        ax.scatter([bits_[i]], [shown[i]], marker="*", s=260, color=_MAX, zorder=4,
                   label=f"recommended: {names[i]}")
    ax.set_xlabel("bits per element (scales included)")
    ax.set_ylabel("SQNR (dB, higher is better)")
    ax.set_title(f"quantization of {tensor}: quality against size" if tensor else "quality against size")
    ax.grid(alpha=0.3)
    if front or rec:
        ax.legend(fontsize=8, loc="lower right")
    return fig


def error_histogram(result: Any, scheme: str | None = None, *, bins: int = 80,
                    figsize: tuple[float, float] = (8, 4.5)) -> Any:
    """The histogram of one scheme's element errors (dequantized − original) for a `numscope.quantize` result
    on one tensor: the library quantizes the tensor again with that scheme and hands back the dequantized
    values (--dump-dequantized); `scheme` defaults to the recommended one, else the first row.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numscope, numscope.plot
    >>> r = numscope.quantize(synthetic="normal:n=4096,seed=1", schemes=["int8-ch", "q4_0"])
    >>> fig = numscope.plot.error_histogram(r, "q4_0")
    >>> fig.axes[0].get_title()
    'q4_0 on normal:n=4096,seed=1: element errors (dequantized − original), 4096 elements'
    """
    plt = _pyplot()
    from ._commands import _dequantized

    rows, tensor = _quantize_rows(result)
    names = [r["scheme"] for r in rows]
    if scheme is None:
        rec = [r["scheme"] for r in rows if r.get("recommended")]
        scheme = rec[0] if rec else names[0]
    if scheme not in names:
        raise ValueError(f"the result has no scheme '{scheme}'; it has {', '.join(names)}")
    original, dequantized = _dequantized(result, scheme)
    err = (dequantized - original).reshape(-1)
    err = err[np.isfinite(err)]
    row = rows[names.index(scheme)]
    fig, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    ax.hist(err, bins=bins, color=_MANTISSA, alpha=0.85)
    ax.set_yscale("log")
    ax.set_xlabel("error (dequantized − original), in the tensor's units")
    ax.set_ylabel("elements (log scale)")
    ax.set_title(f"{scheme} on {tensor}: element errors (dequantized − original), {err.size} elements")
    rmse = row.get("rmse")
    label = f"RMSE {float(rmse):.3g}, SQNR {row['sqnr_db']:.2f} dB" if rmse is not None and row.get("sqnr_db") is not None else None
    if label:
        ax.text(0.99, 0.97, label, transform=ax.transAxes, ha="right", va="top", fontsize=9)
    return fig


def memory(result: Any, *, unit: str = "GB", figsize: tuple[float, float] = (8, 5)) -> Any:
    """The memory breakdown of a `numscope.memory` result as one stacked bar (bytes per GPU of each row:
    weights, gradients, optimizer states, master copy, activations, KV cache, ...; rows the estimate keeps out
    of its total but counts in the fit, such as the CUDA context, hatched on top), beside a line per GPU of the
    fit check at its capacity. `unit`: GB (10^9 bytes) or GiB (2^30).

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numscope, numscope.plot
    >>> r = numscope.memory(params="7B", mode="train", gpu="H100-80GB")
    >>> ax = numscope.plot.memory(r).axes[0]
    >>> ax.get_ylabel(), [t.get_text() for t in ax.get_legend().get_texts()][:2]
    ('memory per GPU (GB = 10^9 bytes)', ['weights', 'gradients'])
    """
    plt = _pyplot()
    if getattr(result, "command", None) != "memory" or "breakdown" not in result.tables:
        raise ValueError("pass the result of numscope.memory(...) for an estimate (not a listing)")
    if unit not in ("GB", "GiB"):
        raise ValueError("unit is GB or GiB")
    div = 1e9 if unit == "GB" else float(1 << 30)
    rows = result.tables["breakdown"].rows
    names = [r["name"] for r in rows]
    cut = names.index("total") if "total" in names else len(rows)
    parts, total, extra = rows[:cut], rows[cut:cut + 1], rows[cut + 1:]  # extra: per-GPU rows outside the total
    key = "per_gpu_bytes" if all(r.get("per_gpu_bytes") is not None for r in parts + extra) else "bytes"
    fig, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    bottom = 0.0
    cmap = plt.get_cmap("tab20")
    for i, r in enumerate(parts + extra):
        v = float(r[key] or 0) / div
        outside = i >= len(parts)
        ax.bar([0], [v], bottom=bottom, width=0.5, color=cmap(i % 20), edgecolor="white",
               hatch="//" if outside else None,
               label=f"{r['name']} (not in the total)" if outside else r["name"])
        if v > 0:
            ax.text(0.27, bottom + v / 2, f"{r['name']} {v:.3g} {unit}", va="center", fontsize=8)
        bottom += v
    need = float(total[0][key]) / div if total and total[0].get(key) is not None else bottom
    ax.set_xlim(-0.6, 1.6)
    ax.set_xticks([])
    ax.set_ylabel(f"memory per GPU ({unit} = {'10^9' if unit == 'GB' else '2^30'} bytes)")
    ax.set_title(f"{result.request.get('model') or result.request.get('params') or 'model'}: "
                 f"{need:.4g} {unit} per GPU")
    top = need
    if "fit" in result.tables:
        for j, g in enumerate(result.tables["fit"]):
            cap = float(g["capacity_bytes"]) / div
            top = max(top, cap)
            ax.axhline(cap, color=_MAX if not g["fits"] else _ZERO, ls="--", lw=1)
            ax.text(1.55, cap, f"{g['gpu']} {cap:.3g} {unit} ({'fits' if g['fits'] else 'does not fit'})",
                    ha="right", va="bottom", fontsize=8)
    ax.set_ylim(0, top * 1.12)
    ax.legend(fontsize=8, loc="upper left")
    return fig
