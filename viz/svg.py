"""Hand-made SVG charts for the views that change every round.

Matplotlib takes over 100 ms per figure on these machines, too slow for a
Step that must redraw everything in under 100 ms; these charts take about a
millisecond, need no JavaScript library (so nothing to fetch offline), and
stay sharp on a projector. The report and the Compare tab's heatmap still use
matplotlib.
"""

from __future__ import annotations

import math
from html import escape

import networkx as nx

from negotiation.model import NegotiationModel

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
STANCE_COLOURS = {"proposer": "#1565c0", "accepts": "#2e7d32", "rejects": "#c62828", "waiting": "#9e9e9e"}


def nice_ticks(low: float, high: float, n: int = 5) -> list[float]:
    """Round tick values covering [low, high].

    >>> nice_ticks(0, 10)
    [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    """
    if high <= low:
        high = low + 1.0
    raw = (high - low) / n
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = [round(start, 10)]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def line_chart(series, hlines=(), title="", xlabel="", ylabel="", width=520, height=290) -> str:
    """``series``: [(label, xs, ys, colour, dashed)]; ``hlines``: [(label, y, colour)]."""
    left, right, top, bottom = 52, 10, 26, 40
    legend_rows = [(s[0], s[3], s[4]) for s in series if s[0]] + [(h[0], h[2], True) for h in hlines]
    plot_h = height - top - bottom - 14 * math.ceil(len(legend_rows) / 2)
    xs_all = [x for s in series for x in s[1]] or [1.0]
    ys_all = [y for s in series for y in s[2]] + [h[1] for h in hlines] or [0.0]
    x0, x1 = min(xs_all), max(max(xs_all), min(xs_all) + 1)
    yt = nice_ticks(min(ys_all), max(ys_all))
    y0, y1 = yt[0], yt[-1]

    def sx(x):
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def sy(y):
        return top + (1 - (y - y0) / (y1 - y0)) * plot_h

    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' font-family='sans-serif' "
           f"font-size='11' role='img' aria-label='{escape(title)}'>",
           f"<text x='{width / 2}' y='15' text-anchor='middle' font-size='13'>{escape(title)}</text>"]
    for y in yt:
        out.append(f"<line x1='{left}' x2='{width - right}' y1='{sy(y):.1f}' y2='{sy(y):.1f}' stroke='#eee'/>")
        out.append(f"<text x='{left - 4}' y='{sy(y) + 4:.1f}' text-anchor='end'>{y:g}</text>")
    for x in range(math.ceil(x0), math.floor(x1) + 1):
        out.append(f"<text x='{sx(x):.1f}' y='{top + plot_h + 14:.1f}' text-anchor='middle'>{x}</text>")
    out.append(f"<rect x='{left}' y='{top}' width='{width - left - right}' height='{plot_h:.1f}' fill='none' "
               "stroke='#999'/>")
    out.append(f"<text x='{(left + width - right) / 2}' y='{top + plot_h + 28:.1f}' text-anchor='middle'>"
               f"{escape(xlabel)}</text>")
    out.append(f"<text transform='translate(12,{top + plot_h / 2:.1f}) rotate(-90)' text-anchor='middle'>"
               f"{escape(ylabel)}</text>")
    for _label, y, colour in hlines:
        out.append(f"<line x1='{left}' x2='{width - right}' y1='{sy(y):.1f}' y2='{sy(y):.1f}' stroke='{colour}' "
                   "stroke-dasharray='2,3' stroke-width='1.5'/>")
    for _label, xs, ys, colour, dashed in series:
        points = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(xs, ys))
        dash = " stroke-dasharray='6,4'" if dashed else ""
        out.append(f"<polyline points='{points}' fill='none' stroke='{colour}' stroke-width='2'{dash}/>")
        if not dashed:
            out += [f"<circle cx='{sx(x):.1f}' cy='{sy(y):.1f}' r='2.5' fill='{colour}'/>" for x, y in zip(xs, ys)]
    ly = top + plot_h + 44
    for i, (label, colour, dashed) in enumerate(legend_rows):
        lx, row_y = left + (i % 2) * (width - left) / 2, ly + (i // 2) * 14
        dash = " stroke-dasharray='4,3'" if dashed else ""
        out.append(f"<line x1='{lx}' x2='{lx + 18}' y1='{row_y - 4}' y2='{row_y - 4}' stroke='{colour}' "
                   f"stroke-width='2'{dash}/><text x='{lx + 22}' y='{row_y}'>{escape(label)}</text>")
    out.append("</svg>")
    return "".join(out)


def offers_svg(model: NegotiationModel) -> str:
    """Each organisation's utility for the plan on the table (solid) and its aspiration (dashed), £m."""
    series = []
    rounds = list(range(1, model.round + 1)) if model.history else []
    records = model.datacollector.agent_rows()  # {step: [(step, id, org, offer, asp, util, acc)]}
    by_org: dict[str, tuple[list, list]] = {a.org_id: ([], []) for a in model.organisations}
    for step in sorted(records):
        for _, _, org, _offer, aspiration, utility, _accepted in records[step]:
            by_org[org][0].append(utility)
            by_org[org][1].append(aspiration)
    for i, agent in enumerate(model.organisations):
        colour = PALETTE[i % len(PALETTE)]
        utilities, aspirations = by_org[agent.org_id]
        series.append((agent.name, rounds, utilities, colour, False))
        series.append(("", rounds, aspirations, colour, True))
    if not rounds:
        series = [(a.name, [1], [a.aspiration], PALETTE[i % len(PALETTE)], False) for i, a in enumerate(model.organisations)]
    return line_chart(series, title="Offers (solid) and aspirations (dashed)", xlabel="round",
                      ylabel="£m-equivalent per year")


def fund_svg(model: NegotiationModel) -> str:
    """The fund in each round's proposal against the minimum; social-care protection against the need."""
    need = sum(o.asc_need for o in model.spec.organisations.values())
    rounds = list(range(1, model.round + 1))
    data = model.datacollector.model_vars
    series = []
    if rounds:
        series = [
            ("fund total", rounds, data["fund_total"], "#1565c0", False),
            ("social-care protection", rounds, [g + need for g in data["gap_to_asc_need"]], "#6a1b9a", False),
        ]
    hlines = [("minimum fund", model.spec.rules.minimum_fund, "#1565c0"), ("social-care need", need, "#6a1b9a")]
    return line_chart(series, hlines, title="Fund and social-care money in each proposal", xlabel="round",
                      ylabel="£m per year")


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


def _shape(kind: str, x: float, y: float, fill: str) -> str:
    stroke = "stroke='#222' stroke-width='1.2'"
    if kind == "council":
        return f"<rect x='{x - 13}' y='{y - 13}' width='26' height='26' fill='{fill}' {stroke}/>"
    if kind == "acute_trust":
        return f"<polygon points='{x},{y - 15} {x - 14},{y + 11} {x + 14},{y + 11}' fill='{fill}' {stroke}/>"
    if kind == "community_trust":
        return f"<polygon points='{x},{y - 15} {x + 15},{y} {x},{y + 15} {x - 15},{y}' fill='{fill}' {stroke}/>"
    return f"<circle cx='{x}' cy='{y}' r='14' fill='{fill}' {stroke}/>"


def network_svg(model: NegotiationModel, width: int = 520, height: int = 330) -> str:
    """Organisations coloured by stance this round (proposer / accepts / rejects); edge width = trust."""
    pos = layout(model)
    pad_x, pad_top, pad_bottom = 90, 68, 40

    def at(node):
        x, y = pos[node]
        return pad_x + x * (width - 2 * pad_x), pad_top + (1 - y) * (height - pad_top - pad_bottom)

    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' font-family='sans-serif' "
           "font-size='11' role='img' aria-label='relationship network'>",
           f"<text x='{width / 2}' y='15' text-anchor='middle' font-size='13'>Relationships (edge = trust) and "
           "stance this round</text>"]
    for u, v, data in model.network.edges(data=True):
        (x1, y1), (x2, y2) = at(u), at(v)
        trust = data.get("trust", 0.3)
        out.append(f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' stroke='#90a4ae' "
                   f"stroke-width='{1 + 6 * trust:.1f}'><title>{escape(data.get('kind', ''))}</title></line>")
        out.append(f"<text x='{(x1 + x2) / 2:.1f}' y='{(y1 + y2) / 2 - 4:.1f}' fill='#455a64' "
                   f"text-anchor='middle'>{trust:.1f}</text>")
    for agent in model.organisations:
        x, y = at(agent.org_id)
        out.append(_shape(agent.kind, x, y, STANCE_COLOURS.get(agent.stance, "#9e9e9e")))
        out.append(f"<text x='{x:.1f}' y='{y + 28:.1f}' text-anchor='middle' class='node-label' "
                   f"data-stance='{agent.stance}'>{escape(agent.name)}</text>")
    for i, (stance, colour) in enumerate(STANCE_COLOURS.items()):
        out.append(f"<circle cx='{14 + i * 90}' cy='32' r='5' fill='{colour}'/>"
                   f"<text x='{22 + i * 90}' y='36'>{stance}</text>")
    out.append("</svg>")
    return "".join(out)
