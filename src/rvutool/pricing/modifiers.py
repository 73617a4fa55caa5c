"""Modifiers rvutool knows, and what each does to a work RVU.

`kind` groups them by how the rules engine treats them:
  row        selects its own CMS row (26, TC, 53)
  bilateral  -50 and the RT/LT pair
  role       surgeon role or share (62, 66, 80, 81, 82, AS)
  split      split global care (54, 55, 56, 78) and reduced service (52)
  info       informational: never changes the credit
"""

from __future__ import annotations

from rvutool.records import FrozenRecord


class Modifier(FrozenRecord):
    _fields = ("code", "kind", "meaning")

    def __init__(self, code: str, kind: str, meaning: str) -> None:
        self.__dict__.update(code=code, kind=kind, meaning=meaning)


_TABLE: tuple[tuple[str, str, str], ...] = (
    ("26", "row", "professional component: the physician's interpretation, with the full work RVU"),
    ("TC", "row", "technical component: equipment and staff only, no physician work"),
    ("53", "row", "discontinued procedure: uses CMS's own -53 row where one exists"),
    ("50", "bilateral", "bilateral procedure: credited by the code's bilateral indicator"),
    ("RT", "bilateral", "right side: informational alone; with LT on the same code, counts as bilateral"),
    ("LT", "bilateral", "left side: informational alone; with RT on the same code, counts as bilateral"),
    ("51", "info", "multiple procedures: the same-encounter ranking decides the reduction"),
    ("52", "split", "reduced service: credited at a fraction you give"),
    ("54", "split", "surgical care only: pre-operative plus intra-operative share"),
    ("55", "split", "post-operative management only: post-operative share, by days of care"),
    ("56", "split", "pre-operative management only: pre-operative share"),
    ("78", "split", "unplanned return to the operating room: intra-operative share"),
    ("62", "role", "co-surgeons: each surgeon is credited 62.5%"),
    ("66", "role", "team surgery: priced by report, credited at a fraction you give"),
    ("80", "role", "assistant surgeon: 16%"),
    ("81", "role", "minimum assistant surgeon: 16%"),
    ("82", "role", "assistant surgeon when no resident was available: 16%"),
    ("AS", "role", "assistant at surgery by a PA, NP or CNS: 13.6%"),
    ("22", "info", "increased procedural services: no automatic increase"),
    ("24", "info", "unrelated E/M visit during a post-operative period"),
    ("25", "info", "significant, separately identifiable E/M visit on the day of a procedure"),
    ("27", "info", "multiple outpatient hospital E/M encounters on one day"),
    ("32", "info", "mandated service"),
    ("33", "info", "preventive service"),
    ("57", "info", "decision for surgery"),
    ("58", "info", "staged or related procedure during the post-operative period"),
    ("59", "info", "distinct procedural service"),
    ("63", "info", "procedure on an infant under 4 kg"),
    ("76", "info", "repeat procedure by the same physician"),
    ("77", "info", "repeat procedure by another physician"),
    ("79", "info", "unrelated procedure during the post-operative period"),
    ("90", "info", "reference (outside) laboratory"),
    ("91", "info", "repeat clinical laboratory test"),
    ("95", "info", "synchronous telemedicine service"),
    ("99", "info", "multiple modifiers"),
    ("XE", "info", "separate encounter"),
    ("XS", "info", "separate structure or organ"),
    ("XP", "info", "separate practitioner"),
    ("XU", "info", "unusual non-overlapping service"),
    ("GC", "info", "performed in part by a resident under a teaching physician"),
    ("GE", "info", "performed by a resident without a teaching physician present"),
    ("GT", "info", "via interactive audio and video telecommunication"),
    ("GY", "info", "statutorily excluded item or service"),
    ("GZ", "info", "expected to be denied as not reasonable and necessary"),
    ("GA", "info", "waiver of liability statement on file"),
    ("AI", "info", "principal physician of record"),
    ("FS", "info", "split or shared E/M visit"),
    ("FT", "info", "unrelated E/M visit on the day of a procedure or in its global period"),
    ("Q5", "info", "substitute physician, reciprocal billing"),
    ("Q6", "info", "substitute physician, fee-for-time compensation"),
    ("E1", "info", "upper left eyelid"),
    ("E2", "info", "lower left eyelid"),
    ("E3", "info", "upper right eyelid"),
    ("E4", "info", "lower right eyelid"),
    ("FA", "info", "left hand, thumb"),
    *((f"F{i}", "info", f"finger {i} (by CMS's digit numbering)") for i in range(1, 10)),
    ("TA", "info", "left foot, great toe"),
    *((f"T{i}", "info", f"toe {i} (by CMS's digit numbering)") for i in range(1, 10)),
    ("LC", "info", "left circumflex coronary artery"),
    ("LD", "info", "left anterior descending coronary artery"),
    ("LM", "info", "left main coronary artery"),
    ("RC", "info", "right coronary artery"),
    ("RI", "info", "ramus intermedius coronary artery"),
)

MODIFIERS: dict[str, Modifier] = {code: Modifier(code, kind, text) for code, kind, text in _TABLE}
ROW_MODIFIERS = ("26", "TC", "53")


def get(code: str) -> Modifier | None:
    return MODIFIERS.get(code.upper())
