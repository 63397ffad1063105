"""Supervision work (督查督办, SPEC section 6): notices to departments and their deadlines."""
