"""What each kind of organisation is called where people read it: the app's key, the CLI's tables, the reports.

A scenario file spells kinds as identifiers (``unitary_council``, ``icb``); a policy analyst reads words
("Unitary council", "ICB (NHS commissioner)"). One mapping, so every view says the same thing; JSON output
keeps the identifiers (programs read those).
"""

from __future__ import annotations

KIND_NAMES = {
    "ccg": "CCG (NHS commissioner)",
    "icb": "ICB (NHS commissioner)",
    "council": "Council (social care)",
    "unitary_council": "Unitary council",
    "district_council": "District council",
    "acute_trust": "Acute hospital trust",
    "community_trust": "Community health trust",
}


def kind_name(kind: str) -> str:
    """A kind in words: ``kind_name("unitary_council") == "Unitary council"``; an unknown kind as written,
    its underscores as spaces (never a crash on a view)."""
    return KIND_NAMES.get(kind, str(kind).replace("_", " "))
