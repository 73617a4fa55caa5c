"""The patient-identifier guard for --note and --case."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rvutool import phi
from rvutool.errors import IdentifierError


@pytest.mark.parametrize(("text", "kind"), [
    ("MRN 12345678", "medical record number"),
    ("pt 1234567 seen", "medical record number"),
    ("mrn: A12345", "medical record number"),
    ("chart #88123", "medical record number"),
    ("123-45-6789", "Social Security number"),
    ("ssn 123 45 6789", "Social Security number"),
    ("call (555) 123-4567", "phone number"),
    ("555.123.4567", "phone number"),
    ("+1 555 123 4567", "phone number"),
    ("call 555-1234", "phone number"),
    ("DOB 3/14/1962", "date"),
    ("seen 1962-03-14", "date"),
    ("born Mar 14, 1962", "date"),
    ("14 March 1962", "date"),
    ("3/14/62", "date"),
    ("d.o.b. unknown", "date"),
])
def test_identifiers_are_refused(text, kind):
    with pytest.raises(IdentifierError) as err:
        phi.check_free_text(text, field="--note", allow=False)
    message = err.value.message
    assert message.startswith("--note looks like it contains") and kind in message
    assert "--allow-identifiers" in message and err.value.exit_code == 1
    phi.check_free_text(text, field="--note", allow=True)  # the user says it is not one


@pytest.mark.parametrize("text", [
    "left knee, revision", "case 3", "bilateral 49505 and 47562", "tooth 14 and 19", "2.5 cm lesion",
    "started 10:30, 45 min", "x2 units", "level 4 E/M", "", "D6092 abutment", "T3-4 fusion", "BMI 31.5",
])
def test_ordinary_notes_pass(text):
    phi.check_free_text(text, field="--case", allow=False)


def test_message_does_not_repeat_the_identifier():
    with pytest.raises(IdentifierError) as err:
        phi.check_free_text("pt 98765432 knee", field="--note", allow=False)
    assert "98765432" not in err.value.message and "characters 4-11" in err.value.message


@given(st.text(alphabet="abcdefgh ,.", max_size=20), st.integers(100000, 10**12), st.text(alphabet="xyz ", max_size=10))
def test_any_run_of_six_digits_is_refused(before, number, after):
    with pytest.raises(IdentifierError):
        phi.check_free_text(f"{before}{number}{after}", field="--note", allow=False)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,", max_size=40))
def test_words_without_digits_pass(text):
    # words alone can only trip the DOB / MRN keywords; make sure the generated text has none
    if any(w in text.split() for w in ("dob", "born", "mrn", "chart")) or "date of birth" in text:
        return
    phi.check_free_text(text, field="--note", allow=False)


def test_log_refuses_and_writes_nothing(rvutool, home):
    out = rvutool("log", "99213", "--note", "MRN 1234567")
    assert out.exit_code == 1 and "medical record number" in out.stderr and "--allow-identifiers" in out.stderr
    assert not (home / "log.sqlite3").exists() or rvutool("list", "--all", "--json").json()["entries"] == []
    out = rvutool("log", "99213", "--case", "555-123-4567", "--allow-identifiers")
    assert out.exit_code == 0, out.stderr
