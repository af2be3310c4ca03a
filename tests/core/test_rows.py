"""market.core.rows: instances from plain SQL rows are what the ORM would make of them. The short cut past
Model.__init__ is taken only for models that build their instances as Model does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection, models
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


@pytest.mark.django_db
def test_rows_read_as_json_are_the_orms_instances(cooperative) -> None:
    """A list of rows read as one JSON value (`json_row`, `instances_from_json`): days, decimals with their
    trailing zeros, nulls, numbers and text come back as the ORM reads them."""
    from catalog.models import HarvestLot
    from tests.catalog.factories import make_lot, make_product

    product = make_product(cooperative)
    make_lot(product, code="A-1", quantity="1250.500")
    HarvestLot.objects.filter(code="A-1").update(expiry_date=None, note='"<gạo>" & \\')
    make_lot(product, code="A-2", quantity="7")
    names = ("id", "code", "quantity_available", "harvest_date", "expiry_date", "origin_province_code", "note")
    orm = list(HarvestLot.objects.filter(product=product).only(*names).order_by("code"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT to_jsonb(ARRAY(SELECT {rows.json_row(HarvestLot, 'l', names)} FROM catalog_harvestlot l"  # noqa: S608
            " WHERE l.product_id = %s ORDER BY l.code))",
            [product.pk],
        )
        listed = json.loads(cursor.fetchone()[0])
    found = rows.instances_from_json(HarvestLot, listed, names)

    def loaded(lot: HarvestLot) -> dict[str, Any]:
        return {name: value for name, value in vars(lot).items() if not name.startswith("_")}

    assert [loaded(lot) for lot in found] == [loaded(lot) for lot in orm]
    assert str(found[0].quantity_available) == str(orm[0].quantity_available)  # "1250.500", not 1250.5
    with pytest.raises(TypeError):
        rows.instances_from_json(HarvestLot, [], ("id", "created_at"))
