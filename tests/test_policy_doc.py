"""``docs/policy.md`` is generated from the policy model; it must say what the code does."""

from __future__ import annotations

from pathlib import Path

import yaml

from reviewer.policy import Policy, load_policy
from reviewer.policy_doc import REGENERATE, missing_descriptions, render

DOC = Path(__file__).parent.parent / "docs" / "policy.md"


def test_policy_doc_matches_the_model() -> None:
    assert DOC.read_text() == render(), (
        "docs/policy.md is out of date with reviewer/policy.py: regenerate it with\n"
        f"    {REGENERATE}\nand commit the result."
    )


def test_every_policy_key_is_described() -> None:
    assert not missing_descriptions(), (
        f"policy keys without a description: {missing_descriptions()}. Put a docstring on "
        "the line after the field in reviewer/policy.py (the model uses "
        f"use_attribute_docstrings), then run: {REGENERATE}"
    )


def test_every_yaml_block_in_the_doc_is_a_valid_policy() -> None:
    blocks = DOC.read_text().split("```yaml\n")[1:]
    assert len(blocks) > len(Policy.model_fields)
    for block in blocks:
        load_policy(block.split("```", 1)[0])  # raises PolicyError naming the key
    full = yaml.safe_load(blocks[0].split("```", 1)[0])
    assert load_policy(yaml.safe_dump(full)) == Policy()
