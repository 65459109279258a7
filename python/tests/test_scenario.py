import datetime as dt
import pickle
from decimal import Decimal

import pytest

import carbonsim

from conftest import ROOT, SMALL
from helpers import check_schema

FILE = ROOT / "examples" / "scenarios" / "agent_based_2021_2023.toml"


def test_load_reads_toml_and_json_files():
    s = carbonsim.Scenario.load(FILE)
    assert s.name == "agent_based_2021_2023"
    assert s.seed == 20210716
    j = carbonsim.Scenario.load(ROOT / "examples" / "scenarios" / "open_market_2024.json")
    assert j.to_dict()["participants"]["market_makers"] is True


def test_load_errors_name_the_file_or_the_field(tmp_path):
    with pytest.raises(carbonsim.ScenarioError, match="no/such.toml"):
        carbonsim.Scenario.load("no/such.toml")
    with pytest.raises(carbonsim.ScenarioError, match=r"\.toml or \.json"):
        carbonsim.Scenario.load(tmp_path / "s.yaml")
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace("compliance_firms = 300", "compliance_firm = 300"))
    with pytest.raises(carbonsim.ScenarioError, match="compliance_firm"):
        carbonsim.Scenario.load(bad)


def test_from_dict_takes_dates_and_decimals():
    s = carbonsim.Scenario.from_dict(
        {
            "name": "d",
            "seed": 3,
            "start": dt.date(2021, 7, 16),
            "end": "2021-09-30",
            "fleet": {"compliance_firms": 100, "firm_cash": Decimal("1234.56")},
        }
    )
    d = s.to_dict()
    assert d["end"] == "2021-09-30"
    assert d["fleet"]["firm_cash"] == "1234.56"
    with pytest.raises(carbonsim.ScenarioError, match="colour"):
        carbonsim.Scenario.from_dict({"name": "d", "seed": 1, "start": "2021-07-16", "end": "2021-07-16", "colour": 1})
    with pytest.raises(TypeError):
        carbonsim.Scenario.from_dict({"name": object()})


def test_set_changes_the_field_and_chains(small):
    before = small.content_hash
    out = small.set("fleet.compliance_firms", 500).set("behaviour.compliance_firm.base_activity", 0.03)
    assert out is small
    d = small.to_dict()
    assert d["fleet"]["compliance_firms"] == 500
    assert d["behaviour"]["compliance_firm"]["base_activity"] == 0.03
    assert small.content_hash != before
    small.set("fleet.firm_cash", Decimal("60000000.10")).set("start", dt.date(2021, 8, 2))
    small.set("submarkets.gec_demand.0.per_month", 5).set("name", "renamed")
    d = small.to_dict()
    assert d["fleet"]["firm_cash"] == "60000000.10"
    assert d["start"] == "2021-08-02"
    assert d["submarkets"]["gec_demand"][0]["per_month"] == "5"
    assert small.name == "renamed"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("fleet.compliance_firm", 3, "unknown scenario field fleet.compliance_firm"),
        ("seed.low", 1, "unknown scenario field seed.low"),
        ("fleet.compliance_firms", "many", "fleet.compliance_firms = many: invalid type"),
        ("fleet.compliance_firms", -1, "fleet.compliance_firms = -1"),
        ("behaviour.compliance_firm.base_activity", 1.5, "must be between 0 and 1"),
        ("fleet.market_makers", 2, "not admitted"),
        ("end", "2020-01-01", "end = 2020-01-01"),
        ("fleet..x", 1, "empty path segment"),
    ],
)
def test_set_errors_name_path_and_value_and_change_nothing(small, path, value, message):
    before = small.to_toml()
    with pytest.raises(carbonsim.OverrideError, match=message.replace(".", r"\.")):
        small.set(path, value)
    assert small.to_toml() == before
    assert issubclass(carbonsim.OverrideError, carbonsim.ScenarioError)


def test_set_rejects_values_no_file_could_hold(small):
    with pytest.raises(TypeError, match="object"):
        small.set("name", object())


def test_to_toml_round_trips(small):
    small.set("fleet.compliance_firms", 123)
    again = carbonsim.Scenario.from_toml(small.to_toml())
    assert again == small
    assert again.content_hash == small.content_hash
    assert carbonsim.Scenario.from_json(small.to_json()) == small


def test_a_scenario_pickles_by_value(small):
    small.set("fleet.compliance_firms", 77)
    back = pickle.loads(pickle.dumps(small))
    assert back == small and back is not small
    assert "small" in repr(back)


def test_timeline_lists_the_deadlines_and_marks_the_run(small):
    t = small.timeline()
    check_schema(t, "timeline")
    finals = t[t["event"] == "final deadline"]
    # The published timeline's final deadlines: power 2019-2020, 2021-2022, 2023 and 2024, the
    # industrial sectors' 2024 cycle beside power's 2024 one, and the assumed 2025 year of both.
    assert list(finals["date"].dt.strftime("%Y-%m-%d")) == [
        "2021-12-31", "2023-12-31", "2024-12-31", "2025-12-31", "2025-12-31",
        "2026-12-31", "2026-12-31",
    ]
    assert list(finals["in_run"]) == [True, False, False, False, False, False, False]
    interims = t[t["event"] == "interim deadline"]
    first, second = interims.iloc[0], interims.iloc[1]
    assert (first["cycle"], first["share_due_pct"], first["share_of"]) == ("2019-2020", 95, "entities")
    assert (second["cycle"], second["share_due_pct"], second["share_of"]) == ("2021-2022", 95, "volume")
    # The day each deadline was made known: its own notice, else its cycle's plan; none for
    # the other events or for the assumed 2025 power year, which has neither.
    assert [str(d.date()) for d in (first["announced"], second["announced"])] == ["2021-10-26", "2023-03-15"]
    assert finals.iloc[0]["announced"].strftime("%Y-%m-%d") == "2020-12-30"
    assert t[~t["event"].str.contains("deadline")]["announced"].isna().all()
    assert finals["announced"].isna().sum() == 1
    assert t["date"].is_monotonic_increasing
    assert t["source"].str.len().min() > 0


def test_timeline_follows_the_scenarios_policy(small):
    small.set("policy.cycles.2021-2022.deadlines.final.date", "2024-01-31")
    finals = small.timeline()
    finals = finals[finals["event"] == "final deadline"]
    assert list(finals["date"].dt.strftime("%Y-%m-%d"))[:3] == ["2021-12-31", "2024-01-31", "2024-12-31"]


def test_update_checks_rules_between_fields_once(small):
    small.set("participants.investors", False)
    with pytest.raises(carbonsim.OverrideError, match="not admitted"):
        small.set("fleet.investors", 5)
    small.update({"fleet.investors": 5, "participants.investors": True})
    assert small.to_dict()["fleet"]["investors"] == 5
    before = small.to_toml()
    with pytest.raises(carbonsim.OverrideError, match="fleet.firms"):
        small.update({"fleet.compliance_firms": 10, "fleet.firms": 1})
    assert small.to_toml() == before
