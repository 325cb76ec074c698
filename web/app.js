// The page's script (appended to the engine by scripts/build-web.sh): forms, URLs and tables around numscope's
// WebAssembly engine. It computes no number itself: every value, status, formula and size comes from
// numscope_run (web/bindings.cpp), the same api functions and JSON as `numscope ... -o json`.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  let engine = null;
  const state = { view: "explain" };
  const DEFAULT_COMPARE = "fp32,tf32,fp16,bf16,e5m2,e4m3,int8,int4";  // store's default set (api/common.h)

  // ---- the engine -------------------------------------------------------------------------------------------
  /** One api call: {json, view} or {error}. */
  function call(command, request) {
    const answer = engine.ccall("numscope_run", "string", ["string", "string"], [command, JSON.stringify(request)]);
    return JSON.parse(answer);
  }
  /** "numscope explain bf16 123456.789 -o json": the command line that prints the same JSON. */
  function cliLine(words) {
    const q = (w) => (/^[A-Za-z0-9_.,:=+\/@%^-]+$/.test(w) ? w : "'" + w.replace(/'/g, "'\\''") + "'");
    return ["numscope"].concat(words).map(q).join(" ") + " -o json";
  }

  // ---- tables, generically from the view of a Result ----------------------------------------------------------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
    }
    for (const c of children) if (c != null) e.append(c);
    return e;
  }
  /** A cell: the raw value as -o json has it (class v), and the text table's form below it where that differs. */
  function cellContent(col, cell) {
    const frag = document.createDocumentFragment();
    if (col.shown === "display") { frag.append(el("span", { class: "v", text: cell.d })); return frag; }
    if (cell.k === "null") {  // JSON's null: shown as the text table shows it ("-", "none", or nothing)
      frag.append(el("span", { class: "v null", title: "null in -o json", text: cell.d }));
      return frag;
    }
    if (cell.v.length > 40 && !/\s/.test(cell.v)) {
      // Hundreds of digits (fp64's max, its smallest subnormal): folded, every digit one click away.
      const short = cell.d && cell.d !== cell.v ? cell.d : cell.v.slice(0, 18) + "…";
      frag.append(el("details", { class: "longv" },
                     el("summary", { text: short + " (" + cell.v.length + " characters)" }),
                     el("span", { class: "v", text: cell.v })));
      return frag;
    }
    frag.append(el("span", { class: "v", text: cell.v }));
    if (cell.d && cell.d !== cell.v) frag.append(el("span", { class: "d", text: cell.d }));
    return frag;
  }
  function tdFor(col, cell) {
    const long = cell.v && cell.v.length > 40 && !/\s/.test(cell.v);  // digits: wrap anywhere
    const cls = [col.align === "right" ? "right" : "", long ? "long" : "",
                 cell.v && /\s/.test(cell.v) && cell.v.length > 30 ? "text" : ""].join(" ").trim();
    const td = el("td", { "data-key": col.key });
    if (cls) td.className = cls;
    td.append(cellContent(col, cell));
    return td;
  }
  function renderTable(t, opts) {
    const wrap = el("div", { class: "tablewrap", "data-table": t.name });
    const table = el("table", { class: t.transposed ? "record" : "" });
    if (t.title) table.append(el("caption", { text: t.title }));
    const cols = t.columns.filter((c) => !(opts && opts.hide && opts.hide.includes(c.key)));
    if (t.transposed) {
      const tbody = el("tbody");
      t.rows.forEach((row) => cols.forEach((c) => {
        const i = t.columns.indexOf(c);
        tbody.append(el("tr", { "data-key": c.key }, el("th", { scope: "row", text: c.label }), tdFor(c, row[i])));
      }));
      table.append(tbody);
    } else {
      table.append(el("thead", {}, el("tr", {}, ...cols.map((c) => el("th", { scope: "col", "data-key": c.key,
                                                                                  text: c.label })))));
      const tbody = el("tbody");
      t.rows.forEach((row, r) => tbody.append(el("tr", { "data-row": String(r) },
                                                 ...cols.map((c) => tdFor(c, row[t.columns.indexOf(c)])))));
      table.append(tbody);
    }
    wrap.append(table);
    if (t.notes.length) wrap.append(el("ul", { class: "notes" }, ...t.notes.map((n) => el("li", { text: n }))));
    return wrap;
  }
  function renderResult(box, view, opts) {
    box.replaceChildren(...view.tables.map((t) => renderTable(t, opts)));
    if (view.notes.length) box.append(el("ul", { class: "notes" }, ...view.notes.map((n) => el("li", { text: n }))));
  }
  function cellOf(table, key, row) {
    const i = table.columns.findIndex((c) => c.key === key);
    return i < 0 ? null : table.rows[row || 0][i];
  }

  // ---- errors next to their field ---------------------------------------------------------------------------
  function clearErrors(section) {
    section.querySelectorAll(".err").forEach((e) => { e.textContent = ""; });
    section.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
  }
  function showError(errId, inputId, line) {
    $(errId).textContent = line;
    if (inputId && $(inputId)) $(inputId).setAttribute("aria-invalid", "true");
  }

  // ---- URL state --------------------------------------------------------------------------------------------
  function readUrl() {
    const p = new URLSearchParams(location.search);
    const s = { view: p.get("view") || "explain", params: p };
    if (!["explain", "formats", "memory"].includes(s.view)) s.view = "explain";
    return s;
  }
  function writeUrl(params) {
    const url = "?" + params.toString().replace(/%2C/g, ",").replace(/%3A/g, ":");
    try { history.replaceState(null, "", url); } catch (e) { /* some file:// setups refuse; the link below works */ }
    const a = $("permalink");
    a.href = url;
    a.textContent = location.href.split("?")[0].split("/").pop() + url;
  }
  function showView(view) {
    state.view = view;
    document.querySelectorAll("main > section").forEach((s) => { s.hidden = s.dataset.view !== view; });
    document.querySelectorAll("nav a").forEach((a) => {
      if (a.dataset.view === view) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
  }
  function debounce(f, ms) {
    let t = 0;
    return () => { clearTimeout(t); t = setTimeout(f, ms); };
  }

  // ---- bit explorer -----------------------------------------------------------------------------------------
  const explain = {
    bits: null,  // a code set by clicking a bit, until the value is typed again
    load(p) {
      $("ex-format").value = p.get("format") || "bf16";
      this.bits = p.get("bits");
      $("ex-value").value = p.get("value") || (this.bits ? "" : "123456.789");
      $("ex-rounding").value = p.get("rounding") || "rne";
      $("ex-saturate").checked = p.get("saturate") === "1" || p.get("saturate") === "true";
      $("ex-ftz").checked = p.get("ftz") === "1" || p.get("ftz") === "true";
      $("ex-seed").value = p.get("seed") || "";
      $("ex-formats").value = p.get("formats") || DEFAULT_COMPARE;
    },
    params() {
      const p = new URLSearchParams({ view: "explain", format: $("ex-format").value.trim() });
      if (this.bits) p.set("bits", this.bits); else p.set("value", $("ex-value").value.trim());
      if ($("ex-rounding").value !== "rne") p.set("rounding", $("ex-rounding").value);
      if ($("ex-saturate").checked) p.set("saturate", "1");
      if ($("ex-ftz").checked) p.set("ftz", "1");
      if ($("ex-seed").value.trim()) p.set("seed", $("ex-seed").value.trim());
      if ($("ex-formats").value.trim() !== DEFAULT_COMPARE) p.set("formats", $("ex-formats").value.trim());
      return p;
    },
    conversion(words, req) {
      req.rounding = $("ex-rounding").value;
      req.saturate = $("ex-saturate").checked;
      req.ftz = $("ex-ftz").checked;
      if ($("ex-seed").value.trim()) req.seed = $("ex-seed").value.trim();
      if (req.rounding !== "rne") words.push("--rounding", req.rounding);
      if (req.saturate) words.push("--saturate");
      if (req.ftz) words.push("--ftz");
      if (req.seed) words.push("--seed", req.seed);
    },
    run() {
      const section = $("view-explain");
      clearErrors(section);
      const format = $("ex-format").value.trim();
      const req = { format };
      const words = ["explain", format];
      if (this.bits) { req.bits = this.bits; words.push("--bits", this.bits); }
      else { req.value = $("ex-value").value.trim(); words.push(req.value); }
      this.conversion(words, req);
      const a = call("explain", req);
      writeUrl(this.params());
      if (a.error) {
        this.fail(a.error, format);
        return;
      }
      $("ex-cli").textContent = cliLine(words);
      $("ex-json").textContent = a.json;
      const t = a.view.tables[0];
      const stored = cellOf(t, "stored"), status = cellOf(t, "status"), bits = cellOf(t, "bits");
      if (this.bits) $("ex-value").value = stored && stored.k !== "null" ? stored.v : "";
      $("ex-summary").replaceChildren(
        el("span", { text: format + " stores " + (req.value !== undefined ? req.value : req.bits) + " as " }),
        el("span", { class: "value", id: "ex-stored", text: stored && stored.k !== "null" ? stored.v : "nothing" }),
        el("span", { text: " (" + (status ? status.v : "") + (bits ? ", bits " + bits.v : "") + ")" }));
      this.drawBits(t);
      renderResult($("ex-record"), a.view);
      this.compare(req, stored);
    },
    fail(line, format) {
      // Which field: a format the engine refuses on its own is the format's fault, else the value's (or --seed).
      const alone = call("formats", { formats: [format] });
      if (alone.error) showError("ex-format-err", "ex-format", line);
      else if (/--seed/.test(line)) showError("ex-seed-err", "ex-seed", line);
      else if (/rounding/.test(line)) showError("ex-err", null, line);
      else showError("ex-value-err", "ex-value", line);
      $("ex-bits").replaceChildren();
      $("ex-summary").textContent = "";
      $("ex-record").replaceChildren();
      $("ex-store").replaceChildren();
      $("ex-cli").textContent = "";
      $("ex-json").textContent = "";
    },
    /** The stored value (or the input) in the other formats: `store` with the list of the field. */
    compare(req, stored) {
      const value = req.value !== undefined ? req.value : stored && stored.k !== "null" ? stored.v : "nan";
      const formats = $("ex-formats").value.trim();
      const sreq = { values: [value], formats: formats ? [formats] : [] };
      const words = ["store", value];
      if (formats) words.push("--formats", formats);
      this.conversion(words, sreq);
      const a = call("store", sreq);
      if (a.error) {
        showError("ex-formats-err", "ex-formats", a.error);
        $("ex-store").replaceChildren();
        return;
      }
      $("ex-store-cli").textContent = cliLine(words);
      $("ex-store-json").textContent = a.json;
      renderResult($("ex-store"), a.view);
    },
    /** Sign, exponent and mantissa boxes from the record's binary (grouped by field as numscope prints it). */
    drawBits(t) {
      const box = $("ex-bits");
      const binary = cellOf(t, "binary");
      if (!binary || binary.k === "null") { box.replaceChildren(); return; }
      const groups = binary.v.split(" ");
      const has = (k) => t.columns.some((c) => c.key === k);
      const names = [];
      if (has("encoding")) groups.forEach(() => names.push("integer"));
      else {
        if (has("sign")) names.push("sign");
        if (has("exponent_field")) names.push("exponent");
        if (has("mantissa_field")) names.push("mantissa");
      }
      const digits = groups.join("");
      const width = digits.length;
      let pos = 0;
      box.replaceChildren(...groups.map((g, gi) => {
        const name = names[gi] || "bits";
        const row = el("div", { class: "bitrow" });
        for (const ch of g) {
          const index = width - 1 - pos;  // bit number, 0 = least significant
          const at = pos;
          const b = el("button", { type: "button", class: "bit " + name, "data-bit": String(index),
                                   "aria-label": "bit " + index + " (" + name + ") is " + ch + ": flip it",
                                   text: ch });
          b.addEventListener("click", () => this.flip(digits, at));
          row.append(b);
          pos++;
        }
        return el("div", { class: "bitfield" }, el("span", { class: "name", text: name }), row);
      }));
    },
    flip(digits, at) {
      const flipped = digits.slice(0, at) + (digits[at] === "1" ? "0" : "1") + digits.slice(at + 1);
      this.bits = "0x" + BigInt("0b" + flipped).toString(16).padStart(Math.ceil(flipped.length / 4), "0");
      this.run();
      const again = document.querySelector('#ex-bits [data-bit="' + (digits.length - 1 - at) + '"]');
      if (again) again.focus();
    },
    bind() {
      const go = debounce(() => this.run(), 120);
      $("ex-value").addEventListener("input", () => { this.bits = null; go(); });
      for (const id of ["ex-format", "ex-seed", "ex-formats"]) $(id).addEventListener("input", go);
      for (const id of ["ex-rounding", "ex-saturate", "ex-ftz"]) $(id).addEventListener("change", go);
    },
  };

  // ---- formats and the number line --------------------------------------------------------------------------
  const formats = {
    values: null,
    load(p) {
      $("fm-formats").value = p.get("formats") || "";
      $("fm-line").value = p.get("line") || "e4m3";
      $("fm-scale").value = p.get("scale") === "linear" ? "linear" : "log";
    },
    params() {
      const p = new URLSearchParams({ view: "formats" });
      if ($("fm-formats").value.trim()) p.set("formats", $("fm-formats").value.trim());
      p.set("line", $("fm-line").value.trim());
      if ($("fm-scale").value !== "log") p.set("scale", $("fm-scale").value);
      return p;
    },
    run() {
      clearErrors($("view-formats"));
      writeUrl(this.params());
      const list = $("fm-formats").value.trim();
      const names = list ? list.split(/[\s,]+/).filter(Boolean) : [];
      const a = call("formats", { formats: names });
      if (a.error) {
        showError("fm-formats-err", "fm-formats", a.error);
        $("fm-tables").replaceChildren();
      } else {
        $("fm-cli").textContent = cliLine(["formats"].concat(names));
        $("fm-json").textContent = a.json;
        renderResult($("fm-tables"), a.view);
      }
      this.line();
    },
    /** The finite values of a format of at most 16 bits (numscope values), one tick each. */
    line() {
      const name = $("fm-line").value.trim();
      // Every code's exact value is a `values` call: up to 12 bits (4096 codes) it stays interactive.
      const props = call("formats", { formats: [name] });
      const row = props.error ? null : props.view.tables[0];
      const width = row ? Number(cellOf(row, "bits").v) : 0;
      if (row && width > 12) {
        this.values = null;
        this.draw();
        $("fm-line-hint").textContent = "The number line shows formats of at most 12 bits (" + name + " has " +
          width + "): try e4m3, e5m2, e3m2, e2m1 or e5m5; `numscope values " + name + "` lists every code.";
        return;
      }
      const v = call("values", { format: name, finite_only: true });
      if (v.error) {
        showError("fm-line-err", "fm-line", v.error);
        this.values = null;
        this.draw();
        return;
      }
      const t = v.view.tables[0];
      const vi = t.columns.findIndex((c) => c.key === "value"), ci = t.columns.findIndex((c) => c.key === "code");
      const doc = JSON.parse(v.json).tables.values;  // value_f64: the nearest double, for placing the tick only
      this.values = t.rows.map((r, i) => ({ exact: r[vi].v, code: r[ci].v, x: doc[i].value_f64 }))
        .filter((p) => p.x !== null);
      this.name = name;
      this.draw();
    },
    place(x, lo, hi, scale, minpos) {
      if (scale === "linear") return (x - lo) / (hi - lo || 1);
      const s = (y) => (y === 0 ? 0 : Math.sign(y) * (Math.log2(Math.abs(y)) - Math.log2(minpos) + 1));
      return (s(x) - s(lo)) / (s(hi) - s(lo) || 1);
    },
    draw() {
      const c = $("fm-canvas"), ctx = c.getContext("2d");
      const w = c.clientWidth || 600, h = c.clientHeight || 90, dpr = window.devicePixelRatio || 1;
      c.width = w * dpr; c.height = h * dpr;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, w, h);
      const vals = this.values;
      if (!vals || !vals.length) { $("fm-line-hint").textContent = ""; return; }
      const xs = vals.map((p) => p.x), lo = Math.min(...xs), hi = Math.max(...xs);
      const minpos = Math.min(...xs.filter((x) => x > 0).concat([Infinity])) || 1;
      const scale = $("fm-scale").value, pad = 12;
      ctx.strokeStyle = "#888"; ctx.beginPath(); ctx.moveTo(pad, h / 2); ctx.lineTo(w - pad, h / 2); ctx.stroke();
      ctx.strokeStyle = "#0b57a4";
      this.px = vals.map((p) => pad + this.place(p.x, lo, hi, scale, minpos) * (w - 2 * pad));
      ctx.beginPath();
      for (const x of this.px) { ctx.moveTo(x, h / 2 - 14); ctx.lineTo(x, h / 2 + 14); }
      ctx.stroke();
      ctx.fillStyle = "#1b1b1b"; ctx.font = "12px system-ui";
      const least = vals[xs.indexOf(lo)].exact.slice(0, 24), most = vals[xs.indexOf(hi)].exact.slice(0, 24);
      ctx.fillText(least, pad, h - 8);
      ctx.fillText(most, w - pad - ctx.measureText(most).width, h - 8);
      const label = this.name + ": " + vals.length + " finite values from " + least + " to " + most +
                    (scale === "log" ? ", spaced by binade" : ", linear");
      c.setAttribute("aria-label", label);
      $("fm-line-hint").textContent = label + ". Click a tick (or focus and press Enter) to explain that value.";
    },
    pick(clientX) {
      if (!this.px) return;
      const x = clientX - $("fm-canvas").getBoundingClientRect().left;
      let best = 0;
      this.px.forEach((p, i) => { if (Math.abs(p - x) < Math.abs(this.px[best] - x)) best = i; });
      go("explain", new URLSearchParams({ view: "explain", format: this.name, bits: this.values[best].code }));
    },
    bind() {
      const run = debounce(() => this.run(), 150);
      for (const id of ["fm-formats", "fm-line"]) $(id).addEventListener("input", run);
      $("fm-scale").addEventListener("change", () => { writeUrl(this.params()); this.draw(); });
      $("fm-canvas").addEventListener("click", (e) => this.pick(e.clientX));
      $("fm-canvas").addEventListener("keydown", (e) => {
        if (e.key === "Enter" && this.values) go("explain", new URLSearchParams(
          { view: "explain", format: this.name, bits: this.values[Math.floor(this.values.length / 2)].code }));
      });
      window.addEventListener("resize", debounce(() => this.draw(), 200));
    },
  };

  // ---- memory calculator ------------------------------------------------------------------------------------
  // The estimator's options come from its own table (memory/options.h, through the engine): every option of
  // `numscope memory` is a field here. These few are shown first; the rest sit under "every option".
  const FIRST = ["model", "params", "mode", "weights", "kv", "seq", "batch", "zero", "gpus", "tp", "pp", "gpu"];
  const LISTS = { model: "model-names", gpu: "gpu-names", weights: "dtype-names", kv: "dtype-names",
                  grads: "dtype-names", master: "dtype-names", "optimizer-dtype": "dtype-names" };
  const memory = {
    options: [],
    file: null,  // {option: "config" | "gguf", name}
    build() {
      const rows = call("memory-options", {}).view.tables[0].rows;
      this.options = rows.map((r) => ({ name: r[0].v, value: r[1].v, help: r[2].v, fallback: r[3].v,
                                        repeatable: r[4].v === "true" }))
        .filter((o) => o.name !== "config" && o.name !== "gguf");  // files come from the file field
      const main = $("memory-form"), more = $("memory-more-form");
      const fields = this.options.map((o) => {
        const id = "mem-" + o.name;
        const input = o.value === ""
          ? el("input", { type: "checkbox", id, name: o.name })
          : el("input", { id, name: o.name, spellcheck: "false", placeholder: o.fallback || "",
                          "aria-describedby": id + "-err" });
        if (LISTS[o.name]) input.setAttribute("list", LISTS[o.name]);
        const help = o.help;
        const f = o.value === ""
          ? el("div", { class: "field check", title: help }, input, el("label", { for: id, text: o.name }))
          : el("div", { class: "field" + (o.name === "gpu" || o.name === "model" ? " wide" : ""), title: help },
               el("label", { for: id, text: o.name + (o.value ? " " + o.value : "") }), input,
               el("span", { class: "err", id: id + "-err", role: "alert" }));
        input.addEventListener(o.value === "" ? "change" : "input", debounce(() => this.run(), 200));
        return [o.name, f];
      });
      for (const name of FIRST) { const f = fields.find((x) => x[0] === name); if (f) main.append(f[1]); }
      for (const [name, f] of fields) if (!FIRST.includes(name)) more.append(f);
      main.append($("mem-file").parentElement);
      const models = call("memory", { list_models: true });
      const gpus = call("memory", { list_gpus: true });
      const fill = (id, view, key) => {
        const t = view.tables[0], i = t.columns.findIndex((c) => c.key === key);
        $(id).replaceChildren(...t.rows.map((r) => el("option", { value: r[i].v })));
      };
      if (!models.error) fill("model-names", models.view, "name");
      if (!gpus.error) fill("gpu-names", gpus.view, "gpu");
      $("mem-file").addEventListener("change", () => this.readFile());
    },
    load(p) {
      for (const o of this.options) {
        const input = $("mem-" + o.name);
        const values = p.getAll(o.name);
        if (o.value === "") input.checked = values.length > 0 && values[0] !== "0" && values[0] !== "false";
        else input.value = values.join(",");
      }
      if (![...p.keys()].some((k) => k !== "view") && !this.file) $("mem-model").value = "llama-3-8b";
    },
    /** The request as (key, value) pairs in the order of the option table, and the URL and CLI forms. */
    request() {
      const pairs = [];
      if (this.file) pairs.push([this.file.option, this.file.name]);
      for (const o of this.options) {
        const input = $("mem-" + o.name);
        if (o.value === "") { if (input.checked) pairs.push([o.name, ""]); continue; }
        const v = input.value.trim();
        if (!v) continue;
        pairs.push([o.name, v]);  // a list stays one value, as --gpu A,B is one flag
      }
      return pairs;
    },
    run() {
      clearErrors($("view-memory"));
      const pairs = this.request();
      const p = new URLSearchParams({ view: "memory" });
      for (const [k, v] of pairs) if (!this.file || k !== this.file.option) p.append(k, v === "" ? "1" : v);
      writeUrl(p);
      const words = ["memory"];
      for (const [k, v] of pairs) { words.push("--" + k); if (v !== "") words.push(v); }
      const a = call("memory", { options: pairs });
      if (a.error) {
        const named = this.fieldOf(a.error);
        if (named && $("mem-" + named)) showError("mem-" + named + "-err", "mem-" + named, a.error);
        else if (named && this.file && named === this.file.option) showError("mem-file-err", "mem-file", a.error);
        else showError("mem-err", null, a.error);
        $("mem-tables").replaceChildren();
        $("mem-json").textContent = "";
        $("mem-cli").textContent = "";
        return;
      }
      $("mem-cli").textContent = cliLine(words);
      $("mem-json").textContent = a.json;
      renderResult($("mem-tables"), a.view);
    },
    /** The option a message is about: the --flag it starts with, else an option named in its first clause
     *  ("unknown model 'llama-9'; ..."), else none (shown above the tables). */
    fieldOf(line) {
      const head = line.replace(/^numscope: /, "");
      const flag = /^--([a-z][a-z0-9-]*)/.exec(head);
      const names = this.options.map((o) => o.name).concat(this.file ? [this.file.option] : []);
      if (flag && names.includes(flag[1])) return flag[1];
      const clause = head.split(/[;:]/)[0].toLowerCase();
      const flagged = /--([a-z][a-z0-9-]*)/.exec(clause);
      if (flagged && names.includes(flagged[1])) return flagged[1];
      return names.find((n) => new RegExp("\\b" + n + "\\b").test(clause)) || null;
    },
    /** A config.json goes into the engine's in-memory file system whole; a GGUF only up to its tensor table. */
    async readFile() {
      const f = $("mem-file").files[0];
      clearErrors($("view-memory"));
      this.file = null;
      if (!f) { this.run(); return; }
      const head = new Uint8Array(await f.slice(0, 4).arrayBuffer());
      const isGguf = head.length === 4 && String.fromCharCode(...head) === "GGUF";
      const name = f.name.replace(/[^A-Za-z0-9._-]/g, "_") || "model";
      if (isGguf) {
        const line = await readGgufHead(f, name);
        if (line) { showError("mem-file-err", "mem-file", line); return; }
        this.file = { option: "gguf", name };
      } else {
        engine.FS.writeFile(name, new Uint8Array(await f.arrayBuffer()));
        this.file = { option: "config", name };
      }
      $("mem-model").value = "";
      $("mem-params").value = "";
      this.run();
    },
  };

  /** Reads a GGUF's first bytes, doubling until the engine has its header and tensor table (never the data). */
  async function readGgufHead(file, name) {
    let n = Math.min(file.size, 1 << 20);
    for (;;) {
      const bytes = new Uint8Array(await file.slice(0, n).arrayBuffer());
      const ptr = engine._malloc(bytes.length || 1);
      engine.HEAPU8.set(bytes, ptr);
      const answer = JSON.parse(engine.ccall("numscope_gguf", "string", ["string", "number", "number", "number"],
                                             [name, ptr, bytes.length, file.size]));
      engine._free(ptr);
      if (answer.more && n < file.size) { n = Math.min(file.size, n * 2); continue; }
      return answer.error || null;
    }
  }

  // ---- routing ----------------------------------------------------------------------------------------------
  const views = { explain, formats, memory };
  function go(view, params) {
    try { history.pushState(null, "", "?" + params.toString()); } catch (e) { /* file:// */ }
    route(params);
  }
  function route(params) {
    const s = params ? { view: params.get("view") || "explain", params } : readUrl();
    showView(s.view);
    views[s.view].load(s.params);
    views[s.view].run();
  }

  createNumscope().then((m) => {
    engine = m;
    const names = call("formats", {});
    if (!names.error) {
      $("format-names").replaceChildren(...names.view.tables.flatMap((t) => t.rows.map((r) => el("option", { value: r[0].v }))));
      $("dtype-names").replaceChildren(...names.view.tables.flatMap((t) => t.rows.map((r) => el("option", { value: r[0].v }))));
    }
    try { engine.FS.mkdir("/files"); engine.FS.chdir("/files"); } catch (e) { /* already there */ }
    explain.bind();
    formats.bind();
    memory.build();
    document.querySelectorAll("nav a").forEach((a) => a.addEventListener("click", (e) => {
      e.preventDefault();
      go(a.dataset.view, new URLSearchParams({ view: a.dataset.view }));
    }));
    window.addEventListener("popstate", () => route());
    route();
    $("status").textContent = "";
    window.numscopeReady = { firstResultMs: performance.now() };  // since the navigation started
    document.body.dataset.ready = "1";
  }).catch((e) => { $("status").textContent = "the engine did not load: " + e; console.error(e); });
})();
