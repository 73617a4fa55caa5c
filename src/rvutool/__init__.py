"""rvutool: CMS work RVUs, a procedure log and wRVU summaries on the command line."""

__version__ = "0.1.0"
