"""Plain-language names, aliases, the name index and search by clinical words."""
