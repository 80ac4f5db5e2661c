"""Which agents a deploy or a release names: agent ids, `all`, or labels (`zone=eu`, `zone=eu,tier=large`).

The API takes a list of ids or a selector string; `--fleet-agents` takes the same as one flag value (a value with
`=` in it is labels, else `all` or ids separated by commas). An elastic run keeps its selector and takes in every
agent that registers later and matches it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SELECTOR_SYNTAX = '"all", labels as key=value[,key=value...], or a non-empty list of agent ids'


class SelectionError(ValueError):
    """A selection that names nothing a deploy could use; the message says what was expected."""


@dataclass(frozen=True)
class AgentSelection:
    """Agent ids (`ids`), or every agent (`labels` empty), or the agents carrying every one of `labels`."""

    text: str
    ids: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def is_selector(self) -> bool:
        """Whether this selects by what agents are (all, labels) rather than by name: only then can it be elastic."""
        return not self.ids

    def matches(self, agent: dict[str, Any]) -> bool:
        if self.ids:
            return agent["id"] in self.ids
        agent_labels = agent.get("labels") or {}
        return all(agent_labels.get(key) == value for key, value in self.labels.items())


def parse_selection(value: Any) -> AgentSelection:
    """The API's `agents`: a list of ids or a selector string; raises SelectionError saying what was expected."""
    if isinstance(value, list):
        if not value or not all(isinstance(agent_id, str) and agent_id for agent_id in value):
            raise SelectionError(f"expected {SELECTOR_SYNTAX}")
        return AgentSelection(",".join(value), ids=tuple(dict.fromkeys(value)))
    if not isinstance(value, str) or not value.strip():
        raise SelectionError(f"expected {SELECTOR_SYNTAX}")
    text = value.strip()
    if text == "all":
        return AgentSelection(text)
    if "=" not in text:
        raise SelectionError(f"'{text}' is not a selector: expected {SELECTOR_SYNTAX}")
    return AgentSelection(text, labels=_labels(text))


def parse_flag(spec: str) -> AgentSelection:
    """`--fleet-agents`: `all`, labels (`zone=eu`), or ids separated by commas."""
    if "=" in spec or spec.strip() == "all":
        return parse_selection(spec)
    return parse_selection([agent_id.strip() for agent_id in spec.split(",") if agent_id.strip()])


def _labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for term in text.split(","):
        key, sep, label_value = (part.strip() for part in term.partition("="))
        if not sep or not key or not label_value:
            raise SelectionError(f"'{term.strip()}' in '{text}': expected key=value")
        if key in labels and labels[key] != label_value:
            raise SelectionError(f"'{text}' asks for {key}={labels[key]} and {key}={label_value}: no agent has both")
        labels[key] = label_value
    return labels
