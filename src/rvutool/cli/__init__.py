"""The face: argv to one command function to an exit status (typer only in app.py)."""
