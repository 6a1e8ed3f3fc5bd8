from django.db import migrations

from minqing.accounts.roles import load_catalogue


def load(apps, schema_editor):
    load_catalogue(apps.get_model("accounts", "Role"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
