"""The relationship graph: who commissions whom, who shares a pooled budget, how much they trust each other.

Trust (0–1) is an edge weight; the protocol lowers what an organisation asks
of a partner's proposal in proportion to it, so a long history of partnership
(Oxfordshire's £330m pools) speeds concession. Pairs the scenario does not
link get a neutral default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from negotiation.scenario import Scenario

if TYPE_CHECKING:  # networkx is imported when a graph is built: the batched engine needs only trust (trust_of)
    import networkx as nx

DEFAULT_TRUST = 0.3


def build_network(s: Scenario) -> nx.Graph:
    """A fresh graph (callers may annotate it; see :func:`relationships` for the shared one)."""
    import networkx as nx

    g = nx.Graph()
    for org_id, org in s.organisations.items():
        g.add_node(org_id, kind=org.kind, name=org.name)
    for rel in s.relationships:
        g.add_edge(rel.a, rel.b, trust=rel.trust, kind=rel.kind)
    return g


def trust_matrix(g: nx.Graph, ids: list[str]) -> np.ndarray:
    """Symmetric (orgs, orgs) trust, ``DEFAULT_TRUST`` where no edge, 1 on the diagonal."""
    index = {org: i for i, org in enumerate(ids)}
    t = np.full((len(ids), len(ids)), DEFAULT_TRUST)
    np.fill_diagonal(t, 1.0)
    for a, b, data in g.edges(data=True):
        t[index[a], index[b]] = t[index[b], index[a]] = data.get("trust", DEFAULT_TRUST)
    return t


def trust_of(s: Scenario) -> np.ndarray:
    """``trust_matrix(build_network(s), ids)`` without the graph: each listed pair's trust (the last listing of a
    pair wins, as adding an edge again does), ``DEFAULT_TRUST`` elsewhere, 1 on the diagonal."""
    index = {org: i for i, org in enumerate(s.organisations)}
    t = np.full((len(index), len(index)), DEFAULT_TRUST)
    np.fill_diagonal(t, 1.0)
    for rel in s.relationships:
        t[index[rel.a], index[rel.b]] = t[index[rel.b], index[rel.a]] = rel.trust
    return t


_SHARED: dict[str, tuple[nx.Graph, np.ndarray]] = {}


def relationships(s: Scenario) -> tuple[nx.Graph, np.ndarray]:
    """The graph and trust matrix for a scenario, built once per distinct scenario (treat as read-only)."""
    found = _SHARED.get(s.fingerprint)
    if found is None:
        if len(_SHARED) >= 32:
            _SHARED.pop(next(iter(_SHARED)))
        g = build_network(s)
        trust = trust_matrix(g, list(s.organisations))
        trust.setflags(write=False)
        found = _SHARED[s.fingerprint] = (g, trust)
    return found
