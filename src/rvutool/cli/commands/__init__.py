"""One module per group of commands: what each does once its arguments are parsed."""
