"""Which part of the code sets a code belongs to, from its shape and range alone.

The ranges follow the public structure of CPT, HCPCS Level II and CDT; the labels
are rvutool's own short names.
"""

from __future__ import annotations

# key -> label shown to users (and matched by `rvutool search`)
CATEGORIES: dict[str, str] = {
    "em": "Evaluation and management (E/M)",
    "anesthesia": "Anesthesia",
    "surgery-general": "Surgery: general",
    "surgery-integumentary": "Surgery: skin and breast (integumentary)",
    "surgery-musculoskeletal": "Surgery: bones, joints and muscles (musculoskeletal)",
    "surgery-respiratory": "Surgery: respiratory",
    "surgery-cardiovascular": "Surgery: heart and vessels (cardiovascular)",
    "surgery-hemic-lymphatic": "Surgery: blood and lymph (hemic and lymphatic)",
    "surgery-mediastinum": "Surgery: mediastinum and diaphragm",
    "surgery-digestive": "Surgery: digestive",
    "surgery-urinary": "Surgery: urinary",
    "surgery-male-genital": "Surgery: male genital",
    "surgery-reproductive": "Surgery: reproductive and intersex",
    "surgery-female-genital": "Surgery: female genital",
    "surgery-maternity": "Surgery: maternity and delivery",
    "surgery-endocrine": "Surgery: endocrine",
    "surgery-nervous": "Surgery: nervous system",
    "surgery-eye": "Surgery: eye and ocular adnexa",
    "surgery-auditory": "Surgery: ear (auditory)",
    "surgery-microscope": "Surgery: operating microscope",
    "radiology": "Radiology and imaging",
    "pathology-lab": "Pathology and laboratory",
    "medicine": "Medicine (non-surgical procedures and services)",
    "category-ii": "CPT Category II (performance measurement)",
    "category-iii": "CPT Category III (emerging technology)",
    "hcpcs-a": "HCPCS A: ambulance, medical supplies and miscellaneous",
    "hcpcs-b": "HCPCS B: enteral and parenteral therapy",
    "hcpcs-c": "HCPCS C: outpatient prospective payment (temporary)",
    "hcpcs-e": "HCPCS E: durable medical equipment",
    "hcpcs-g": "HCPCS G: procedures and professional services (temporary)",
    "hcpcs-h": "HCPCS H: behavioral health and substance use",
    "hcpcs-j": "HCPCS J: drugs given other than by mouth, and chemotherapy",
    "hcpcs-k": "HCPCS K: durable medical equipment (temporary)",
    "hcpcs-l": "HCPCS L: orthotics and prosthetics",
    "hcpcs-m": "HCPCS M: medical services and quality measures",
    "hcpcs-p": "HCPCS P: pathology and laboratory",
    "hcpcs-q": "HCPCS Q: miscellaneous (temporary)",
    "hcpcs-r": "HCPCS R: diagnostic radiology",
    "hcpcs-s": "HCPCS S: private payer codes (temporary)",
    "hcpcs-t": "HCPCS T: state Medicaid agency codes",
    "hcpcs-u": "HCPCS U: laboratory tests (public health emergency)",
    "hcpcs-v": "HCPCS V: vision and hearing",
    "hcpcs-other": "HCPCS Level II: other",
    "dental-diagnostic": "Dental (CDT): diagnostic",
    "dental-preventive": "Dental (CDT): preventive, including space maintainers",
    "dental-restorative": "Dental (CDT): restorative",
    "dental-endodontics": "Dental (CDT): endodontics",
    "dental-periodontics": "Dental (CDT): periodontics",
    "dental-removable-prosthodontics": "Dental (CDT): removable prosthodontics",
    "dental-maxillofacial-prosthetics": "Dental (CDT): maxillofacial prosthetics",
    "dental-implant": "Dental (CDT): implant services",
    "dental-fixed-prosthodontics": "Dental (CDT): fixed prosthodontics",
    "dental-oral-surgery": "Dental (CDT): oral and maxillofacial surgery",
    "dental-orthodontics": "Dental (CDT): orthodontics",
    "dental-adjunctive": "Dental (CDT): adjunctive general services",
    "other": "Other",
}

# Upper bounds (inclusive) of numeric CPT ranges, checked in order.
_CPT_RANGES: tuple[tuple[int, str], ...] = (
    (1999, "anesthesia"),
    (10003, "surgery-general"),
    (19499, "surgery-integumentary"),
    (29999, "surgery-musculoskeletal"),
    (32999, "surgery-respiratory"),
    (37799, "surgery-cardiovascular"),
    (38999, "surgery-hemic-lymphatic"),
    (39599, "surgery-mediastinum"),
    (49999, "surgery-digestive"),
    (53899, "surgery-urinary"),
    (55899, "surgery-male-genital"),
    (55999, "surgery-reproductive"),
    (58999, "surgery-female-genital"),
    (59899, "surgery-maternity"),
    (60999, "surgery-endocrine"),
    (64999, "surgery-nervous"),
    (68899, "surgery-eye"),
    (69979, "surgery-auditory"),
    (69999, "surgery-microscope"),
    (79999, "radiology"),
    (89999, "pathology-lab"),
    (99099, "medicine"),
    (99140, "anesthesia"),  # qualifying circumstances for anesthesia
    (99199, "medicine"),
    (99499, "em"),
    (99999, "medicine"),
)

_DENTAL_RANGES: tuple[tuple[int, str], ...] = (
    (999, "dental-diagnostic"),
    (1999, "dental-preventive"),
    (2999, "dental-restorative"),
    (3999, "dental-endodontics"),
    (4999, "dental-periodontics"),
    (5899, "dental-removable-prosthodontics"),
    (5999, "dental-maxillofacial-prosthetics"),
    (6199, "dental-implant"),
    (6999, "dental-fixed-prosthodontics"),
    (7999, "dental-oral-surgery"),
    (8999, "dental-orthodontics"),
    (9999, "dental-adjunctive"),
)


def _in_ranges(number: int, ranges: tuple[tuple[int, str], ...]) -> str:
    for upper, key in ranges:
        if number <= upper:
            return key
    return "other"


def category_of(code: str) -> str:
    code = code.upper()
    if len(code) != 5:
        return "other"
    if code.isdigit():
        return _in_ranges(int(code), _CPT_RANGES)
    head, tail = code[0], code[1:]
    if code[:4].isdigit():
        return {"F": "category-ii", "T": "category-iii", "U": "pathology-lab",
                "M": "pathology-lab"}.get(code[4], "other")
    if head == "D" and tail.isdigit():
        return _in_ranges(int(tail), _DENTAL_RANGES)
    key = f"hcpcs-{head.lower()}"
    return key if key in CATEGORIES else "hcpcs-other"


def label(key: str) -> str:
    return CATEGORIES.get(key, CATEGORIES["other"])


def is_dental(code: str) -> bool:
    return category_of(code).startswith("dental-")
