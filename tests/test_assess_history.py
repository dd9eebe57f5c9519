"""History as probabilities: over the shipped ranges, each area's historical verdict is the most likely one.

Small samples (Sobol N = 8: 16 independent sets of figures per scenario) keep this affordable;
`negotiation assess` with larger --samples gives the README's figures. The ranges are the
scenario files' own: if the model changes a verdict, this test reports it; the ranges are not
tuned to bring it back.
"""

import pytest

from negotiation.uncertainty import assess

from .conftest import BASELINE, NORTHAMPTONSHIRE, OXFORDSHIRE


@pytest.mark.slow
@pytest.mark.parametrize("path, verdict", [
    (OXFORDSHIRE, "not_approved"), (NORTHAMPTONSHIRE, "deadlock"), (BASELINE, "approved"),
], ids=["oxfordshire", "northamptonshire", "baseline"])
def test_historical_verdict_is_the_most_likely_across_the_ranges(tmp_path, path, verdict):
    a = assess(path, samples=8, workers=2, out=tmp_path / "a")
    p = a.probabilities.set_index("outcome").probability
    assert a.most_likely == verdict, f"{path.name}: {p.to_dict()}"
    assert p[verdict] > 0.5
