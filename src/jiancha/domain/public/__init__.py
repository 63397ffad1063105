"""The public (SPEC section 7): complaints, satisfaction, the progress query."""
