"""Payment policy: how a compensation plan credits modifiers, with Medicare's rules as the defaults.

The keys, their allowed values (the first is the default), the words the config help and the
summaries use for them, and the `Policy` value itself all live here, so the config file, the
rules engine and the summaries cannot disagree. Cheap to import: summaries and config need
the wording without loading the rules engine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from typing import Any

from rvutool.errors import UsageError

# key -> (allowed values, the default first; what it governs, for `config list`; a short name for summaries)
KEYS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "multiple_procedure": (("medicare", "none"), "multiple procedures (-51)", "multiple procedures"),
    "bilateral": (("medicare", "none"), "bilateral procedures (-50)", "bilateral"),
    "assistant": (("medicare", "none"), "assistant at surgery (-80/-81/-82/-AS)", "assistant"),
    "cosurgeon": (("medicare", "none"), "co-surgeons (-62)", "co-surgeon"),
    "split_care": (("medicare", "none"), "split surgical care (-54/-55/-56)", "split care"),
    "global_package": (("medicare", "none"),
                       "an E/M visit in the same encounter as a procedure's global package (-25, -57)",
                       "global package"),
    "status_t": (("medicare", "none"), "status T codes (injections) billed with another service", "status T"),
    "add_on": (("medicare", "none"), "add-on codes: G2211's visit rules, and an add-on with no primary service",
               "add-on codes"),
    "imaging_pc_reduction": (("on", "off"), "reduce the professional component of multiple imaging studies",
                             "imaging PC reduction"),
    "published_not_payable": (("include", "exclude"),
                              "codes whose work RVU is published but not used for Medicare payment",
                              "published-not-payable codes"),
    "work_gpci_floor": (("by-date", "always", "never"),
                        "the 1.0 work GPCI floor in dollar estimates (by-date: while the law keeps it)",
                        "work GPCI floor"),
}
CHOICES: dict[str, tuple[str, ...]] = {key: spec[0] for key, spec in KEYS.items()}


def default(key: str) -> str:
    return CHOICES[key][0]


def help_text(key: str) -> str:
    """One line for `config list`."""
    allowed, governs, _ = KEYS[key]
    if allowed == ("medicare", "none"):
        return f"payment rule for {governs}: medicare (default) or none (credit 100%)"
    others = " or ".join(allowed[1:])
    return f"{governs}: {allowed[0]} (default) or {others}"


@dataclass(frozen=True)
class Policy:
    """The value of every policy key; the defaults mirror Medicare."""

    multiple_procedure: str = default("multiple_procedure")
    bilateral: str = default("bilateral")
    assistant: str = default("assistant")
    cosurgeon: str = default("cosurgeon")
    split_care: str = default("split_care")
    global_package: str = default("global_package")
    status_t: str = default("status_t")
    add_on: str = default("add_on")
    imaging_pc_reduction: str = default("imaging_pc_reduction")
    published_not_payable: str = default("published_not_payable")
    work_gpci_floor: str = default("work_gpci_floor")

    def to_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def check(self) -> Policy:
        for key, allowed in CHOICES.items():
            if getattr(self, key) not in allowed:
                raise UsageError(f"policy.{key} must be {' or '.join(allowed)}, not {getattr(self, key)!r}")
        return self

    def with_setting(self, text: str) -> Policy:
        """This policy with one `KEY=VALUE` changed (KEY with or without `policy.`)."""
        key, eq, value = text.partition("=")
        key = key.strip().lower().removeprefix("policy.").replace("-", "_")
        value = value.strip().lower()
        if not eq or key not in CHOICES:
            raise UsageError(f"--policy takes KEY=VALUE with KEY one of {', '.join(CHOICES)}; got {text!r}")
        if value not in CHOICES[key]:
            raise UsageError(f"policy {key} must be {' or '.join(CHOICES[key])}, not {value!r}")
        return replace(self, **{key: value})

    def differences(self) -> dict[str, str]:
        """The keys that differ from the Medicare defaults."""
        return {k: v for k, v in self.to_dict().items() if default(k) != v}

    @classmethod
    def from_json(cls, text: str | None) -> Policy:
        """A stored policy; keys it lacks take the defaults, keys this rvutool does not know are dropped."""
        stored = _load(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: str(v) for k, v in stored.items() if k in known})


def _load(text: str | None) -> dict[str, Any]:
    try:
        stored = json.loads(text or "{}")
    except ValueError:
        return {}
    return stored if isinstance(stored, dict) else {}


def defaults() -> dict[str, str]:
    return {key: default(key) for key in CHOICES}


def completed(text: str | None) -> dict[str, str]:
    """A stored policy JSON as a dict, completed with the defaults for keys it lacks ('{}' = defaults)."""
    merged = defaults()
    merged.update({str(k): str(v) for k, v in _load(text).items()})
    return merged


def describe(policy: dict[str, str]) -> str:
    """'Medicare defaults' or 'Medicare defaults except multiple procedures none, ...'."""
    changed = [f"{KEYS[k][2] if k in KEYS else k} {v}" for k, v in policy.items() if CHOICES.get(k, (None,))[0] != v]
    return "Medicare defaults" if not changed else "Medicare defaults except " + ", ".join(changed)
