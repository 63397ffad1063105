"""File formats the platform reads and writes."""
