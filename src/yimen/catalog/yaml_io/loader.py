"""Load YAML keeping the line of every mapping key and list entry, so errors can say where they are.

PyYAML's composer gives each node a `start_mark`; the constructors below copy it onto the containers
they build (`LocatedDict.key_lines`, `LocatedList.item_lines`, 1-based). Duplicate keys, which PyYAML
would silently overwrite, are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError


class LocatedDict(dict):
    line: int = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.key_lines: dict[Any, int] = {}


class LocatedList(list):
    line: int = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.item_lines: list[int] = []


@dataclass
class LoadedFile:
    path: Path
    data: Any = None
    # (line, message) for problems found while reading: syntax errors, duplicate keys.
    problems: list[tuple[int, str]] = field(default_factory=list)


class _Loader(yaml.SafeLoader):
    def __init__(self, stream):
        super().__init__(stream)
        self.located_problems: list[tuple[int, str]] = []


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LocatedDict:
    loader.flatten_mapping(node)
    out = LocatedDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            raise ConstructorError(None, None, "映射的键不能是列表或映射", key_node.start_mark) from None
        if key in out:
            loader.located_problems.append(
                (line, f"键 {key!r} 重复（第一次出现在第 {out.key_lines[key]} 行）")
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = line
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    out = LocatedList()
    out.line = node.start_mark.line + 1
    for child in node.value:
        out.append(loader.construct_object(child, deep=True))
        out.item_lines.append(child.start_mark.line + 1)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_file(path: Path) -> LoadedFile:
    loaded = LoadedFile(path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        loaded.problems.append((0, f"无法读取文件：{exc}"))
        return loaded
    loader = _Loader(text)
    try:
        loaded.data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        loaded.problems.append((line, f"YAML 格式错误：{problem}"))
    except yaml.YAMLError as exc:
        loaded.problems.append((0, f"YAML 格式错误：{exc}"))
    finally:
        loader.dispose()
    loaded.problems.extend(loader.located_problems)
    return loaded


def line_of(root: Any, path: tuple, default: int = 0) -> int:
    """The line of the deepest element of `path` (keys and list indexes) that exists under `root`."""
    line = getattr(root, "line", default) or default
    node = root
    for part in path:
        if isinstance(node, LocatedDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LocatedList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line
