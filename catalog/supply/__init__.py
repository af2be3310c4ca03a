"""Supply: a cooperative's raw-material areas (vùng nguyên liệu) and their plots, seasons and member
households, and the intakes from those households that make harvest lots.

Part of the catalog app (its models are imported at the end of catalog/models.py); nothing here imports
the apps above catalog. `catalog.supply.registry` is where a higher app (linkage contracts) plugs in what
it has contracted, for the supply outlook.
"""
