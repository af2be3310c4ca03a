"""Background work of orders: thin tasks that call a service and are safe to run twice."""

from celery import shared_task

from orders.services import orders_expire_unpaid


@shared_task(acks_late=True, reject_on_worker_lost=True)
def expire_unpaid_orders() -> int:
    """Cancel unpaid orders past their payment window and return their stock (beat, every 5 minutes)."""
    return orders_expire_unpaid()
