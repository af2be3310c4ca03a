"""Demo organisations: the alliance, cooperatives of An Giang (former Kiên Giang) and the Mekong Delta, buyers."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from stdnum.vn import mst

from market.core.demo import DemoContext, demo_password_hash
from market.organisations.models import Membership, Organisation, OrganisationKind, Role, User, VerificationStatus


def demo_tax_code(serial: int) -> str:
    """A valid-looking MST (correct check digit) from a serial; demo only, never a real company's."""
    for suffix in range(10_000):
        body = f"17{serial:03d}{suffix:04d}"
        check = mst.calc_check_digit(body)
        if len(check) == 1:
            return body + check
    raise ValueError(serial)


@dataclass(frozen=True)
class DemoOrg:
    key: str
    kind: str
    name: str
    legal_name: str
    serial: int
    province: int
    commune: int
    address: str
    phone: str
    owner_email: str
    owner_name: str
    description: str = ""
    legacy_address: str = ""
    status: str = VerificationStatus.VERIFIED
    note: str = ""
    bank: tuple[str, str] | None = None  # (BIN, account number)


K = OrganisationKind
# fmt: off
DEMO_ORGANISATIONS: tuple[DemoOrg, ...] = (
    DemoOrg("alliance", K.ALLIANCE, "Liên minh HTX tỉnh An Giang", "Liên minh Hợp tác xã tỉnh An Giang", 1, 91, 30742,
            "Số 5 đường Lê Lợi", "02973862000", "nhanvien@lienminh-angiang.example", "Trần Thị Thu Hà",
            "Cơ quan đại diện và hỗ trợ các hợp tác xã trong tỉnh.", bank=("970405", "7700201012345")),
    DemoOrg("coop_tanhiep", K.COOPERATIVE, "HTX Lúa gạo Tân Hiệp", "Hợp tác xã Nông nghiệp Lúa gạo Tân Hiệp", 11, 91,
            30850, "Ấp Kênh 8", "0918245610", "chunhiem@htx-tanhiep.example", "Nguyễn Văn Hùng",
            "Trồng và xay xát lúa thơm trên 420 ha theo VietGAP; gạo ST24, ST25 và Jasmine.",
            "Ấp Kênh 8, xã Thạnh Đông, huyện Tân Hiệp, tỉnh Kiên Giang", bank=("970446", "1020304050")),
    DemoOrg("coop_phuquoc_fishsauce", K.COOPERATIVE, "HTX Nước mắm Phú Quốc Hưng Thịnh",
            "Hợp tác xã Sản xuất Nước mắm Hưng Thịnh Phú Quốc", 12, 91, 31078, "Khu phố 2, Dương Đông",
            "0913612345", "giamdoc@nuocmam-hungthinh.example", "Lê Văn Tài",
            "Nước mắm cá cơm ủ chượp thùng gỗ theo chỉ dẫn địa lý Phú Quốc, đóng chai tại đảo.",
            "Khu phố 2, thị trấn Dương Đông, huyện Phú Quốc, tỉnh Kiên Giang", bank=("970452", "200011223344")),
    DemoOrg("coop_phuquoc_pepper", K.COOPERATIVE, "HTX Hồ tiêu Phú Quốc", "Hợp tác xã Hồ tiêu Khu Tượng Phú Quốc", 13,
            91, 31078, "Ấp Khu Tượng, Cửa Dương", "0939112233", "htx@hotieu-phuquoc.example", "Phạm Thị Lan",
            "Tiêu đen, tiêu đỏ và tiêu sọ trồng trên đất đỏ Phú Quốc.", bank=("970436", "0561000123456")),
    DemoOrg("coop_uminh_honey", K.COOPERATIVE, "HTX Mật ong U Minh Thượng", "Hợp tác xã Ong mật U Minh Thượng", 14, 91,
            31027, "Ấp Công Sự", "0982334455", "ongmat@uminhthuong.example", "Danh Sóc",
            "Mật ong rừng tràm U Minh Thượng, khai thác theo mùa hoa tràm.", bank=("970405", "7704205123456")),
    DemoOrg("coop_hondat_shrimp", K.COOPERATIVE, "HTX Thủy sản Hòn Đất", "Hợp tác xã Thủy sản Ven biển Hòn Đất", 15, 91,
            30817, "Ấp Vàm Rầy", "0907556677", "thuysan@htx-hondat.example", "Trương Văn Lợi",
            "Tôm khô, khô cá và mực một nắng từ các hộ ngư dân ven biển.", bank=("970418", "7101000456789")),
    DemoOrg("coop_chauthanh_pineapple", K.COOPERATIVE, "HTX Khóm Tắc Cậu", "Hợp tác xã Khóm Tắc Cậu Châu Thành", 16, 91,
            30880, "Ấp Minh Phong", "0946778899", "khom@htx-taccau.example", "Huỳnh Văn Tư",
            "Khóm Tắc Cậu (khóm Queen) trồng trên đất phèn, thu hoạch quanh năm."),
    DemoOrg("group_tinhbien_weaving", K.COOPERATIVE_GROUP, "Tổ hợp tác Đan lục bình Tịnh Biên",
            "Tổ hợp tác Thủ công Đan lục bình Tịnh Biên", 17, 91, 30520, "Khóm Xuân Hòa", "0915889900",
            "tohoptac@lucbinh-tinhbien.example", "Chau Sóc Kha",
            "Giỏ, thảm và hộp đan từ lục bình và cói của phụ nữ Khmer vùng Bảy Núi."),
    DemoOrg("coop_thoaison_organic", K.COOPERATIVE, "HTX Gạo hữu cơ Thoại Sơn",
            "Hợp tác xã Nông nghiệp Hữu cơ Thoại Sơn", 18, 91, 30682, "Ấp Phú Hòa", "0963221100",
            "huuco@htx-thoaison.example", "Võ Thị Mỹ",
            "Lúa hữu cơ theo TCVN 11041, luân canh với tôm càng xanh."),
    DemoOrg("coop_mayxuyen_st25", K.COOPERATIVE, "HTX Lúa gạo Mỹ Xuyên ST25", "Hợp tác xã Nông nghiệp Mỹ Xuyên", 19, 92,
            31684, "Ấp Hòa Lời", "0919334455", "st25@htx-myxuyen.example", "Lâm Văn Đạt",
            "Gạo ST25 trồng luân canh lúa – tôm trên đất Sóc Trăng cũ.",
            "Ấp Hòa Lời, xã Hòa Tú 1, huyện Mỹ Xuyên, tỉnh Sóc Trăng"),
    DemoOrg("coop_caolanh_mango", K.COOPERATIVE, "HTX Xoài Cao Lãnh", "Hợp tác xã Xoài Mỹ Xương", 20, 82, 29869,
            "Ấp 3", "0939445566", "xoai@htx-caolanh.example", "Nguyễn Thị Hồng",
            "Xoài cát Hòa Lộc, xoài cát chu đạt GlobalG.A.P., xuất khẩu đi Nhật và Úc."),
    DemoOrg("coop_namcan_crab", K.COOPERATIVE, "HTX Cua Năm Căn", "Hợp tác xã Nuôi trồng Thủy sản Năm Căn", 21, 96,
            32191, "Ấp Cái Nai", "0918667788", "cua@htx-namcan.example", "Đỗ Văn Mạnh",
            "Cua biển và tôm sinh thái dưới tán rừng đước Cà Mau."),
    DemoOrg("union_mekong", K.UNION, "Liên hiệp HTX Nông sản Tây Nam Bộ", "Liên hiệp Hợp tác xã Nông sản Tây Nam Bộ",
            22, 92, 31135, "Số 12 đường Hòa Bình", "02923812345", "lienhiep@nongsan-taynambo.example",
            "Phan Quốc Bảo", "Liên hiệp của 7 HTX lúa gạo và trái cây ở Cần Thơ, An Giang, Đồng Tháp."),
    DemoOrg("coop_kienluong_pending", K.COOPERATIVE, "HTX Rong biển Kiên Lương", "Hợp tác xã Rong biển Kiên Lương",
            23, 91, 30787, "Ấp Hòn Chông", "0977123456", "rongbien@htx-kienluong.example", "Tô Thị Nga",
            status=VerificationStatus.PENDING),
    DemoOrg("coop_chocho_rejected", K.COOPERATIVE, "HTX Dừa Chợ Lách", "Hợp tác xã Dừa Chợ Lách", 24, 86, 28870,
            "Ấp Phú Hiệp", "0916998877", "dua@htx-cholach.example", "Lê Thành Công",
            status=VerificationStatus.REJECTED,
            note="Tên pháp lý không khớp với giấy chứng nhận đăng ký HTX; vui lòng tải lên bản chụp."),
    DemoOrg("buyer_saigonxanh", K.BUYER, "Sài Gòn Xanh Foods", "Công ty TNHH Thực phẩm Sài Gòn Xanh", 31, 79, 27004,
            "Số 88 đường Cộng Hòa", "02838112233", "muahang@saigonxanh.example", "Đặng Minh Khoa",
            "Chuỗi 40 cửa hàng thực phẩm sạch ở TP. Hồ Chí Minh."),
    DemoOrg("buyer_mekongexport", K.BUYER, "Mekong Agri Export", "Công ty Cổ phần Xuất nhập khẩu Nông sản Mekong", 32,
            92, 31186, "Lô 14 KCN Trà Nóc", "02923744556", "procurement@mekongagri.example", "Trịnh Gia Huy",
            "Xuất khẩu gạo thơm và trái cây sang EU, Nhật Bản, Hàn Quốc."),
    DemoOrg("buyer_hanoimart", K.BUYER, "Hà Nội Mart", "Công ty Cổ phần Siêu thị Hà Nội Mart", 33, 1, 167,
            "Số 25 Trần Thái Tông", "02437654321", "nganhhang@hanoimart.example", "Bùi Thu Trang",
            "Chuỗi siêu thị ở Hà Nội, tìm đặc sản vùng miền có chứng nhận OCOP."),
)
# fmt: on

# Extra people beyond the owners: (organisation key, email, full name, role).
DEMO_MEMBERS: tuple[tuple[str, str, str, str], ...] = (
    ("coop_tanhiep", "kho@htx-tanhiep.example", "Nguyễn Thị Mai", Role.STAFF),
    ("coop_phuquoc_fishsauce", "banhang@nuocmam-hungthinh.example", "Lê Thị Cúc", Role.MANAGER),
    ("buyer_saigonxanh", "ketoan@saigonxanh.example", "Phạm Quỳnh Anh", Role.MANAGER),
    ("alliance", "hoicho@lienminh-angiang.example", "Đoàn Văn Phúc", Role.MANAGER),
)


def _user(email: str, full_name: str, *, staff: bool = False) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name, "language": "vi"})
    if created:
        user.password = demo_password_hash()
    user.full_name = full_name
    # Alliance staff also run the back office (Django admin) in the demo.
    user.is_staff = user.is_superuser = staff
    user.save()
    return user


def seed_organisations(context: DemoContext) -> None:
    alliance_staff = None
    for spec in DEMO_ORGANISATIONS:
        bank_bin, account = spec.bank or ("", "")
        organisation, _ = Organisation.objects.update_or_create(
            tax_code=demo_tax_code(spec.serial),
            defaults={
                "kind": spec.kind,
                "name": spec.name,
                "legal_name": spec.legal_name,
                "description": spec.description,
                "province_code": spec.province,
                "commune_code": spec.commune,
                "address_line": spec.address,
                "legacy_address": spec.legacy_address,
                "phone": "+84" + spec.phone[1:],
                "email": spec.owner_email,
                "bank_bin": bank_bin,
                "bank_account_number": account,
                "bank_account_holder": spec.legal_name.upper() if account else "",
                "verification_status": spec.status,
                "verification_note": spec.note,
            },
        )
        is_alliance = spec.kind == K.ALLIANCE
        owner = _user(spec.owner_email, spec.owner_name, staff=is_alliance)
        Membership.objects.update_or_create(user=owner, organisation=organisation, defaults={"role": Role.OWNER})
        if owner.acting_organisation_id is None:
            owner.acting_organisation = organisation
            owner.save(update_fields=["acting_organisation"])
        if is_alliance:
            alliance_staff = owner
        if spec.status != VerificationStatus.PENDING and organisation.verified_at is None:
            Organisation.objects.filter(pk=organisation.pk).update(
                verified_at=timezone.now(), verified_by=alliance_staff
            )
        context.objects[spec.key] = organisation
        context.logins.append(
            (spec.owner_email, f"owner · {spec.name} ({organisation.get_verification_status_display()})")
        )
    for key, email, full_name, role in DEMO_MEMBERS:
        organisation = context.objects[key]
        user = _user(email, full_name, staff=organisation.kind == K.ALLIANCE)
        Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
        if user.acting_organisation_id is None:
            user.acting_organisation = organisation
            user.save(update_fields=["acting_organisation"])
        context.logins.append((email, f"{role} · {organisation.name}"))
    # One person in two organisations, to show the switcher: the union's owner also helps Tân Hiệp.
    Membership.objects.get_or_create(
        user=User.objects.get(email="lienhiep@nongsan-taynambo.example"),
        organisation=context.objects["coop_tanhiep"],
        defaults={"role": Role.MANAGER},
    )
