//! Each cycle's synthetic fleet and its positions: the power sector's generating units allocated
//! by benchmark (or grandfathered), the industrial sectors' plants grandfathered or allocated by
//! an intensity benchmark. The cycles of one group of sectors share its accounts: a cycle's
//! `i`-th entity is the group's `i`-th account.

use crate::compliance::allocation::UnitClass;
use crate::compliance::allocation::{self, Benchmarks, CorrectionFactors};
use crate::compliance::fleet::{Entity, Fleet, FleetConfig};
use crate::compliance::industry::{IndustrialFleet, Plant, SectorCoverage};
use crate::compliance::intensity::IntensityBenchmark;
use crate::compliance::sector::Sector;
use crate::registry::AccountId;
use crate::timeline::{AllocationSpec, CycleSpec, Timeline, TimelineError};
use crate::units::Quantity;

use super::cycles::SetUpError;
use super::periods::{Period, disperse, period, rebalance};

/// How a run draws its fleets.
pub(crate) struct FleetDraw<'a> {
    /// The run's seed; each cycle's fleet draws from `seed ^ coverage.seed_salt`.
    pub seed: u64,
    /// Entities of the largest cycle (the others scaled alike); `None`: the published counts.
    pub firms: Option<u32>,
    /// Each cycle's balance in basis points of its emissions (see [`rebalance`]); missing: 0.
    pub balance_bp: &'a [i32],
    /// The timeline whose benchmarks the real fleet was built to (the published one), for a
    /// scenario that changes them: the fleet is drawn around these, so a changed benchmark
    /// changes the allocation, not the fleet. `None`: the run's own timeline.
    pub reference: Option<&'a Timeline>,
    /// The run's last day: a group of sectors first credited after it never acts in the run
    /// and gets no entities (no accounts, empty cycles). `None`: every group.
    pub through: Option<chrono::NaiveDate>,
}

/// One cycle's drawn fleet.
pub(crate) enum CycleFleet {
    /// Power: entities of generating units.
    Power(Fleet),
    /// The industrial sectors: one fleet of plants per sector, in the cycle's sector order.
    Industry(Vec<IndustrialFleet>),
}

impl CycleFleet {
    /// Entities, in account order.
    pub fn len(&self) -> usize {
        match self {
            CycleFleet::Power(f) => f.entities.len(),
            CycleFleet::Industry(f) => f.iter().map(|s| s.plants.len()).sum(),
        }
    }

    /// Each entity's name, in account order.
    pub fn names(&self) -> Vec<String> {
        match self {
            CycleFleet::Power(f) => f.entities.iter().map(|e| e.name.clone()).collect(),
            CycleFleet::Industry(f) => plants(f).map(|p| p.name.clone()).collect(),
        }
    }

    /// The same kind of fleet with no entity.
    pub fn emptied(&self) -> CycleFleet {
        match self {
            CycleFleet::Power(_) => CycleFleet::Power(Fleet {
                entities: Vec::new(),
            }),
            CycleFleet::Industry(_) => CycleFleet::Industry(Vec::new()),
        }
    }

    /// Each entity's sector and unit class (of its first unit; none for a plant), in account
    /// order.
    pub fn kinds(&self) -> Vec<(Sector, Option<UnitClass>)> {
        match self {
            CycleFleet::Power(p) => p
                .entities
                .iter()
                .map(|e| (Sector::Power, e.units.first().map(|u| u.class)))
                .collect(),
            CycleFleet::Industry(sectors) => sectors
                .iter()
                .flat_map(|x| x.plants.iter().map(|_| (x.sector, None)))
                .collect(),
        }
    }

    /// Each entity's verified emissions a year as drawn, t, in account order.
    pub fn annual_emissions(&self) -> Vec<u64> {
        match self {
            CycleFleet::Power(f) => f.entities.iter().map(Entity::emissions_t).collect(),
            CycleFleet::Industry(f) => plants(f).map(|p| p.emissions_t).collect(),
        }
    }
}

fn plants(fleets: &[IndustrialFleet]) -> impl Iterator<Item = &Plant> {
    fleets.iter().flat_map(|f| f.plants.iter())
}

pub(crate) fn unsupported(field: &str, value: &dyn std::fmt::Display) -> SetUpError {
    SetUpError::Timeline(TimelineError::Invalid {
        file: "timeline".into(),
        field: field.to_owned(),
        value: value.to_string(),
        reason: "is not supported by the runners".into(),
    })
}

/// Shapes a cycle's emissions against its allocation: to the published short count and gross
/// gap where the timeline gives them, else to the run's balance for the cycle. The replay (no
/// balances) keeps its fleet as drawn: it carries the published trades whatever the fleet, and
/// its outputs are pinned.
pub(crate) fn shape_emissions(
    period: &mut Period,
    cycle: &CycleSpec,
    index: usize,
    draw: &FleetDraw<'_>,
) {
    if cycle.sectors.iter().all(|s| s.is_industrial()) {
        return;
    }
    match &cycle.coverage.short_before_trading {
        Some(f) if !draw.balance_bp.is_empty() => {
            let n = period.positions.len() as u128;
            let total = u128::from(cycle.coverage.entities).max(1);
            let short = u128::from(f.entities) * n / total;
            let gap = u128::from(f.gross_gap_t) * n / total;
            let salt = cycle.coverage.seed_salt ^ 0x5348_4F52_5447_4150;
            disperse(period, short as usize, gap as u64, draw.seed ^ salt);
        }
        _ => {
            if let Some(bp) = draw.balance_bp.get(index) {
                rebalance(period, *bp);
            }
        }
    }
}

/// Each cycle's synthetic fleet, sized to its coverage (scaled when the run sets `firms`): the
/// power sector's drawn around the benchmarks of its first year (or the latest earlier ones),
/// the industrial sectors' to each sector's assumed coverage scaled to the cycle's.
pub(crate) fn draw_fleets(
    t: &Timeline,
    draw: &FleetDraw<'_>,
) -> Result<Vec<CycleFleet>, SetUpError> {
    let cycles = &t.spec().cycles;
    let max = cycles
        .values()
        .map(|c| u128::from(c.coverage.entities))
        .max()
        .unwrap_or(1);
    let mut drawn = Vec::new();
    let mut around: Option<Benchmarks> = None;
    for (k, (name, c)) in cycles.iter().enumerate() {
        let entities = u128::from(c.coverage.entities);
        let n = draw
            .firms
            .map_or(entities, |f| u128::from(f) * entities / max);
        if c.sectors.iter().all(|s| s.is_industrial()) {
            drawn.push(CycleFleet::Industry(industrial(c, n, draw.seed, name)?));
            continue;
        }
        let first = c.years.first().copied().unwrap_or(0);
        let published = draw.reference.and_then(|r| {
            let j = r.spec().cycles.get_index_of(name)?;
            r.benchmarks(j, first).copied()
        });
        around = published
            .or_else(|| t.benchmarks(k, first).copied())
            .or(around);
        let Some(b) = around else {
            return Err(unsupported(
                &format!("cycles.{name}.allocation"),
                &"grandfathering",
            ));
        };
        let emissions = u128::from(c.coverage.annual_emissions_t) * n / entities;
        let config = FleetConfig {
            entities: n as usize,
            annual_emissions_t: u64::try_from(emissions).unwrap_or(u64::MAX),
            ..FleetConfig::first_period(draw.seed ^ c.coverage.seed_salt)
        };
        drawn.push(CycleFleet::Power(Fleet::synthetic(&config, &b)));
    }
    Ok(drawn)
}

/// The industrial sectors' plants for a cycle of `n` entities: the sectors split the `n`
/// entities and the cycle's emissions (scaled alike) in proportion to their assumed coverage
/// (see [`SectorCoverage::assumed`]), each with its assumed intensities.
fn industrial(
    c: &CycleSpec,
    n: u128,
    seed: u64,
    name: &str,
) -> Result<Vec<IndustrialFleet>, SetUpError> {
    let bad = |e: crate::compliance::industry_error::IndustryError| {
        unsupported(&format!("cycles.{name}.sectors"), &e)
    };
    let assumed = c
        .sectors
        .iter()
        .map(|s| SectorCoverage::assumed(*s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad)?;
    let entities: u128 = assumed.iter().map(|a| u128::from(a.entities)).sum();
    let emitted: u128 = assumed
        .iter()
        .map(|a| u128::from(a.annual_emissions_t))
        .sum();
    let target =
        u128::from(c.coverage.annual_emissions_t) * n / u128::from(c.coverage.entities).max(1);
    let mut fleets = Vec::new();
    for mut cov in assumed {
        let share = u128::from(cov.annual_emissions_t);
        cov.entities = u32::try_from((u128::from(cov.entities) * n / entities.max(1)).max(1))
            .unwrap_or(u32::MAX);
        cov.annual_emissions_t = u64::try_from(share * target / emitted.max(1)).unwrap_or(u64::MAX);
        fleets.push(IndustrialFleet::synthetic(&cov, seed ^ c.coverage.seed_salt).map_err(bad)?);
    }
    Ok(fleets)
}

/// Cycle `k`'s positions for `fleet`, on the first accounts of its group.
pub(crate) fn cycle_period(
    t: &Timeline,
    k: usize,
    fleet: &CycleFleet,
    accounts: &[AccountId],
) -> Result<Period, SetUpError> {
    let (name, c) = t
        .spec()
        .cycles
        .get_index(k)
        .ok_or_else(|| unsupported("cycles", &k))?;
    let accounts = accounts
        .get(..fleet.len())
        .ok_or_else(|| unsupported("coverage", &fleet.len()))?;
    let years = c.years.len();
    match (fleet, &c.allocation) {
        (CycleFleet::Power(fleet), AllocationSpec::Benchmark { .. }) => {
            let corrections = CorrectionFactors::default();
            let by_year: Vec<Benchmarks> = c
                .years
                .iter()
                .filter_map(|y| t.benchmarks(k, *y).copied())
                .collect();
            Ok(period(fleet, accounts, by_year.len(), &|u, y| {
                allocation::allocate(u, &by_year[y], &corrections)
            }))
        }
        (CycleFleet::Power(fleet), AllocationSpec::Grandfathering { share_pct, .. }) => {
            let share = u128::from(*share_pct);
            Ok(period(fleet, accounts, years, &|u, _| {
                Quantity::new((u128::from(u.emissions_t) * share / 100) as u64)
            }))
        }
        (CycleFleet::Industry(fleets), AllocationSpec::Grandfathering { share_pct, .. }) => {
            let share = u128::from(*share_pct);
            Ok(industrial_period(fleets, accounts, years, &|p| {
                Some(Quantity::new(
                    (u128::from(p.emissions_t) * share / 100) as u64,
                ))
            }))
        }
        (CycleFleet::Industry(fleets), AllocationSpec::Intensity { tightening_bp, .. }) => {
            let factor = 10_000 - (*tightening_bp).min(9_999);
            let benchmarks = fleets
                .iter()
                .map(|f| IntensityBenchmark::balanced(f, factor))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| unsupported(&format!("cycles.{name}.allocation"), &e))?;
            Ok(industrial_period(fleets, accounts, years, &|p| {
                let b = benchmarks.iter().find(|b| b.sector() == p.sector)?;
                b.allocate(p).ok()
            }))
        }
        (_, _) => Err(unsupported(
            &format!("cycles.{name}.allocation"),
            &"this method for these sectors",
        )),
    }
}

/// Positions of industrial plants over `years` years, each allocated `allocate(plant)` a year
/// (zero where it cannot be computed). Plants have no gas units.
fn industrial_period(
    fleets: &[IndustrialFleet],
    accounts: &[AccountId],
    years: usize,
    allocate: &dyn Fn(&Plant) -> Option<Quantity>,
) -> Period {
    let mut p = Period {
        positions: Vec::new(),
        long: Vec::new(),
        short: Vec::new(),
        per_year: Vec::new(),
    };
    for (plant, &account) in plants(fleets).zip(accounts) {
        let a = allocate(plant).unwrap_or(Quantity::ZERO);
        let per_year = vec![a; years];
        let position = crate::compliance::cycle::Position {
            account,
            allocation: per_year.iter().copied().sum(),
            emissions: Quantity::new(plant.emissions_t.saturating_mul(years as u64)),
            gas_allocation: Quantity::ZERO,
            gas_emissions: Quantity::ZERO,
        };
        p.push(position, per_year);
    }
    p
}
