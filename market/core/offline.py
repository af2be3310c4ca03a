"""Records a phone wrote down while offline (an intake at the field, a delivery at the gate), sent when the
network is back: each under the key the phone gave it, in the language it was typed in, with the form's fields
exactly as typed ("1.250,5"), so the server reads them with the same rules as the online form.

Every record is answered on its own: `created`, `replayed` (sent before, its answer lost: what it made, and
nothing new), `invalid` (a field to correct) or `refused` (the state does not allow it, with the reason). One
record's failure is never the batch's. See docs/offline.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils import translation
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from market.core.errors import ApplicationError, ValidationFailed
from market.core.inputs import InputMode, read_input

MAX_RECORDS = 200


class TypedRecordInput(serializers.Serializer):
    """One record as the phone kept it: its key, the language it was typed in and the form's fields as typed."""

    key = serializers.UUIDField(label=gettext_lazy("Idempotency key"))
    language = serializers.ChoiceField(choices=["vi", "en"], default="vi", label=gettext_lazy("Language"))
    typed = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=400, trim_whitespace=False),
        label=gettext_lazy("Fields as typed"),
    )


@dataclass(frozen=True)
class Recorded:
    """What one record made: the row's id, whether an earlier send made it, and what to tell the person."""

    pk: int
    replayed: bool
    message: str


# Records one record: given its key and its fields as a form post, returns what it made; raises the service's
# errors (ValidationFailed, or another ApplicationError when the state refuses it).
RecordOne = Callable[[uuid.UUID, QueryDict], Recorded]


def answer_record(raw: dict[str, Any], *, made: str, record: RecordOne) -> dict[str, Any]:
    """Read one record and record it (in the language it was typed in) with `record`; the answer names the row
    it made under `made` ("intake", "delivery")."""
    answer: dict[str, Any] = {"key": str(raw.get("key", "")), made: None, "field_errors": {}}
    try:
        fields = read_input(TypedRecordInput, raw, mode=InputMode.JSON)
        typed = QueryDict(mutable=True)
        for name, value in fields["typed"].items():
            typed[name] = value
        with translation.override(fields["language"]):
            done = record(fields["key"], typed)
    except ValidationFailed as error:
        return {**answer, "status": "invalid", "message": error.message, "field_errors": error.fields}
    except ApplicationError as error:
        return {**answer, "status": "refused", "message": error.message, "field_errors": error.fields}
    return {**answer, "status": "replayed" if done.replayed else "created", made: done.pk, "message": done.message}


class SyncInput(serializers.Serializer):
    records = serializers.ListField(
        child=serializers.DictField(),
        min_length=1,
        max_length=MAX_RECORDS,
        help_text="Each as TypedRecordInput: key (UUID), language (vi, en), typed (the form's fields as typed).",
    )


class SyncResultOut(serializers.Serializer):
    """One record's answer; each kind of record adds the id of the row it made."""

    key = serializers.CharField()
    status = serializers.CharField(help_text="created, replayed (sent before: nothing new), invalid or refused.")
    message = serializers.CharField()
    field_errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text="Messages per field of the form."
    )
