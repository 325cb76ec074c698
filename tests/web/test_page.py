"""The web page (web/, docs/web.md) in headless Chromium against the real CLI.

For a sample of formats, inputs and memory requests the page must show exactly what `numscope ... -o json`
prints: the JSON panel byte for byte, and every visible cell equal to its JSON value. Clicking a bit must give the
code with that bit flipped and the value `numscope values` lists for that code; a shared URL must reproduce its
view; bad input must show the CLI's stderr line next to its field; the page must work from file:// and load
nothing from elsewhere. Screenshots go to $NUMSCOPE_WEB_ARTEFACTS (default build-web/screenshots).

  NUMSCOPE_CLI=build/bin/numscope .venv/bin/python -m pytest tests/web   (after bash scripts/build-web.sh)
"""
import http.server
import json
import os
import pathlib
import re
import shutil
import subprocess
import threading
import urllib.parse

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[2]
SITE = pathlib.Path(os.environ.get("NUMSCOPE_WEB", ROOT / "build-web"))
CLI = pathlib.Path(os.environ.get("NUMSCOPE_CLI", ROOT / "build" / "bin" / "numscope"))
ARTEFACTS = pathlib.Path(os.environ.get("NUMSCOPE_WEB_ARTEFACTS", SITE / "screenshots"))


def numscope(*args, cwd=None):
    """The CLI's stdout, parsed when it is JSON."""
    p = subprocess.run([str(CLI), *args], capture_output=True, text=True, cwd=cwd)
    assert p.returncode == 0, p.stderr
    return p.stdout


def numscope_error(*args):
    """The CLI's one stderr line for bad input (exit code 2)."""
    p = subprocess.run([str(CLI), *args], capture_output=True, text=True)
    assert p.returncode == 2, (args, p.returncode, p.stdout)
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    return lines[0]


@pytest.fixture(scope="session")
def server():
    assert (SITE / "index.html").is_file() and (SITE / "numscope.js").is_file(), \
        f"{SITE} has no page: run bash scripts/build-web.sh"
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(SITE), **k)  # noqa: E731
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="session")
def driver():
    os.environ["SE_AVOID_STATS"] = "true"  # Selenium Manager is not used (the driver is given), and sends nothing
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--disable-background-networking", "--no-first-run",
                "--allow-file-access-from-files"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    yield d
    d.quit()


def open_page(driver, base, query):
    driver.get(base + "index.html?" + query)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.body.dataset.ready === '1'"))


def settle(driver, predicate, timeout=10):
    WebDriverWait(driver, timeout).until(lambda d: predicate(d))


def text(driver, css):
    return driver.find_element(By.CSS_SELECTOR, css).get_attribute("textContent")


def shot(driver, name, width=1280):
    driver.set_window_size(width, 1000)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height + 140, 600), 6000))
    driver.save_screenshot(str(ARTEFACTS / f"{name}.png"))
    driver.set_window_size(1280, 1000)


def cell_text(value):
    """A JSON value as the page writes it in a cell."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_tables(driver, box, doc):
    """Every row and key of every table of the -o json document is the visible text of its cell in `box`."""
    for name, rows in doc["tables"].items():
        table = driver.find_element(By.CSS_SELECTOR, f'{box} [data-table="{name}"]')
        transposed = "record" in table.find_element(By.TAG_NAME, "table").get_attribute("class")
        keys = [c["key"] for c in doc["columns"][name]]
        for r, row in enumerate(rows):
            for key in keys:
                css = f'tr[data-key="{key}"] td .v' if transposed else f'tr[data-row="{r}"] td[data-key="{key}"] .v'
                cell = table.find_element(By.CSS_SELECTOR, css)
                shown = cell.get_attribute("textContent")
                want = row[key]
                if want is None:  # JSON's null: the page shows the text table's form, marked as null
                    assert "null" in cell.get_attribute("class").split(), (name, r, key, shown)
                elif isinstance(want, float):
                    assert float(shown) == want, (name, r, key, shown, want)
                else:
                    assert shown == cell_text(want), (name, r, key, shown, want)


EXPLAIN = [
    ("bf16", "123456.789", []),
    ("e4m3", "-431.99999999999994", []),
    ("fp16", "0.1", ["--rounding", "rtz"]),
    ("fp64", "0.1", []),
    ("fp32", "3.14159265358979323846264338327950288419716939937510582097494459", []),
    ("e2m1", "2.5", ["--rounding", "rna"]),
    ("e5m2", "1e-7", ["--ftz"]),
    ("e4m3", "1000", ["--saturate"]),
    ("e6m9:bias=20", "1/3", []),
    ("e4m3fnuz", "0x1.8p3", []),
    ("int8", "-300", []),
    ("uint4", "7.5", ["--rounding", "down"]),
    ("e8m0", "3", []),
    ("tf32", "inf", []),
]


def explain_query(fmt, value, flags):
    q = {"view": "explain", "format": fmt, "value": value}
    i = 0
    while i < len(flags):
        key = flags[i][2:]
        if i + 1 < len(flags) and not flags[i + 1].startswith("--"):
            q[key] = flags[i + 1]
            i += 2
        else:
            q[key] = "1"
            i += 1
    return urllib.parse.urlencode(q)


@pytest.mark.parametrize("fmt,value,flags", EXPLAIN, ids=[f"{f}-{v[:12]}" for f, v, _ in EXPLAIN])
def test_explain_equals_cli(driver, server, fmt, value, flags):
    open_page(driver, server, explain_query(fmt, value, flags))
    want = numscope("explain", fmt, value, *flags, "-o", "json")
    assert text(driver, "#ex-json") == want
    check_tables(driver, "#ex-record", json.loads(want))
    doc = json.loads(want)["tables"]["explain"][0]
    assert text(driver, "#ex-stored") == (doc["stored"] if doc["stored"] is not None else "nothing")
    store = numscope("store", value, "--formats", "fp32,tf32,fp16,bf16,e5m2,e4m3,int8,int4", *flags, "-o", "json")
    assert text(driver, "#ex-store-json") == store
    check_tables(driver, "#ex-store", json.loads(store))
    if fmt == "bf16":
        shot(driver, "explain-bf16")
        shot(driver, "explain-bf16-phone", width=390)


def test_click_bits_as_the_engine_says(driver, server):
    values = {row["code"]: row["value"] for row in json.loads(numscope("values", "bf16", "-o", "json"))["tables"]["values"]}
    open_page(driver, server, "view=explain&format=bf16&value=1")
    assert text(driver, "#ex-stored") == "1"
    code = 0x3F80
    for bit in (0, 15, 7, 14):  # the last mantissa bit, the sign, the lowest and the highest exponent bit
        before = text(driver, "#ex-json")
        driver.find_element(By.CSS_SELECTOR, f'#ex-bits [data-bit="{bit}"]').click()
        settle(driver, lambda d: text(d, "#ex-json") != before)
        code ^= 1 << bit
        doc = json.loads(text(driver, "#ex-json"))["tables"]["explain"][0]
        assert doc["bits"] == f"0x{code:04x}"
        assert text(driver, "#ex-stored") == values[f"0x{code:04x}"]
        assert "bits=0x" in driver.current_url
    shot(driver, "explain-bits-clicked")
    # Keyboard: a bit is a button; Enter on the focused one flips it back.
    button = driver.find_element(By.CSS_SELECTOR, '#ex-bits [data-bit="14"]')
    button.send_keys(Keys.ENTER)
    code ^= 1 << 14
    settle(driver, lambda d: json.loads(text(d, "#ex-json"))["tables"]["explain"][0]["bits"] == f"0x{code:04x}")
    assert driver.switch_to.active_element.get_attribute("data-bit") == "14"


def test_click_bits_of_a_user_format(driver, server):
    open_page(driver, server, "view=explain&format=e3m2&value=0.25")
    doc = json.loads(text(driver, "#ex-json"))["tables"]["explain"][0]
    code = int(doc["bits"], 16) ^ (1 << 2)
    driver.find_element(By.CSS_SELECTOR, '#ex-bits [data-bit="2"]').click()
    settle(driver, lambda d: json.loads(text(d, "#ex-json"))["tables"]["explain"][0]["bits"] == f"0x{code:02x}")
    values = {r["code"]: r["value"] for r in json.loads(numscope("values", "e3m2", "-o", "json"))["tables"]["values"]}
    assert text(driver, "#ex-stored") == values[f"0x{code:02x}"]


FORMATS = [[], ["e4m3", "bf16", "e6m9:bias=20", "int12", "e3m4fnuz", "uint2"]]


@pytest.mark.parametrize("names", FORMATS, ids=["all", "some"])
def test_formats_equal_cli(driver, server, names):
    q = {"view": "formats", "line": "e4m3"}
    if names:
        q["formats"] = ",".join(names)
    open_page(driver, server, urllib.parse.urlencode(q))
    want = numscope("formats", *names, "-o", "json")
    assert text(driver, "#fm-json") == want
    check_tables(driver, "#fm-tables", json.loads(want))
    finite = [r for r in json.loads(numscope("values", "e4m3", "-o", "json"))["tables"]["values"]
              if r["class"] not in ("nan", "inf")]
    assert f"{len(finite)} finite values" in text(driver, "#fm-line-hint")
    if not names:
        shot(driver, "formats")
        shot(driver, "formats-phone", width=390)


MEMORY = [
    [("model", "llama-3-8b"), ("mode", "train"), ("gpu", "H100-80GB")],
    [("model", "qwen2.5-7b"), ("seq", "32K"), ("batch", "4"), ("kv", "fp8"), ("gpu", "RTX-4090,A100-80GB")],
    [("params", "7B"), ("weights", "int4")],
    [("model", "llama-3-70b"), ("mode", "train"), ("zero", "3"), ("gpus", "8"), ("gpu", "A100-80GB")],
    [("model", "mixtral-8x7b"), ("mode", "qlora"), ("seq", "4096"), ("gpu", "RTX-3090")],
    [("model", "deepseek-v3"), ("weights", "fp8"), ("seq", "8192"), ("tp", "8"), ("gpu", "H200")],
]


def memory_args(pairs):
    args = ["memory"]
    for k, v in pairs:
        args += [f"--{k}", v] if v else [f"--{k}"]
    return args


@pytest.mark.parametrize("pairs", MEMORY, ids=["-".join(v for _, v in p[:2]) for p in MEMORY])
def test_memory_equals_cli(driver, server, pairs):
    open_page(driver, server, urllib.parse.urlencode([("view", "memory")] + pairs))
    want = numscope(*memory_args(pairs), "-o", "json")
    assert text(driver, "#mem-json") == want
    check_tables(driver, "#mem-tables", json.loads(want))
    if pairs[0] == ("model", "llama-3-8b"):
        shot(driver, "memory-llama-3-8b-train")
        shot(driver, "memory-phone", width=390)


def test_config_json_read_in_the_page(driver, server, tmp_path):
    config = ROOT / "memory" / "presets" / "mistral-7b.json"
    shutil.copy(config, tmp_path / "mistral-7b.json")
    open_page(driver, server, "view=memory&seq=8192&gpu=L4")
    driver.find_element(By.ID, "mem-file").send_keys(str(tmp_path / "mistral-7b.json"))
    settle(driver, lambda d: '"config"' in text(d, "#mem-json"))
    want = numscope("memory", "--config", "mistral-7b.json", "--seq", "8192", "--gpu", "L4", "-o", "json",
                    cwd=tmp_path)
    assert text(driver, "#mem-json") == want
    check_tables(driver, "#mem-tables", json.loads(want))


def test_gguf_header_read_in_the_page(driver, server, tmp_path):
    gguf = ROOT / "tests" / "memory" / "gguf" / "tiny-llama.gguf"
    shutil.copy(gguf, tmp_path / "tiny-llama.gguf")
    open_page(driver, server, "view=memory&seq=1024")
    driver.find_element(By.ID, "mem-file").send_keys(str(tmp_path / "tiny-llama.gguf"))
    settle(driver, lambda d: '"gguf"' in text(d, "#mem-json"))
    want = numscope("memory", "--gguf", "tiny-llama.gguf", "--seq", "1024", "-o", "json", cwd=tmp_path)
    assert text(driver, "#mem-json") == want


def test_a_shared_url_reproduces_the_view(driver, server):
    open_page(driver, server, "view=explain")
    field = driver.find_element(By.ID, "ex-format")
    field.clear()
    field.send_keys("e5m2")
    value = driver.find_element(By.ID, "ex-value")
    value.clear()
    value.send_keys("-0.000123")
    driver.find_element(By.CSS_SELECTOR, '#ex-rounding option[value="rtz"]').click()
    driver.find_element(By.ID, "ex-ftz").click()
    settle(driver, lambda d: "rtz" in text(d, "#ex-json") and '"ftz": true' in text(d, "#ex-json")
           and "-0.000123" in text(d, "#ex-json"))
    link = driver.find_element(By.ID, "permalink").get_attribute("href")
    shown = text(driver, "#ex-json")
    assert shown == numscope("explain", "e5m2", "-0.000123", "--rounding", "rtz", "--ftz", "-o", "json")
    driver.get("about:blank")
    driver.get(link)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
    assert text(driver, "#ex-json") == shown
    assert driver.find_element(By.ID, "ex-format").get_attribute("value") == "e5m2"
    # The memory view: fields typed in, the link opened afresh.
    open_page(driver, server, "view=memory")
    for key, v in (("model", "gemma-2-9b"), ("seq", "16384"), ("gpu", "L40S")):
        f = driver.find_element(By.ID, f"mem-{key}")
        f.clear()
        f.send_keys(v)
    settle(driver, lambda d: "L40S" in text(d, "#mem-json") and "16384" in text(d, "#mem-json"))
    link = driver.find_element(By.ID, "permalink").get_attribute("href")
    shown = text(driver, "#mem-json")
    assert shown == numscope("memory", "--model", "gemma-2-9b", "--seq", "16384", "--gpu", "L40S", "-o",
                             "json")
    driver.get("about:blank")
    driver.get(link)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
    assert text(driver, "#mem-json") == shown


BAD = [
    ("view=explain&format=bf17&value=1", ["explain", "bf17", "1"], "#ex-format-err"),
    ("view=explain&format=bf16&value=12abc", ["explain", "bf16", "12abc"], "#ex-value-err"),
    ("view=explain&format=e16m3&value=1", ["explain", "e16m3", "1"], "#ex-format-err"),
    ("view=explain&format=fp16&value=1&seed=-4", ["explain", "fp16", "1", "--seed", "-4"], "#ex-seed-err"),
    ("view=formats&formats=fp17", ["formats", "fp17"], "#fm-formats-err"),
    ("view=memory&model=llama-3-8b&seq=abc", ["memory", "--model", "llama-3-8b", "--seq", "abc"], "#mem-seq-err"),
    ("view=memory&model=llama-9", ["memory", "--model", "llama-9"], "#mem-model-err"),
    ("view=memory&model=llama-3-8b&gpu=H900", ["memory", "--model", "llama-3-8b", "--gpu", "H900"], "#mem-gpu-err"),
]


@pytest.mark.parametrize("query,args,field", BAD, ids=[b[2] + "-" + b[1][-1] for b in BAD])
def test_bad_input_gets_the_cli_line_beside_its_field(driver, server, query, args, field):
    open_page(driver, server, query)
    assert text(driver, field) == numscope_error(*args)
    if "bf17" in query:
        shot(driver, "explain-bad-format")


def test_file_url_and_nothing_leaves_the_machine(driver, server):
    driver.get((SITE / "index.html").as_uri() + "?view=explain&format=bf16&value=123456.789")
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
    assert text(driver, "#ex-stored") == "123392"
    open_page(driver, server, "view=memory&model=llama-3-8b")
    urls = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(u.startswith(server) for u in urls), urls
    csp = driver.find_element(By.CSS_SELECTOR, 'meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert "default-src 'none'" in csp and "connect-src data:" in csp
    first = driver.execute_script("return window.numscopeReady.firstResultMs")
    (ARTEFACTS / "first-result-ms.txt").write_text(f"{first:.0f}\n")
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def note_links():
    """Every link of docs/notes/ (and docs/notebooks/) to the page: (file, query)."""
    links = []
    for path in sorted((ROOT / "docs").glob("note*/*")):
        if path.suffix in (".md", ".ipynb"):
            for m in re.finditer(r"build-web/index\.html\?([^)\s\"'\\]+)", path.read_text(encoding="utf-8")):
                links.append((path.name, m.group(1)))
    return links


def cli_args(query):
    """The CLI command a page URL stands for (docs/web.md: the parameters are the CLI's option names)."""
    q = urllib.parse.parse_qsl(query)
    view = dict(q)["view"]
    if view == "explain":
        d = dict(q)
        args = ["explain", d["format"], d["value"]]
        for k, v in q:
            if k in ("rounding", "seed"):
                args += [f"--{k}", v]
            elif k in ("saturate", "ftz"):
                args.append(f"--{k}")
        return "#ex-json", args
    if view == "formats":
        return "#fm-json", ["formats"] + [n for n in dict(q).get("formats", "").split(",") if n]
    switches = set(re.findall(r"^\s+--([a-z0-9-]+)\s{2,}", numscope("memory", "--help"), re.M))  # no value
    return "#mem-json", memory_args([(k, "" if k in switches else v) for k, v in q if k != "view"])


@pytest.mark.parametrize("note,query", note_links(), ids=[f"{n}-{i}" for i, (n, _) in enumerate(note_links())])
def test_the_notes_links_show_what_the_cli_prints(driver, server, note, query):
    panel, args = cli_args(query)
    open_page(driver, server, query)
    assert text(driver, panel) == numscope(*args, "-o", "json"), (note, query)
