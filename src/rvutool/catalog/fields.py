"""The fields of a dataset row, in the order they are stored, and the CMS header each comes from.

Kept apart from cmsfile (the CSV readers) so that reading a dataset imports no CSV machinery.
"""

from __future__ import annotations

# Our field names and the CMS header each comes from (upper case, spaces and hyphens removed).
ROW_FIELDS: tuple[tuple[str, str], ...] = (
    ("status", "STATUSCODE"),
    ("not_used", "NOTUSEDFORMEDICAREPAYMENT"),
    ("work", "WORKRVU"),
    ("pe_nonfacility", "NONFACPERVU"),
    ("pe_nonfacility_na", "NONFACNAINDICATOR"),
    ("pe_facility", "FACILITYPERVU"),
    ("pe_facility_na", "FACILITYNAINDICATOR"),
    ("mp", "MPRVU"),
    ("total_nonfacility", "NONFACILITYTOTAL"),
    ("total_facility", "FACILITYTOTAL"),
    ("pctc", "PCTCIND"),
    ("global_days", "GLOBDAYS"),
    ("pre_op", "PREOP"),
    ("intra_op", "INTRAOP"),
    ("post_op", "POSTOP"),
    ("mult_proc", "MULTPROC"),
    ("bilateral", "BILATSURG"),
    ("assistant", "ASSTSURG"),
    ("cosurgeon", "COSURG"),
    ("team", "TEAMSURG"),
    ("endo_base", "ENDOBASE"),
    ("imaging_family", "DIAGNOSTICIMAGINGFAMILYINDICATOR"),
    ("supervision", "PHYSICIANSUPERVISIONOFDIAGNOSTICPROCEDURES"),
)
FIELD_NAMES = tuple(name for name, _ in ROW_FIELDS)
DECIMAL_FIELDS = frozenset(
    {"work", "pe_nonfacility", "pe_facility", "mp", "total_nonfacility", "total_facility",
     "pre_op", "intra_op", "post_op"}
)
