"""E-mail addresses are compared without case: store them lower-case and let the database refuse others.

Existing addresses are lower-cased first. Two accounts whose addresses differ only by case cannot both keep
theirs: the migration stops and names them, so that an administrator merges them (nothing is changed then).
"""

from django.db import migrations, models
from django.db.models import Count, Q
from django.db.models.functions import Lower


def lower_case_emails(apps, schema_editor):
    User = apps.get_model("organisations", "User")
    clashes = (
        User.objects.annotate(folded=Lower("email"))
        .values("folded")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("folded", flat=True)
    )
    if clashes:
        raise RuntimeError(
            "These e-mail addresses belong to several accounts that differ only by case; merge them first: "
            + ", ".join(sorted(clashes))
        )
    for user in User.objects.exclude(email=Lower("email")).only("pk", "email"):
        User.objects.filter(pk=user.pk).update(email=user.email.lower())


class Migration(migrations.Migration):
    dependencies = [("organisations", "0001_users_organisations_memberships")]

    operations = [
        migrations.RunPython(lower_case_emails, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(condition=Q(email=Lower("email")), name="user_email_lower_case"),
        ),
    ]
