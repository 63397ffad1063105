"""Pure domain logic: no I/O. Calendar arithmetic, the catalogue, events, case deadlines."""
