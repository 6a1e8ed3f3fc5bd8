from django.db import migrations

from minqing.accounts.roles import CATALOGUE


def load(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for order, (code, name, sees, does, is_admin, personal) in enumerate(CATALOGUE):
        Role.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "sees": sees,
                "does": does,
                "order": order,
                "is_security_admin": is_admin,
                "sees_personal_data": personal,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
