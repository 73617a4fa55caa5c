"""Everything shown to a person: terminal, plain text and CSV rows, the HTML report, PDF printing."""
