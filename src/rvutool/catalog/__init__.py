"""CMS code data, bundled and imported, by code and date."""
