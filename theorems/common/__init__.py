"""Models and helpers that more than one claim pack needs, written once (not a claim module: it
declares no ``CLAIMS`` and is not registered as an entry point)."""
