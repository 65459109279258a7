//! GEC issuance at the published scale, held as serial ranges: 5 billion certificates a year for
//! 2024–2026 (the NEA issued 4.734 bn in 2024), monthly from 5,000 generators, with consumption
//! claims and the two-year expiry. The registry's state must stay under 64 MiB, counted from its
//! collections ([`Registry::footprint`]) and, on Linux, as the growth of the process's resident
//! memory; issuance, claims and expiry must stay exact.
//!
//! Run `cargo test --release --test gec_scale -- --nocapture` to print the measured figures
//! (`docs/benchmarks.md` records them).

use carbonsim::registry::{
    AccountId, AccountKind, GeneratorId, Registry, RegistryConfig, SubjectId, Technology, YearMonth,
};
use carbonsim::units::Quantity;

const GENERATORS: u32 = 5_000;
/// kWh a generator meters each month: 83,333 certificates and 334 kWh carried, so each
/// generator earns 1,000,000 certificates a year and the fleet 5 billion.
const KWH_PER_MONTH: u64 = 83_333_334;
const LIMIT_BYTES: usize = 64 << 20;

fn resident_kib() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn months() -> impl Iterator<Item = YearMonth> {
    (2024..=2026).flat_map(|y| (1..=12).map(move |m| YearMonth::new(y, m).unwrap()))
}

struct Fleet {
    reg: Registry,
    generators: Vec<(AccountId, GeneratorId)>,
    buyer: AccountId,
    /// Every batch issued.
    batches: Vec<(AccountId, SubjectId)>,
}

fn fleet() -> Fleet {
    let mut reg = Registry::new(RegistryConfig {
        journal: false,
        ..RegistryConfig::default()
    });
    let techs = [
        Technology::OnshoreWind,
        Technology::SolarPv,
        Technology::Hydro,
        Technology::OffshoreWind,
    ];
    let generators = (0..GENERATORS)
        .map(|i| {
            let acc = reg.open_account(AccountKind::RenewableGenerator, format!("G{i:05}"));
            let g = reg
                .register_generator(acc, techs[i as usize % techs.len()], true, false)
                .unwrap();
            (acc, g)
        })
        .collect();
    let buyer = reg.open_account(AccountKind::CertificateBuyer, "steel buyer");
    Fleet {
        reg,
        generators,
        buyer,
        batches: Vec::new(),
    }
}

/// Per production month, 2024-01 first: issued, claimed.
type Tally = [(u64, u64); 36];

/// One month: every generator meters; every tenth sells half its batch to the buyer, who claims
/// half of what it bought for its consumption; every other generator claims a tenth itself.
fn issue_month(f: &mut Fleet, month: YearMonth, tally: &mut Tally) {
    let y = usize::from(month.year() - 2024) * 12 + usize::from(month.month() - 1);
    for (i, &(acc, g)) in f.generators.iter().enumerate() {
        let (sid, n): (Option<SubjectId>, Quantity) = f.reg.meter(g, month, KWH_PER_MONTH).unwrap();
        let sid = sid.unwrap();
        f.batches.push((acc, sid));
        tally[y].0 += n.units();
        let claimed = if i % 10 == 0 {
            let sold = Quantity::new(n.units() / 2);
            f.reg.transfer(acc, f.buyer, sid, sold).unwrap();
            let claim = Quantity::new(sold.units() / 2);
            f.reg
                .claim_gec(f.buyer, sid, claim, f.buyer, month, month)
                .unwrap();
            claim
        } else {
            let claim = Quantity::new(n.units() / 10);
            f.reg.claim_gec(acc, sid, claim, acc, month, month).unwrap();
            claim
        };
        tally[y].1 += claimed.units();
    }
}

#[test]
fn five_billion_certificates_a_year_fit_in_64_mib_and_stay_exact() {
    let before_kib = resident_kib();
    let mut f = fleet();
    let mut tally: Tally = [(0, 0); 36];
    let mut expired = 0_u64;
    for month in months() {
        issue_month(&mut f, month, &mut tally);
        expired += f.reg.expire_gec(month).units();
        f.reg.roll_day();
    }
    for (y, year) in tally.chunks(12).enumerate() {
        let issued: u64 = year.iter().map(|t| t.0).sum();
        assert!(issued >= 5_000_000_000, "{}: {issued}", 2024 + y);
    }
    // Two-year validity counting the production month: at the end of 2026-12 every certificate
    // of 2024-01..2025-01 not claimed has expired, and every later one not claimed is held.
    let unclaimed = |months: &[(u64, u64)]| months.iter().map(|t| t.0 - t.1).sum::<u64>();
    assert_eq!(expired, unclaimed(&tally[..13]));
    f.reg.check_conservation().unwrap();
    let mut held = 0;
    for &(acc, sid) in &f.batches {
        held += f.reg.holding(acc, sid).unwrap().total().units();
        if let Ok(h) = f.reg.holding(f.buyer, sid) {
            held += h.total().units();
        }
    }
    assert_eq!(held, unclaimed(&tally[13..]));

    let fp = f.reg.footprint();
    let after_kib = resident_kib();
    let growth = before_kib
        .zip(after_kib)
        .map(|(b, a)| a.saturating_sub(b) * 1024);
    println!(
        "gec scale: {} certificates issued over 2024-2026, {} subjects, {} holdings, {} serial ranges, \
         estimated state {:.1} MiB, resident growth {}",
        tally.iter().map(|t| t.0).sum::<u64>(),
        fp.subjects,
        fp.holdings,
        fp.serial_ranges,
        fp.bytes as f64 / f64::from(1 << 20),
        growth.map_or("n/a".into(), |g| format!(
            "{:.1} MiB",
            g as f64 / f64::from(1 << 20)
        )),
    );
    assert_eq!(fp.subjects, GENERATORS as usize * 36);
    assert!(fp.bytes < LIMIT_BYTES, "estimated {} bytes", fp.bytes);
    if let Some(g) = growth {
        assert!(g < LIMIT_BYTES, "resident memory grew {g} bytes");
    }
}
