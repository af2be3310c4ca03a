"""Filled in by the orders issue."""
