"""The ``negotiation`` command: thin, it parses, calls the library and prints.

Any bad input ends with one line on stderr and exit code 2, never a traceback. Results go to stdout,
progress and messages to stderr; every command that prints results takes ``--json``. Colour follows
the terminal: none when piped or when ``NO_COLOR`` is set, and text lines are never wrapped.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from negotiation.errors import NegotiationError, ScenarioError, one_line
from negotiation.kinds import kind_name
from negotiation.limits import MAX_ROUNDS

if TYPE_CHECKING:
    from negotiation.scenario import Scenario

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__.splitlines()[0] if __doc__ else None)
# Piped, rich would assume 80 columns and squeeze tables; give them room (COLUMNS still wins).
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)

SCENARIO_HELP = "Scenario TOML file, or a shipped scenario's name (see: negotiation scenarios)"
OUTCOME_STYLE = {"approved": "bold green", "approved_with_conditions": "bold green", "not_approved": "bold yellow",
                 "deadlock": "bold red", "arbitrated": "bold magenta"}
OUTCOME_TEXT = {"approved": "APPROVED", "approved_with_conditions": "APPROVED WITH CONDITIONS",
                "not_approved": "NOT APPROVED", "deadlock": "DEADLOCK", "arbitrated": "ARBITRATED (plan imposed)"}


def error_lines(problem: NegotiationError | str) -> None:
    """Each problem on its own line on stderr, as plain text (a value such as ``[/x]`` is not markup)."""
    lines = problem.lines() if isinstance(problem, ScenarioError) else str(problem).splitlines() or [""]
    sys.stderr.write("".join(f"error: {one_line(line)}\n" for line in lines))
    sys.stderr.flush()


def fail(message: NegotiationError | str) -> NoReturn:
    """Bad input: one line per problem naming the file, the field and the value; exit code 2."""
    error_lines(message)
    raise typer.Exit(2)


def _load(path: Path, sets: list[str] | None) -> Scenario:
    from negotiation.scenario import load_scenario

    return load_scenario(path, sets or None)


def _version(value: bool) -> None:
    if value:
        from negotiation import __version__

        out.print(f"negotiation {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Options before the command."""


@app.command(name="scenarios")
def list_scenarios(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON list")] = False,
) -> None:
    """List the shipped scenarios: any command takes one of these names in place of a file."""
    from negotiation.catalogue import describe

    rows = describe()
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    width = max((len(r["name"]) for r in rows), default=0)
    for r in rows:
        boards = f", {r['boards']} boards" if r.get("boards", 1) > 1 else ""
        out.print(f"{r['name']:<{width}}  {r['title']} ({r.get('rule_set', '')}{boards})", markup=False)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help=SCENARIO_HELP)],
    seed: Annotated[int, typer.Option(min=0, help="Random seed (0 or more)")] = 0,
    rounds: Annotated[Optional[int], typer.Option(min=1, max=MAX_ROUNDS, help="Deadline in rounds (default: the scenario's)")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a value: KEY=VALUE, dotted path")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    order: Annotated[Optional[str], typer.Option(help="Multi-board scenarios: simultaneous or sequential (default: the file's)")] = None,
) -> None:
    """Run one negotiation and show it round by round, then the outcome and why."""
    from negotiation.cli_boards import multi_board, run_area_cli

    if multi_board(scenario):
        run_area_cli(scenario, seed, rounds, set_, as_json, order)
        return
    if order is not None:
        fail(f"--order: {scenario} has one board; --order is for multi-board scenarios ([boards.<id>])")
    try:
        spec = _load(scenario, set_)
        from negotiation.runner import run_scenario

        result = run_scenario(spec, seed=seed, rounds=rounds)
    except NegotiationError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
        return
    _print_run(result)
    if not set_ and rounds is None:  # an assessment is of the file's own figures
        from negotiation.cli_assess import verdict_line

        out.print(verdict_line(scenario, result.outcome), soft_wrap=True)


def _print_run(result) -> None:
    # Names and reasons come from the scenario file: escaped, so "[/x]" in a name is text, not markup.
    out.print(f"[bold]{escape(result.scenario)}[/bold]  seed {result.seed}")
    goal = "target" if result.policy == "bcf_2015_16" else "local goal"  # 2023/24 on: nothing is paid on it
    for h in result.history:
        p = h["plan"]
        out.print(
            f"\n[bold]Round {h['round']}[/bold]: {escape(h['proposer'])} proposes a £{p['fund_total']:.1f}m fund, "
            f"£{p['asc_protection']:.1f}m social care, £{p['community_schemes']:.1f}m schemes, "
            f"£{p['acute_support']:.1f}m acute support, {goal} {p['admissions_target']:+.1%}"
        )
        for reason in h["rejected"].values():
            out.print(f"  [red]✗[/red] {escape(reason)}")
        if h["accepted"]:
            out.print(f"  [green]✓[/green] accepted by {escape(', '.join(h['accepted']))}")
    style = OUTCOME_STYLE[result.outcome]
    out.print(f"\n[{style}]{OUTCOME_TEXT[result.outcome]}[/{style}] after {result.rounds} round(s)")
    if result.failed_conditions:
        out.print("Failed conditions: " + ", ".join(result.failed_conditions))
    if result.blockers:
        out.print("Blocked by: " + escape(", ".join(result.blockers)))
    for reason in result.reasons:
        out.print(f"  • {escape(reason)}")
    table = Table(title="Each organisation after the plan (£m per year)")
    for col in ("organisation", "kind", "pays in", "net money", "utility", "no deal", "signed"):
        table.add_column(col)
    for org_id, o in result.organisations.items():
        table.add_row(
            escape(o["name"]), escape(kind_name(o["kind"])), f"{result.contributions.get(org_id, 0):.1f}", f"{o['net_money']:+.1f}",
            f"{o['utility']:+.1f}", f"{o['reservation']:+.1f}", "yes" if o["accepted"] else "no",
        )
    out.print(table)


@app.command()
def explain(
    scenario: Annotated[Path, typer.Argument(help=SCENARIO_HELP)],
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a value: KEY=VALUE")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Derive the figures the Oxfordshire paper quotes from a scenario's inputs."""
    from negotiation.cli_boards import explain_area_cli, multi_board
    from negotiation.explain import LABELS
    from negotiation.explain import explain as derive

    if multi_board(scenario):
        explain_area_cli(scenario, set_, as_json)
        return
    try:
        figures = derive(_load(scenario, set_))
    except NegotiationError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(figures, indent=2) + "\n")
        return
    if "rule_set" in figures:
        _print_pooled(figures)
        return
    out.print(_figures_table(f"Derived figures: {escape(figures['scenario'])}", LABELS, figures))
    verdict = "is credible" if figures["national_target_credible"] else "fails assurance as not credible"
    out.print(f"A plan that signs the national target ({figures['national_admissions_target']:.1%}) {verdict} "
              f"(condition credible_target: at most {figures['most_ambitious_credible_target']:+.1%} on last year).",
              soft_wrap=True)
    targets = Table(title="Calibration targets (inputs were set to reproduce these; not validation)")
    for column in ("paper's figure", "paper says", "model gives", "input calibrated"):
        targets.add_column(column)
    for t in figures["calibration_targets"]:
        fmt = (lambda v: f"{v:.1%}") if t["unit"] == "pct" else (lambda v: f"£{v:.1f}m")
        targets.add_row(t["figure"], t["paper"], fmt(t["model"]), t["calibrated_by"])
    out.print(targets)


def _figures_table(title: str, labels: dict, figures: dict) -> Table:
    """``explain``'s derived figures, each as a percentage or £m as its label says."""
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, (label, unit) in labels.items():
        value = figures[key]
        table.add_row(label, f"{value:.1%}" if unit == "pct" else f"£{value:.1f}m")
    return table


def _print_pooled(figures: dict) -> None:
    """``explain`` under a pooled-grants rule set: streams, the ASC uplift, each party's share."""
    from negotiation.rules.explain_pooled import LABELS as POOLED

    title = f"Derived figures: {escape(figures['scenario'])} ({escape(figures['rule_set_title'])})"
    out.print(_figures_table(title, POOLED, figures))
    parties = Table(title="Each party's share of the pool before negotiation (£m per year)")
    for col in ("organisation", "kind", "pools", "share", "headroom", "ASC need"):
        parties.add_column(col)
    for p in figures["parties"].values():
        parties.add_row(escape(p["name"]), escape(kind_name(p["kind"])), f"{p['pooled']:.1f}", f"{p['share_of_pool']:.1%}",
                        f"{p['headroom']:.1f}", f"{p['asc_need']:.1f}")
    out.print(parties)
    out.print("Signs: " + ", ".join(figures["signatories"]), markup=False)
    for m in figures["metrics"]:
        out.print(f"Metric: {m['text']}; payment at risk: {'yes' if m['payment_at_risk'] else 'no'}", markup=False)


def _usage_error_base() -> type[Exception]:
    """The base class of the parser's errors, from public names only: recent typer vendors click and
    raises its own ``typer.TyperException`` family; older typer raises click's ``ClickException``."""
    base = getattr(typer, "TyperException", None)
    if isinstance(base, type) and issubclass(base, Exception):
        return base
    import click

    return click.ClickException


def main() -> None:
    """Entry point of the ``negotiation`` command."""
    import negotiation.cli_app  # noqa: F401  registers app and fetch-assets
    import negotiation.cli_assess  # noqa: F401  registers assess
    import negotiation.cli_batch  # noqa: F401  registers sweep, compare and report

    try:
        # Bare `negotiation` shows the help once, whatever typer's version does with no arguments.
        code = app(args=sys.argv[1:] or ["--help"], standalone_mode=False)  # returns the exit code
    except _usage_error_base() as exc:
        ctx = getattr(exc, "ctx", None)  # usage errors carry the command's context
        if type(exc).__name__ == "NoArgsIsHelpError":  # typer has shown the help already
            sys.exit(0)
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        if ctx is not None:  # a bad option, argument or command: one line, exit 2
            command = ctx.command_path
            error_lines(f"{command}: {one_line(message)} (see {command} --help)")
        else:
            error_lines(one_line(message))
        sys.exit(2)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except NegotiationError as exc:  # pragma: no cover - commands catch their own
        error_lines(exc)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # python -m negotiation.cli: run the installed module's app, with every command
    from negotiation.cli import main as installed_main

    installed_main()
