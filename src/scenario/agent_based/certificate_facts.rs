//! The certificate markets after 2023 beside the published record: 2024 figures as the
//! calibration period's check, 2025 figures only as an out-of-sample check (the run is never
//! tuned to them) or as the inputs they are (2025 issuance), and the GEC prices and volumes by
//! production year. Source ids are those of `docs/sources.md`.

use std::fmt::Write as _;

use super::AgentRun;
use super::certificates::CertificateMonth;
use chrono::Datelike;

use super::gec_vintages::{GecVintageMonth, total};
use super::report::FactCheck;
use crate::registry::YearMonth;
use crate::report::{Align, TextTable, group_thousands};
use crate::units::{Price, Quantity};

/// What an out-of-sample row says.
const OUT_OF_SAMPLE: &str = "out-of-sample check: 2025 outcomes are never used to set the model (a forecast from the rules and 2021-2024)";

fn month(y: u16, m: u8) -> Option<YearMonth> {
    YearMonth::new(y, m)
}

fn q(x: Quantity) -> f64 {
    x.units() as f64
}

fn yuan(p: Option<Price>) -> Option<f64> {
    p.map(Price::to_f64)
}

struct Months<'a>(&'a [CertificateMonth]);

impl Months<'_> {
    fn at(&self, y: u16, m: u8) -> Option<&CertificateMonth> {
        month(y, m).and_then(|m| self.0.iter().find(|c| c.month == m))
    }

    /// `f` over the months after `from` through `to` (both month ends in the run).
    fn over(
        &self,
        (fy, fm): (u16, u8),
        (ty, tm): (u16, u8),
        f: impl Fn(&CertificateMonth) -> f64,
    ) -> Option<f64> {
        Some(f(self.at(ty, tm)?) - f(self.at(fy, fm)?))
    }
}

fn traded(c: &CertificateMonth) -> f64 {
    q(c.gec_traded) + q(c.gec_green_power)
}

/// One published fact and how the run answers it.
struct Spec {
    fact: &'static str,
    published: Option<f64>,
    source: &'static str,
    note: &'static str,
    simulated: fn(&Months<'_>, &AgentRun) -> Option<f64>,
}

const ISSUANCE_INPUT: &str = "an input: issuance follows the published totals by construction";
const DEMAND_INPUT: &str = "standalone demand is an input derived from the published trading; the match tests the books' clearing";
const INPUT_2025: &str = "an input, not an outcome";
const NEA_2024: &str = "NEA press conference 2025-01-23 [S125]";
const CEN_OCT_2024: &str = "China Energy News 2024-11-21 [S126]";
const NEA_2025: &str = "NEA via China Electric Power News 2026-01-22, secondary [S130]";
const CNS_AUG_2025: &str = "NEA via China News Service 2025-09-19 [S80]";
const CEPN_OCT_2025: &str = "China Electric Power News, October 2025 release [S129]";

fn tradable(c: &CertificateMonth) -> f64 {
    q(c.gec_issued) - q(c.gec_non_tradable_issued)
}

fn price_2024(r: &AgentRun) -> Option<f64> {
    yuan(total(&r.gec_vintages, |x| x.month.year() == 2024).average_price)
}

fn price_in(r: &AgentRun, y: u16, mo: u8, production_year: Option<u16>) -> Option<f64> {
    let keep = |x: &GecVintageMonth| {
        month(y, mo) == Some(x.month) && production_year.is_none_or(|p| p == x.production_year)
    };
    yuan(total(&r.gec_vintages, keep).average_price)
}

/// The 2024 GEC facts (the calibration year).
const GEC_2024: [Spec; 9] = [
    Spec {
        fact: "GEC issued, 2024",
        published: Some(4_734_000_000.0),
        source: NEA_2024,
        note: ISSUANCE_INPUT,
        simulated: |m, _| m.over((2023, 12), (2024, 12), |c| q(c.gec_issued)),
    },
    Spec {
        fact: "GEC issued, tradable, 2024",
        published: Some(3_158_000_000.0),
        source: NEA_2024,
        note: ISSUANCE_INPUT,
        simulated: |m, _| m.over((2023, 12), (2024, 12), tradable),
    },
    Spec {
        fact: "GEC issued, October 2024",
        published: Some(1_232_000_000.0),
        source: CEN_OCT_2024,
        note: ISSUANCE_INPUT,
        simulated: |m, _| m.over((2024, 9), (2024, 10), |c| q(c.gec_issued)),
    },
    Spec {
        fact: "GEC traded (standalone and with green power), 2024",
        published: Some(446_000_000.0),
        source: NEA_2024,
        note: "",
        simulated: |m, _| m.over((2023, 12), (2024, 12), traded),
    },
    Spec {
        fact: "GEC traded standalone, 2024",
        published: Some(277_000_000.0),
        source: NEA_2024,
        note: DEMAND_INPUT,
        simulated: |m, _| m.over((2023, 12), (2024, 12), |c| q(c.gec_traded)),
    },
    Spec {
        fact: "GEC traded with green power, 2024",
        published: Some(169_000_000.0),
        source: NEA_2024,
        note: "the bundled share is derived from the published total (an input)",
        simulated: |m, _| m.over((2023, 12), (2024, 12), |c| q(c.gec_green_power)),
    },
    Spec {
        fact: "GEC traded, July 2024",
        published: Some(24_470_000.0),
        source: "NEA July 2024 release [S69]",
        note: "",
        simulated: |m, _| m.over((2024, 6), (2024, 7), traded),
    },
    Spec {
        fact: "GEC traded, October 2024",
        published: Some(25_420_000.0),
        source: CEN_OCT_2024,
        note: "",
        simulated: |m, _| m.over((2024, 9), (2024, 10), traded),
    },
    Spec {
        fact: "GEC standalone average price, 2024 (CNY)",
        published: Some(5.59),
        source: "industry summary 2025-07-23, secondary [S134]",
        note: "calibrated: the sellers' reservation value from 2024 is set so that this lands near the published average",
        simulated: |_, r| price_2024(r),
    },
];

/// The 2025 GEC facts: inputs and out-of-sample checks.
const GEC_2025: [Spec; 11] = [
    Spec {
        fact: "GEC issued, 2025 (input)",
        published: Some(2_947_000_000.0),
        source: NEA_2025,
        note: INPUT_2025,
        simulated: |m, _| m.over((2024, 12), (2025, 12), |c| q(c.gec_issued)),
    },
    Spec {
        fact: "GEC issued, tradable, 2025 (input)",
        published: Some(1_893_000_000.0),
        source: NEA_2025,
        note: INPUT_2025,
        simulated: |m, _| m.over((2024, 12), (2025, 12), tradable),
    },
    Spec {
        fact: "GEC traded, January-March 2025 (out of sample)",
        published: Some(200_000_000.0),
        source: "NEA March 2025 release [S128]",
        note: OUT_OF_SAMPLE,
        simulated: |m, _| m.over((2024, 12), (2025, 3), traded),
    },
    Spec {
        fact: "GEC traded, January-August 2025 (out of sample)",
        published: Some(464_000_000.0),
        source: CNS_AUG_2025,
        note: OUT_OF_SAMPLE,
        simulated: |m, _| m.over((2024, 12), (2025, 8), traded),
    },
    Spec {
        fact: "GEC traded with green power, January-August 2025 (out of sample)",
        published: Some(158_000_000.0),
        source: CNS_AUG_2025,
        note: OUT_OF_SAMPLE,
        simulated: |m, _| m.over((2024, 12), (2025, 8), |c| q(c.gec_green_power)),
    },
    Spec {
        fact: "GEC traded, January-October 2025 (out of sample)",
        published: Some(596_000_000.0),
        source: CEPN_OCT_2025,
        note: OUT_OF_SAMPLE,
        simulated: |m, _| m.over((2024, 12), (2025, 10), traded),
    },
    Spec {
        fact: "GEC standalone average price, August 2025 (CNY, out of sample)",
        published: Some(5.66),
        source: CNS_AUG_2025,
        note: OUT_OF_SAMPLE,
        simulated: |_, r| price_in(r, 2025, 8, None),
    },
    Spec {
        fact: "GEC standalone average price, October 2025, production year 2024 (CNY, out of sample)",
        published: Some(2.56),
        source: CEPN_OCT_2025,
        note: OUT_OF_SAMPLE,
        simulated: |_, r| price_in(r, 2025, 10, Some(2024)),
    },
    Spec {
        fact: "GEC standalone average price, October 2025, production year 2025 (CNY, out of sample)",
        published: Some(5.22),
        source: CEPN_OCT_2025,
        note: OUT_OF_SAMPLE,
        simulated: |_, r| price_in(r, 2025, 10, Some(2025)),
    },
    Spec {
        fact: "GEC expired, end of 2025 (output before 2024 and of January 2024)",
        published: None,
        source: "validity rule of the NEA GEC rules [S91][S132]",
        note: "no published count of expired certificates",
        simulated: |m, _| m.over((2025, 11), (2025, 12), |c| q(c.gec_expired)),
    },
    Spec {
        fact: "GEC bought under the purchase mandates, 2025",
        published: None,
        source: "mandates of the 2025 consumption-weight notice [S127]",
        note: "the mandated quantities are assumptions (docs/model.md); no published count",
        simulated: |m, _| m.over((2024, 12), (2025, 12), |c| q(c.gec_mandate_bought)),
    },
];

fn ccer_price_2025(r: &AgentRun) -> Option<f64> {
    let (mut v, mut t) = (Quantity::ZERO, crate::units::Money::ZERO);
    for d in r
        .days
        .iter()
        .filter(|d| d.subject == "CCER" && d.date.year() == 2025)
    {
        v += d.listed_volume + d.block_volume;
        t += d.listed_turnover + d.block_turnover;
    }
    yuan(t.div_round_half_up(v))
}

/// The CCER 2.0 facts.
const CCER_2025: [Spec; 4] = [
    Spec {
        fact: "CCER issued under the 2023 Measures, March 2025 (input)",
        published: Some(9_480_000.0),
        source: "MEE press conference 2025-03-26 [S124]",
        note: INPUT_2025,
        simulated: |m, _| m.over((2025, 2), (2025, 3), |c| q(c.ccer2_issued)),
    },
    Spec {
        fact: "CCER traded under the 2023 Measures, 2025 (out of sample)",
        published: Some(8_844_100.0),
        source: "2025 market review, secondary [S137]",
        note: OUT_OF_SAMPLE,
        simulated: |m, _| m.over((2024, 12), (2025, 12), |c| q(c.ccer2_traded)),
    },
    Spec {
        fact: "CCER average price, 2025 (CNY, out of sample)",
        published: Some(70.76),
        source: "2025 market review, secondary [S137]",
        note: OUT_OF_SAMPLE,
        simulated: |_, r| ccer_price_2025(r),
    },
    Spec {
        fact: "CCER of the 2023 Measures surrendered as offsets, 2024 cycle (deadline 2025-12-31)",
        published: None,
        source: "offsets up to 5 % of the obligation [S28][S98]",
        note: "no published count",
        simulated: |m, _| m.over((2025, 11), (2025, 12), |c| q(c.ccer2_offset)),
    },
];

/// Every post-2023 certificate fact of `run`, `None` where the run does not cover it.
#[must_use]
pub fn facts_after_2023(run: &AgentRun) -> Vec<FactCheck> {
    let m = Months(&run.certificates);
    GEC_2024
        .iter()
        .chain(&GEC_2025)
        .chain(&CCER_2025)
        .map(|s| FactCheck {
            fact: s.fact.into(),
            published: s.published,
            simulated: (s.simulated)(&m, run),
            source: s.source.into(),
            note: s.note.into(),
        })
        .collect()
}

/// Each (calendar year, production year) with GEC exchange trading, in order.
pub(super) fn production_years(v: &[GecVintageMonth]) -> Vec<(u16, u16)> {
    let mut keys: Vec<(u16, u16)> = v
        .iter()
        .map(|x| (x.month.year(), x.production_year))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The summary's table of GEC exchange trading by calendar year and production year.
#[must_use]
pub fn production_year_table(run: &AgentRun) -> String {
    let v = &run.gec_vintages;
    if v.is_empty() {
        return String::new();
    }
    let keys = production_years(v);
    let mut t = TextTable::new(&[
        ("GEC traded on the exchange", Align::Left),
        ("production year", Align::Right),
        ("volume", Align::Right),
        ("average price (CNY)", Align::Right),
    ]);
    for (year, py) in keys {
        let s = total(v, |x| x.month.year() == year && x.production_year == py);
        t.row([
            year.to_string(),
            py.to_string(),
            group_thousands(&s.volume.units().to_string()),
            s.average_price.map(|p| p.to_string()).unwrap_or_default(),
        ]);
    }
    let mut out = String::from("\n");
    let _ = write!(out, "{t}");
    out
}
