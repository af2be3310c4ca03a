"""The clauses a new linkage contract starts with, in the order Decree 98/2018/NĐ-CP lists a linkage
contract's content (unconfirmed against the decree's current text: staff change them in the back office,
and each contract's parties write their own).

Migration 0002 creates them; `ensure_clause_templates` (run after every migrate and test database flush, as
catalog does for its reference data) recreates any that are missing and never overwrites what staff edited.
"""

from __future__ import annotations

from typing import Any

# (code, title vi, title en, default text vi)
CLAUSES = [
    (
        "parties",
        "Các bên tham gia liên kết",
        "The parties",
        "Tên, địa chỉ, mã số thuế, người đại diện của bên đặt hàng (bên mua) và bên sản xuất (hợp tác xã).",
    ),
    (
        "product-quality",
        "Sản phẩm, số lượng, tiêu chuẩn chất lượng",
        "Product, quantity and quality standard",
        "Loại sản phẩm, giống, quy cách và tiêu chuẩn chất lượng; sản lượng cam kết và dung sai; vùng nguyên liệu "
        "thực hiện liên kết; quy trình sản xuất áp dụng.",
    ),
    (
        "delivery",
        "Thời gian, địa điểm, phương thức giao nhận",
        "Time, place and way of delivery",
        "Lịch giao nhận theo từng đợt; địa điểm và phương thức giao nhận; cân, lấy mẫu và xác định chất lượng tại "
        "nơi nhận; trách nhiệm vận chuyển.",
    ),
    (
        "price-payment",
        "Giá và phương thức thanh toán",
        "Price and payment",
        "Giá mua hoặc cách xác định giá (giá cố định, giá sàn, giá tham chiếu thị trường); bảng trừ hao theo chất "
        "lượng; thời hạn và phương thức thanh toán; tiền đặt cọc.",
    ),
    (
        "inputs-services",
        "Vật tư đầu vào và dịch vụ kỹ thuật",
        "Inputs and technical services",
        "Giống, phân bón, thuốc bảo vệ thực vật và dịch vụ bên mua ứng trước; giá trị ứng; cách khấu trừ khi "
        "thanh toán; hướng dẫn, giám sát kỹ thuật.",
    ),
    (
        "rights-duties",
        "Quyền và nghĩa vụ của các bên",
        "Rights and duties of the parties",
        "Bên mua thu mua đủ sản lượng theo hợp đồng; bên sản xuất giao đúng số lượng, chất lượng, không bán cho "
        "bên khác phần sản lượng đã cam kết.",
    ),
    (
        "force-majeure",
        "Chia sẻ rủi ro và bất khả kháng",
        "Risk sharing and force majeure",
        "Thiên tai (lũ lụt, hạn hán, xâm nhập mặn), dịch bệnh và sự kiện bất khả kháng khác: thông báo kèm bằng "
        "chứng; tạm dừng các đợt giao bị ảnh hưởng; cách chia sẻ thiệt hại.",
    ),
    (
        "disputes",
        "Giải quyết tranh chấp",
        "Settling disputes",
        "Các bên thương lượng, hòa giải (có thể mời Liên minh Hợp tác xã); không thành thì đưa ra trọng tài hoặc "
        "tòa án có thẩm quyền.",
    ),
    (
        "term",
        "Thời hạn, sửa đổi, chấm dứt hợp đồng",
        "Term, amendment and ending",
        "Thời hạn hợp đồng; mọi sửa đổi lập thành phụ lục có chữ ký của hai bên; các trường hợp và thủ tục chấm "
        "dứt hợp đồng trước thời hạn.",
    ),
]


def ensure_clause_templates(model: Any, *, using: str = "default") -> None:
    existing = set(model.objects.using(using).values_list("code", flat=True))
    for position, (code, title_vi, title_en, body_vi) in enumerate(CLAUSES):
        if code not in existing:
            model.objects.using(using).create(
                code=code, position=position, title_vi=title_vi, title_en=title_en, body_vi=body_vi
            )


def post_migrate_clause_templates(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver (also sent after a test database flush)."""
    from linkage.models import ClauseTemplate

    ensure_clause_templates(ClauseTemplate, using=using)
