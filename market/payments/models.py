"""Filled in by the payments issue."""
