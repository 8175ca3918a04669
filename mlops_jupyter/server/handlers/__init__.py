"""REST handlers, one module per area; each is parse → core call → JSON."""
