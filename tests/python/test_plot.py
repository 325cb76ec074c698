"""numscope.plot: every picture renders to PNG and SVG and shows what its title says it shows (one point per
finite value, one box per bit, one point per scheme, one bar segment per memory row)."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import numscope  # noqa: E402
import numscope.plot  # noqa: E402


def renders(fig):
    png, svg = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png", dpi=60)
    fig.savefig(svg, format="svg")
    assert png.getvalue().startswith(b"\x89PNG\r\n\x1a\n") and len(png.getvalue()) > 1000
    assert b"<svg" in svg.getvalue()
    plt.close(fig)


@pytest.mark.parametrize("fmt", ["e2m1", "e4m3", "e5m2", "e3m2", "e8m0", "fp16", "int4"])
def test_number_line_has_one_point_per_finite_value(fmt):
    fig = numscope.plot.number_line(fmt)
    lin, log = fig.axes[:2]
    values = numscope.values(fmt, finite=True).tables["values"]["value"]
    distinct = {float(v) for v in values}  # +0 and -0 are one value
    points = lin.collections[0].get_offsets()[:, 0]
    assert len(points) == len(distinct)
    assert set(points.tolist()) == distinct
    assert len(log.collections[0].get_offsets()) == sum(1 for v in distinct if v > 0)
    assert f"all {len(distinct)} finite values" in lin.get_title()
    renders(fig)


def test_number_line_counts_agree_with_formats():
    floats = numscope.formats(["e4m3", "bf16"]).tables["floats"]
    for row in floats:
        fig = numscope.plot.number_line(row["name"])
        assert len(fig.axes[0].collections[0].get_offsets()) == int(row["finite_values"])
        plt.close(fig)


@pytest.mark.parametrize("fmt,value", [("bf16", "123456.789"), ("e4m3", "-0.3"), ("e8m0", "4"), ("int4", "-3"),
                                       ("fp16", "inf"), ("e2m1", "5")])
def test_bits_shows_every_bit_of_the_code(fmt, value):
    fig = numscope.plot.bits(fmt, value)
    ax = fig.axes[0]
    e = numscope.explain(fmt, value).tables["explain"][0]
    digits = e["binary"].replace(" ", "")
    shown = [t.get_text() for t in ax.texts if t.get_text() in ("0", "1")]
    assert "".join(shown[:len(digits)]) == digits
    assert len(ax.patches) == len(digits)
    assert e["bits"] in ax.get_title() and str(e["stored"]) in ax.get_title()
    renders(fig)


@pytest.fixture(scope="module")
def quantized():
    w = (np.random.default_rng(7).standard_t(4, (128, 512)) * 0.02).astype(np.float32)
    return w, numscope.quantize(w, ["bf16", "int8-ch", "int4-g128", "q4_0", "nf4", "mxfp4"], max_bits=5)


def test_pareto_has_one_point_per_scheme_and_marks_the_recommendation(quantized):
    _, r = quantized
    fig = numscope.plot.pareto(r)
    ax = fig.axes[0]
    rows = r.tables["schemes"].rows
    pts = ax.collections[0].get_offsets()
    assert sorted(map(tuple, pts.tolist())) == sorted((row["bits_per_element"], row["sqnr_db"]) for row in rows)
    rec = [row for row in rows if row["recommended"]]
    assert len(rec) == 1
    star = ax.collections[1].get_offsets()[0]
    assert tuple(star) == (rec[0]["bits_per_element"], rec[0]["sqnr_db"])
    assert "SQNR" in ax.get_ylabel() and "bits per element" in ax.get_xlabel()
    renders(fig)


def test_error_histogram_counts_every_element_and_uses_the_library_values(quantized):
    w, r = quantized
    fig = numscope.plot.error_histogram(r, "q4_0")
    ax = fig.axes[0]
    assert sum(p.get_height() for p in ax.patches) == w.size
    # The errors are the library's: their RMSE is the table's.
    original, deq = numscope._commands._dequantized(r, "q4_0")
    assert np.array_equal(original, w.astype(np.float64))
    row = [x for x in r.tables["schemes"] if x["scheme"] == "q4_0"][0]
    assert np.sqrt(np.mean((deq - original) ** 2)) == pytest.approx(row["rmse"], rel=1e-12)
    with pytest.raises(ValueError, match="no scheme 'fp8'"):
        numscope.plot.error_histogram(r, "fp8")
    renders(fig)


def test_memory_stacks_every_row_against_the_gpus():
    r = numscope.memory(params="13B", mode="train", zero=3, gpus=8, zero_accounting="paper",
                        gpu=["A100-40GB", "RTX-4090"])
    fig = numscope.plot.memory(r)
    ax = fig.axes[0]
    rows = r.tables["breakdown"].rows
    names = [x["name"] for x in rows]
    cut = names.index("total")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:cut] == names[:cut]
    assert labels[cut:] == [f"{n} (not in the total)" for n in names[cut + 1:]]
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights[:cut]) == pytest.approx(float(rows[cut]["per_gpu_bytes"]) / 1e9)
    assert sum(heights) == pytest.approx(sum(float(x["per_gpu_bytes"]) for x in rows if x["name"] != "total") / 1e9)
    assert len(ax.lines) == len(r.tables["fit"])  # one capacity line per GPU
    renders(fig)
    with pytest.raises(ValueError, match="numscope.memory"):
        numscope.plot.memory(numscope.store("1"))
