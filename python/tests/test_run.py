import pandas as pd
import pytest

import carbonsim

from helpers import check_schema


@pytest.fixture(scope="module")
def run():
    from conftest import SMALL

    return carbonsim.Scenario.from_toml(SMALL).run(seed=5)


def test_frames_follow_their_schemas(run):
    check_schema(run.daily, "run.daily")
    check_schema(run.firms, "run.firms")
    check_schema(run.compliance, "run.compliance")
    check_schema(run.statistics, "run.statistics")
    check_schema(run.auctions, "run.auctions")
    check_schema(run.reserve, "run.reserve")
    assert run.auctions.empty and run.reserve.empty, "no instruments, no auctions"
    assert run.seed == 5
    assert "small" in repr(run)


def test_daily_has_the_composite_market_every_day(run):
    comcea = run.daily[run.daily["subject"] == "COMCEA"]
    assert comcea["date"].is_unique and comcea["date"].is_monotonic_increasing
    assert comcea["date"].min() == pd.Timestamp("2021-07-16")
    assert comcea["volume_t"].sum() > 0


def test_firms_account_for_every_trade(run):
    f = run.firms
    assert f["bought_t"].sum() == f["sold_t"].sum()
    assert f["paid_fen"].sum() == f["received_fen"].sum()
    # The composite market carries every allowance trade once.
    comcea = run.daily[run.daily["subject"] == "COMCEA"]
    assert f["bought_t"].sum() == comcea["volume_t"].sum()
    turnover = comcea["listed_turnover_fen"].sum() + comcea["block_turnover_fen"].sum()
    assert f["paid_fen"].sum() == turnover
    assert (f["kind"] == "covered_entity").sum() == 300
    # report.json writes counts as JSON numbers (money stays a decimal string).
    assert run.report["activity"][0]["bought"] == int(f["bought_t"].sum())


def test_compliance_matches_the_report(run):
    c = run.compliance
    assert list(c["cycle"]) == [r["cycle"] for r in run.report["compliance"]]
    assert list(c["shortfall_t"]) == [r["shortfall"] for r in run.report["compliance"]]
    assert all(isinstance(r["fines"], str) for r in run.report["compliance"])
    assert list(c["deadline"].dt.strftime("%Y-%m-%d")) == ["2021-12-15", "2021-12-31"]
    assert ((c["rate_by_volume"] * 10_000).round() == c["rate_by_volume_bp"]).all()


def test_statistics_match_the_calibration_report(run):
    s = run.statistics.set_index("statistic")
    cal = run.report["calibration"]
    assert s.loc["volatility", "simulated"] == cal["volatility"]["simulated"]
    assert s.loc["maximum drawdown", "published"] == cal["max_drawdown"]["published"]
    assert s.loc["close path MAPE", "simulated"] == cal["close_path"]["mape"]
    assert s.loc["close path RMSE (CNY)", "simulated"] == cal["close_path"]["rmse"]
    assert s.loc["mean close 2021 (CNY/t)", "published"] == cal["mean_close"]["2021"]["published"]
    last = s.loc["last close (CNY/t)"]
    assert last["relative_error"] == (last["simulated"] - last["published"]) / last["published"]
    assert pd.isna(s.loc["close path MAPE", "published"])


def test_run_statistics_are_named_as_the_studys(run, small):
    """Every statistic the study bands for a seed is a row of that seed's run.statistics."""
    mc = carbonsim.montecarlo(small, seeds=1)
    names = mc.statistics["statistic"]
    calibration = [n for n in names if not n.startswith(("compliance", "entities"))]
    ran = set(small.run().statistics["statistic"])
    assert calibration and set(calibration) <= ran, set(calibration) - ran


def test_the_same_seed_gives_identical_results(small):
    a, b = small.run(seed=9), small.run(seed=9)
    pd.testing.assert_frame_equal(a.daily, b.daily)
    pd.testing.assert_frame_equal(a.firms, b.firms)
    assert a.report == b.report
    c = small.run(seed=10)
    assert not a.daily.equals(c.daily)
    assert small.run().seed == small.seed


def test_exact_money_as_decimal(run):
    d = carbonsim.with_decimal(run.daily)
    from decimal import Decimal

    first = d.iloc[0]
    assert isinstance(first["close_cny"], Decimal)
    assert first["close_cny"] * 100 == int(first["close_fen"])
    assert str(first["close_cny"]) == f"{first['close_fen'] // 100}.{first['close_fen'] % 100:02d}"


def test_an_override_breaking_a_rule_between_fields_is_refused():
    s = carbonsim.Scenario.from_toml(
        'name = "x"\nseed = 1\nstart = "2021-07-16"\nend = "2021-07-30"\ncalendar_end = "2024-12-31"\n'
    )
    with pytest.raises(carbonsim.ScenarioError, match="calendar_end"):
        s.set("calendar_end", "2022-01-01")


def test_a_capped_market_reports_its_auctions_and_reserve_as_the_cli_does():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "cap_and_auction_2027_2030.toml"
    scenario = carbonsim.Scenario.load(path).update({"start": "2028-01-03", "end": "2029-12-31"})
    run = scenario.run()
    check_schema(run.auctions, "run.auctions")
    check_schema(run.reserve, "run.reserve")
    report = run.report["instruments"]
    assert len(run.auctions) == len(report["auctions"]) > 0
    assert run.auctions["sold_t"].sum() == sum(int(a["sold"]) for a in report["auctions"])
    assert set(run.auctions["unsold_to"]) <= {"carried", "reserve", "cancel"}
    assert list(run.reserve["held_after_t"])[-1] == int(report["reserve"][-1]["held_after"])
