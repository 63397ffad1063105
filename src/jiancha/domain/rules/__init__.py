"""Rule families (code) and the rules of a pack (data) that parameterise them (R-SIG-3, R-SIG-7)."""
