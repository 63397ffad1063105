"""Use cases: each combines domain decisions and store queries in one transaction."""
