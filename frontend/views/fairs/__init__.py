"""Trade fair pages: the public fair page, plan and exhibitor directory; applications; the staff plan
editor, review queue, check-in and report; badges; business matching."""

from frontend.views.fairs.applications import application_act, application_detail, fair_apply, my_applications
from frontend.views.fairs.matching import (
    checkin,
    matching,
    matching_register,
    matching_setup,
    meeting_act,
    meeting_request,
    meetings,
    slots_add,
    tables_add,
)
from frontend.views.fairs.plan import (
    fair_allocate,
    fair_new,
    fair_transition,
    hall_add,
    plan_booth,
    plan_booth_act,
    plan_editor,
    plan_import,
    programmes,
    review_queue,
    staff_fairs,
)
from frontend.views.fairs.public import badge_qr, badges, fair_detail, fair_list, fair_plan, fair_plan_svg
from frontend.views.fairs.report import report

__all__ = [
    "application_act",
    "application_detail",
    "badge_qr",
    "badges",
    "checkin",
    "fair_allocate",
    "fair_apply",
    "fair_detail",
    "fair_list",
    "fair_new",
    "fair_plan",
    "fair_plan_svg",
    "fair_transition",
    "hall_add",
    "matching",
    "matching_register",
    "matching_setup",
    "meeting_act",
    "meeting_request",
    "meetings",
    "my_applications",
    "plan_booth",
    "plan_booth_act",
    "plan_editor",
    "plan_import",
    "programmes",
    "report",
    "review_queue",
    "slots_add",
    "staff_fairs",
    "tables_add",
]
