"""Filled in by the notifications issue."""
