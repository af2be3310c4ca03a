"""The lowest price per base unit (kg, litre, piece), what the catalogue sorts and filters by, filled for the
products there are; its index replaces the one on the lowest unit price."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations, models

# Frozen here (a migration must not follow later code): base units in one unit of sale.
KG = {"kg": 1, "ta": 100, "tan": 1000, "bao25": 25, "bao50": 50}
LITRES = {"lit": Decimal(1), "chai250": Decimal("0.25"), "chai500": Decimal("0.5"), "chai1l": Decimal(1)}


def fill(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    changed = []
    for product in Product.objects.exclude(price_from=None).only("id", "unit", "price_from"):
        per = Decimal(KG.get(product.unit) or LITRES.get(product.unit) or 1)
        product.price_per_base_unit = int((Decimal(product.price_from) / per).quantize(Decimal(1), ROUND_HALF_UP))
        changed.append(product)
    Product.objects.bulk_update(changed, ["price_per_base_unit"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_units_jar_box_pack_litre_bottles")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="price_per_base_unit",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="lowest price per base unit"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="product", name="product_price_idx"),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                condition=models.Q(("status", "published")),
                fields=["price_per_base_unit", "id"],
                name="product_base_price_idx",
            ),
        ),
    ]
