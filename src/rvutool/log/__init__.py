"""The procedure log: where logged work lives and every change to it, on SQLite or a practice's PostgreSQL."""
