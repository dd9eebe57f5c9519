"""docs/notebook.ipynb runs top to bottom in a real Jupyter kernel: a scenario, a sweep, a comparison,
the assessment (once ``negotiation.uncertainty.assess`` exists) and the app's page."""

from __future__ import annotations

import importlib.util

import pytest

from .conftest import ROOT

NOTEBOOK = ROOT / "docs" / "notebook.ipynb"
ASSESS_TAG = "enable-when-assess-lands"


def _assess_available() -> bool:
    try:
        if importlib.util.find_spec("negotiation.uncertainty") is None:
            return False
        from negotiation import uncertainty

        return callable(getattr(uncertainty, "assess", None))
    except ImportError:
        return False


def _outputs(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        parts += [output.get("text", ""), data.get("text/html", ""), data.get("text/plain", "")]
        if "application/vnd.jupyter.widget-view+json" in data:
            parts.append("<widget>")
    return "\n".join(parts)


def test_notebook_runs_a_scenario_a_sweep_a_comparison_and_the_app():
    nbformat = pytest.importorskip("nbformat", reason="nbformat comes with the test extra")
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    marked = [c for c in nb.cells if ASSESS_TAG in c.get("metadata", {}).get("tags", [])]
    if _assess_available():  # the assessment has landed: run its cell too, even before the notebook is edited
        for cell in marked:
            cell.cell_type, cell.outputs, cell.execution_count = "code", [], None
    NotebookClient(nb, timeout=300, kernel_name="python3", cwd=str(ROOT / "docs")).execute()

    code = [c for c in nb.cells if c.cell_type == "code"]
    shown = [_outputs(c) for c in code]
    result = next(s for s, c in zip(shown, code) if c.source.startswith("result = run_scenario"))
    # Oxfordshire's base figures are not approved: no target is both at 3.5% and credible (README: "What the
    # credibility condition changed").
    assert "Not approved" in result and "<table>" in result and "credible_target" in result
    sweep = next(s for s, c in zip(shown, code) if "run_sweep(" in c.source)
    assert "not_approved" in sweep and "600" in sweep
    comparison = next(s for s, c in zip(shown, code) if "compare(" in c.source)
    assert "Northamptonshire 2014/15" in comparison and "deadlock_share" in comparison
    app = next(s for s, c in zip(shown, code) if "Page()" in c.source)
    assert "<widget>" in app
    if _assess_available():
        assessment = next(s for s, c in zip(shown, code) if "assess(" in c.source)
        assert assessment.strip()
