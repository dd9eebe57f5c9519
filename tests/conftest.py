from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
OXFORDSHIRE = SCENARIOS / "oxfordshire_2014.toml"
NORTHAMPTONSHIRE = SCENARIOS / "northamptonshire_2014.toml"
BASELINE = SCENARIOS / "baseline_agreement.toml"


@pytest.fixture
def oxfordshire():
    from negotiation import load_scenario

    return load_scenario(OXFORDSHIRE)


def minimal_raw(**org_overrides) -> dict:
    """A small valid scenario as a dict, for tests that build their own."""
    raw = {
        "scenario": {"name": "test area"},
        "rules": {"minimum_fund": 10.0, "deadline_rounds": 6},
        "activity": {
            "admissions_last_year": 10000,
            "admissions_this_year": 10100,
            "baseline_admissions": 9000,
            "tariff": 2000,
            "achievable_reduction": 0.03,
            "reduction_per_scheme": 0.004,
            "max_reduction": 0.06,
        },
        "organisations": {
            "ccg": {"name": "A CCG", "kind": "ccg", "budget": 200, "committed_spend": 190, "existing_pooled": 6,
                    "intervention_cost": 2},
            "council": {"name": "A Council", "kind": "council", "budget": 100, "committed_spend": 97,
                        "asc_need": 2, "intervention_cost": 2},
        },
    }
    for org_id, fields in org_overrides.items():
        raw["organisations"][org_id].update(fields)
    return raw


@pytest.fixture(autouse=True)
def _every_sweep_reads_as_one_dataset(request):
    """After any test that used tmp_path, every sweep folder it left must read as one dataset (issue 10)."""
    folder = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    yield
    if folder is not None:
        from tests.sweep_checks import assert_reads_as_one_dataset

        for definition in folder.rglob("sweep.json"):
            assert_reads_as_one_dataset(definition.parent)
