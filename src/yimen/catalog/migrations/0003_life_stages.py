"""Seed the eight life stages (人生八件事). Codes are stable; later migrations may add, never rename."""

from django.db import migrations

LIFE_STAGES = [
    ("birth", "出生", "Birth", "生育登记、出生医学证明、新生儿落户、参保等", 1),
    ("schooling", "入学", "Schooling", "入园、入学、积分入学、学生资助等", 2),
    ("employment", "就业", "Employment", "就业创业、参保、技能培训、开办企业等", 3),
    ("marriage_family", "婚育", "Marriage and family", "婚姻登记、户籍、证件、家庭帮扶等", 4),
    ("housing", "置业", "Housing", "购房、租房、不动产登记、公积金等", 5),
    ("retirement", "退休", "Retirement", "退休审批、养老金领取、资格认证等", 6),
    ("elderly_care", "养老", "Elderly care", "老年人优待、高龄津贴、居家养老、医疗保障等", 7),
    ("after_death", "身后", "After death", "死亡证明、户口注销、丧葬抚恤、继承等", 8),
]


def seed(apps, schema_editor):
    LifeStage = apps.get_model("catalog", "LifeStage")
    for code, name, name_en, description, order in LIFE_STAGES:
        LifeStage.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "description": description, "order": order}
        )


def unseed(apps, schema_editor):
    apps.get_model("catalog", "LifeStage").objects.filter(code__in=[row[0] for row in LIFE_STAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_serviceitem_current_version")]

    operations = [migrations.RunPython(seed, unseed)]
