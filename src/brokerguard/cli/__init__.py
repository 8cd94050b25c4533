"""The ``brokerguard`` command line (Typer)."""
