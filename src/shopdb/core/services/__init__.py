"""Services: every write of the core and of plugins passes through ``writes`` (audit + version)."""
