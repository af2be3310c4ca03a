"""Market Link: the marketplace and trade-fair system of a cooperative alliance."""

from market.celery import app as celery_app

__all__ = ["celery_app"]
