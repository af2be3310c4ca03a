"""Forms of the payment pages. Shape only; the payments services check meaning."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from market.payments.statements import FORMAT_CHOICES


class StatementUploadForm(forms.Form):
    file = forms.FileField(label=_("Statement file (CSV)"), help_text=_("Exported from the bank's internet banking."))
    bank_format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, initial="auto")
    account_number = forms.CharField(
        label=_("Account number"),
        max_length=19,
        help_text=_("The account this statement is for."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ApplyTransferForm(NoteForm):
    reference = forms.CharField(
        label=_("Payment reference"),
        max_length=16,
        required=False,
        help_text=_("Leave empty to apply it to the reference found in the note."),
    )
    field_order = ["reference", "note"]


class RefundForm(forms.Form):
    amount = forms.IntegerField(label=_("Amount (đồng)"), min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class SettlementRunForm(forms.Form):
    period_start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    period_end = forms.DateField(
        label=_("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class MarkPaidForm(forms.Form):
    bank_reference = forms.CharField(label=_("Bank reference of the payout"), max_length=120)
