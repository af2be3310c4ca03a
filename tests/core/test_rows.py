"""market.core.rows: instances from plain SQL rows are what the ORM would make of them. The short cut past
Model.__init__ is taken only for models that build their instances as Model does."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.test.utils import isolate_apps

from market.core import rows


@isolate_apps("catalog")
def test_a_model_that_overrides_from_db_gets_its_call() -> None:
    class Recorded(models.Model):
        name = models.CharField(max_length=10)
        count = models.IntegerField()

        class Meta:
            app_label = "catalog"

        def __str__(self) -> str:
            return str(self.name)

        @classmethod
        def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
            instance = super().from_db(db, field_names, values)
            instance.loaded = dict(zip(field_names, values, strict=True))  # type: ignore[attr-defined]
            return instance

    found = rows.instance(Recorded, [7, "gạo", 3])
    assert found.loaded == {"id": 7, "name": "gạo", "count": 3}  # type: ignore[attr-defined]
    partial = rows.instance(Recorded, [7, "gạo"], {"id", "name"})
    assert partial.loaded == {"id": 7, "name": "gạo"}  # type: ignore[attr-defined]
    assert partial.get_deferred_fields() == {"count"}


@isolate_apps("catalog")
def test_a_model_that_overrides_init_gets_its_call() -> None:
    class Prepared(models.Model):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "catalog"

        def __str__(self) -> str:
            return str(self.name)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.prepared = True

    found = rows.instance(Prepared, [1, "mắm"])
    assert found.prepared is True
    assert (found.pk, found.name, found._state.adding, found._state.db) == (1, "mắm", False, "default")


@isolate_apps("catalog")
def test_a_plain_model_is_built_as_from_db_builds_it() -> None:
    class Plain(models.Model):
        name = models.CharField(max_length=10)
        count = models.IntegerField(null=True)

        class Meta:
            app_label = "catalog"

        def __str__(self) -> str:
            return str(self.name)

    assert rows.builds_like_model(Plain)
    made, expected = (
        rows.instance(Plain, [3, "tôm", None]),
        Plain.from_db("default", ["id", "name", "count"], [3, "tôm", None]),
    )
    assert (made.pk, made.name, made.count) == (expected.pk, expected.name, expected.count)
    assert (made._state.adding, made._state.db) == (expected._state.adding, expected._state.db) == (False, "default")
    assert rows.instance(Plain, [3, "tôm"], {"id", "name"}).get_deferred_fields() == {"count"}
