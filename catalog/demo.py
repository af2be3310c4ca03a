# ruff: noqa: E501
# (the demo data tables read better one product per line)
"""Demo catalogue: about 60 products of the demo cooperatives with price tiers, harvest lots and their
traceability events, and certificates (some expiring soon, one expired, one pending, one rejected).

Idempotent: products are matched by (cooperative, sku), lots by (product, code), certificates by
(cooperative, number); what exists is left as it is. GTINs use the GS1 restricted-circulation prefix 20
(in-store numbers, never a real company's prefix): real GTINs come from GS1 Vietnam (893).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from catalog import gs1, services
from catalog.commands import CertificateDetails, LotDetails, ProductDetails
from catalog.models import (
    Certificate,
    CertificateKind,
    CertificateScope,
    CertificateStatus,
    HarvestLot,
    LotStatus,
    Product,
    ProductStatus,
    TraceEventKind,
    VatCategory,
)
from catalog.pricing import TierSpec
from catalog.selectors.categories import category_by_key
from market.core.demo import DemoContext
from market.core.quantity import Unit
from market.organisations.models import Membership, Organisation, Role
from market.organisations.permissions import Actor


@dataclass(frozen=True)
class DemoProduct:
    coop: str
    sku: str
    name_vi: str
    name_en: str
    category: str
    unit: str
    moq: str
    multiple: str
    tiers: tuple[tuple[str, int], ...]
    vat: str = "vat-5"
    description: str = ""
    packaging: str = ""
    net_content: str = ""
    shelf_life_days: int | None = None
    origin_note: str = ""
    gtin: bool = False
    lots: tuple[tuple[str, str, int, int | None], ...] = ()  # (code, quantity, days ago, expires in days)
    publish: bool = True


# fmt: off
P = DemoProduct
PRODUCTS: tuple[DemoProduct, ...] = (
    # HTX Lúa gạo Tân Hiệp — rice
    P("coop_tanhiep", "TH-ST25-5", "Gạo ST25 Tân Hiệp túi 5 kg", "ST25 rice, 5 kg bag", "gao-thom", "kg", "100", "5",
      (("100", 34000), ("1000", 32000), ("5000", 30500)), description="Gạo ST25 hạt dài, dẻo, thơm lá dứa; trồng theo VietGAP trên cánh đồng lớn Kênh 8.",
      packaging="Túi PA hút chân không 5 kg, 4 túi/thùng", net_content="5 kg", shelf_life_days=365, origin_note="Cánh đồng lớn Kênh 8", gtin=True,
      lots=(("ST25-2026-03", "12000", 20, 340), ("ST25-2025-11", "800", 130, 230))),
    P("coop_tanhiep", "TH-ST25-BAO", "Gạo ST25 bao 50 kg", "ST25 rice, 50 kg sack", "gao-thom", "bao50", "10", "1",
      (("10", 1650000), ("100", 1560000)), description="Gạo ST25 đóng bao 50 kg cho nhà hàng, bếp ăn.", packaging="Bao PP 50 kg",
      net_content="50 kg", shelf_life_days=300, origin_note="Cánh đồng lớn Kênh 8", lots=(("ST25B-2026-03", "300", 18, 280),)),
    P("coop_tanhiep", "TH-ST24", "Gạo ST24 Tân Hiệp", "ST24 rice", "gao-thom", "kg", "200", "10",
      (("200", 29000), ("2000", 27500)), description="Gạo ST24 thơm nhẹ, cơm mềm.", packaging="Bao 25 kg", shelf_life_days=365,
      lots=(("ST24-2026-02", "9000", 35, 330),)),
    P("coop_tanhiep", "TH-JAS", "Gạo Jasmine 85", "Jasmine 85 rice", "gao-thom", "tan", "1", "0.5",
      (("1", 16800000), ("10", 16200000), ("50", 15700000)), description="Gạo Jasmine 85 xuất khẩu, độ ẩm ≤ 14%.",
      packaging="Bao PP 50 kg", lots=(("JAS-2026-02", "85", 40, 300),)),
    P("coop_tanhiep", "TH-DT8", "Gạo Đài Thơm 8", "Dai Thom 8 rice", "gao-thom", "kg", "500", "50",
      (("500", 19500), ("5000", 18700)), description="Gạo Đài Thơm 8 hạt thon dài, cơm dẻo vừa.", lots=(("DT8-2026-03", "20000", 15, 350),)),
    P("coop_tanhiep", "TH-LUT", "Gạo lứt ST25", "ST25 brown rice", "gao-thom", "kg", "50", "5",
      (("50", 42000), ("500", 39000)), description="Gạo lứt ST25 giữ lớp cám, giàu chất xơ.", packaging="Túi 2 kg", net_content="2 kg",
      shelf_life_days=180, gtin=True, lots=(("LUT-2026-02", "1500", 30, 150),)),
    P("coop_tanhiep", "TH-NEP", "Nếp sáp An Giang", "An Giang waxy glutinous rice", "gao-nep", "kg", "100", "10",
      (("100", 31000), ("1000", 29500)), description="Nếp sáp hạt tròn, dẻo, dùng nấu xôi, làm bánh.", lots=(("NEP-2026-01", "3000", 60, 300),)),
    # HTX Nước mắm Phú Quốc Hưng Thịnh — fish sauce (GI)
    P("coop_phuquoc_fishsauce", "HT-40-500", "Nước mắm Phú Quốc 40 độ đạm chai 500 ml", "Phu Quoc fish sauce 40°N, 500 ml",
      "nuoc-mam", "chai", "48", "24", (("48", 98000), ("480", 92000), ("2400", 88000)), vat="vat-10",
      description="Nước mắm nhỉ cá cơm than ủ chượp 12 tháng trong thùng gỗ bời lời, đóng chai tại Phú Quốc.",
      packaging="Chai thủy tinh 500 ml, 24 chai/thùng", net_content="500 ml", shelf_life_days=730, origin_note="Dương Đông, Phú Quốc",
      gtin=True, lots=(("HT40-2026-01", "4800", 45, 700), ("HT40-2025-09", "96", 170, 560))),
    P("coop_phuquoc_fishsauce", "HT-35-750", "Nước mắm Phú Quốc 35 độ đạm chai 750 ml", "Phu Quoc fish sauce 35°N, 750 ml",
      "nuoc-mam", "chai", "48", "12", (("48", 76000), ("480", 71000)), vat="vat-10", description="Nước mắm cá cơm 35 độ đạm cho bếp gia đình.",
      packaging="Chai PET 750 ml, 12 chai/thùng", net_content="750 ml", shelf_life_days=730, gtin=True, lots=(("HT35-2026-02", "6000", 30, 700),)),
    P("coop_phuquoc_fishsauce", "HT-43", "Nước mắm nhĩ 43 độ đạm", "Premium first-press fish sauce 43°N", "nuoc-mam", "chai", "24", "6",
      (("24", 185000), ("240", 172000)), vat="vat-10", description="Giọt nước mắm nhĩ đầu tiên, đạm cao, màu cánh gián.",
      packaging="Chai thủy tinh 250 ml, hộp quà", net_content="250 ml", shelf_life_days=730, lots=(("HT43-2026-01", "1200", 50, 700),)),
    P("coop_phuquoc_fishsauce", "HT-THUNG20", "Nước mắm 30 độ đạm can 20 lít", "Fish sauce 30°N, 20 litre can", "nuoc-mam", "thung", "5", "1",
      (("5", 1350000), ("50", 1250000)), vat="vat-10", description="Nước mắm cho nhà hàng và bếp ăn công nghiệp.", packaging="Can nhựa 20 lít",
      net_content="20 l", shelf_life_days=540, lots=(("HT30-2026-02", "400", 28, 500),)),
    P("coop_phuquoc_fishsauce", "HT-RUOC", "Mắm ruốc Phú Quốc", "Phu Quoc shrimp paste", "thuc-pham-che-bien", "cai", "50", "10",
      (("50", 45000), ("500", 41000)), vat="vat-10", description="Mắm ruốc từ ruốc biển Phú Quốc, hũ 500 g.", packaging="Hũ nhựa 500 g",
      net_content="500 g", shelf_life_days=365, lots=(("RUOC-2026-01", "2000", 55, 300),)),
    # HTX Hồ tiêu Phú Quốc — pepper
    P("coop_phuquoc_pepper", "HTPQ-DEN", "Tiêu đen Phú Quốc", "Phu Quoc black pepper", "ho-tieu", "kg", "20", "1",
      (("20", 185000), ("200", 172000), ("1000", 165000)), description="Tiêu đen hạt chắc, dung trọng 550 g/l, trồng trên đất đỏ Phú Quốc.",
      packaging="Bao PP 25 kg", origin_note="Khu Tượng, Cửa Dương", lots=(("TD-2026-03", "2500", 25, 700),)),
    P("coop_phuquoc_pepper", "HTPQ-DO", "Tiêu đỏ Phú Quốc", "Phu Quoc red pepper", "ho-tieu", "kg", "5", "1",
      (("5", 420000), ("50", 390000)), description="Tiêu chín đỏ trên cây, hái tay, phơi nắng.", gtin=True,
      lots=(("TDO-2026-03", "300", 22, 700),)),
    P("coop_phuquoc_pepper", "HTPQ-SO", "Tiêu sọ (tiêu trắng) Phú Quốc", "Phu Quoc white pepper", "ho-tieu", "kg", "5", "1",
      (("5", 360000), ("50", 335000)), description="Tiêu sọ bóc vỏ, cay thơm.", lots=(("TS-2026-02", "400", 40, 700),)),
    P("coop_phuquoc_pepper", "HTPQ-HU", "Tiêu đen xay hũ 100 g", "Ground black pepper, 100 g jar", "ho-tieu", "cai", "100", "20",
      (("100", 38000), ("1000", 34000)), vat="vat-10", description="Tiêu đen xay mịn, hũ thủy tinh nắp rắc.", packaging="Hũ thủy tinh 100 g",
      net_content="100 g", shelf_life_days=540, gtin=True, lots=(("TX-2026-03", "3000", 12, 540),)),
    P("coop_phuquoc_pepper", "HTPQ-XANH", "Tiêu xanh ngâm muối", "Green peppercorns in brine", "ho-tieu", "chai", "48", "12",
      (("48", 52000), ("480", 47000)), vat="vat-10", description="Chùm tiêu xanh ngâm nước muối, dùng cho món nướng.",
      packaging="Chai 300 ml", net_content="300 ml", shelf_life_days=365, lots=(("TXA-2026-02", "960", 35, 330),)),
    # HTX Mật ong U Minh Thượng — honey
    P("coop_uminh_honey", "UM-TRAM-500", "Mật ong rừng tràm U Minh chai 500 ml", "U Minh melaleuca forest honey, 500 ml",
      "mat-ong", "chai", "24", "12", (("24", 185000), ("240", 168000)), description="Mật ong khai thác từ gác kèo ong dưới tán rừng tràm U Minh Thượng.",
      packaging="Chai thủy tinh 500 ml", net_content="500 ml", shelf_life_days=730, gtin=True, origin_note="Vườn quốc gia U Minh Thượng",
      lots=(("UM-2026-04", "1200", 10, 720), ("UM-2025-10", "24", 190, 540))),
    P("coop_uminh_honey", "UM-TRAM-KG", "Mật ong tràm nguyên chất (can)", "Pure melaleuca honey, bulk", "mat-ong", "kg", "20", "5",
      (("20", 290000), ("200", 265000)), description="Mật ong tràm đóng can 5 kg cho nhà phân phối.", packaging="Can 5 kg",
      lots=(("UMK-2026-04", "600", 9, 720),)),
    P("coop_uminh_honey", "UM-SAP", "Sáp ong U Minh", "U Minh beeswax", "mat-ong", "kg", "10", "1",
      (("10", 240000), ("100", 220000)), vat="vat-10", description="Sáp ong lọc sạch, dùng làm mỹ phẩm, nến.", lots=(("SAP-2026-03", "150", 30, None),)),
    P("coop_uminh_honey", "UM-PHAN", "Phấn hoa tràm", "Melaleuca bee pollen", "mat-ong", "cai", "50", "10",
      (("50", 95000), ("500", 86000)), description="Phấn hoa sấy lạnh, hũ 200 g.", packaging="Hũ 200 g", net_content="200 g",
      shelf_life_days=365, lots=(("PHAN-2026-03", "500", 25, 340),)),
    # HTX Thủy sản Hòn Đất — dried seafood
    P("coop_hondat_shrimp", "HD-TOMKHO", "Tôm khô Hòn Đất", "Hon Dat dried shrimp", "hai-san-kho", "kg", "5", "1",
      (("5", 950000), ("50", 890000)), description="Tôm đất phơi nắng, bóc vỏ, không phẩm màu.", packaging="Túi hút chân không 500 g",
      shelf_life_days=270, gtin=True, origin_note="Ấp Vàm Rầy, Hòn Đất", lots=(("TK-2026-03", "220", 20, 250), ("TK-2025-12", "3", 100, 5))),
    P("coop_hondat_shrimp", "HD-MUC", "Mực một nắng", "Sun-dried squid", "hai-san-kho", "kg", "5", "1",
      (("5", 520000), ("50", 480000)), description="Mực ống phơi một nắng, cấp đông ngay.", packaging="Túi 1 kg",
      shelf_life_days=180, lots=(("MUC-2026-03", "180", 14, 160),)),
    P("coop_hondat_shrimp", "HD-CADUA", "Khô cá dứa một nắng", "Sun-dried yellowtail catfish", "hai-san-kho", "kg", "5", "1",
      (("5", 330000), ("50", 305000)), description="Cá dứa xẻ bướm, phơi một nắng.", shelf_life_days=180, lots=(("CD-2026-02", "120", 30, 150),)),
    P("coop_hondat_shrimp", "HD-CASAC", "Khô cá sặc bổi", "Dried snakeskin gourami", "hai-san-kho", "kg", "10", "1",
      (("10", 260000), ("100", 240000)), description="Cá sặc đồng U Minh làm khô lạt.", shelf_life_days=180, lots=(("CS-2026-02", "200", 26, 150),)),
    P("coop_hondat_shrimp", "HD-RUOCKHO", "Ruốc khô", "Dried krill", "hai-san-kho", "kg", "10", "1",
      (("10", 180000), ("100", 165000)), description="Ruốc biển phơi khô, dùng rang, nấu canh.", shelf_life_days=240, lots=(("RK-2026-03", "160", 18, 220),)),
    P("coop_hondat_shrimp", "HD-TOMTUOI", "Tôm đất tươi", "Fresh wild shrimp", "tom", "kg", "20", "5",
      (("20", 240000), ("200", 225000)), vat="khong-chiu-thue", description="Tôm đất đánh bắt ven biển, ướp đá.", shelf_life_days=3,
      lots=(("TT-2026-W15", "150", 1, 2),)),
    # HTX Khóm Tắc Cậu — pineapple
    P("coop_chauthanh_pineapple", "TC-KHOM", "Khóm Tắc Cậu (khóm Queen)", "Tac Cau Queen pineapple", "khom-dua", "tan", "1", "0.5",
      (("1", 9500000), ("10", 8800000)), vat="khong-chiu-thue", description="Khóm Queen trái nhỏ, ngọt thanh, trồng trên đất phèn.",
      shelf_life_days=10, origin_note="Ấp Minh Phong", lots=(("KHOM-2026-W14", "40", 5, 7),)),
    P("coop_chauthanh_pineapple", "TC-SAY", "Khóm sấy dẻo", "Soft dried pineapple", "khom-dua", "cai", "100", "50",
      (("100", 42000), ("1000", 38000)), vat="vat-10", description="Khóm sấy dẻo không đường, túi 250 g.", packaging="Túi zip 250 g",
      net_content="250 g", shelf_life_days=270, gtin=True, lots=(("KS-2026-03", "4000", 21, 250),)),
    P("coop_chauthanh_pineapple", "TC-NUOCEP", "Nước ép khóm nguyên chất", "Pure pineapple juice", "khom-dua", "chai", "48", "24",
      (("48", 28000), ("480", 25000)), vat="vat-10", description="Nước ép khóm thanh trùng, chai 330 ml.", packaging="Chai 330 ml",
      net_content="330 ml", shelf_life_days=180, lots=(("NE-2026-03", "2400", 16, 170),)),
    P("coop_chauthanh_pineapple", "TC-MUT", "Mứt khóm Tắc Cậu", "Pineapple jam", "khom-dua", "cai", "100", "20",
      (("100", 35000),), vat="vat-10", description="Mứt khóm nấu tay, hũ 300 g.", net_content="300 g", shelf_life_days=365,
      lots=(("MK-2026-02", "800", 40, 320),)),
    # Tổ hợp tác Đan lục bình Tịnh Biên — handicrafts
    P("group_tinhbien_weaving", "TB-GIO", "Giỏ lục bình đan tay", "Hand-woven water hyacinth basket", "dan-lat", "cai", "20", "10",
      (("20", 145000), ("200", 125000), ("1000", 112000)), vat="vat-10", description="Giỏ lục bình đường kính 35 cm, có quai, đan tay bởi phụ nữ Khmer.",
      packaging="Bọc màng co, 10 cái/kiện", origin_note="Khóm Xuân Hòa, Tịnh Biên", lots=(("GIO-2026-03", "600", 14, None),)),
    P("group_tinhbien_weaving", "TB-THAM", "Thảm lục bình tròn 90 cm", "Round water hyacinth rug, 90 cm", "dan-lat", "cai", "10", "5",
      (("10", 320000), ("100", 290000)), vat="vat-10", description="Thảm tròn đan xoắn, dùng trải sàn, trang trí.", lots=(("THAM-2026-02", "150", 30, None),)),
    P("group_tinhbien_weaving", "TB-HOP", "Hộp cói đựng đồ (bộ 3)", "Sedge storage boxes, set of 3", "dan-lat", "cai", "20", "10",
      (("20", 210000), ("200", 185000)), vat="vat-10", description="Bộ 3 hộp cói có nắp, khung tre.", lots=(("HOP-2026-03", "300", 10, None),)),
    P("group_tinhbien_weaving", "TB-TUI", "Túi xách cói quai da", "Sedge handbag with leather handles", "dan-lat", "cai", "20", "5",
      (("20", 185000), ("200", 165000)), vat="vat-10", description="Túi xách cói thêu hoa văn Khmer.", lots=(("TUI-2026-03", "250", 12, None),)),
    P("group_tinhbien_weaving", "TB-KHAN", "Khăn thổ cẩm Khmer Văn Giáo", "Khmer brocade scarf", "det-may", "cai", "10", "5",
      (("10", 260000), ("100", 235000)), vat="vat-10", description="Khăn dệt tay trên khung cửi, sợi tơ tằm pha cotton.",
      lots=(("KHAN-2026-02", "120", 25, None),)),
    # HTX Gạo hữu cơ Thoại Sơn — organic rice
    P("coop_thoaison_organic", "TS-HC-ST25", "Gạo hữu cơ ST25 Thoại Sơn", "Organic ST25 rice", "gao-huu-co", "kg", "50", "5",
      (("50", 62000), ("500", 57000), ("2000", 54000)), description="Gạo hữu cơ theo TCVN 11041, luân canh lúa – tôm càng xanh.",
      packaging="Túi 2 kg, hộp giấy", net_content="2 kg", shelf_life_days=365, gtin=True, origin_note="Ấp Phú Hòa",
      lots=(("HC25-2026-03", "6000", 22, 340),)),
    P("coop_thoaison_organic", "TS-HC-LUT", "Gạo lứt hữu cơ", "Organic brown rice", "gao-huu-co", "kg", "50", "5",
      (("50", 58000), ("500", 54000)), description="Gạo lứt hữu cơ đỏ, nấu cơm, làm sữa gạo.", lots=(("HCL-2026-03", "2500", 22, 180),)),
    P("coop_thoaison_organic", "TS-HC-JAS", "Gạo hữu cơ Jasmine", "Organic Jasmine rice", "gao-huu-co", "kg", "100", "10",
      (("100", 48000), ("1000", 45000)), description="Gạo Jasmine hữu cơ, hạt thon, thơm nhẹ.", lots=(("HCJ-2026-02", "4000", 40, 320),)),
    P("coop_thoaison_organic", "TS-TCX", "Tôm càng xanh ruộng lúa", "Rice-field giant freshwater prawn", "tom", "kg", "10", "1",
      (("10", 320000), ("100", 295000)), vat="khong-chiu-thue", description="Tôm càng xanh nuôi xen ruộng lúa hữu cơ, giao sống.",
      shelf_life_days=2, lots=(("TCX-2026-W15", "90", 2, 1),)),
    # HTX Lúa gạo Mỹ Xuyên ST25 — rice
    P("coop_mayxuyen_st25", "MX-ST25", "Gạo ST25 lúa – tôm Mỹ Xuyên", "ST25 rice from rice–shrimp fields", "gao-thom", "kg", "200", "10",
      (("200", 36000), ("2000", 33500)), description="Gạo ST25 từ vùng lúa – tôm, quê hương của giống ST.", gtin=True,
      origin_note="Ấp Hòa Lời", lots=(("MX25-2026-03", "15000", 25, 340),)),
    P("coop_mayxuyen_st25", "MX-ST25-BAO", "Gạo ST25 bao 25 kg", "ST25 rice, 25 kg sack", "gao-thom", "bao25", "20", "1",
      (("20", 880000), ("200", 830000)), description="Gạo ST25 đóng bao 25 kg.", lots=(("MX25B-2026-03", "600", 25, 300),)),
    P("coop_mayxuyen_st25", "MX-ST24", "Gạo ST24 Mỹ Xuyên", "ST24 rice", "gao-thom", "kg", "200", "10",
      (("200", 30500), ("2000", 28500)), description="Gạo ST24 dẻo thơm.", lots=(("MX24-2026-02", "8000", 38, 330),)),
    P("coop_mayxuyen_st25", "MX-NEP", "Nếp Sóc Trăng", "Soc Trang glutinous rice", "gao-nep", "kg", "100", "10",
      (("100", 28000), ("1000", 26500)), description="Nếp than và nếp trắng cho bánh pía, bánh tét.", lots=(("MXN-2026-01", "2500", 70, 290),)),
    # HTX Xoài Cao Lãnh — mango
    P("coop_caolanh_mango", "CL-HOALOC", "Xoài cát Hòa Lộc", "Hoa Loc mango", "xoai", "kg", "100", "10",
      (("100", 65000), ("1000", 58000)), vat="khong-chiu-thue", description="Xoài cát Hòa Lộc bao trái, chín cây, thơm ngọt.",
      shelf_life_days=7, origin_note="Mỹ Xương, Cao Lãnh", lots=(("HL-2026-W14", "3500", 4, 6),)),
    P("coop_caolanh_mango", "CL-CATCHU", "Xoài cát Chu GlobalG.A.P.", "Cat Chu mango, GlobalG.A.P.", "xoai", "tan", "1", "0.5",
      (("1", 32000000), ("10", 29500000)), vat="khong-chiu-thue", description="Xoài cát Chu đạt GlobalG.A.P., xuất khẩu Nhật Bản, Úc.",
      shelf_life_days=10, gtin=True, lots=(("CC-2026-W14", "25", 3, 8),)),
    P("coop_caolanh_mango", "CL-SAY", "Xoài sấy dẻo", "Soft dried mango", "xoai", "cai", "100", "50",
      (("100", 48000), ("1000", 43000)), vat="vat-10", description="Xoài cát Chu sấy dẻo, túi 200 g.", net_content="200 g",
      shelf_life_days=270, lots=(("XS-2026-03", "5000", 18, 250),)),
    P("coop_caolanh_mango", "CL-DL", "Xoài Đài Loan", "Taiwanese mango", "xoai", "kg", "500", "50",
      (("500", 22000), ("5000", 19500)), vat="khong-chiu-thue", description="Xoài Đài Loan trái lớn, ăn xanh hoặc chín.", shelf_life_days=10,
      lots=(("DL-2026-W14", "12000", 4, 8),)),
    # HTX Cua Năm Căn — crab and shrimp
    P("coop_namcan_crab", "NC-CUAGACH", "Cua gạch Năm Căn", "Nam Can roe crab", "cua", "kg", "10", "1",
      (("10", 620000), ("100", 580000)), vat="khong-chiu-thue", description="Cua biển gạch son nuôi sinh thái dưới tán rừng đước, giao sống.",
      shelf_life_days=3, origin_note="Ấp Cái Nai", gtin=True, lots=(("CG-2026-W15", "180", 1, 3),)),
    P("coop_namcan_crab", "NC-CUATHIT", "Cua thịt Cà Mau", "Ca Mau meat crab", "cua", "kg", "10", "1",
      (("10", 450000), ("100", 420000)), vat="khong-chiu-thue", description="Cua thịt chắc, 3–4 con/kg.", shelf_life_days=3,
      lots=(("CT-2026-W15", "260", 1, 3),)),
    P("coop_namcan_crab", "NC-TOMSU", "Tôm sú sinh thái rừng đước", "Mangrove-forest black tiger shrimp", "tom", "kg", "20", "5",
      (("20", 380000), ("200", 350000)), vat="khong-chiu-thue", description="Tôm sú quảng canh sinh thái, cấp đông IQF.",
      packaging="Hộp 1 kg cấp đông", shelf_life_days=540, lots=(("TS-2026-03", "900", 15, 520),)),
    P("coop_namcan_crab", "NC-BAKHIA", "Ba khía muối Rạch Gốc", "Salted Rach Goc mud crab", "cua", "cai", "50", "10",
      (("50", 65000), ("500", 58000)), vat="vat-10", description="Ba khía muối chua, hũ 500 g.", net_content="500 g", shelf_life_days=90,
      lots=(("BK-2026-03", "700", 20, 70),)),
    # Liên hiệp HTX Nông sản Tây Nam Bộ — union
    P("union_mekong", "LH-JAS-XK", "Gạo Jasmine xuất khẩu (liên hiệp)", "Export Jasmine rice (union)", "gao-thom", "tan", "10", "5",
      (("10", 15900000), ("100", 15200000)), description="Gạo Jasmine gom từ 7 HTX thành viên, đóng bao theo yêu cầu.",
      packaging="Bao PP 50 kg hoặc jumbo 1 tấn", lots=(("LHJ-2026-03", "400", 20, 330),)),
    P("union_mekong", "LH-BUOI", "Bưởi Năm Roi", "Nam Roi pomelo", "trai-cay-khac", "kg", "200", "50",
      (("200", 32000), ("2000", 28500)), vat="khong-chiu-thue", description="Bưởi Năm Roi múi ráo, ngọt thanh.", shelf_life_days=30,
      lots=(("BNR-2026-W14", "6000", 6, 25),)),
    P("union_mekong", "LH-DUA", "Dừa xiêm xanh", "Green Siamese coconut", "dua", "cai", "100", "50",
      (("100", 14000), ("1000", 12000)), vat="khong-chiu-thue", description="Dừa xiêm xanh gọt kim cương, nước ngọt.", shelf_life_days=20,
      lots=(("DX-2026-W14", "8000", 5, 18),)),
    P("union_mekong", "LH-CHUOI", "Chuối sấy dẻo", "Soft dried banana", "thuc-pham-che-bien", "cai", "100", "50",
      (("100", 36000), ("1000", 32000)), vat="vat-10", description="Chuối xiêm sấy dẻo, túi 250 g.", net_content="250 g",
      shelf_life_days=270, lots=(("CHS-2026-03", "3000", 20, 250),)),
    P("union_mekong", "LH-RAU", "Rau muống hữu cơ", "Organic water spinach", "rau-cu", "kg", "50", "10",
      (("50", 26000),), vat="khong-chiu-thue", description="Rau muống trồng hữu cơ, thu hoạch buổi sáng.", shelf_life_days=3,
      lots=(("RM-2026-W15", "400", 1, 2),)),
    # HTX Rong biển Kiên Lương — not verified yet: a draft only
    P("coop_kienluong_pending", "KL-RONG", "Rong sụn Kiên Lương phơi khô", "Dried sea moss", "hai-san-kho", "kg", "20", "1",
      (("20", 95000),), description="Rong sụn nuôi ven đảo Hòn Chông.", publish=False),
)
# fmt: on


@dataclass(frozen=True)
class DemoCertificate:
    coop: str
    number: str
    kind: str
    issuer: str
    valid_from_days: int  # days before today
    valid_to_days: int | None  # days after today (negative: already expired)
    products: tuple[str, ...] = ()  # skus; empty = the whole cooperative
    ocop_stars: int | None = None
    status: str = CertificateStatus.VERIFIED
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


SO_NN = "Sở Nông nghiệp và Môi trường tỉnh An Giang"
OCOP_AG = "UBND tỉnh An Giang"
# fmt: off
CERTIFICATES: tuple[DemoCertificate, ...] = (
    DemoCertificate("coop_tanhiep", "VietGAP-TT-2025-0142", "vietgap", "Trung tâm Chứng nhận Phù hợp QUACERT", 300, 430),
    DemoCertificate("coop_tanhiep", "OCOP-AG-2024-031", "ocop", OCOP_AG, 500, 560, ("TH-ST25-5", "TH-ST25-BAO"), ocop_stars=4),
    DemoCertificate("coop_tanhiep", "ATTP-AG-2023-118", "food_safety", "Chi cục Quản lý chất lượng Nông lâm thủy sản", 1080, 20),
    DemoCertificate("coop_phuquoc_fishsauce", "CDDL-00001-PQ-112", "gi", "Cục Sở hữu trí tuệ", 2000, None),
    DemoCertificate("coop_phuquoc_fishsauce", "OCOP-QG-2023-007", "ocop", "Bộ Nông nghiệp và Môi trường", 700, 380, ("HT-40-500", "HT-43"), ocop_stars=5),
    DemoCertificate("coop_phuquoc_fishsauce", "HACCP-VN-2025-3321", "haccp", "Bureau Veritas Việt Nam", 200, 895),
    DemoCertificate("coop_phuquoc_pepper", "OCOP-AG-2025-077", "ocop", OCOP_AG, 120, 970, ("HTPQ-DEN", "HTPQ-DO"), ocop_stars=4),
    DemoCertificate("coop_phuquoc_pepper", "HC-PQ-2025-014", "organic", "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3", 60, 670,
                    ("HTPQ-DO",), status=CertificateStatus.REJECTED, note="Bản chụp mờ, không đọc được số chứng nhận; vui lòng tải lên bản rõ hơn."),
    DemoCertificate("coop_uminh_honey", "OCOP-AG-2024-102", "ocop", OCOP_AG, 400, 25, ("UM-TRAM-500",), ocop_stars=3),
    DemoCertificate("coop_uminh_honey", "ATTP-UM-2024-009", "food_safety", "Chi cục An toàn vệ sinh thực phẩm", 600, 495),
    DemoCertificate("coop_hondat_shrimp", "OCOP-AG-2025-055", "ocop", OCOP_AG, 200, 895, ("HD-TOMKHO",), ocop_stars=4),
    DemoCertificate("coop_hondat_shrimp", "ATTP-HD-2025-021", "food_safety", "Chi cục Quản lý chất lượng Nông lâm thủy sản", 150, 945),
    DemoCertificate("coop_chauthanh_pineapple", "VietGAP-KTC-2024-008", "vietgap", SO_NN, 735, -5),
    DemoCertificate("coop_chauthanh_pineapple", "OCOP-AG-2024-066", "ocop", OCOP_AG, 300, 795, ("TC-SAY",), ocop_stars=3),
    DemoCertificate("group_tinhbien_weaving", "OCOP-AG-2025-120", "ocop", OCOP_AG, 90, 1000, ("TB-GIO", "TB-THAM"), ocop_stars=3),
    DemoCertificate("coop_thoaison_organic", "TCVN11041-2025-0457", "organic", "Trung tâm Chứng nhận Phù hợp QUACERT", 180, 550),
    DemoCertificate("coop_thoaison_organic", "OCOP-AG-2025-012", "ocop", OCOP_AG, 250, 845, ("TS-HC-ST25",), ocop_stars=4),
    DemoCertificate("coop_mayxuyen_st25", "VietGAP-MX-2025-031", "vietgap", "Trung tâm Khuyến nông", 100, 630),
    DemoCertificate("coop_caolanh_mango", "GGN-4063061234567", "globalgap", "Control Union Vietnam", 200, 165, ("CL-CATCHU",)),
    DemoCertificate("coop_caolanh_mango", "VietGAP-CL-2025-044", "vietgap", "Sở Nông nghiệp và Môi trường Đồng Tháp", 80, 650),
    DemoCertificate("coop_namcan_crab", "OCOP-CM-2024-088", "ocop", "UBND tỉnh Cà Mau", 420, 12, ("NC-CUAGACH",), ocop_stars=4),
    DemoCertificate("coop_namcan_crab", "ASC-VN-2025-017", "other", "Aquaculture Stewardship Council", 100, 995, ("NC-TOMSU",)),
    DemoCertificate("coop_kienluong_pending", "ATTP-KL-2026-003", "food_safety", "Chi cục An toàn vệ sinh thực phẩm", 30, 1065,
                    status=CertificateStatus.PENDING),
)
# fmt: on

# Member households who bring the raw material (one step back).
HOUSEHOLDS = (
    "Hộ Nguyễn Văn Bé",
    "Hộ Trần Thị Lệ",
    "Hộ Danh Sóc Kha",
    "Hộ Lê Văn Út",
    "Hộ Thạch Thị Sa Rươl",
    "Hộ Phạm Văn Tám",
)
BUYERS = ("Sài Gòn Xanh Foods", "Mekong Agri Export", "Hà Nội Mart")


def demo_gtin(serial: int) -> str:
    """A restricted-circulation GTIN-13 (prefix 20) with its check digit: valid, and nobody's real number."""
    payload = f"20{serial:010d}"
    return "0" + payload + str(gs1.check_digit(payload))


def _owner(organisation: Organisation) -> Actor:
    membership = (
        Membership.objects.filter(organisation=organisation, role=Role.OWNER)
        .select_related("user")
        .order_by("id")
        .first()
    )
    assert membership is not None, organisation
    return Actor(user=membership.user, organisation=organisation, role=Role.OWNER)


def _tiers(spec: DemoProduct) -> list[TierSpec]:
    return [TierSpec(Decimal(q), p) for q, p in spec.tiers]


def _category_id(slug: str) -> int:
    node = category_by_key(slug)
    assert node is not None, slug
    return node.id


def _seed_products(context: DemoContext) -> dict[str, Product]:
    products: dict[str, Product] = {}
    for serial, spec in enumerate(PRODUCTS, start=1):
        cooperative = context.objects[spec.coop]
        actor = _owner(cooperative)
        product = Product.objects.filter(cooperative=cooperative, sku=spec.sku).first()
        if product is None:
            details = ProductDetails(
                sku=spec.sku,
                name_vi=spec.name_vi,
                name_en=spec.name_en,
                category_id=_category_id(spec.category),
                unit=Unit(spec.unit),
                moq=Decimal(spec.moq),
                order_multiple=Decimal(spec.multiple),
                vat_category_id=VatCategory.objects.get(code=spec.vat).pk,
                description_vi=spec.description,
                packaging=spec.packaging,
                net_content=spec.net_content,
                shelf_life_days=spec.shelf_life_days,
                origin_note=spec.origin_note,
                gtin=demo_gtin(serial) if spec.gtin else "",
            )
            product = services.product_create(actor=actor, details=details, tiers=_tiers(spec))
        if spec.publish and product.is_draft and cooperative.is_verified:
            product = services.product_publish(actor=actor, product_id=product.pk)
        products[spec.sku] = product
    return products


def _seed_certificates(context: DemoContext, products: dict[str, Product]) -> dict[str, Certificate]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    today = timezone.localdate()
    staff = _owner(context.objects["alliance"])
    certificates: dict[str, Certificate] = {}
    for spec in CERTIFICATES:
        cooperative = context.objects[spec.coop]
        certificate = Certificate.objects.filter(cooperative=cooperative, number=spec.number).first()
        if certificate is None:
            scan = SimpleUploadedFile(f"{spec.number}.pdf", _demo_pdf(spec.number), content_type="application/pdf")
            valid_to = today + timedelta(days=spec.valid_to_days) if spec.valid_to_days is not None else None
            certificate = services.certificate_create(
                actor=_owner(cooperative),
                details=CertificateDetails(
                    kind=CertificateKind(spec.kind),
                    number=spec.number,
                    issuer=spec.issuer,
                    valid_from=today - timedelta(days=spec.valid_from_days),
                    valid_to=valid_to,
                    ocop_stars=spec.ocop_stars,
                    scope=CertificateScope.PRODUCTS if spec.products else CertificateScope.COOPERATIVE,
                ),
                scan=scan,
                product_ids=[products[sku].pk for sku in spec.products],
            )
            if spec.status == CertificateStatus.VERIFIED:
                certificate = services.certificate_verify(actor=staff, certificate_id=certificate.pk)
            elif spec.status == CertificateStatus.REJECTED:
                certificate = services.certificate_reject(actor=staff, certificate_id=certificate.pk, reason=spec.note)
        certificates[spec.number] = certificate
    return certificates


def _demo_pdf(text: str) -> bytes:
    """A one-page PDF naming the certificate (a stand-in for the cooperative's scan)."""
    stream = f"BT /F1 18 Tf 72 760 Td (Demo scan: {text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _seed_lots(context: DemoContext, products: dict[str, Product], certificates: dict[str, Certificate]) -> int:
    today = timezone.localdate()
    created = 0
    for spec in PRODUCTS:
        product = products[spec.sku]
        if product.is_draft:
            continue
        actor = _owner(product.cooperative)
        in_force = [
            c
            for c in certificates.values()
            if c.cooperative_id == product.cooperative_id
            and c.is_verified
            and (c.covers_whole_cooperative or c.products.filter(pk=product.pk).exists())
        ]
        for index, (code, quantity, days_ago, expires_in) in enumerate(spec.lots):
            if HarvestLot.objects.filter(product=product, code=code).exists():
                continue
            harvest = today - timedelta(days=days_ago)
            lot = services.lot_create(
                actor=actor,
                product_id=product.pk,
                details=LotDetails(
                    code=code,
                    quantity_produced=Decimal(quantity),
                    harvest_date=harvest,
                    expiry_date=today + timedelta(days=expires_in) if expires_in is not None else None,
                ),
                certificate_ids=[c.pk for c in in_force if c.is_in_force(harvest)],
            )
            _events(actor, lot, harvest, index)
            lot = services.lot_publish(actor=actor, lot_id=lot.pk)
            if index == 1:
                # An older lot that has mostly sold: its stock went out with shipments.
                keep = max((lot.quantity_available / 20).to_integral_value(), 1)
                sold = lot.quantity_available - keep
                if sold > 0:
                    services.lot_stock_take(lot=lot, quantity=sold, actor=actor, reference="demo")
                    services.trace_event_record(
                        lot=lot,
                        kind=TraceEventKind.SHIPMENT,
                        occurred_at=_at(harvest + timedelta(days=20), 8),
                        description="Giao hàng theo đơn",
                        party=BUYERS[index % len(BUYERS)],
                        party_reference=f"DH-{lot.pk:05d}",
                        quantity=sold,
                        unit=product.unit,
                        recorded_by=actor.user,
                    )
            created += 1
    return created


def _at(day: Any, hour: int) -> datetime:
    """That day at that hour, but never later than now (events cannot be in the future)."""
    return min(timezone.make_aware(datetime.combine(day, time(hour, 0))), timezone.now() - timedelta(minutes=5))


def _events(actor: Actor, lot: HarvestLot, harvest: Any, index: int) -> None:
    product = lot.product
    household = HOUSEHOLDS[(lot.product_id + index) % len(HOUSEHOLDS)]
    steps = [
        ("input", harvest - timedelta(days=95), "Giống xác nhận và phân bón hữu cơ vi sinh theo quy trình",
         "Đại lý vật tư nông nghiệp Kênh 8", "HD-VT-0312"),
        ("supply", harvest, "Thu mua nguyên liệu từ hộ thành viên", household, f"TV-{(lot.pk * 7) % 300:03d}"),
        ("harvest", harvest, "Thu hoạch, cân và ghi sổ tại điểm tập kết", "", ""),
        ("processing", harvest + timedelta(days=1), "Sơ chế, phân loại theo kích cỡ", "", ""),
        ("quality_check", harvest + timedelta(days=2), "Kiểm tra cảm quan và độ ẩm trước khi đóng gói", "Tổ kiểm soát chất lượng", "KQ-"
         + lot.code),
        ("packing", harvest + timedelta(days=2), f"Đóng gói, dán nhãn lô {lot.code}", "", ""),
    ]  # fmt: skip
    for kind, day, description, party, reference in steps:
        weighed = kind in (TraceEventKind.SUPPLY, TraceEventKind.HARVEST)
        services.trace_event_add(
            actor=actor,
            lot_id=lot.pk,
            kind=TraceEventKind(kind),
            occurred_at=_at(day, 7),
            description=description,
            party=party,
            party_reference=reference,
            quantity=lot.quantity_produced if weighed else None,
            unit=product.unit if weighed else "",
        )


def seed_catalog(context: DemoContext) -> None:
    products = _seed_products(context)
    certificates = _seed_certificates(context, products)
    _seed_lots(context, products, certificates)
    published = Product.objects.filter(pk__in=[p.pk for p in products.values()], status=ProductStatus.PUBLISHED).count()
    lots = HarvestLot.objects.filter(status=LotStatus.PUBLISHED, product__in=products.values()).count()
    context.notes.append(f"Catalogue: {published} published products, {lots} published lots with trace pages.")
    context.objects["catalog_products"] = products
