"""Shared base models: timestamps, the audit log, and the worker heartbeat."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_M = TypeVar("_M", bound=models.Model)


class TimeStampedQuerySet(models.QuerySet[_M]):
    """Writes that bypass save() still move `updated_at`: incremental sync (docs/api-sync.md) finds a change
    only by it, and a bulk `.update()` or `bulk_update()` that forgot it would hide the change for good."""

    def update(self, **kwargs: Any) -> int:
        kwargs.setdefault("updated_at", timezone.now())
        return super().update(**kwargs)

    def bulk_update(self, objs: Iterable[_M], fields: Iterable[str], batch_size: int | None = None) -> int:
        objs = list(objs)
        names = list(fields)
        now = timezone.now()
        for obj in objs:
            obj.updated_at = now  # type: ignore[attr-defined]
        return super().bulk_update(objs, names if "updated_at" in names else [*names, "updated_at"], batch_size)


class ChangeTrackedModel(models.Model):
    """A row whose every change moves an indexed `updated_at`: what incremental sync reads (docs/api-sync.md)."""

    updated_at = models.DateTimeField(_("updated"), auto_now=True, editable=False, db_index=True)

    objects = TimeStampedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # `save(update_fields=[...])` writes only those columns: add updated_at so that the change is seen.
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "updated_at" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "updated_at"]
        super().save(*args, **kwargs)


class TimeStampedModel(ChangeTrackedModel):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, editable=False)

    class Meta:
        abstract = True


class Deletion(ChangeTrackedModel):
    """A tombstone: a row of a synced list was deleted. Incremental sync (docs/api-sync.md) can only tell a
    client about rows that exist, so a service that hard-deletes a synced row records one of these in the same
    transaction; `GET /api/v1/deletions/?updated_since=` hands them out like any list."""

    # The API resource the row was listed under, e.g. "supply.intake" (what the client deletes locally).
    resource = models.CharField(max_length=60)
    object_id = models.BigIntegerField()
    # Whose list it was in: the organisation that sees the tombstone.
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    # The API token scope that reads the list (an ApiScope value): a token sees only its scopes' tombstones.
    scope = models.CharField(max_length=40)

    class Meta:
        indexes = [models.Index(fields=["organisation", "updated_at", "id"], name="deletion_sync_idx")]
        verbose_name = _("deletion")
        verbose_name_plural = _("deletions")

    def __str__(self) -> str:
        return f"{self.resource}:{self.object_id} deleted"


class AuditEvent(models.Model):
    """Who did what to which object, written by services in the same transaction as the change."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80)
    target_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"], name="audit_target_idx")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"


class Heartbeat(models.Model):
    """Last time a named background process proved it was alive (the worker, beat)."""

    name = models.CharField(max_length=64, unique=True)
    last_seen = models.DateTimeField()
    hostname = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class OneTimeKey(models.Model):
    """A key a form was rendered with (or a client sent), claimed by the service that moves money in the same
    transaction as the change: a second submission with the key finds the first one's result instead of acting
    again (see `market.core.once`)."""

    action = models.CharField(max_length=80)
    key = models.CharField(max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.BigIntegerField(null=True, blank=True)
    # A digest of what the first call asked, when its row cannot tell (a state change: `Reuse.asked`); "" if none
    # (and for rows written by code older than the column).
    asked = models.CharField(max_length=64, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["action", "key"], name="one_time_key_unique")]
        verbose_name = _("one-time form key")
        verbose_name_plural = _("one-time form keys")

    def __str__(self) -> str:
        return f"{self.action} {self.key[:8]}… → {self.target_id}"
