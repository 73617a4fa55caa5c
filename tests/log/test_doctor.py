"""`rvutool doctor` finds damage SQLite does not see at open; big writes refuse damage where they read and write.

The byte-flip test is the review's: flip one byte in each page of a real log, then ask. Wherever doctor
says the log is sound, `list` must find the same entries on the same dates: damage to the b-trees and
indexes (which once gave a silently wrong `list`) is always reported. A flip inside a text cell's bytes
changes that text and nothing else; rows carry no checksum, so that alone is not detectable.
"""

from __future__ import annotations

import shutil
import sqlite3

from rvutool import paths


def sound_log(rvutool) -> bytes:
    for day in range(1, 29):
        rvutool("log", "47562", "49505", "99213-25", "--date", f"2026-02-{day:02d}", "--note", f"case {day}")
    with sqlite3.connect(paths.log_file()) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return paths.log_file().read_bytes()


def test_a_sound_log_is_reported_sound(rvutool):
    sound_log(rvutool)
    out = rvutool("doctor")
    assert out.exit_code == 0 and "is sound" in out.stdout
    assert rvutool("doctor", "--json").json()["ok"] is True


def test_every_single_page_byte_flip_is_found_or_harmless(rvutool, tmp_path, monkeypatch):
    original = sound_log(rvutool)
    def entries() -> list[tuple[int, str]]:
        return [(e["id"], e["date"]) for e in rvutool("list", "--all", "--json").json()["entries"]]

    listed = entries()
    page = 4096
    flipped_found = refused = 0
    for number in range(1, len(original) // page):
        home = tmp_path / f"flip-{number}"
        home.mkdir()
        damaged = bytearray(original)
        damaged[number * page + page // 2] ^= 0x5A
        (home / "log.sqlite3").write_bytes(bytes(damaged))
        monkeypatch.setenv("RVUTOOL_HOME", str(home))
        doctor = rvutool("doctor")
        assert doctor.exit_code in (0, 1) and "internal error" not in doctor.stderr + doctor.stdout
        if doctor.exit_code == 0:
            assert entries() == listed, f"page {number}: different entries, doctor ok"
        else:
            flipped_found += 1
            if "SQLite: " in doctor.stdout or "is damaged or" in doctor.stdout:  # pages or indexes, not one value
                # A recalc that rewrites every entry (each takes the new policy) checks what it reads and writes,
                # not every page: it refuses, changing nothing, or the damage lies where it never wrote, and
                # doctor finds exactly what it found before.
                rvutool("config", "set", "policy.multiple_procedure", "none")
                before = (home / "log.sqlite3").read_bytes()
                if rvutool("recalc", "--all", "--yes").exit_code == 1:
                    refused += 1
                    assert (home / "log.sqlite3").read_bytes() == before
                else:
                    assert rvutool("doctor").stdout == doctor.stdout, f"page {number}: a recalc wrote over damage"
        shutil.rmtree(home)
    assert flipped_found >= 5 and refused >= 5


def test_day_totals_out_of_step_are_reported(rvutool):
    sound_log(rvutool)
    with sqlite3.connect(paths.log_file()) as db:
        db.execute("UPDATE day_totals SET credited_wrvu_c = credited_wrvu_c + 1 WHERE service_date = '2026-02-03'")
    out = rvutool("doctor")
    assert out.exit_code == 1
    assert "day totals disagree with the entries" in out.stdout and "restore" not in out.stderr
    assert "latest export" in out.stdout
