"""Who may do what, and over which part of the organisation (R-SEC-1)."""
