"""Claim modules, one per source key; each exposes ``CLAIMS`` and is registered as an entry point."""
