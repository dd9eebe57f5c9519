"""The plans each of many settings refines around, chosen for all settings at once (one setting: a batch of one).

Every refinement pass each setting picks up to a dozen plans of its pool (its bargaining
solutions, its best approvable plan, each organisation's ideal, or the plans nearest a
zone of agreement). Setting by setting that is some twenty small numpy calls, whose
overhead is most of the cost. Here the pools of a batch lie side by side (a setting's
plans contiguous, settings in order): the figures the choice rests on (zones, gains,
Nash products, the Kalai–Smorodinsky ratios) are worked out for the whole batch in one
operation each, and only the choices themselves (an ``argmax`` or the few smallest of
a setting's slice) are made setting by setting.

The figures are the same operations on the same numbers as the rule stated for one
pool (``tests/test_refine_many.py``'s ``_seeds_alone``; a maximum is the same whatever
the order it is taken in), and each choice is the same call on the same slice, so a
setting's seeds do not depend on the settings beside it.
"""

from __future__ import annotations

import numpy as np

from negotiation.domain.refine import MAX_SEEDS, smallest


def seeds_many(u: np.ndarray, ok: np.ndarray, duty_gap: np.ndarray, approvable: np.ndarray, reservation: np.ndarray,
               may_breach: np.ndarray, starts: np.ndarray) -> list[list[int]]:
    """The seeds of each setting's pool, as indexes into the batch (pool ``k`` is plans
    ``starts[k]:starts[k + 1]``, none empty).

    ``u``, ``ok``, ``duty_gap``: (organisations × plans) utility, acceptability and duty gap (£m); ``approvable``
    (plans,); ``reservation`` and ``may_breach``: (organisations × settings).
    """
    n_settings = len(starts) - 1
    bounds = starts.tolist()
    picked: list[list[int]] = [[] for _ in range(n_settings)]
    zone = ok.all(axis=0)
    in_zone = np.add.reduceat(zone, starts[:-1], dtype=np.intp)  # each setting's plans in its zone
    approvable_in_zone = np.add.reduceat(zone & approvable, starts[:-1], dtype=np.intp)
    any_approvable = np.logical_or.reduceat(approvable, starts[:-1])
    z = np.flatnonzero(zone)
    if len(z):  # bargaining solutions over each zone: figures for every zone plan of the batch at once
        z_counts = in_zone[in_zone > 0]
        gz = u[:, z] - np.repeat(reservation[:, in_zone > 0], z_counts, axis=1)  # the gains, as u - d[:, None]
        logs = np.log(np.maximum(gz, 1e-9)).sum(axis=0)
        z_starts = np.concatenate([[0], np.cumsum(z_counts)[:-1]])
        best = np.maximum(np.maximum.reduceat(gz, z_starts, axis=1), 1e-9)
        ratio = (gz / np.repeat(best, z_counts, axis=1)).min(axis=0)
        total = gz.sum(axis=0)
        za = approvable[z]
        for k, a, b in zip(np.flatnonzero(in_zone).tolist(), z_starts.tolist(), (z_starts + z_counts).tolist()):
            zk = z[a:b]
            picked[k] += zk[smallest(-logs[a:b], 4)].tolist()  # the four best Nash products (stable)
            picked[k].append(int(zk[np.argmax(ratio[a:b])]))  # Kalai–Smorodinsky
            picked[k].append(int(zk[np.argmax(total[a:b])]))  # utilitarian
            if approvable_in_zone[k]:  # the best Nash product among approvable plans
                mine = np.flatnonzero(za[a:b])
                picked[k].append(int(zk[mine[np.argmax(logs[a:b][mine])]]))
    # How far each plan is from being signable by everyone (£m short of duties and of no deal).
    nearest = in_zone == 0
    nearest_approvable = (approvable_in_zone == 0) & any_approvable
    for k in np.flatnonzero(nearest | nearest_approvable).tolist():
        a, b = bounds[k], bounds[k + 1]
        gain = u[:, a:b] - reservation[:, k, None]
        short = np.maximum(duty_gap[:, a:b], 0.0) * ~may_breach[:, k, None] + np.maximum(-gain, 0.0)
        distance = short.sum(axis=0)
        if nearest[k]:
            picked[k] += [j + a for j in smallest(distance, 4)]
        if nearest_approvable[k]:
            ap = np.flatnonzero(approvable[a:b])
            picked[k] += [int(ap[i]) + a for i in smallest(distance[ap], 2)]
    # Each organisation's ideal: its best acceptable plan, the lowest index among equals (as argmax).
    first = min(len(u), MAX_SEEDS)
    has = np.logical_or.reduceat(ok[:first], starts[:-1], axis=1).T.tolist()  # (settings, organisations)
    values = np.where(ok[:first], u[:first], -np.inf)
    for k in range(n_settings):
        if any(has[k]):
            a, b = bounds[k], bounds[k + 1]
            best_plans = (values[:, a:b].argmax(axis=1) + a).tolist()
            picked[k] += [j for h, j in zip(has[k], best_plans) if h]
    return [list(dict.fromkeys(p))[:MAX_SEEDS] for p in picked]
