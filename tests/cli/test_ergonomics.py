"""What a new user's trial ran into: narrow terminals, unexplained credits, month names, a table printed twice.

Work RVUs used below (RVU26C, in force for November 2026 dates of service):
    47562 10.21 · 49505 7.76 · 27447 19.11 · 64483 1.85 · 99213 1.30 · D6092 none (dental)
"""

from __future__ import annotations

import re
from datetime import date

import pytest

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("RVUTOOL_TODAY", TODAY.isoformat())


@pytest.fixture
def logged(rvutool):
    """A November 2026 of surgical encounters whose credits the payment rules change."""
    for args in (["47562", "49505", "--date", "2026-11-01"],  # 49505 is the 2nd procedure: 50%
                 ["27447-80", "--date", "2026-11-02", "--note", "assistant for Dr B, long case, left knee"],
                 ["27447-62", "--date", "2026-11-03"],
                 ["64483-50", "--date", "2026-11-04", "--case", "case 3"],
                 ["99213", "D6092", "--date", "2026-11-05"]):
        result = rvutool("log", *args)
        assert result.exit_code == 0, result.stderr
    return rvutool


def whole(token: str, text: str) -> bool:
    """`token` appears in `text` with no digit, letter or point glued to either side (so not cut)."""
    return re.search(rf"(?<![\w.]){re.escape(token)}(?![\w.])", text) is not None


def line_of(text: str, item: str) -> str:
    [line] = [row for row in text.splitlines() if f"  {item} " in row]
    return line


# ---------------------------------------------------------------- list says why a credit changed
def test_list_shows_a_short_reason_on_every_changed_line(logged):
    out = logged("list", "--month", "2026-11").stdout
    assert "2nd procedure 50%" in line_of(out, "49505") and "3.88" in line_of(out, "49505")  # 7.76 x 50%
    assert "assistant 16%" in line_of(out, "27447-80") and "3.06" in line_of(out, "27447-80")  # 19.11 x 16%
    assert "co-surgeon 62.5%" in line_of(out, "27447-62") and "11.94" in line_of(out, "27447-62")  # 19.11 x 62.5%
    assert "bilateral 150%" in line_of(out, "64483-50") and "2.78" in line_of(out, "64483-50")  # 1.85 x 150%
    # credited as entered: no reason to give
    assert "%" not in line_of(out, "47562") and "%" not in line_of(out, "99213")


def test_each_reason_matches_the_saved_adjustment(logged):
    entries = {e["code"] + "".join(f"-{m}" for m in e["modifiers"]): e
               for e in logged("list", "--month", "2026-11", "--json").json()["entries"]}
    assert [(a["rule"], a["factor"]) for a in entries["49505"]["adjustments"]] == [("multiple-procedure", "0.5")]
    assert [(a["rule"], a["factor"]) for a in entries["27447-80"]["adjustments"]] == [("assistant", "0.16")]
    assert [(a["rule"], a["factor"]) for a in entries["64483-50"]["adjustments"]] == [("bilateral", "1.5")]


def test_adjustment_labels():
    from rvutool.pricing.priced import adjustment_label

    reason = "49505 ranked 3rd of 3 by facility total RVU (13.60; multiple procedure indicator 2): 50%"
    assert adjustment_label({"rule": "multiple-procedure", "factor": "0.5", "reason": reason}) == "3rd procedure 50%"
    assert adjustment_label({"rule": "multiple-procedure", "factor": "1", "reason": "ranked 1st"}) is None
    assert adjustment_label({"rule": "assistant", "factor": "0.136"}) == "assistant 13.6%"
    assert adjustment_label({"rule": "bilateral", "factor": "0.75"}) == "bilateral 75% each"
    assert adjustment_label({"rule": "endoscopy-family", "factor": "0"}) == "endoscopy base 0%"
    assert adjustment_label({"rule": "reduced-service", "factor": 0.5}) == "reduced service 50%"


# ---------------------------------------------------------------- narrow terminals
@pytest.mark.parametrize("columns", [60, 100])
def test_list_fits_the_terminal_and_cuts_no_code_or_number(logged, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    data = logged("list", "--month", "2026-11", "--json").json()
    out = logged("list", "--month", "2026-11").stdout
    assert max(len(line) for line in out.splitlines()) <= columns
    for e in data["entries"]:
        item = e["code"] + "".join(f"-{m}" for m in e["modifiers"])
        for token in (f"{e['id']}", e["date"], item, f"{e['credited_wrvu']:.2f}"):
            assert whole(token, out), (token, out)
    assert whole(f"{data['total_wrvu']:.2f}", out)
    for token in ("50%", "16%", "62.5%", "150%"):
        assert whole(token, out)
    assert "case 3" in out and "left" in out


@pytest.mark.parametrize("columns", [60, 100])
def test_list_explain_fits_the_terminal(logged, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    out = logged("list", "--month", "2026-11", "--explain").stdout
    assert max(len(line) for line in out.splitlines()) <= columns
    assert "base 19.11 x 1 = 19.11" in out  # 27447: 19.11 x 1 unit


@pytest.mark.parametrize("columns", [60, 100])
def test_summary_fits_the_terminal_and_cuts_no_code_or_number(logged, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    logged("config", "set", "rate", "55.50")
    logged("config", "set", "target.month", "300")
    options = ["--month", "2026-11", "--locality", "01182-18", "--by", "category", "--chart"]
    data = logged("summary", *options, "--json").json()
    out = logged("summary", *options).stdout
    assert max(len(line) for line in out.splitlines()) <= columns, out
    for c in data["codes"]:
        for token in (c["code"], str(c["entries"]), f"{c['base_wrvu']:.2f}", f"{c['wrvu']:.2f}"):
            assert whole(token, out), (token, out)
    for g in data["groups"]:
        assert whole(f"{g['wrvu']:.2f}", out)
    for token in (f"{data['total_wrvu']:.2f}", f"{data['base_wrvu']:.2f}", f"${data['estimated_compensation']:,.2f}",
                  f"${data['estimated_medicare_allowed']['amount']:,.2f}", "300.00", "01182-18", "2026-11-01"):
        assert whole(token, out), (token, out)
    if columns == 60:
        assert "…" in out  # the long category names gave way


def test_summary_by_code_prints_the_code_table_once(logged):
    out = logged("summary", "--month", "2026-11", "--by", "code").stdout
    assert sum(line.startswith("27447 ") for line in out.splitlines()) == 1
    assert "By code" not in out
    by_day = logged("summary", "--month", "2026-11", "--by", "day").stdout
    assert "By day" in by_day and sum(line.startswith("27447 ") for line in by_day.splitlines()) == 1


# ---------------------------------------------------------------- --month by name
@pytest.mark.parametrize("month", ["nov", "Nov", "november", "NOVEMBER", "nov-2026"])
def test_a_month_by_name_is_this_years(logged, month):
    by_number = logged("list", "--month", "2026-11", "--json").json()
    by_name = logged("list", "--month", month, "--json").json()
    assert by_name == by_number and len(by_name["entries"]) == 7
    summary = logged("summary", "--month", month, "--json").json()
    assert (summary["from"], summary["to"], summary["total_wrvu"]) == ("2026-11-01", "2026-11-30",
                                                                      by_number["total_wrvu"])


def test_every_period_command_takes_a_month_name(logged):
    logged("log", "99213", "--date", "2025-11-03")
    assert [e["date"] for e in logged("list", "--month", "nov-2025", "--json").json()["entries"]] == ["2025-11-03"]
    exported = logged("export", "--month", "Nov").stdout.splitlines()
    assert len(exported) == 1 + 7  # header and November 2026's seven entries
    recalc = logged("recalc", "--month", "november", "--yes")
    assert recalc.exit_code == 0 and "November 2026: 7 entries" in recalc.stdout


@pytest.mark.parametrize("command", ["list", "summary", "export", "recalc"])
def test_a_word_that_is_no_month_is_one_clear_error(rvutool, command):
    result = rvutool(command, "--month", "soon")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == ("Error: --month 'soon' is not a month: use YYYY-MM or a month's name, such as "
                             "2026-02, nov or nov-2025\n")


def test_plain_columns_move_text_under_the_row_when_it_cannot_fit():
    from rvutool.view.text import columns

    rows = [["1", "2026-11-01", "49505-50-RT", "1", "11.64", "2nd procedure 50%, needs-documentation", "case 3"]]
    out = columns(["#", "Date", "Item", "Units", "wRVU", "Flags", "Note"], rows, {0, 3, 4}, width=40,
                  wrap=frozenset({5, 6}))
    assert out.splitlines() == [
        "#  Date        Item         Units   wRVU",
        "   Flags · Note",
        "1  2026-11-01  49505-50-RT      1  11.64",
        "   2nd procedure 50%,",
        "   needs-documentation · case 3",
    ]
