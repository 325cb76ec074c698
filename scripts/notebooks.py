#!/usr/bin/env python3
"""Executes the teaching notebooks (docs/notebooks/*.ipynb) from a clean kernel and keeps their saved outputs
honest, as `numscope doc-tables` does for the tables in docs/.

    .venv/bin/python scripts/notebooks.py check    # CI: run every notebook; fail on an error, on outputs that
                                                   # differ from the saved ones, or on a false claim
    .venv/bin/python scripts/notebooks.py update   # run every notebook and save its outputs in the file

Outputs are compared as text (stream output, text/plain, text/markdown, text/html); images are compared by
their presence and kind only, since PNG bytes change with the font renderer. The claims in the notebooks'
Markdown cells are checked with numscope itself (numscope.check, the same code as `numscope check`).
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "docs" / "notebooks"
TIMEOUT_S = 300  # per cell
TEXT_KINDS = ("text/plain", "text/markdown", "text/html", "text/latex")


def execute(path: pathlib.Path) -> nbformat.NotebookNode:
    """The notebook run from a fresh kernel in its own folder (relative paths work as in Jupyter)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return nb


def comparable(nb: nbformat.NotebookNode) -> list[list[tuple]]:
    """Each code cell's outputs in a form that does not change between runs of the same code."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outs = []
        for o in cell.get("outputs", []):
            if o.output_type == "stream":
                # One stream's text, however the kernel split it into messages; a warning's file path is the
                # environment's, not the notebook's.
                text = re.sub(r"\S*/site-packages/", "<site-packages>/", o.text)
                if outs and outs[-1][0] == "stream" and outs[-1][1] == o.name:
                    outs[-1] = ("stream", o.name, outs[-1][2] + text)
                else:
                    outs.append(("stream", o.name, text))
            elif o.output_type in ("execute_result", "display_data"):
                data = o.get("data", {})
                text = tuple((k, data[k] if isinstance(data[k], str) else "".join(data[k]))
                             for k in TEXT_KINDS if k in data)
                images = tuple(sorted(k for k in data if k.startswith("image/")))
                outs.append((o.output_type, text, images))
            elif o.output_type == "error":
                outs.append(("error", o.ename, o.evalue))
        cells.append(outs)
    return cells


def strip_volatile(nb: nbformat.NotebookNode) -> None:
    """Execution counts and timing metadata, which change on every run, are not saved."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = None
            cell.metadata.pop("execution", None)
            for o in cell.get("outputs", []):
                if "execution_count" in o:
                    o["execution_count"] = None
    nb.metadata.pop("widgets", None)


def first_difference(saved: list[list[tuple]], fresh: list[list[tuple]]) -> str:
    if len(saved) != len(fresh):
        return f"{len(saved)} code cells saved, {len(fresh)} now"
    for i, (a, b) in enumerate(zip(saved, fresh), start=1):
        if a != b:
            return f"code cell {i}: saved {str(a)[:300]!r}, now {str(b)[:300]!r}"
    return ""


def check_claims(path: pathlib.Path) -> list[str]:
    import numscope

    r = numscope.check(path)
    bad = [f"{row['file']}:{row['line']}: {row['claim']} -> {row['verdict']} ({row['reason']})"
           for row in r.tables["claims"] if row["verdict"] != "TRUE"]
    if not r.tables["claims"].rows:
        bad.append(f"{path}: no claims")
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["check", "update"])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path, help="default: docs/notebooks/*.ipynb")
    args = parser.parse_args()
    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 2
    failures = 0
    for path in paths:
        start = time.monotonic()
        saved = nbformat.read(path, as_version=4)
        try:
            fresh = execute(path)
        except CellExecutionError as e:
            print(f"{path}: FAILED: a cell raised an error:\n{e}")
            failures += 1
            continue
        strip_volatile(fresh)
        problems = check_claims(path)
        if args.mode == "update":
            nbformat.write(fresh, path)
            state = "updated"
        else:
            diff = first_difference(comparable(saved), comparable(fresh))
            if diff:
                problems.append(f"outputs differ from the saved ones (run scripts/notebooks.py update): {diff}")
            state = "ok" if not problems else "FAILED"
        for p in problems:
            print(f"{path}: {p}")
        failures += bool(problems)
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {state} "
              f"({time.monotonic() - start:.1f} s)")
    print(f"{len(paths) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
