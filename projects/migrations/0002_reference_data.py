"""Default reference data: categories and the four-in-one chain roles (both configurable)."""

from django.db import migrations

CATEGORIES = [
    ("major_construction", "重大建设类"),
    ("major_preparation", "重大准备类"),
    ("provincial_preferred", "省优选项目"),
    ("investment_attraction", "双招双引"),
    ("four_new", "四新经济"),
    ("manufacturing", "制造业"),
    ("industrial_chain", "产业链项目"),
    ("new_infrastructure", "新基建"),
    ("technical_renovation", "技改"),
    ("infrastructure", "基础设施"),
    ("livelihood", "民生"),
]

CHAIN_ROLES = [
    ("leader", "区级领导", True),
    ("department_head", "部门负责人", False),
    ("town_head", "镇办负责人", False),
    ("staff", "工作人员", False),
]


def forwards(apps, schema_editor):
    Category = apps.get_model("projects", "Category")
    ChainRole = apps.get_model("projects", "ChainRole")
    ColourRules = apps.get_model("projects", "ColourRules")
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    for order, (code, name, is_leader) in enumerate(CHAIN_ROLES, start=1):
        ChainRole.objects.get_or_create(
            code=code, defaults={"name": name, "order": order, "is_leader": is_leader}
        )
    ColourRules.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
