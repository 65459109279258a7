//! The capped market's instruments in a run's outputs: each capped cycle's cap and its split,
//! the auctions by compliance year (in `summary.txt`), every auction and reserve move
//! (`auctions.csv`, `reserve.csv`); `report.json` carries the record whole.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::Datelike;

use super::AgentRun;
use super::instruments::InstrumentsRecord;
use crate::report::{Align, TextTable, group_thousands};
use crate::units::{Money, Quantity};

fn t(q: Quantity) -> String {
    group_thousands(&q.units().to_string())
}

fn tonnes(q: u64) -> String {
    group_thousands(&q.to_string())
}

/// The caps, auctions and reserve as text tables; empty without instruments.
#[must_use]
pub fn instruments_tables(run: &AgentRun) -> String {
    let r = &run.instruments;
    if r.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let mut caps = TextTable::new(&[
        ("cap", Align::Left),
        ("year", Align::Right),
        ("cap (t)", Align::Right),
        ("free (t)", Align::Right),
        ("auctioned (t)", Align::Right),
    ]);
    for c in &r.caps {
        caps.row([
            c.cap.clone(),
            c.year.to_string(),
            tonnes(c.cap_t),
            tonnes(c.free_t),
            tonnes(c.auctioned_t),
        ]);
    }
    let _ = write!(out, "\n{caps}");
    out.push_str(&auction_years(r));
    let reserve_moves = r.reserve.len();
    let _ = writeln!(
        out,
        "reserve: {reserve_moves} moves, holding {} t at the end (reserve.csv)",
        r.reserve
            .last()
            .map_or_else(|| "0".into(), |m| t(m.held_after))
    );
    out
}

/// Auctions summed per year held: offered, sold, revenue and the volume-weighted price.
fn auction_years(r: &InstrumentsRecord) -> String {
    let mut years: BTreeMap<i32, (usize, Quantity, Quantity, Money)> = BTreeMap::new();
    for a in &r.auctions {
        let y = years.entry(a.date.year()).or_default();
        *y = (y.0 + 1, y.1 + a.offered, y.2 + a.sold, y.3 + a.revenue);
    }
    let mut table = TextTable::new(&[
        ("auctions held in", Align::Left),
        ("auctions", Align::Right),
        ("offered (t)", Align::Right),
        ("sold (t)", Align::Right),
        ("revenue (CNY)", Align::Right),
        ("average (CNY/t)", Align::Right),
    ]);
    for (year, (n, offered, sold, revenue)) in &years {
        let average = if sold.is_zero() {
            "-".to_owned()
        } else {
            format!("{:.2}", revenue.to_f64() / sold.units() as f64)
        };
        table.row([
            year.to_string(),
            n.to_string(),
            t(*offered),
            t(*sold),
            group_thousands(&format!("{:.0}", revenue.to_f64())),
            average,
        ]);
    }
    format!("\n{table}")
}

/// `auctions.csv`: one row per auction.
#[must_use]
pub fn auctions_csv(run: &AgentRun) -> String {
    let mut out = String::from(
        "date,plan,subject,offered_t,bids,sold_t,clearing_price_cny_per_t,revenue_cny,unsold_t,unsold_to\n",
    );
    for a in &run.instruments.auctions {
        let price = a.price.map(|p| p.to_string()).unwrap_or_default();
        let to = match a.unsold_to {
            crate::timeline::Unsold::Reserve => "reserve",
            crate::timeline::Unsold::Cancel => "cancel",
            crate::timeline::Unsold::Carried => "carried",
        };
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{price},{},{},{to}",
            a.date,
            a.plan,
            a.subject,
            a.offered.units(),
            a.bids,
            a.sold.units(),
            a.revenue,
            a.unsold.units()
        );
    }
    out
}

/// `reserve.csv`: one row per move of the reserve.
#[must_use]
pub fn reserve_csv(run: &AgentRun) -> String {
    let mut out = String::from("date,action,quantity_t,because,held_after_t\n");
    for m in &run.instruments.reserve {
        let action = serde_json::to_value(m.action)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{},{action},{},\"{}\",{}",
            m.date,
            m.quantity.units(),
            m.because,
            m.held_after.units()
        );
    }
    out
}
