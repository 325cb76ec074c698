"""Result objects: a command's tables as Python data, rendered as the CLI renders them.

A Result holds the C++ result (support/result.h) and reads its cells once into Python values: exact values as
:class:`Exact` (a ``str`` of the full decimal expansion, convertible to ``fractions.Fraction``), integers as
``int`` (any size), measurements as ``float``, text as ``str``, flags as ``bool``, absent values as ``None``.
Rows are dicts with the keys of ``numscope ... -o json`` (an exact column ``k`` comes with ``k_f64``, its
nearest double); Markdown, text, CSV and JSON come from the library's one renderer, byte for byte the CLI's.
"""

from __future__ import annotations

import decimal
import html
from fractions import Fraction
from typing import Any, Iterator, NamedTuple


class Exact(str):
    """An exact value: the full decimal expansion the library computed ("123456.7890625", "-0", "inf",
    "nan", or "p/q" for a value whose expansion does not terminate).

    It is the string ``-o json`` prints, so it compares equal to it; ``.fraction`` (or ``Fraction(x)``) is the
    exact rational, ``float(x)`` the nearest double.

    >>> import numscope
    >>> stored = numscope.store("123456.789", "fp32").table[0]["stored"]
    >>> stored, stored.fraction, float(stored)
    (Exact('123456.7890625'), Fraction(15802469, 128), 123456.7890625)
    """

    __slots__ = ("_f64",)

    def __new__(cls, decimal: str, f64: float | None = None) -> "Exact":
        self = super().__new__(cls, decimal)
        self._f64 = f64
        return self

    @property
    def decimal(self) -> str:
        """The exact decimal expansion as a plain str."""
        return str.__str__(self)

    @property
    def is_finite(self) -> bool:
        return self.decimal not in ("inf", "-inf", "nan")

    @property
    def fraction(self) -> Fraction:
        """The exact value as a Fraction; ValueError for inf and NaN, which no Fraction holds."""
        if not self.is_finite:
            raise ValueError(f"{self.decimal} is not a finite number: no Fraction holds it")
        # Through Decimal, not Fraction(str): int(str) refuses more than 4300 digits (Python 3.11+), and wide
        # formats (e15m112) have exact values of thousands.
        num, _, den = self.decimal.partition("/")
        value = Fraction(decimal.Decimal(num))
        return value / Fraction(decimal.Decimal(den)) if den else value

    @property
    def f64(self) -> float | None:
        """The nearest double (None for inf, NaN and values beyond binary64's range), as -o json's `_f64`."""
        return self._f64

    def __float__(self) -> float:
        if self._f64 is not None:
            return self._f64
        return float(self.decimal) if "/" not in self.decimal else float(self.fraction)

    def __repr__(self) -> str:
        return f"Exact({self.decimal!r})"

    def __reduce__(self):
        return (Exact, (self.decimal, self._f64))


class Column(NamedTuple):
    """A column: its snake_case key (-o json, CSV), its label (text, Markdown) and its type (exact, integer,
    float, text, flag)."""

    key: str
    label: str
    type: str
    shown: str  # everywhere, display (text and Markdown only) or data (JSON and CSV only)


def _value(cell: tuple) -> Any:
    kind, value, number, _display = cell
    if kind == "exact":
        return Exact(value, number)
    if kind == "integer":
        return int(value)
    if kind == "float":
        return float(number) if number is not None else float(value)
    if kind == "flag":
        return value == "true"
    if kind == "text":
        return value
    return None


def _rows(columns: list[Column], raw_rows: list[list[tuple]]) -> list[dict[str, Any]]:
    data = [(i, c) for i, c in enumerate(columns) if c.shown != "display"]
    rows = []
    for raw in raw_rows:
        row: dict[str, Any] = {}
        for i, c in data:
            v = _value(raw[i])
            row[c.key] = v
            if c.type == "exact":  # -o json writes the nearest double beside every exact value
                row[c.key + "_f64"] = v.f64 if isinstance(v, Exact) else None
        rows.append(row)
    return rows


class Table:
    """One named table of a Result: rows as dicts (the keys of -o json), columns, notes.

    ``len(t)``, ``t[i]`` (a row), ``t["key"]`` (a column's values), iteration over rows, ``to_pandas()``,
    ``to_markdown()`` (the CLI's Markdown for this table with ``--table NAME``).
    """

    def __init__(self, result: "Result", data: dict[str, Any]):
        self._result = result
        self.name: str = data["name"]
        self.title: str = data["title"]
        self.columns: list[Column] = [Column(c["key"], c["label"], c["type"], c["shown"]) for c in data["columns"]]
        self.notes: list[str] = list(data["notes"])
        self._raw = data["rows"]
        self._rows: list[dict[str, Any]] | None = None

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Every row as a dict with the keys of -o json."""
        if self._rows is None:
            self._rows = _rows(self.columns, self._raw)
        return self._rows

    @property
    def keys(self) -> list[str]:
        """The keys of a row, in -o json's order."""
        return list(self.rows[0]) if self.rows else [
            k for c in self.columns if c.shown != "display"
            for k in ((c.key, c.key + "_f64") if c.type == "exact" else (c.key,))]

    def __len__(self) -> int:
        return len(self._raw)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def __getitem__(self, index: int | slice | str) -> Any:
        if isinstance(index, str):
            if index not in self.keys:
                raise KeyError(f"table '{self.name}' has no column '{index}'; its keys: {', '.join(self.keys)}")
            return [row[index] for row in self.rows]
        return self.rows[index]

    def to_pandas(self, exact: str = "exact"):
        """The rows as a pandas DataFrame, one column per -o json key. `exact` says what exact values become:
        "exact" (Exact strings; the `_f64` columns hold their doubles), "fraction" (fractions.Fraction, inf and
        NaN as float) or "float" (their nearest doubles)."""
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - only without the optional dependency
            raise ImportError("to_pandas() needs pandas: pip install pandas") from e
        if exact not in ("exact", "fraction", "float"):
            raise ValueError("exact is 'exact', 'fraction' or 'float'")

        def convert(v: Any) -> Any:
            if not isinstance(v, Exact) or exact == "exact":
                return v
            if exact == "float" or not v.is_finite:
                return float(v)
            return v.fraction

        return pd.DataFrame([{k: convert(v) for k, v in row.items()} for row in self.rows], columns=self.keys)

    def to_markdown(self) -> str:
        """This table as the CLI prints it with -o md --table NAME."""
        return self._result._native.render("md", self.name)

    def to_text(self) -> str:
        return self._result._native.render("table", self.name)

    def to_csv(self) -> str:
        return self._result._native.render("csv", self.name)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return _html_table(self, self._raw_display())

    def _raw_display(self) -> tuple[list[Column], list[list[str]]]:
        shown = [(i, c) for i, c in enumerate(self.columns) if c.shown != "data"]
        body = [[cell[3] if cell[3] is not None else cell[1] for cell in (row[i] for i, _ in shown)]
                for row in self._raw]
        return [c for _, c in shown], body

    def __repr__(self) -> str:
        return self.to_text()


def _html_table(table: Table, display: tuple[list[Column], list[list[str]]]) -> str:
    """The table as HTML for Jupyter, from the same display forms text and Markdown show."""
    columns, body = display
    align = {c.key: ("right" if c.type in ("exact", "integer", "float") else "left") for c in columns}
    out = []
    if table.title:
        out.append(f"<p><b>{html.escape(table.title)}</b></p>")
    out.append("<table>")
    out.append("<thead><tr>" + "".join(f"<th style=\"text-align:{align[c.key]}\">{html.escape(c.label)}</th>"
                                       for c in columns) + "</tr></thead>")
    out.append("<tbody>")
    for row in body:
        out.append("<tr>" + "".join(f"<td style=\"text-align:{align[c.key]}\">{html.escape(v)}</td>"
                                    for c, v in zip(columns, row)) + "</tr>")
    out.append("</tbody></table>")
    for note in table.notes:
        out.append(f"<p>{html.escape(note)}</p>")
    return "\n".join(out)


class Result:
    """What a numscope command returns: named tables (``result.tables["store"]``), the request as the command
    understood it, and notes. ``to_markdown()`` is the Markdown the CLI prints; in Jupyter a Result shows as
    its tables.

    >>> import numscope
    >>> r = numscope.store("123456.789", ["bf16", "e4m3"])
    >>> [(row["format"], row["stored"], row["status"]) for row in r.tables["store"]]
    [('bf16', Exact('123392'), 'rounded'), ('e4m3', Exact('nan'), 'overflow')]
    """

    def __init__(self, native: Any):
        self._native = native
        data = native.data()
        self.command: str = data["command"]
        self.request: dict[str, Any] = {
            key: [_value(c) for c in values] if is_list else (_value(values[0]) if values else None)
            for key, values, is_list in data["request"]}
        self.tables: dict[str, Table] = {t["name"]: Table(self, t) for t in data["tables"]}
        self.intro: list[str] = list(data["intro"])
        self.notes: list[str] = list(data["notes"])
        self.errors: list[str] = list(data["errors"])
        self.status: int = data["status"]

    @property
    def table(self) -> Table:
        """The first table (the only one for most commands)."""
        return next(iter(self.tables.values()))

    def to_markdown(self) -> str:
        """The Markdown the CLI prints for this request with -o md."""
        return self._native.render("md", "")

    def to_text(self) -> str:
        """The aligned text the CLI prints by default."""
        return self._native.render("table", "")

    def to_json(self) -> str:
        """The JSON the CLI prints with -o json."""
        return self._native.render("json", "")

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        parts = [f"<p>{html.escape(line)}</p>" for line in self.intro if line]
        parts += [t._repr_html_() for t in self.tables.values()]
        parts += [f"<p>{html.escape(line)}</p>" for line in self.notes if line]
        return "\n".join(parts)

    def __repr__(self) -> str:
        return self.to_text()
