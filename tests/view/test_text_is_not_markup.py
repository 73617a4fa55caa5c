"""Text from data files and users is shown as it is: never read as rich markup, never a terminal control."""

from __future__ import annotations

import json

from rvutool import paths


def import_descriptors(texts: dict[str, str]) -> None:
    """Descriptors as if imported from the user's own HCPCS file (one code per line)."""
    folder = paths.descriptors_file().parent
    folder.mkdir(parents=True, exist_ok=True)
    lines = ",\n".join(f"{json.dumps(code)}:{json.dumps(text)}" for code, text in texts.items())
    paths.descriptors_file().write_text("{\n" + lines + "\n}\n", encoding="utf-8")


def test_bracketed_descriptor_text_is_shown_whole_and_cannot_crash(rvutool):
    import_descriptors({"G9016": "Smoking cessation counseling [demo project code only]",
                        "G0121": "Colorectal screening [/] broken [bold]markup",
                        "99213": "Office visit \x1b]0;owned\x07 established \x1b[31mred"})
    out = rvutool("lookup", "G9016", "G0121", "99213")
    assert out.exit_code == 0, out.stderr
    assert "[demo project code only]" in out.stdout
    assert "[/] broken [bold]markup" in out.stdout
    assert "\x1b" not in out.stdout and "\x07" not in out.stdout and "established" in out.stdout
    hits = rvutool("search", "demo", "project", "--limit", "1000")
    assert hits.exit_code == 0 and "[demo" in hits.stdout  # wrapped in its column, but whole
    assert "counseling [demo project code only]" in " ".join(
        h["description"] or "" for h in rvutool("search", "demo", "project", "--json").json())


def test_a_csv_header_cannot_reach_the_terminal_as_a_control_sequence(rvutool, tmp_path):
    path = tmp_path / "evil.csv"
    path.write_text("date,code,\x1b]0;pwned\x07Patient\n2026-05-01,99213,x\n", encoding="utf-8")
    out = rvutool("import", str(path))
    assert out.exit_code == 0, out.stderr
    assert "\x1b" not in out.stderr and "\x07" not in out.stderr


def test_a_note_with_brackets_is_listed_as_typed(rvutool):
    rvutool("log", "99213", "--date", "2026-05-01", "--note", "[bold]knee[/bold] [/]")
    out = rvutool("list", "--all")
    assert "[bold]knee[/bold] [/]" in out.stdout
