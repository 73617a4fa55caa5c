"""The code's name wherever a code is shown: calc, the log confirmation, list, summary, export, report.
Codes and numbers are never cut to make room for a name; names give way on narrow terminals."""

from __future__ import annotations

import json
import re

import pytest

from rvutool.names import naming


def name(code: str) -> str:
    return naming.name_of(code).text


def whole(token: str, text: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(token)}(?![\w.])", text) is not None


@pytest.fixture
def logged(rvutool):
    """A November 2026: a knee replacement with a knee scope, an office visit, a dental code, a flu shot."""
    for args in (["27447", "29881-59", "--date", "2026-11-02", "--note", "left knee"],
                 ["99213", "D6092", "--date", "2026-11-05"],
                 ["G0008", "--date", "2026-11-06"]):
        result = rvutool("log", *args)
        assert result.exit_code == 0, result.stderr
    return rvutool


def test_calc_names_each_line(rvutool):
    out = rvutool("calc", "27447", "29881-59", "--date", "2026-08-01").stdout
    assert "27447" in out and name("27447") in " ".join(out.split())
    [line] = rvutool("calc", "27447", "--json").json()["lines"]
    assert line["name"] == name("27447")


def test_the_log_confirmation_names_each_item(rvutool):
    out = rvutool("log", "99213", "D1553", "--date", "2026-11-05").stdout
    assert name("99213") in out and name("D1553") in " ".join(out.split())
    lines = rvutool("log", "27447", "--date", "2026-11-06", "--json").json()["lines"]
    assert lines[0]["name"] == name("27447")


def test_list_names_each_entry(logged):
    out = logged("list", "--month", "2026-11").stdout
    assert "Name" in out.splitlines()[1]
    for code in ("27447", "99213", "D6092"):
        assert name(code)[:12] in out
    entries = logged("list", "--month", "2026-11", "--json").json()["entries"]
    assert all(e["name"] == name(e["code"]) for e in entries)


@pytest.mark.parametrize("columns", [60, 100])
def test_summary_by_code_names_each_code_and_cuts_only_names(logged, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    data = logged("summary", "--month", "2026-11", "--by", "code", "--json").json()
    out = logged("summary", "--month", "2026-11", "--by", "code").stdout
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns, out
    assert all(c["name"] == name(c["code"]) for c in data["codes"])
    header = next(line for line in lines if line.startswith("Code"))
    assert header.split()[:2] == ["Code", "Name"]
    for c in data["codes"]:
        row = next(line for line in lines if line.startswith(c["code"] + " "))
        for token in (str(c["entries"]), f"{c['base_wrvu']:.2f}", f"{c['wrvu']:.2f}"):
            assert whole(token, row), (token, row)
        shown = row[len(c["code"]):].strip().split("  ")[0]
        assert name(c["code"]).startswith(shown.rstrip("…")), (shown, row)
    if columns == 60:
        assert "…" in out  # the longer names gave way, and the category column went
        assert "Category" not in header
    else:
        assert "Category" in header and name("27447") in out


def test_list_at_60_columns_cuts_names_not_codes_or_numbers(logged, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    data = logged("list", "--month", "2026-11", "--json").json()
    out = logged("list", "--month", "2026-11").stdout
    assert max(len(line) for line in out.splitlines()) <= 60
    for e in data["entries"]:
        item = e["code"] + "".join(f"-{m}" for m in e["modifiers"])
        for token in (str(e["id"]), e["date"], item, f"{e['credited_wrvu']:.2f}"):
            assert whole(token, out), (token, out)


def test_export_carries_names_and_imports_back_without_them(logged, tmp_path, monkeypatch):
    csv_file, json_file = tmp_path / "log.csv", tmp_path / "log.json"
    logged("export", "--all", "-o", str(csv_file))
    logged("export", "--all", "--format", "json", "-o", str(json_file))
    header, *rows = csv_file.read_text(encoding="utf-8").splitlines()
    assert header.split(",")[3:5] == ["code", "name"]
    assert any(name("99213") in row for row in rows)
    entries = json.loads(json_file.read_text(encoding="utf-8"))["entries"]
    assert {e["code"]: e["name"] for e in entries}["D6092"] == name("D6092")
    before = logged("list", "--all", "--json").json()["entries"]
    for source in (csv_file, json_file):
        monkeypatch.setenv("RVUTOOL_HOME", str(tmp_path / source.suffix[1:]))
        result = logged("import", str(source))
        assert result.exit_code == 0, result.stderr
        after = logged("list", "--all", "--json").json()["entries"]
        assert [(e["code"], e["credited_wrvu"], e["name"]) for e in after] == \
            [(e["code"], e["credited_wrvu"], e["name"]) for e in before]


def test_an_export_from_before_names_still_imports(logged, tmp_path, monkeypatch):
    export = tmp_path / "old.csv"
    logged("export", "--all", "-o", str(export))
    lines = export.read_text(encoding="utf-8").splitlines()
    at = lines[0].split(",").index("name")
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:at] + r[at + 1:] for r in rows])
    export.write_text(out.getvalue(), encoding="utf-8")
    monkeypatch.setenv("RVUTOOL_HOME", str(tmp_path / "fresh"))
    result = logged("import", str(export))
    assert result.exit_code == 0, result.stderr
    assert len(logged("list", "--all", "--json").json()["entries"]) == len(rows) - 1


def test_the_report_names_each_code(logged, tmp_path):
    page = tmp_path / "report.html"
    result = logged("report", "--month", "2026-11", "-o", str(page))
    assert result.exit_code == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    from html import escape

    for code in ("27447", "99213", "D6092"):
        assert f'<td class="name">{escape(name(code))}</td>' in html
