"""Filled in by the fairs issue."""
