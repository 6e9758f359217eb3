"""YAML loading that remembers the line of every key and list item, for file:line messages."""

from __future__ import annotations

from typing import Any

import yaml


class LineDict(dict):
    """A mapping that knows the line it starts on and the line of each key."""

    line: int
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        """The line of `key`, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence that knows the line it starts on and the line of each item."""

    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        """The line of item `index`."""
        return self.item_lines[index] if index < len(self.item_lines) else self.line


# YAML 1.1 also reads yes/no/on/off (any case) as booleans: "correct: yes" would silently be true.
CANONICAL_BOOLEANS = {"true", "false", "True", "False", "TRUE", "FALSE"}


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings and sequences carry 1-based line numbers."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.loose_booleans: list[tuple[int, str]] = []

    def construct_yaml_bool(self, node: yaml.ScalarNode) -> bool:  # type: ignore[override]
        """A boolean, remembering where one was written as yes/no/on/off."""
        if node.value not in CANONICAL_BOOLEANS:
            self.loose_booleans.append((node.start_mark.line + 1, node.value))
        return super().construct_yaml_bool(node)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:  # type: ignore[override]
        """A date, or the text as written when it only looks like one (2026-02-30): the
        checker then names it with its line instead of the parser failing on it."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:  # type: ignore[override]
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:  # type: ignore[override]
        items = LineList(self.construct_object(child, deep=True) for child in node.value)
        items.line = node.start_mark.line + 1
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        return items


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence
)
_LineLoader.add_constructor("tag:yaml.org,2002:bool", _LineLoader.construct_yaml_bool)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_yaml_timestamp)


class YamlSyntaxError(ValueError):
    """YAML that does not parse or is refused; `problems` holds each (1-based line, message)."""

    def __init__(self, line: int, message: str, more: list[tuple[int, str]] | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.problems = [(line, message), *(more or [])]

    @classmethod
    def from_problems(cls, problems: list[tuple[int, str]]) -> YamlSyntaxError:
        """One error for several refused places."""
        (line, message), *more = problems
        return cls(line, message, more)


MAX_FLOW_DEPTH = 50


def _flow_too_deep(text: str) -> int | None:
    """The line where [ and { nest deeper than MAX_FLOW_DEPTH, skipping quotes and comments."""
    # PyYAML's scanner takes time that grows with the square of the nesting depth (20,000
    # levels take most of a minute), so depth is measured first, in one pass over the text.
    depth, line, quote, previous = 0, 1, "", "\n"
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == "\n":
            line += 1
        if quote:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"" and previous in " \t\n[{,:-?":
            quote = char
        elif char == "#" and previous in " \t\n":
            index = text.find("\n", index)
            if index < 0:
                break
            continue
        elif char in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                return line
        elif char in "]}":
            depth = max(0, depth - 1)
        previous = char
        index += 1
    return None


def _anchors_and_aliases(text: str) -> list[tuple[int, str]]:
    """Where anchors (&name) and aliases (*name) are; found from parser events, never expanded."""
    # A few nested aliases expand to billions of nodes ("billion laughs"), so they are refused
    # before anything is constructed. Content files have no use for them.
    found = []
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            found.append(
                (line, f"YAML aliases (*{event.anchor}) are not allowed; write the value out")
            )
        elif getattr(event, "anchor", None):
            found.append(
                (line, f"YAML anchors (&{event.anchor}) are not allowed; write the value out")
            )
    return found


def load_yaml(text: str, first_line: int = 1) -> Any:
    """Parse YAML text, numbering lines from `first_line` (for front matter inside a file)."""
    offset = first_line - 1
    deep = _flow_too_deep(text)
    if deep is not None:
        raise YamlSyntaxError(
            deep + offset, f"lists or mappings nested more than {MAX_FLOW_DEPTH} levels deep"
        )
    try:
        refused = _anchors_and_aliases(text)
        if refused:
            raise YamlSyntaxError.from_problems([(line + offset, m) for line, m in refused])
        loader = _LineLoader(text)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line + first_line) if mark else first_line
        problem = error.problem or str(error)
        raise YamlSyntaxError(line, f"invalid YAML: {problem}") from error
    except yaml.YAMLError as error:
        raise YamlSyntaxError(first_line, f"invalid YAML: {error}") from error
    except RecursionError:
        raise YamlSyntaxError(
            first_line, "invalid YAML: lists or mappings nested too deeply"
        ) from None
    if loader.loose_booleans:
        raise YamlSyntaxError.from_problems(
            [
                (
                    line + offset,
                    f"'{value}' is read as true or false; write true or false, "
                    "or put text in quotes",
                )
                for line, value in loader.loose_booleans
            ]
        )
    if first_line != 1:
        _shift_lines(data, first_line - 1)
    return data


def _shift_lines(value: Any, offset: int) -> None:
    if isinstance(value, LineDict):
        value.line += offset
        value.key_lines = {key: line + offset for key, line in value.key_lines.items()}
        for item in value.values():
            _shift_lines(item, offset)
    elif isinstance(value, LineList):
        value.line += offset
        value.item_lines = [line + offset for line in value.item_lines]
        for item in value:
            _shift_lines(item, offset)
