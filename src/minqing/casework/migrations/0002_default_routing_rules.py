from django.db import migrations

from minqing.casework.routing import load_default_rules


def seed(apps, schema_editor):
    load_default_rules(apps.get_model("casework", "RoutingRule"))


class Migration(migrations.Migration):
    """The district-wide default routing rules (casework/routing.py DEFAULT_RULES)."""

    dependencies = [("casework", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
