"""Reference data the catalogue cannot work without: the category tree and the VAT categories.

Migration 0003 creates them; `ensure_reference_data` (run after every migrate and database flush, like
Django's content types) recreates any that are missing and never overwrites what staff edited.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# (slug, parent slug, Vietnamese, English)
CATEGORIES: list[tuple[str, str | None, str, str]] = [
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

# (code, Vietnamese, English, subject to VAT, rate %) — Law 48/2024; staff adjust rates in the admin.
VAT_CATEGORIES: list[tuple[str, str, str, bool, Decimal]] = [
    ("khong-chiu-thue", "Không chịu thuế GTGT (nông sản chưa chế biến, người sản xuất tự bán)",
     "Not subject to VAT (unprocessed produce sold by its producer)", False, Decimal("0")),
    ("vat-5", "Thuế suất 5% (nông sản chưa chế biến ở khâu thương mại)",
     "5% (unprocessed produce at the commercial stage)", True, Decimal("5")),
    ("vat-8", "Thuế suất 8% (mức giảm tạm thời)", "8% (temporary reduced rate)", True, Decimal("8")),
    ("vat-10", "Thuế suất 10% (hàng đã chế biến, thủ công)", "10% (processed goods, crafts)", True, Decimal("10")),
]  # fmt: skip


def ensure_reference_data(category_model: Any, vat_model: Any, using: str = "default") -> None:
    """Create the missing categories and VAT categories (models passed in, so migrations can use it)."""
    by_slug: dict[str, Any] = {c.slug: c for c in category_model.objects.using(using).all()}
    for position, (slug, parent, name_vi, name_en) in enumerate(CATEGORIES):
        if slug not in by_slug:
            by_slug[slug] = category_model.objects.using(using).create(
                slug=slug, parent=by_slug.get(parent) if parent else None, name_vi=name_vi, name_en=name_en,
                position=position,
            )  # fmt: skip
    existing = set(vat_model.objects.using(using).values_list("code", flat=True))
    for position, (code, name_vi, name_en, subject, rate) in enumerate(VAT_CATEGORIES):
        if code not in existing:
            vat_model.objects.using(using).create(
                code=code, name_vi=name_vi, name_en=name_en, subject_to_vat=subject, rate_percent=rate,
                position=position,
            )  # fmt: skip


def post_migrate_reference_data(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver (also sent after a test database flush)."""
    from catalog.models import Category, VatCategory

    ensure_reference_data(Category, VatCategory, using=using)
