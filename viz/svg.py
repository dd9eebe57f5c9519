"""Hand-made SVG charts of a negotiation: the offers, the fund, and the organisations' network.

Matplotlib takes over 100 ms per figure on these machines; these take about a millisecond, need no
JavaScript library (so nothing to fetch offline) and stay sharp on a projector. Each chart is split
into its numbers (``chart_frame``, ``chart_rows``, ``network_data``...: what a page is sent) and its
drawing (``line_chart``, ``network_chart``). The room's pages and the boards view draw here, on the
server (one drawing serves every session of a room). The single-user page is sent the numbers and
draws the same charts in the browser (viz/charts.js, a port of the two drawing functions checked
against these character for character by tests/test_charts_js.py): a change to one is a change to
the other. The report and the Compare tab's heatmap use matplotlib.
"""

from __future__ import annotations

import math
from html import escape

import networkx as nx

from negotiation.kinds import kind_name
from negotiation.model import NegotiationModel
from negotiation.rules import ROLES, role_kind

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
STANCE_COLOURS = {"proposer": "#1565c0", "accepts": "#2e7d32", "rejects": "#c62828", "waiting": "#9e9e9e"}


def nice_ticks(low: float, high: float, n: int = 5) -> list[float]:
    """Round tick values covering [low, high].

    >>> nice_ticks(0, 10)
    [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    """
    span = max(1.0, abs(low), abs(high))
    if high - low < 1e-6 * span:  # equal, or apart only by rounding: a unit (of their size) above them
        high = low + max(1.0, 1e-6 * span)  # (ticks closer than that would collapse, or never reach high)
    raw = (high - low) / n
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = [round(start, 10)]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def svg_open(width: int, height: int, font: int, label: str) -> str:
    """An SVG that scales down to its column (never up past its drawn size), keeping its proportions."""
    return (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='100%' "
            f"style='max-width:{width}px;height:auto;display:block' font-family='sans-serif' font-size='{font}' "
            f"role='img' aria-label='{escape(label)}'><title>{escape(label)}</title>")


def line_chart(series, hlines=(), title="", xlabel="", ylabel="", width=560, height=330, font=14) -> str:
    """``series``: [(label, xs, ys, colour, dashed)]; ``hlines``: [(label, y, colour)].

    Drawn in a ``width``-wide box that scales down to its column: ``font`` is the size at full width.
    """
    line = font + 4
    left, right, top, bottom = 4 * font + 8, 12, 2 * font + 8, 2 * line + 10
    legend_rows = [(s[0], s[3], s[4]) for s in series if s[0]] + [(h[0], h[2], True) for h in hlines]
    longest = max((len(r[0]) for r in legend_rows), default=0) * 0.55 * font + 30
    per_row = max(1, min(3, int((width - 8) // max(longest, 1))))
    plot_h = height - top - bottom
    height = height + line * math.ceil(len(legend_rows) / per_row)  # the key adds rows; labels are never cut
    xs_all = [x for s in series for x in s[1]] or [1.0]
    ys_all = [y for s in series for y in s[2]] + [h[1] for h in hlines] or [0.0]
    x0, x1 = min(xs_all), max(max(xs_all), min(xs_all) + 1)
    yt = nice_ticks(min(ys_all), max(ys_all))
    y0, y1 = yt[0], yt[-1]

    def sx(x):
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def sy(y):
        return top + (1 - (y - y0) / (y1 - y0)) * plot_h

    kx, ky = (width - left - right) / (x1 - x0), plot_h / (y1 - y0)  # (a Step draws ~400 points: no calls)
    bx, by = left - x0 * kx, top + y1 * ky
    out = [svg_open(width, height, font, title),
           f"<text x='{width / 2}' y='{font + 4}' text-anchor='middle' font-size='{font + 2}' font-weight='600'>"
           f"{escape(title)}</text>"]
    for y in yt:
        out.append(f"<line x1='{left}' x2='{width - right}' y1='{sy(y):.1f}' y2='{sy(y):.1f}' stroke='#eee'/>")
        out.append(f"<text x='{left - 4}' y='{sy(y) + 4:.1f}' text-anchor='end'>{y:g}</text>")
    for x in range(math.ceil(x0), math.floor(x1) + 1):
        out.append(f"<text x='{sx(x):.1f}' y='{top + plot_h + line:.1f}' text-anchor='middle'>{x}</text>")
    out.append(f"<rect x='{left}' y='{top}' width='{width - left - right}' height='{plot_h:.1f}' fill='none' "
               "stroke='#999'/>")
    out.append(f"<text x='{(left + width - right) / 2}' y='{top + plot_h + 2 * line:.1f}' text-anchor='middle'>"
               f"{escape(xlabel)}</text>")
    out.append(f"<text transform='translate({font},{top + plot_h / 2:.1f}) rotate(-90)' text-anchor='middle'>"
               f"{escape(ylabel)}</text>")
    for _label, y, colour in hlines:
        out.append(f"<line x1='{left}' x2='{width - right}' y1='{sy(y):.1f}' y2='{sy(y):.1f}' stroke='{colour}' "
                   "stroke-dasharray='2,3' stroke-width='1.5'/>")
    for _label, xs, ys, colour, dashed in series:
        points = [f"{bx + x * kx:.1f},{by - y * ky:.1f}" for x, y in zip(xs, ys)]  # sx(x), sy(y), inlined
        dash = " stroke-dasharray='6,4'" if dashed else ""
        out.append(f"<polyline points='{' '.join(points)}' fill='none' stroke='{colour}' stroke-width='2'{dash}/>")
        if not dashed and points:
            # A dot at each point: one path of zero-length segments with round caps (6 px wide: a circle of
            # radius 3), a fifth of the markup of a <circle> per point, the coordinates formatted once.
            out.append(f"<path d='M{'h0M'.join(points)}h0' stroke='{colour}' stroke-width='6' "
                       "stroke-linecap='round' fill='none'/>")
    ly = top + plot_h + 2 * line + 10 + font
    for i, (label, colour, dashed) in enumerate(legend_rows):
        lx, row_y = 8 + (i % per_row) * (width - 8) / per_row, ly + (i // per_row) * line
        dash = " stroke-dasharray='4,3'" if dashed else ""
        out.append(f"<line x1='{lx}' x2='{lx + 18}' y1='{row_y - 4}' y2='{row_y - 4}' stroke='{colour}' "
                   f"stroke-width='3'{dash}/><text x='{lx + 22}' y='{row_y}'>{escape(_fit(label, width / per_row - 26, font))}"
                   "</text>")
    out.append("</svg>")
    return "".join(out)


def _fit(label: str, room_px: float, font: int) -> str:
    """Shorten a legend label to the space it has (about 0.55 em per character), with an ellipsis."""
    most = max(6, int(room_px / (0.55 * font)))
    return label if len(label) <= most else label[: most - 1] + "…"


def chart_frame(model: NegotiationModel) -> dict:
    """What the offers and fund charts show that stays the same for a whole run: each organisation's name and
    colour, the social-care need and the minimum fund (£m a year)."""
    return {"names": [a.name for a in model.organisations],
            "colours": [PALETTE[i % len(PALETTE)] for i in range(len(model.organisations))],
            "need": sum(o.asc_need for o in model.spec.organisations.values()),
            "minimum_fund": model.spec.rules.minimum_fund}


def chart_rows(model: NegotiationModel, start: int = 0) -> list[list]:
    """The numbers behind the offers and fund charts, a row per closed round from the ``start``-th on:
    ``[round, utilities, aims, fund total, social-care protection]``, £m a year, the utilities and aims one per
    organisation in order (aims None when the model did not collect them at that round: a round played by a
    person is opened and closed, not stepped). A closed round's row never changes, so the page is sent only
    the new rows (viz/run_board.py). £m are kept to four decimals (£100): under a thousandth of a pixel, and
    a third of the characters sent."""
    order = {a.org_id: i for i, a in enumerate(model.organisations)}
    records = model.datacollector.agent_rows()  # {time: [(time, id, org, offer, aim, utility, accepted)]}
    data = model.datacollector.model_vars
    need = sum(o.asc_need for o in model.spec.organisations.values())
    closed = min(len(model.history), len(data["fund_total"]))  # (a round is recorded, then collected)
    # Mesa's time moves only when the model is stepped, so a collection's time is its round only while every
    # round has been stepped: as many collections as rounds. Otherwise (a person played) no aims, rather than
    # another round's.
    stepped = len(records) == closed
    rows = []
    for i in range(start, closed):
        record = model.history[i]
        utilities = [0.0] * len(order)
        for response in record.responses:
            utilities[order[response.org_id]] = round(response.utility, 4)
        collected = records.get(record.round) if stepped else None
        aims = None
        if collected is not None:
            aims = [0.0] * len(order)
            for _, _, org, _offer, aim, _utility, _accepted in collected:
                aims[order[org]] = round(aim, 4)
        rows.append([record.round, utilities, aims, round(data["fund_total"][i], 4),
                     round(data["gap_to_asc_need"][i] + need, 4)])
    return rows


def start_aims(model: NegotiationModel) -> list[float]:
    """Each organisation's aim (£m) before any round has closed: the offers chart's only points then."""
    return [round(a.aspiration, 4) for a in model.organisations] if not model.history else []


def offers_data(frame: dict, rows: list[list], start: list[float]) -> dict:
    """The offers chart as :func:`line_chart`'s arguments: each organisation's utility for the plan on the
    table (solid) and its aim (dashed) in each round, from :func:`chart_rows` (viz/charts.js's offersData
    is the same, for the page's own drawing)."""
    rounds = [row[0] for row in rows]
    aims = bool(rows) and all(row[2] is not None for row in rows)  # aims for every round, or not drawn
    series: list = []
    for i, (name, colour) in enumerate(zip(frame["names"], frame["colours"])):
        series.append((name, rounds, [row[1][i] for row in rows], colour, False))
        if aims:
            series.append(("", rounds, [row[2][i] for row in rows], colour, True))
    if not rows:
        series = [(name, [1], [aim], colour, False) for name, colour, aim in zip(frame["names"], frame["colours"], start)]
    return {"series": series, "hlines": [], "title": "Value of each plan (solid) and aims (dashed)",
            "xlabel": "round", "ylabel": "£m a year"}


def offers_svg(model: NegotiationModel, width: int = 560, height: int = 300, font: int = 14) -> str:
    """Each organisation's utility for the plan on the table (solid) and its aspiration (dashed), £m.

    Read from the rounds' records (one per round however the round was played: stepped, or opened and
    closed around a person's answer), so a person playing does not collapse the chart to one point.
    """
    data = offers_data(chart_frame(model), chart_rows(model), start_aims(model))
    return line_chart(**data, width=width, height=height, font=font)


def fund_data(frame: dict, rows: list[list]) -> dict:
    """The fund chart as :func:`line_chart`'s arguments (see :func:`offers_data`)."""
    rounds = [row[0] for row in rows]
    series: list = []
    if rows:
        series = [("fund total", rounds, [row[3] for row in rows], "#1565c0", False),
                  ("social-care protection", rounds, [row[4] for row in rows], "#6a1b9a", False)]
    hlines = [("minimum fund", frame["minimum_fund"], "#1565c0"), ("social-care need", frame["need"], "#6a1b9a")]
    return {"series": series, "hlines": hlines, "title": "Fund and social-care money in each plan",
            "xlabel": "round", "ylabel": "£m per year"}


def fund_svg(model: NegotiationModel, width: int = 560, height: int = 300, font: int = 14) -> str:
    """The fund in each round's proposal against the minimum; social-care protection against the need."""
    return line_chart(**fund_data(chart_frame(model), chart_rows(model)), width=width, height=height, font=font)


_LAYOUTS: dict[str, dict] = {}


def layout(model: NegotiationModel) -> dict:
    """Positions in [0, 1]², the same every round: computed once per scenario."""
    key = model.spec.fingerprint
    if key not in _LAYOUTS:
        g = model.network
        pos = nx.circular_layout(g) if len(g) <= 3 else nx.kamada_kawai_layout(g)
        xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
        span_x, span_y = (max(xs) - min(xs)) or 1, (max(ys) - min(ys)) or 1
        _LAYOUTS[key] = {n: ((p[0] - min(xs)) / span_x, (p[1] - min(ys)) / span_y) for n, p in pos.items()}
    return _LAYOUTS[key]


STANCE_TEXT = {"proposer": "★ proposes", "accepts": "✓ accepts", "rejects": "✗ rejects", "waiting": "… waiting",
               "blocked": "✗ blocked the deal"}


def shape_of(kind: str) -> str:
    """Shape by role: commissioners (CCG, ICB) circles, councils squares, acute trusts triangles, community
    trusts diamonds (an ICB is drawn as a CCG was; a unitary or district council as a council)."""
    kind = role_kind(kind) if kind in ROLES else kind
    return {"council": "square", "district_council": "square", "acute_trust": "triangle",
            "community_trust": "diamond"}.get(kind, "circle")


def _shape(shape: str, x: float, y: float, fill: str, r: float = 14) -> str:
    stroke = "stroke='#222' stroke-width='1.5'"
    if shape == "square":
        return f"<rect x='{x - r:.1f}' y='{y - r:.1f}' width='{2 * r:.1f}' height='{2 * r:.1f}' fill='{fill}' {stroke}/>"
    if shape == "triangle":
        return (f"<polygon points='{x:.1f},{y - r - 1:.1f} {x - r:.1f},{y + r * 0.8:.1f} {x + r:.1f},{y + r * 0.8:.1f}' "
                f"fill='{fill}' {stroke}/>")
    if shape == "diamond":
        return (f"<polygon points='{x:.1f},{y - r - 1:.1f} {x + r + 1:.1f},{y:.1f} {x:.1f},{y + r + 1:.1f} "
                f"{x - r - 1:.1f},{y:.1f}' fill='{fill}' {stroke}/>")
    return f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{r:.1f}' fill='{fill}' {stroke}/>"


def _wrap(name: str, most: int = 20) -> list[str]:
    words, lines = name.split(), [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + 1 + len(word) > most:
            lines.append(word)
        else:
            lines[-1] = (lines[-1] + " " + word).strip()
    return lines


def stance_of(model: NegotiationModel, agent) -> str:
    """This round's stance; at a deadlock, the blockers are marked as such (not by their last answer)."""
    if model.outcome is not None and agent.org_id in model.outcome.blockers:
        return "blocked"
    return agent.stance


def network_data(model: NegotiationModel) -> dict:
    """What the network chart shows that stays the same for a whole run (the stances are
    :func:`network_stances`): the kinds' key, each organisation's name, shape and place in [0, 1]², and the
    relationships with their trust."""
    pos = layout(model)
    kinds = list(dict.fromkeys(a.kind for a in model.organisations))
    return {"kinds": [[shape_of(k), kind_name(k)] for k in kinds],
            "nodes": [[a.name, shape_of(a.kind), *pos[a.org_id]] for a in model.organisations],
            "edges": [[*pos[u], *pos[v], data.get("trust", 0.3), data.get("kind", "")]
                      for u, v, data in model.network.edges(data=True)],
            "colours": {**STANCE_COLOURS, "blocked": STANCE_COLOURS["rejects"]}, "words": STANCE_TEXT}


def network_stances(model: NegotiationModel) -> list[str]:
    """Each organisation's stance this round, in :func:`network_data`'s order of nodes."""
    return [stance_of(model, a) for a in model.organisations]


def network_svg(model: NegotiationModel, width: int = 560, height: int = 440, font: int = 14) -> str:
    """Organisations: shape = kind, colour and a written label = stance this round; edge width = trust."""
    return network_chart(network_data(model), network_stances(model), width=width, height=height, font=font)


def network_chart(data: dict, stances: list[str], width: int = 560, height: int = 440, font: int = 14) -> str:
    """:func:`network_svg` from its numbers (viz/charts.js draws the same from the same numbers)."""
    narrow = width < 500
    per_row = 2 if narrow else 4
    kinds, nodes = data["kinds"], data["nodes"]
    keyed = ["proposer", "accepts", "rejects", "waiting"]
    # the kinds' key in words ("ICB (NHS commissioner)"): as many a row as their longest name leaves room for
    longest = max(len(name) for _shape_name, name in kinds)
    kind_row = max(1, min(per_row, int((width - 14) // (font * (0.58 * longest + 1.6)))))
    key_rows = math.ceil(len(kinds) / kind_row) + math.ceil(len(keyed) / per_row)
    line = font + 6
    key_top = font + 14
    pad_x = 0.17 * width if narrow else 120
    most_lines = max(len(_wrap(node[0], 14 if narrow else 20)) + 1 for node in nodes)
    pad_top, pad_bottom = key_top + key_rows * line + 26, 22 + most_lines * (font + 2) + font
    height = height + (key_rows - 2) * line
    colours = data["colours"]

    def at(x, y):
        return pad_x + x * (width - 2 * pad_x), pad_top + (1 - y) * (height - pad_top - pad_bottom)

    out = [svg_open(width, height, font, "Relationships and each organisation's stance this round"),
           f"<text x='{width / 2}' y='{font + 4}' text-anchor='middle' font-size='{font + 2}' font-weight='600'>"
           "Relationships (edge width = trust) and stance</text>"]
    # Key: shapes name the kinds, colours and words the stances.
    slot, kind_slot = (width - 14) / per_row, (width - 14) / kind_row
    for i, (shape, name) in enumerate(kinds):
        x, y = 14 + (i % kind_row) * kind_slot, key_top + (i // kind_row) * line + font
        out.append(_shape(shape, x, y - font * 0.35, "#ffffff", r=font * 0.45) +
                   f"<text x='{x + font}' y='{y}'>{escape(name)}</text>")
    first = math.ceil(len(kinds) / kind_row)
    for i, stance in enumerate(keyed):
        x, y = 14 + (i % per_row) * slot, key_top + (first + i // per_row) * line + font
        out.append(f"<circle cx='{x}' cy='{y - font * 0.35:.1f}' r='{font * 0.4:.1f}' fill='{colours[stance]}'/>"
                   f"<text x='{x + font}' y='{y}'>{data['words'][stance]}</text>")
    for ux, uy, vx, vy, trust, kind in data["edges"]:
        (x1, y1), (x2, y2) = at(ux, uy), at(vx, vy)
        out.append(f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' stroke='#90a4ae' "
                   f"stroke-width='{1 + 6 * trust:.1f}'><title>{escape(kind)}: trust {trust:.1f}"
                   "</title></line>")
    for (name, shape, nx_, ny_), stance in zip(nodes, stances):
        x, y = at(nx_, ny_)
        out.append(_shape(shape, x, y, colours.get(stance, "#9e9e9e")))
        lines = _wrap(name, 14 if narrow else 20) + [data["words"].get(stance, stance)]
        spans = "".join(f"<tspan x='{x:.1f}' dy='{0 if j == 0 else font + 2}'"
                        f"{' font-weight=\'700\'' if j == len(lines) - 1 else ''}>{escape(t)}</tspan>"
                        for j, t in enumerate(lines))
        out.append(f"<text x='{x:.1f}' y='{y + 16 + font:.1f}' text-anchor='middle' class='node-label' "
                   f"data-stance='{stance}' paint-order='stroke' stroke='#fff' stroke-width='3'>{spans}</text>")
    out.append("</svg>")
    return "".join(out)
