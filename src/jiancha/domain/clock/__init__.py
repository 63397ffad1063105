"""The clock: working-day calendar (工作日) and the deadlines of cases computed from it."""
