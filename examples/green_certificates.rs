//! Green electricity certificates for the Longji town wind farm in Jiangsu: 38 turbines,
//! 98.1 MW, 633 million kWh over six years (Global Times photo caption, September 2021). Its
//! metered output is certified month by month (one GEC per MWh, remainders carried), sold once
//! to a manufacturer through the exchange's settlement, which cannot resell it, and claimed for
//! the manufacturer's consumption.
//!
//! The monthly profile (windier winters and springs) and the price of CNY 30.00 per certificate
//! are illustrative assumptions: no 2021–2023 GEC price series was published.
//!
//! Run with `cargo run --release --example green_certificates`.

use carbonsim::registry::{
    AccountKind, Registry, RegistryError, Settlement, SubjectId, Technology, YearMonth,
};
use carbonsim::units::{Money, Price, Quantity};

/// Turbines at the farm.
pub const TURBINES: u32 = 38;
/// Capacity, kW (98.1 MW).
pub const CAPACITY_KW: u64 = 98_100;
/// Generation over six years, kWh.
pub const GENERATION_KWH: u64 = 633_000_000;

/// What the example produced, for its test.
pub struct Outcome {
    /// Certificates issued.
    pub issued: u64,
    /// Certificates sold to the manufacturer.
    pub sold: u64,
    /// Certificates cancelled for the manufacturer's claim.
    pub claimed: u64,
    /// Production months certified.
    pub months: usize,
    /// Serial ranges the manufacturer held before claiming.
    pub ranges: usize,
    /// The error a resale attempt returned.
    pub resale: RegistryError,
    /// kWh left uncertified at the end.
    pub carry_kwh: u64,
    /// Average capacity factor over the six years, per mille.
    pub capacity_factor_permille: u64,
    /// Whether every subject's conservation identity holds.
    pub conserved: bool,
}

/// Seasonal weights per month (January first), summing to 1,200.
const WEIGHTS: [u64; 12] = [115, 110, 120, 110, 95, 85, 85, 80, 85, 95, 105, 115];

fn monthly_kwh() -> Vec<(YearMonth, u64)> {
    let start = YearMonth::new(2015, 9).expect("valid month");
    let months: Vec<YearMonth> = (0..72).map(|k| start.plus_months(k)).collect();
    let total_weight: u64 = months
        .iter()
        .map(|m| WEIGHTS[usize::from(m.month() - 1)])
        .sum();
    let mut out: Vec<(YearMonth, u64)> = months
        .iter()
        .map(|m| {
            let w = WEIGHTS[usize::from(m.month() - 1)];
            (*m, GENERATION_KWH * w / total_weight)
        })
        .collect();
    let assigned: u64 = out.iter().map(|(_, k)| k).sum();
    if let Some(last) = out.last_mut() {
        last.1 += GENERATION_KWH - assigned;
    }
    out
}

/// Run the example.
///
/// # Errors
/// Any registry error (none is expected).
pub fn run() -> Result<Outcome, Box<dyn std::error::Error>> {
    let mut reg = Registry::default();
    let farm = reg.open_account(AccountKind::RenewableGenerator, "Longji town wind farm");
    let maker = reg.open_account(AccountKind::CertificateBuyer, "Jiangsu manufacturer");
    let trader = reg.open_account(AccountKind::CertificateBuyer, "would-be reseller");
    let exchange = reg.open_account(AccountKind::Operator, "exchange");
    let generator = reg.register_generator(farm, Technology::OnshoreWind, true, true)?;

    let mut subjects: Vec<(SubjectId, Quantity)> = Vec::new();
    for (month, kwh) in monthly_kwh() {
        if let (Some(s), n) = reg.meter(generator, month, kwh)? {
            subjects.push((s, n));
        }
    }
    let issued: u64 = subjects.iter().map(|(_, n)| n.units()).sum();

    // Sold once, through the exchange's settlement: freeze both legs, settle at CNY 30.00.
    let price = Price::from_fen(3_000);
    reg.deposit_cash(maker, price * Quantity::new(issued))?;
    let mut sold = 0;
    for (s, n) in &subjects {
        reg.freeze_units(farm, *s, *n)?;
        reg.freeze_cash(maker, price * *n)?;
        reg.settle(&Settlement {
            subject: *s,
            seller: farm,
            buyer: maker,
            quantity: *n,
            price,
            buyer_fee: Money::ZERO,
            seller_fee: Money::ZERO,
            fee_account: exchange,
        })?;
        sold += n.units();
    }
    reg.roll_day();

    // A second sale is refused: a tradable GEC changes hands only once.
    let (first, _) = subjects.first().copied().ok_or("no certificates")?;
    let resale = reg
        .transfer(maker, trader, first, Quantity::new(1))
        .err()
        .ok_or("resale was accepted")?;
    let ranges = subjects
        .iter()
        .map(|(s, _)| reg.serials(maker, *s).map(|r| r.len()))
        .sum::<Result<usize, _>>()?;

    // Claimed for the manufacturer's consumption over the same six years.
    let (from, to) = (
        YearMonth::new(2015, 9).ok_or("month")?,
        YearMonth::new(2021, 8).ok_or("month")?,
    );
    let mut claimed = 0;
    for (s, n) in &subjects {
        reg.claim_gec(maker, *s, *n, maker, from, to)?;
        claimed += n.units();
    }
    // Nothing is left to expire.
    let expired = reg.expire_gec(YearMonth::new(2023, 8).ok_or("month")?);
    debug_assert!(expired.is_zero());

    let hours = 6 * 8_760;
    Ok(Outcome {
        issued,
        sold,
        claimed,
        months: subjects.len(),
        ranges,
        resale,
        carry_kwh: reg.generator(generator)?.carry_kwh,
        capacity_factor_permille: GENERATION_KWH * 1_000 / (CAPACITY_KW * hours),
        conserved: subjects
            .iter()
            .all(|(s, _)| reg.subject_balance(*s).is_ok_and(|b| b.is_conserved())),
    })
}

#[cfg_attr(test, allow(dead_code))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = run()?;
    println!(
        "Longji town wind farm: {TURBINES} turbines, 98.1 MW, capacity factor {}.{} %",
        o.capacity_factor_permille / 10,
        o.capacity_factor_permille % 10
    );
    println!(
        "{} certificates issued over {} months ({} kWh carried)",
        o.issued, o.months, o.carry_kwh
    );
    println!(
        "{} sold once in {} serial ranges; resale refused: {}",
        o.sold, o.ranges, o.resale
    );
    println!(
        "{} claimed for consumption; conserved: {}",
        o.claimed, o.conserved
    );
    Ok(())
}
