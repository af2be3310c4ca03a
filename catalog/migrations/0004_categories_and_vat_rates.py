"""Reference data: the category tree (vi/en) and the VAT categories with their rates (Law 48/2024)."""

from decimal import Decimal

from django.db import migrations

# (slug, parent slug, Vietnamese, English)
CATEGORIES = [
    ("gao", None, "Gạo", "Rice"),
    ("gao-thom", "gao", "Gạo thơm", "Fragrant rice"),
    ("gao-huu-co", "gao", "Gạo hữu cơ", "Organic rice"),
    ("gao-nep", "gao", "Gạo nếp", "Glutinous rice"),
    ("thuy-san", None, "Thủy sản", "Seafood"),
    ("tom", "thuy-san", "Tôm", "Shrimp"),
    ("cua", "thuy-san", "Cua", "Crab"),
    ("ca", "thuy-san", "Cá", "Fish"),
    ("hai-san-kho", "thuy-san", "Hải sản khô", "Dried seafood"),
    ("trai-cay", None, "Trái cây", "Fruit"),
    ("khom-dua", "trai-cay", "Khóm (dứa)", "Pineapple"),
    ("xoai", "trai-cay", "Xoài", "Mango"),
    ("trai-cay-khac", "trai-cay", "Trái cây khác", "Other fruit"),
    ("nuoc-mam", None, "Nước mắm", "Fish sauce"),
    ("gia-vi", None, "Gia vị", "Spices"),
    ("ho-tieu", "gia-vi", "Hồ tiêu", "Pepper"),
    ("mat-ong", None, "Mật ong", "Honey"),
    ("rau-cu", None, "Rau củ", "Vegetables"),
    ("dua", None, "Dừa và sản phẩm từ dừa", "Coconut products"),
    ("thuc-pham-che-bien", None, "Thực phẩm chế biến", "Processed food"),
    ("thu-cong-my-nghe", None, "Thủ công mỹ nghệ", "Handicrafts"),
    ("dan-lat", "thu-cong-my-nghe", "Đan lát (lục bình, cói, tre)", "Woven goods (water hyacinth, sedge, bamboo)"),
    ("det-may", "thu-cong-my-nghe", "Dệt thổ cẩm", "Brocade weaving"),
]

# (code, Vietnamese, English, subject to VAT, rate %)
VAT_CATEGORIES = [
    ("khong-chiu-thue", "Không chịu thuế GTGT (nông sản chưa chế biến, người sản xuất tự bán)",
     "Not subject to VAT (unprocessed produce sold by its producer)", False, Decimal("0")),
    ("vat-5", "Thuế suất 5% (nông sản chưa chế biến ở khâu thương mại)",
     "5% (unprocessed produce at the commercial stage)", True, Decimal("5")),
    ("vat-8", "Thuế suất 8% (mức giảm tạm thời)", "8% (temporary reduced rate)", True, Decimal("8")),
    ("vat-10", "Thuế suất 10% (hàng đã chế biến, thủ công)", "10% (processed goods, crafts)", True, Decimal("10")),
]


def forwards(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    VatCategory = apps.get_model("catalog", "VatCategory")
    by_slug = {}
    for position, (slug, parent, name_vi, name_en) in enumerate(CATEGORIES):
        category, _ = Category.objects.update_or_create(
            slug=slug,
            defaults={"parent": by_slug.get(parent), "name_vi": name_vi, "name_en": name_en, "position": position},
        )
        by_slug[slug] = category
    for position, (code, name_vi, name_en, subject, rate) in enumerate(VAT_CATEGORIES):
        VatCategory.objects.update_or_create(
            code=code,
            defaults={
                "name_vi": name_vi,
                "name_en": name_en,
                "subject_to_vat": subject,
                "rate_percent": rate,
                "position": position,
            },
        )


def backwards(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    VatCategory = apps.get_model("catalog", "VatCategory")
    VatCategory.objects.filter(code__in=[row[0] for row in VAT_CATEGORIES]).delete()
    for slug, *_rest in reversed(CATEGORIES):
        Category.objects.filter(slug=slug).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_search_trigram_index")]

    operations = [migrations.RunPython(forwards, backwards)]
