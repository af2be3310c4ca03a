"""Thin Celery tasks: they take ids, call a service, and are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from market.exports.services import export_files_purge, export_job_run, export_jobs_relay


@shared_task(name="market.exports.tasks.run_export_job")
def run_export_job(job_id: int) -> str:
    job = export_job_run(job_id=job_id)
    return "taken" if job is None else job.status


@shared_task(name="market.exports.tasks.relay")
def relay() -> int:
    return export_jobs_relay()


@shared_task(name="market.exports.tasks.purge_expired")
def purge_expired() -> int:
    return export_files_purge()
