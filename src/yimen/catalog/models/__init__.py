"""The service catalog (事项目录): life stages, items and their versions, materials, themes (主题办)."""

from yimen.catalog.models.item import ItemVersion, ServiceItem
from yimen.catalog.models.life_stage import LifeStage
from yimen.catalog.models.material import Material
from yimen.catalog.models.theme import Theme, ThemeItem

__all__ = ["ItemVersion", "LifeStage", "Material", "ServiceItem", "Theme", "ThemeItem"]
