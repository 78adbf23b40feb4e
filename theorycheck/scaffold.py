"""``theorycheck new SOURCE/KIND-NUMBER``: the skeleton of a claim module of one's own.

The skeleton loads (it is a valid declaration: a space, the claimed side, one check, one mutant)
and fails until it is filled in: its claimed side and its mutant raise ``NotImplementedError``
with what to write, so ``theorycheck run`` reports an error and ``theorycheck mutants`` a mutant
that is not killed.
"""
from __future__ import annotations

import re
from pathlib import Path

from .claim import ID_PATTERN

TEMPLATE = '''"""Claims of {source}.

Source: {source}, {label} (give the file or paper, the label and the equation numbers).
State here, once, every convention of this source that differs from others (drop vs keep
probability, a 1/2 factor, 1/n vs expectation).
"""
from __future__ import annotations

import numpy as np

from theorycheck import Relation, Source, Space, declare, float_tolerance, mutant

CLAIMS = []
'''

BLOCK = '''

# --- {claim_id} ---------------------------------------------------------------


def draw_{name}(d):
    """One instance: sizes first, then the objects built from them (d: a theorycheck Draw)."""
    n = d.integer(1, 5)
    return {{"x": d.normal(n)}}


def observed_{name}(i):
    """The left-hand side, computed directly from its definition."""
    return float(np.sum(i.x ** 2))  # TODO: what the paper's left-hand side is


def claimed_{name}(i):
    """The right-hand side the paper asserts: the part the mutants replace."""
    raise NotImplementedError("{claim_id}: write the claimed side in claimed_{name} ({path})")


def wrong_{name}(i):
    """A plausible error (a dropped square, a missing factor) that the check must refute."""
    raise NotImplementedError("{claim_id}: write a wrong variant in wrong_{name} ({path})")


{name} = declare(
    "{claim_id}",
    title="TODO: what the {kind} says, in one line",
    source=Source("{source}", "{label}", equations=""),
    statement=r"TODO: the statement in LaTeX",
    hypotheses=("TODO: what every instance satisfies",),
    claimed=claimed_{name},
    checks=[Relation(observed=observed_{name}, space=Space(draw_{name}), instances=20,
                     tolerance=float_tolerance(16, what="TODO: how many float64 operations the sides take"))],
    mutants=[mutant("wrong", "TODO: which error this is", claimed=wrong_{name})],
)
CLAIMS.append({name})
'''


def module_name(source: str) -> str:
    return source.replace("-", "_")


def write_skeleton(claim_id: str, folder: str | Path = ".") -> Path:
    """Write (or extend) ``FOLDER/<source>.py`` with the skeleton of ``claim_id``; its path.

    Raises ``ValueError`` for a malformed id or a claim id the module already declares.
    """
    if not ID_PATTERN.match(claim_id):
        raise ValueError(f"malformed claim id {claim_id!r}; expected SOURCE/KIND-NUMBER such as 'mypaper/lemma-1'")
    source, rest = claim_id.split("/", 1)
    kind, number = rest.split("-", 1)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{module_name(source)}.py"
    name = re.sub(r"\W", "_", f"{kind}_{number}")
    text = path.read_text(encoding="utf-8") if path.exists() else TEMPLATE.format(
        source=source, label=f"{kind.capitalize()} {number}")
    if f'"{claim_id}"' in text:
        raise ValueError(f"{path} already declares {claim_id!r}")
    text += BLOCK.format(claim_id=claim_id, name=name, source=source, kind=kind,
                         label=f"{kind.capitalize()} {number}", path=path.name)
    path.write_text(text, encoding="utf-8")
    return path
