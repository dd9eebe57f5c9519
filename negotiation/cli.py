"""The ``negotiation`` command: thin, it parses, calls the library and prints.

Any bad input ends with one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from negotiation.errors import NegotiationError, ScenarioError, one_line
from negotiation.limits import MAX_ROUNDS

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__.splitlines()[0] if __doc__ else None)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

OUTCOME_STYLE = {"approved": "bold green", "not_approved": "bold yellow", "deadlock": "bold red"}
OUTCOME_TEXT = {"approved": "APPROVED", "not_approved": "NOT APPROVED", "deadlock": "DEADLOCK"}


def error_lines(problem: NegotiationError | str) -> None:
    """Each problem on its own line on stderr, as plain text (a value such as ``[/x]`` is not markup)."""
    lines = problem.lines() if isinstance(problem, ScenarioError) else str(problem).splitlines() or [""]
    sys.stderr.write("".join(f"error: {one_line(line)}\n" for line in lines))
    sys.stderr.flush()


def fail(message: NegotiationError | str) -> None:
    """Bad input: one line per problem naming the file, the field and the value; exit code 2."""
    error_lines(message)
    raise typer.Exit(2)


def _load(path: Path, sets: list[str] | None):
    from negotiation.scenario import load_scenario

    return load_scenario(path, sets or None)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file")],
    seed: Annotated[int, typer.Option(min=0, help="Random seed (0 or more)")] = 0,
    rounds: Annotated[Optional[int], typer.Option(min=1, max=MAX_ROUNDS, help="Deadline in rounds (default: the scenario's)")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a value: KEY=VALUE, dotted path")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
):
    """Run one negotiation and show it round by round, then the outcome and why."""
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
    for h in result.history:
        p = h["plan"]
        out.print(
            f"\n[bold]Round {h['round']}[/bold]: {escape(h['proposer'])} proposes a £{p['fund_total']:.1f}m fund, "
            f"£{p['asc_protection']:.1f}m social care, £{p['community_schemes']:.1f}m schemes, "
            f"£{p['acute_support']:.1f}m acute support, target {p['admissions_target']:+.1%}"
        )
        for org, reason in h["rejected"].items():
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
            escape(o["name"]), o["kind"], f"{result.contributions.get(org_id, 0):.1f}", f"{o['net_money']:+.1f}",
            f"{o['utility']:+.1f}", f"{o['reservation']:+.1f}", "yes" if o["accepted"] else "no",
        )
    out.print(table)


@app.command()
def explain(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file")],
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a value: KEY=VALUE")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
):
    """Derive the figures the Oxfordshire paper quotes from a scenario's inputs."""
    from negotiation.explain import LABELS, explain as derive

    try:
        figures = derive(_load(scenario, set_))
    except NegotiationError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(figures, indent=2) + "\n")
        return
    table = Table(title=f"Derived figures: {escape(figures['scenario'])}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, (label, unit) in LABELS.items():
        value = figures[key]
        table.add_row(label, f"{value:.1%}" if unit == "pct" else f"£{value:.1f}m")
    out.print(table)


def main() -> None:
    import negotiation.cli_app  # noqa: F401  registers app
    import negotiation.cli_assess  # noqa: F401  registers assess
    import negotiation.cli_batch  # noqa: F401  registers sweep, compare and report

    # Typer bundles its own copy of click; its exceptions live here, not in the click package.
    from typer._click import exceptions as cx

    try:
        code = app(standalone_mode=False)  # returns a command's exit code instead of exiting
    except cx.NoArgsIsHelpError as exc:  # bare `negotiation`: show the help
        typer.echo(exc.ctx.get_help())
        sys.exit(0)
    except cx.UsageError as exc:  # a bad option, argument or command: one line, exit 2
        command = exc.ctx.command_path if exc.ctx else "negotiation"
        error_lines(f"{command}: {one_line(exc.format_message())} (see {command} --help)")
        sys.exit(2)
    except cx.ClickException as exc:
        error_lines(one_line(exc.format_message()))
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
