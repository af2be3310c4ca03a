"""New sales units: lít, chai 250 ml / 500 ml / 1 lít, hũ (jar), hộp (box), gói (pack)."""

from django.db import migrations, models

UNITS = [('kg', 'kg'), ('ta', 'tạ (100 kg)'), ('tan', 'tấn (1,000 kg)'), ('bao25', 'bao 25 kg'), ('bao50', 'bao 50 kg'), ('lit', 'lít (litre)'), ('thung', 'thùng (carton)'), ('chai', 'chai (bottle)'), ('chai250', 'chai 250 ml (bottle)'), ('chai500', 'chai 500 ml (bottle)'), ('chai1l', 'chai 1 lít (bottle)'), ('hu', 'hũ (jar)'), ('hop', 'hộp (box)'), ('goi', 'gói (pack)'), ('cai', 'cái (piece)')]


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_supply_areas_plots_seasons_households_intakes")]

    operations = [
        migrations.RemoveConstraint(model_name="product", name="product_unit_valid"),
        migrations.AlterField(
            model_name="product",
            name="unit",
            field=models.CharField(choices=UNITS, max_length=8, verbose_name="sales unit"),
        ),
        migrations.AlterField(
            model_name="traceevent",
            name="unit",
            field=models.CharField(blank=True, choices=UNITS, max_length=8, verbose_name="unit"),
        ),
        migrations.AddConstraint(
            model_name="product",
            constraint=models.CheckConstraint(
                condition=models.Q(("unit__in", [code for code, _label in UNITS])), name="product_unit_valid"
            ),
        ),
    ]
