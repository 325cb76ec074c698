"""Results of formats / store / explain / values: the same data as `numscope ... -o json` field by field, the
same Markdown and text as the CLI, store's exact values against Python's fractions, Exact, pandas, HTML, errors."""

import json
import subprocess
from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest

import numscope

from conftest import ROOT
GGUF = ROOT / "tests" / "quantize" / "golden" / "ggml" / "gguf"  # files written by the gguf package

# (the CLI's arguments, the same request in Python)
REQUESTS = [
    (["store", "123456.789"], lambda: numscope.store("123456.789")),
    (["store", "0.1", "-431.99999999999994", "1/3", "inf", "nan", "-0", "1e-50", "65520",
      "--formats", "fp16,bf16,e4m3,e5m2fnuz,e2m1,e8m0,int8,uint4,e15m112"],
     lambda: numscope.store(["0.1", "-431.99999999999994", "1/3", "inf", "nan", "-0", "1e-50", "65520"],
                            "fp16,bf16,e4m3,e5m2fnuz,e2m1,e8m0,int8,uint4,e15m112")),
    (["store", "449", "300", "--formats", "e4m3", "--rounding", "odd"],
     lambda: numscope.store(["449", "300"], "e4m3", rounding="odd")),
    (["store", "3.14159", "--formats", "e4m3,bf16", "--rounding", "stochastic", "--seed", "7"],
     lambda: numscope.store("3.14159", ["e4m3", "bf16"], rounding="stochastic", seed=7)),
    (["store", "123456.789", "--formats", "int8,int4", "--scale", "972.1007007874015748"],
     lambda: numscope.store("123456.789", ["int8", "int4"], scale="972.1007007874015748")),
    (["store", "1000", "--formats", "e4m3,e5m2", "--saturate", "--ftz"],
     lambda: numscope.store(1000, ["e4m3", "e5m2"], saturate=True, ftz=True)),
    (["formats"], lambda: numscope.formats()),
    (["formats", "e4m3", "int8", "e6m9:bias=20", "int12", "--exact"],
     lambda: numscope.formats(["e4m3", "int8", "e6m9:bias=20", "int12"], exact=True)),
    (["explain", "bf16", "123456.789"], lambda: numscope.explain("bf16", "123456.789")),
    (["explain", "e4m3", "-431.99999999999994", "--rounding", "rtz"],
     lambda: numscope.explain("e4m3", "-431.99999999999994", rounding="rtz")),
    (["explain", "int4", "9"], lambda: numscope.explain("int4", 9)),
    (["explain", "e2m1", "nan"], lambda: numscope.explain("e2m1", "nan")),
    (["values", "e2m1"], lambda: numscope.values("e2m1")),
    (["values", "e4m3", "--finite"], lambda: numscope.values("e4m3", finite=True)),
    (["values", "bf16"], lambda: numscope.values("bf16")),
    (["memory", "--model", "llama-3-8b", "--batch", "1", "--seq", "8192", "--kv", "bf16", "--gpu",
      "RTX-4090,H100-80GB"],
     lambda: numscope.memory("llama-3-8b", batch=1, seq=8192, kv="bf16", gpu="RTX-4090,H100-80GB")),
    (["memory", "--params", "13B", "--mode", "train", "--zero", "3", "--gpus", "8", "--zero-accounting", "paper",
      "--gpu", "A100-40GB", "--max-abs", "70000"],
     lambda: numscope.memory(params="13B", mode="train", zero=3, gpus=8, zero_accounting="paper",
                             gpu=["A100-40GB"], max_abs=70000)),
    (["memory", "--model", "llama-3-8b", "--mode", "train", "--zero", "3", "--gpus", "8", "--batch", "2",
      "--seq", "4096", "--recompute", "full"],
     lambda: numscope.memory("llama-3-8b", mode="train", zero=3, gpus=8, batch=2, seq=4096, recompute="full")),
    (["memory", "--layers", "4", "--hidden", "512", "--heads", "8", "--vocab", "1000", "--intermediate", "1024",
      "--tied", "--mode", "lora", "--lora-rank", "16"],
     lambda: numscope.memory(layers=4, hidden=512, heads=8, vocab=1000, intermediate=1024, tied=True,
                             mode="lora", lora_rank=16)),
    (["memory", "--list-gpus"], lambda: numscope.memory(list_gpus=True)),
    (["memory", "--list-models"], lambda: numscope.memory(list_models=True)),
    (["quantize", "--synthetic", "student-t:nu=3,n=8192,seed=2", "--schemes", "int8-ch,q4_0,nf4,mxfp4,e4m3",
      "--max-bits", "5"],
     lambda: numscope.quantize(synthetic="student-t:nu=3,n=8192,seed=2",
                               schemes=["int8-ch", "q4_0", "nf4", "mxfp4", "e4m3"], max_bits=5)),
    (["quantize", "--synthetic", "normal:n=4096,seed=3", "--schemes", "int8-ch,q4_0", "--percentiles",
      "--histogram", "8"],
     lambda: numscope.quantize(synthetic="normal:n=4096,seed=3", schemes=["int8-ch", "q4_0"], percentiles=True,
                               histogram=8)),
    (["quantize", "--input", str(GGUF / "imatrix-model.gguf"), "--all", "--schemes", "q4_K,iq4_xs,q8_0",
      "--imatrix", str(GGUF / "imatrix.gguf"), "--per-layer", "--exclude", "*attn_k*"],
     lambda: numscope.quantize(GGUF / "imatrix-model.gguf", ["q4_K", "iq4_xs", "q8_0"], all=True,
                               imatrix=GGUF / "imatrix.gguf", per_layer=True, exclude="*attn_k*")),
    (["quantize", "--input", str(GGUF / "types-v3.gguf"), "--list-tensors", "--exclude", "*f16"],
     lambda: numscope.quantize(GGUF / "types-v3.gguf", list_tensors=True, exclude="*f16")),
    (["check", "--claim", "max(e4m3) = 448", "--claim", "store(bf16, 1.005) = 1", "--claim", "2^-149 < 1"],
     lambda: numscope.check(claims=["max(e4m3) = 448", "store(bf16, 1.005) = 1", "2^-149 < 1"])),
    (["check", str(ROOT / "docs" / "notes" / "formats.md")],
     lambda: numscope.check(ROOT / "docs" / "notes" / "formats.md")),
]
IDS = [" ".join(args)[:50] for args, _ in REQUESTS]


def run_cli(cli, args):
    done = subprocess.run([cli, *args], capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def same_field(py, js):
    """A Python row value against the -o json value: Exact against its string, int against a number or (above
    2^53) a string of digits, float against a number (null for inf/NaN), None against null."""
    if js is None:
        return py is None or (isinstance(py, float) and not np.isfinite(py))
    if isinstance(py, numscope.Exact):
        return isinstance(js, str) and py == js
    if isinstance(py, bool):
        return py is js
    if isinstance(py, int):
        return py == (int(js) if isinstance(js, str) else js)
    if isinstance(py, float):
        return isinstance(js, (int, float)) and py == js
    return py == js


@pytest.mark.parametrize("args,call", REQUESTS, ids=IDS)
def test_result_equals_the_cli_json_field_by_field(cli, args, call):
    rc, out, err = run_cli(cli, [*args, "-o", "json"])
    r = call()
    assert rc == r.status, err
    want = json.loads(out)
    assert r.command == want["command"]
    assert set(r.tables) == set(want["tables"])
    for name, rows in want["tables"].items():
        table = r.tables[name]
        assert len(table) == len(rows)
        for got_row, want_row in zip(table, rows):
            assert list(got_row) == list(want_row), name  # the same keys in the same order
            for key, value in want_row.items():
                assert same_field(got_row[key], value), (name, key, got_row[key], value)
        assert [c.key for c in table.columns if c.shown != "display"] == [c["key"] for c in want["columns"][name]]
    for key, value in want["request"].items():
        got = r.request[key]
        if isinstance(value, list):
            assert len(got) == len(value) and all(same_field(g, v) for g, v in zip(got, value)), key
        else:
            assert same_field(got, value), key
    assert r.to_json() == out


@pytest.mark.parametrize("args,call", REQUESTS, ids=IDS)
def test_markdown_and_text_are_the_cli_output(cli, args, call):
    r = call()
    for fmt, render in (("md", r.to_markdown), ("table", r.to_text)):
        rc, out, err = run_cli(cli, [*args, "-o", fmt])
        assert rc == r.status, err
        assert render() == out


def test_one_table_markdown_equals_the_cli_table_option(cli):
    r = numscope.formats(["e4m3", "int8"])
    for name, table in r.tables.items():
        rc, out, _ = run_cli(cli, ["formats", "e4m3", "int8", "-o", "md", "--table", name])
        assert rc == 0 and table.to_markdown() == out
        rc, out, _ = run_cli(cli, ["formats", "e4m3", "int8", "-o", "csv", "--table", name])
        assert rc == 0 and table.to_csv() == out


# ---- store against exact rational arithmetic -------------------------------------------------------------

FORMATS = [("fp16", np.float16), ("bf16", ml_dtypes.bfloat16), ("e4m3", ml_dtypes.float8_e4m3fn),
           ("e5m2", ml_dtypes.float8_e5m2), ("e2m1", ml_dtypes.float4_e2m1fn), ("e3m2", ml_dtypes.float6_e3m2fn)]


def value_table(t):
    codes = np.arange(1 << (8 * np.dtype(t).itemsize), dtype={1: np.uint8, 2: np.uint16}[np.dtype(t).itemsize])
    v = codes.view(t).astype(np.float64)
    return sorted({Fraction(float(x)) for x in v if np.isfinite(x)})


def nearest_even(x, table, fmt_name):
    """RNE by exact arithmetic: the nearer neighbour, a tie to the one with an even last mantissa bit, found by
    asking ml_dtypes-independent Fractions which neighbour's code is even (the positions alternate in parity
    within a binade; the code parity of a positive value is its index parity, as codes count up from +0)."""
    import bisect
    i = bisect.bisect_left(table, x)
    if i < len(table) and table[i] == x:
        return x
    if i in (0, len(table)):  # beyond ±max but within its rounding reach (the caller checks the reach)
        return table[min(i, len(table) - 1)]
    lo, hi = table[i - 1], table[i]
    if x - lo != hi - x:
        return lo if x - lo < hi - x else hi
    zero = table.index(Fraction(0))
    return lo if (i - 1 - zero) % 2 == 0 else hi


HAND_PICKED = ["123456.789", "0.1", "-431.99999999999994", "3.14159265358979323846", "65519.99", "0.000061",
               "1e-5", "-2.5", "5.5", "0.3", "448.5", "57343.9", "1/3", "-7/1024", "0x1.8p3", "2.75", "-0.000001"]


@pytest.mark.parametrize("fmt,t", FORMATS, ids=[f for f, _ in FORMATS])
def test_store_is_the_exact_nearest_value(fmt, t):
    """stored is the nearest value (ties to even) found with Fractions over the format's values (from
    ml_dtypes); abs_error and rel_error are |stored − x| and |stored − x| / |x| exactly."""
    table = value_table(t)
    top = table[-1]
    rng = np.random.default_rng(4)
    randoms = [f"{m:.6f}e{e}" for m, e in zip(rng.uniform(-9.999, 9.999, 150), rng.integers(-8, 6, 150))]
    inputs = HAND_PICKED + randoms
    r = numscope.store(inputs, fmt)
    assert len(r.table) == len(inputs)
    for text, row in zip(inputs, r.table):
        x = Fraction(row["input"]) if "x" not in text else Fraction(3 * 4)
        assert Fraction(text if "x" not in text else "12") == x
        if abs(x) >= top + (top - table[-2]) / 2:  # beyond max's rounding reach: overflow
            assert row["status"] in ("overflow", "saturated"), (text, row)
            continue
        want = nearest_even(x, table, fmt)
        assert row["stored"].fraction == want, (text, row["stored"])
        assert row["abs_error"].fraction == abs(want - x)
        if x != 0:
            assert row["rel_error_exact"].fraction == abs(want - x) / abs(x)
        assert row["status"] == ("exact" if want == x else "underflow" if want == 0 else "rounded"), (text, row)


def test_python_numbers_are_taken_exactly():
    r = numscope.store([0.1, Fraction(1, 3), 2**70 + 1, np.float32(0.1)], "fp64")
    inputs = r.table["input"]
    assert inputs[0] == "0.1000000000000000055511151231257827021181583404541015625"  # the double 0.1, exactly
    assert inputs[1] == "1/3"
    assert inputs[2] == str(2**70 + 1)
    assert Fraction(inputs[3]) == Fraction(float(np.float32(0.1)))
    assert r.table[0]["status"] == "exact"


# ---- the objects ---------------------------------------------------------------------------------------


def test_exact_values():
    row = numscope.store("1/3", "e4m3").table[0]
    assert row["input"] == "1/3"
    x = row["stored"]
    assert isinstance(x, numscope.Exact) and isinstance(x, str)
    assert x.fraction == Fraction(11, 32) and float(x) == 0.34375 and x.decimal == "0.34375"
    assert row["rel_error_exact"].fraction == Fraction(1, 32)  # |11/32 − 1/3| / (1/3) = (1/96)·3
    inf = numscope.store("1e6", "fp16").table[0]["stored"]
    assert inf == "inf" and not inf.is_finite and float(inf) == float("inf")
    with pytest.raises(ValueError):
        inf.fraction


def test_exact_values_longer_than_pythons_int_digit_limit():
    """Quad precision (e15m112) and other wide user formats have exact values of thousands of digits: .fraction
    and float() must not hit Python's 4300-digit limit on int(str) (they raised "Exceeds the limit (4300 digits)
    for integer string conversion"). Expected values by their definitions: e15m112's max is (2 - 2^-112)·2^16383
    (the binary128 maximum, 4933 digits), its least subnormal 2^-16494 (16494 decimals), and 1/3 in e15m112 is
    the nearest multiple of 2^-114."""
    r = numscope.store(["1e4933", "0x1p-16494", "1/3"], "e15m112", saturate=True)
    big, tiny, third = (row["stored"] for row in r.table)
    assert big.fraction == (2 - Fraction(1, 2**112)) * 2**16383 and float(big) == float("inf")
    assert tiny.fraction == Fraction(1, 2**16494) and float(tiny) == 0.0
    assert third.fraction == Fraction(round(Fraction(2**114, 3)), 2**114)
    assert r.table.to_pandas(exact="fraction")["stored"][1] == Fraction(1, 2**16494)


def test_table_access_and_pandas():
    r = numscope.store(["1.5", "300"], ["e4m3", "bf16"])
    t = r.tables["store"]
    assert len(t) == 4 and t[0]["format"] == "e4m3" and t["status"] == ["exact", "exact", "rounded", "exact"]
    with pytest.raises(KeyError, match="no column 'nope'"):
        t["nope"]
    df = t.to_pandas()
    assert list(df.columns) == t.keys and len(df) == 4
    assert df["stored"].tolist() == ["1.5", "1.5", "288", "300"]
    assert t.to_pandas(exact="fraction")["stored"].tolist() == [Fraction(3, 2), Fraction(3, 2), 288, 300]
    assert t.to_pandas(exact="float")["stored"].tolist() == [1.5, 1.5, 288.0, 300.0]


def test_jupyter_reprs():
    r = numscope.store("123456.789", ["bf16", "e4m3"])
    assert r._repr_markdown_() == r.to_markdown()
    page = r._repr_html_()
    assert page.count("<tr>") == 3 and "123392" in page and "<th" in page
    assert "≈0.0005248" in page  # the display forms, as Markdown shows them
    assert repr(r) == r.to_text()


def test_errors_are_value_errors_with_the_cli_line(cli):
    for args, call in [
        (["store", "1", "--formats", "fp7"], lambda: numscope.store("1", "fp7")),
        (["store", "12abc"], lambda: numscope.store("12abc")),
        (["store", "1", "--rounding", "nearest"], lambda: numscope.store("1", rounding="nearest")),
        (["store", "1", "--scale", "-2"], lambda: numscope.store("1", scale="-2")),
        (["explain", "e4m3", "x"], lambda: numscope.explain("e4m3", "x")),
        (["values", "fp32"], lambda: numscope.values("fp32")),
        (["formats", "e99m1"], lambda: numscope.formats("e99m1")),
    ]:
        rc, _, err = run_cli(cli, args)
        assert rc == 2
        with pytest.raises(ValueError) as e:
            call()
        assert "numscope: " + str(e.value) + "\n" == err, args


def test_numpy_and_ml_dtypes_values_are_numbers():
    """store/explain take what numpy hands out: a 0-d array (np.array(0.1), a reduction like w.max()), arrays of any
    shape, and ml_dtypes scalars (bfloat16(0.1), float8_e4m3fn(3.5)) at their exact binary value, as they take
    np.float32. They raised TypeError ("iteration over a 0-d array") and "3.5 is not a number" before. Expected
    values: bfloat16(0.1) is 0x3dcd = 0.10009765625 and float8_e4m3fn(3.5) is 3.5 by their formats' definitions,
    np.array(0.1) is the double 0.1 (3602879701896397/2^55)."""
    stored = lambda v, f="fp64": [str(x) for x in numscope.store(v, f).tables["store"]["stored"]]
    assert stored(np.array(0.1)) == ["0.1000000000000000055511151231257827021181583404541015625"]
    assert stored(np.array([[0.5, 1.5], [2.5, 3.5]])) == ["0.5", "1.5", "2.5", "3.5"]
    assert stored(ml_dtypes.bfloat16(0.1)) == ["0.10009765625"]
    assert stored(ml_dtypes.float8_e4m3fn(3.5), "e4m3") == ["3.5"]
    assert stored(ml_dtypes.int4(-3), "int8") == ["-3"]
    assert stored(np.array([0.1], dtype=ml_dtypes.bfloat16)) == ["0.10009765625"]
    assert str(numscope.explain("fp32", ml_dtypes.bfloat16(0.1)).table[0]["stored"]) == "0.10009765625"
    assert str(numscope.explain("bf16", np.array(0.1)).table[0]["bits"]) == "0x3dcd"


def test_memory_options_take_numpy_scalars():
    """Options given as numpy scalars (a loop over np.arange, a value from an array) mean their number: seq as
    np.float32(1024), np.int64(1024) or 1024.0 is seq=1024 (np.float32 was refused as 'not a number', 1024.0 as
    not a positive number of tokens). Expected: the
    KV cache of llama-3-8b at s = 1024, L·s·2·kv·d·2 B = 32·1024·2·8·128·2 = 134217728 bytes."""
    want = numscope.memory("llama-3-8b", seq=1024)
    for seq in (np.float32(1024), np.float16(1024), np.int64(1024), np.float64(1024), 1024.0):
        got = numscope.memory("llama-3-8b", seq=seq)
        assert got.tables["breakdown"]["bytes"] == want.tables["breakdown"]["bytes"], seq
    kv = [r for r in want.tables["breakdown"] if r["name"] == "kv_cache"][0]
    assert kv["bytes"] == 32 * 1024 * 2 * 8 * 128 * 2


def test_check_of_a_missing_document_names_the_path(cli):
    """check('notes/typo.md') with no such file is the CLI's bad path (exit 2, 'is not a file or folder'), not a
    claim 'notes/typo.md' whose error was "unknown name 'notes'"."""
    for name in ("notes/typo.md", "typo.claims", "Typo.IPYNB"):
        rc, _, err = run_cli(cli, ["check", name])
        assert rc == 2 and "is not a file or folder" in err
        with pytest.raises(ValueError, match="is not a file or folder"):
            numscope.check(name)


def test_bad_python_arguments():
    with pytest.raises(ValueError, match="not a number"):
        numscope.store(object())
    with pytest.raises(ValueError, match="bool"):
        numscope.store(True)
    with pytest.raises(ValueError, match="seed"):
        numscope.store("1", seed=-1)
    with pytest.raises(ValueError, match="names"):
        numscope.store("1", [16])
    for nothing in (None, [], np.array([])):  # the CLI refuses `numscope store` without a value (exit 2)
        with pytest.raises(ValueError, match="at least one value"):
            numscope.store(nothing)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, ml_dtypes.bfloat16])
def test_quantize_of_an_array_equals_the_cli_on_the_saved_npy(cli, tmp_path, dtype):
    """An array analysed in place gives the tables the CLI gives for the same array saved as .npy (the tensor
    named after the file)."""
    w = (np.random.default_rng(3).standard_normal((96, 160)) * 0.05).astype(dtype)
    path = tmp_path / "w.npy"
    np.save(path, w)
    extra = ["--dtype", "bf16"] if dtype is ml_dtypes.bfloat16 else []
    rc, out, err = run_cli(cli, ["quantize", "--input", str(path), *extra, "--schemes",
                                 "int8-ch,int4-g32,q4_0,nf4,nvfp4,bf16", "--max-bits", "6", "-o", "json"])
    assert rc == 0, err
    want = json.loads(out)
    r = numscope.quantize(w, ["int8-ch", "int4-g32", "q4_0", "nf4", "nvfp4", "bf16"], max_bits=6, name=str(path))
    for name in ("input", "schemes"):
        for got_row, want_row in zip(r.tables[name], want["tables"][name]):
            for key, value in want_row.items():
                if key == "dtype" and dtype is ml_dtypes.bfloat16:
                    continue  # '<V2' in the file (the CLI needs --dtype bf16); 'bfloat16' for the array
                assert same_field(got_row[key], value), (name, key, got_row[key], value)
    assert r.tables["input"][0]["shape"] == "96x160"
    # A path gives the same as the CLI's --input.
    assert numscope.quantize(path, ["int8-ch", "int4-g32", "q4_0", "nf4", "nvfp4", "bf16"], max_bits=6,
                             dtype="bf16" if extra else None).to_json() == out


def test_check_text_and_notebooks(tmp_path):
    r = numscope.check("store(bf16, 123456.789) = 123392\nmax(e4m3) = 500  # false")
    assert [row["verdict"] for row in r.tables["claims"]] == ["TRUE", "FALSE"] and r.status == 1
    md = "# note\n\n```claims\nmax(fp16) = 65504\n```\n"
    r = numscope.check(md)
    assert r.table[0]["verdict"] == "TRUE" and r.table[0]["line"] == 4
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1 + 1"),
                nbformat.v4.new_markdown_cell("text\n```claims\nmax(e4m3) = 448\nbits(tf32) = 32\n```")]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    r = numscope.check(path)
    rows = r.tables["claims"].rows
    assert [(x["file"], x["line"], x["verdict"]) for x in rows] == [(f"{path}, cell 2", 3, "TRUE"),
                                                                   (f"{path}, cell 2", 4, "FALSE")]
    assert numscope.check(tmp_path).tables["claims"]["claim"] == ["max(e4m3) = 448", "bits(tf32) = 32"]
    (tmp_path / "bad.ipynb").write_text("{not json")
    bad = numscope.check(tmp_path / "bad.ipynb")
    assert bad.status == 2 and "not a Jupyter notebook" in bad.table[0]["reason"]


def test_quantize_imatrix_changes_the_ggml_schemes_as_the_cli_does(cli):
    """imatrix= is --imatrix: the weighted q4_K differs from the unweighted one; q8_0 takes no weights."""
    model, imatrix = GGUF / "imatrix-model.gguf", GGUF / "imatrix.gguf"
    weighted = numscope.quantize(model, ["q4_K", "q8_0"], tensor="blk.0.attn_q.weight", imatrix=imatrix)
    plain = numscope.quantize(model, ["q4_K", "q8_0"], tensor="blk.0.attn_q.weight")
    rows = {r["scheme"]: r for r in weighted.tables["schemes"]}
    base = {r["scheme"]: r for r in plain.tables["schemes"]}
    assert rows["q4_K"]["mse"] != base["q4_K"]["mse"]
    assert rows["q8_0"]["mse"] == base["q8_0"]["mse"]
    with pytest.raises(ValueError, match="--imatrix"):
        numscope.quantize(model, ["q4_K"], all=True, imatrix=model)
