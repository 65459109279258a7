//! Compliance cycles: dated deadlines, obligations, surrender through the registry, penalties
//! and the cycle report.
//!
//! Obligation rules (sources in `docs/model.md`):
//! - **Gas exemption**: a gas unit's obligation is capped at its free allocation.
//! - **Shortfall cap**: an entity whose gap exceeds 20 % of its verified emissions surrenders at
//!   most its allocation plus 20 % of its verified emissions.
//! - **Borrowing** (2021–2022 only): an entity whose gap exceeds 10 % of its allocation may
//!   borrow up to half of the gap from the next year's allowances; what it borrows is deducted
//!   from its next allocation.
//! - **CCER offsets**: up to 5 % of the obligation, with eligible credits, cancelled on use.
//! - **Penalty**: a fine of CNY 20,000–30,000 (configurable) for any shortfall; the unpaid
//!   shortfall is deducted from the next allocation (unverified default).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::registry::{AccountId, CancelReason, Market, Registry, RegistryError, SubjectId};
use crate::units::{Money, Price, Quantity};

/// The borrowing rule of 2021–2022.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BorrowingRule {
    /// Borrowing is open when the gap exceeds this share of the allocation, percent (10).
    pub gap_threshold_pct: u32,
    /// The most that may be borrowed, as a share of the gap, percent (50).
    pub max_share_pct: u32,
}

/// An interim deadline: a share of the obligation due earlier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterimDeadline {
    /// The date.
    pub date: NaiveDate,
    /// Share of the obligation due by then, percent (95 for 2023-11-15).
    pub share_pct: u32,
}

/// The rules of one compliance cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CycleRules {
    /// Name, e.g. `2019-2020`.
    pub name: String,
    /// Final surrender deadline.
    pub deadline: NaiveDate,
    /// Earlier partial deadline, if any.
    pub interim: Option<InterimDeadline>,
    /// Whether gas units' obligations are capped at their allocation.
    pub gas_exemption: bool,
    /// Shortfall cap as a share of verified emissions, percent (20).
    pub shortfall_cap_pct: u32,
    /// Borrowing from the next vintage, if allowed.
    pub borrowing: Option<BorrowingRule>,
    /// CCER offsets as a share of the obligation, percent (5).
    pub offset_limit_pct: u32,
    /// Fine for a shortfall.
    pub fine: Money,
    /// A further fine per tonne short (from 2024-05-01: a multiple of the market's average
    /// price in the month before the deadline, which the runner computes). Zero under a flat fine.
    #[serde(default)]
    pub fine_per_tonne: Price,
    /// Whether an unpaid shortfall is deducted from the next allocation (unverified default).
    pub deduct_shortfall: bool,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

impl CycleRules {
    /// 2019–2020: deadline 2021-12-31, no borrowing.
    #[must_use]
    pub fn first_period() -> Self {
        CycleRules {
            name: "2019-2020".into(),
            deadline: date(2021, 12, 31),
            interim: None,
            gas_exemption: true,
            shortfall_cap_pct: 20,
            borrowing: None,
            offset_limit_pct: 5,
            fine: Money::from_cny(20_000),
            fine_per_tonne: Price::ZERO,
            deduct_shortfall: true,
        }
    }

    /// 2021–2022: 95 % by 2023-11-15, all by 2023-12-31, borrowing allowed.
    #[must_use]
    pub fn second_period() -> Self {
        CycleRules {
            name: "2021-2022".into(),
            deadline: date(2023, 12, 31),
            interim: Some(InterimDeadline {
                date: date(2023, 11, 15),
                share_pct: 95,
            }),
            borrowing: Some(BorrowingRule {
                gap_threshold_pct: 10,
                max_share_pct: 50,
            }),
            ..Self::first_period()
        }
    }
}

/// One entity's position for a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Its registry account.
    pub account: AccountId,
    /// Free allocation for the cycle.
    pub allocation: Quantity,
    /// Verified emissions for the cycle.
    pub emissions: Quantity,
    /// The part of `allocation` earned by gas units.
    pub gas_allocation: Quantity,
    /// The part of `emissions` from gas units.
    pub gas_emissions: Quantity,
}

/// What an entity owes and the relief it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Obligation {
    /// Allowances to surrender (after gas exemption and cap).
    pub required: Quantity,
    /// Reduction from the gas exemption.
    pub gas_relief: Quantity,
    /// Reduction from the shortfall cap.
    pub cap_relief: Quantity,
    /// The most that may be borrowed.
    pub borrowable: Quantity,
    /// The most that may be covered by CCER offsets.
    pub offset_limit: Quantity,
}

fn pct_floor(q: Quantity, pct: u32) -> Quantity {
    Quantity::new((u128::from(q.units()) * u128::from(pct) / 100) as u64)
}

fn pct_ceil(q: Quantity, pct: u32) -> Quantity {
    Quantity::new((u128::from(q.units()) * u128::from(pct)).div_ceil(100) as u64)
}

/// Computes an entity's obligation under the cycle's rules.
#[must_use]
pub fn obligation(rules: &CycleRules, p: &Position) -> Obligation {
    let mut required = p.emissions;
    let mut gas_relief = Quantity::ZERO;
    if rules.gas_exemption && p.gas_emissions > p.gas_allocation {
        gas_relief = p.gas_emissions.saturating_sub(p.gas_allocation);
        required = required.saturating_sub(gas_relief);
    }
    let mut cap_relief = Quantity::ZERO;
    // Saturating is exact here: a cap past u64::MAX caps nothing.
    let cap = p
        .allocation
        .saturating_add(pct_ceil(p.emissions, rules.shortfall_cap_pct));
    if required > cap {
        cap_relief = required.saturating_sub(cap);
        required = cap;
    }
    let gap = required.saturating_sub(p.allocation);
    let borrowable = match rules.borrowing {
        Some(b) if gap > pct_floor(p.allocation, b.gap_threshold_pct) => {
            pct_floor(gap, b.max_share_pct)
        }
        _ => Quantity::ZERO,
    };
    Obligation {
        required,
        gas_relief,
        cap_relief,
        borrowable,
        offset_limit: pct_floor(required, rules.offset_limit_pct),
    }
}

/// Why an entity fell short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShortfallCause {
    /// It did not hold enough eligible allowances (and offsets, and borrowing) at the deadline.
    InsufficientHoldings,
}

/// One entity's result at a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityResult {
    /// The entity's account.
    pub account: AccountId,
    /// What it owed.
    pub obligation: Obligation,
    /// Allowances surrendered (cumulative over the cycle's deadlines).
    pub surrendered: Quantity,
    /// CCER cancelled as offsets (cumulative).
    pub offsets: Quantity,
    /// Allowances borrowed from the next vintage (cumulative).
    pub borrowed: Quantity,
    /// What is still missing of the share due at this deadline.
    pub shortfall: Quantity,
    /// Fine levied at this deadline.
    pub fine: Money,
    /// Deducted from the next allocation (borrowing plus, at the final deadline, the shortfall).
    pub deduction: Quantity,
    /// Why it fell short, if it did.
    pub cause: Option<ShortfallCause>,
}

impl EntityResult {
    /// Surrendered, offset and borrowed together.
    #[must_use]
    pub fn covered(&self) -> Quantity {
        // Saturating: a settled result never exceeds its obligation, but the fields are public.
        self.surrendered
            .saturating_add(self.offsets)
            .saturating_add(self.borrowed)
    }
}

/// A report total; saturating, as entities' quantities may each be near `u64::MAX`.
fn saturating_sum(items: impl Iterator<Item = Quantity>) -> Quantity {
    items.fold(Quantity::ZERO, Quantity::saturating_add)
}

/// The outcome of one deadline of a cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceReport {
    /// Cycle name.
    pub cycle: String,
    /// The deadline settled.
    pub date: NaiveDate,
    /// Share of the obligation due, percent.
    pub share_pct: u32,
    /// One result per entity, in the order given.
    pub entities: Vec<EntityResult>,
}

impl ComplianceReport {
    /// Total obligation.
    #[must_use]
    pub fn obligation(&self) -> Quantity {
        saturating_sum(self.entities.iter().map(|e| e.obligation.required))
    }

    /// Total covered (surrendered, offsets, borrowed).
    #[must_use]
    pub fn covered(&self) -> Quantity {
        saturating_sum(self.entities.iter().map(EntityResult::covered))
    }

    /// Total shortfall.
    #[must_use]
    pub fn shortfall(&self) -> Quantity {
        saturating_sum(self.entities.iter().map(|e| e.shortfall))
    }

    /// Entities with no shortfall.
    #[must_use]
    pub fn entities_complying(&self) -> usize {
        self.entities
            .iter()
            .filter(|e| e.shortfall.is_zero())
            .count()
    }

    /// Compliance rate by volume, in basis points of the share due (10,000 = all of it).
    #[must_use]
    pub fn rate_by_volume_bp(&self) -> u64 {
        let due: u128 = self
            .entities
            .iter()
            .map(|e| u128::from(pct_ceil(e.obligation.required, self.share_pct).units()))
            .sum();
        if due == 0 {
            return 10_000;
        }
        let covered: u128 = self
            .entities
            .iter()
            .map(|e| {
                u128::from(
                    e.covered()
                        .units()
                        .min(pct_ceil(e.obligation.required, self.share_pct).units()),
                )
            })
            .sum();
        (covered * 10_000 / due) as u64
    }

    /// Compliance rate by entities, in basis points.
    #[must_use]
    pub fn rate_by_entities_bp(&self) -> u64 {
        if self.entities.is_empty() {
            return 10_000;
        }
        (self.entities_complying() as u64 * 10_000) / self.entities.len() as u64
    }
}

/// A compliance settlement that could not run; nothing was surrendered.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ComplianceError {
    /// The registry refused an operation.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A share above 100 %.
    #[error("deadline share {share_pct} % is above 100 %")]
    BadShare {
        /// The share given.
        share_pct: u32,
    },
    /// A sum that does not fit: a prior report's coverage or a report's fines.
    #[error("{what} of account {account:?} overflows")]
    Overflow {
        /// What was summed.
        what: &'static str,
        /// The account whose amounts overflow.
        account: AccountId,
    },
    /// A previous report that does not match the positions.
    #[error("previous report has {got} entities, positions have {expected}")]
    PriorMismatch {
        /// Entities in the previous report.
        got: usize,
        /// Positions given.
        expected: usize,
    },
}

/// Where an entity's eligible units are.
#[derive(Debug, Clone, Copy)]
pub struct Eligible<'a> {
    /// CEA subjects that count for this cycle.
    pub allowances: &'a [SubjectId],
    /// CCER subjects eligible as offsets, cancelled in this order.
    pub offsets: &'a [SubjectId],
    /// Surrender from every allowance subject in proportion to the entity's holdings (`true`),
    /// or exhaust them in the order given (`false`).
    pub pro_rata: bool,
}

/// How much of `need` to take from each holding: in order, or in proportion to the holdings
/// (largest remainders first, ties to the earlier subject).
fn split_need(need: Quantity, held: &[Quantity], pro_rata: bool) -> Vec<Quantity> {
    let total: u128 = held.iter().map(|h| u128::from(h.units())).sum();
    let need = u128::from(need.units()).min(total);
    if !pro_rata || total == 0 {
        let mut left = need;
        return held
            .iter()
            .map(|h| {
                let take = left.min(u128::from(h.units()));
                left -= take;
                Quantity::new(take as u64)
            })
            .collect();
    }
    let mut takes: Vec<u128> = held
        .iter()
        .map(|h| need * u128::from(h.units()) / total)
        .collect();
    let mut left = need - takes.iter().sum::<u128>();
    let mut order: Vec<usize> = (0..held.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(need * u128::from(held[i].units()) % total));
    for i in order {
        if left == 0 {
            break;
        }
        if takes[i] < u128::from(held[i].units()) {
            takes[i] += 1;
            left -= 1;
        }
    }
    takes.into_iter().map(|t| Quantity::new(t as u64)).collect()
}

/// The fine for `shortfall`: nothing when there is none, else the flat fine plus the fine per
/// tonne short (saturating: a fine past the range of money is the largest amount).
fn fine_for(rules: &CycleRules, shortfall: Quantity) -> Money {
    if shortfall.is_zero() {
        return Money::ZERO;
    }
    let per_tonne = i128::from(rules.fine_per_tonne.fen()) * i128::from(shortfall.units());
    rules
        .fine
        .checked_add(Money::from_fen(per_tonne))
        .unwrap_or(Money::from_fen(i128::MAX))
}

/// One entity's cover of `share_pct` % of its obligation at a deadline: CCER up to the offset
/// limit, then allowances, then borrowing; what is left is its shortfall, fined and (at the final
/// deadline) deducted. `before` is its result at an earlier deadline of the cycle.
fn cover(
    registry: &mut Registry,
    rules: &CycleRules,
    pos: &Position,
    eligible: Eligible<'_>,
    (share_pct, is_final): (u32, bool),
    before: Option<EntityResult>,
) -> Result<EntityResult, ComplianceError> {
    let ob = obligation(rules, pos);
    let (mut surrendered, mut offsets, mut borrowed) = before
        .map_or((Quantity::ZERO, Quantity::ZERO, Quantity::ZERO), |b| {
            (b.surrendered, b.offsets, b.borrowed)
        });
    let due = pct_ceil(ob.required, share_pct);
    let mut need = due.saturating_sub(surrendered + offsets + borrowed);
    for &s in eligible.offsets {
        let room = ob.offset_limit.saturating_sub(offsets).min(need);
        let take = registry.holding(pos.account, s)?.available.min(room);
        if !take.is_zero() {
            registry.cancel(
                pos.account,
                s,
                take,
                CancelReason::Offset {
                    entity: pos.account,
                },
            )?;
            offsets += take;
            need = need.saturating_sub(take);
        }
    }
    let held: Vec<Quantity> = eligible
        .allowances
        .iter()
        .map(|&s| registry.holding(pos.account, s).map(|h| h.available))
        .collect::<Result<_, _>>()?;
    for (&s, take) in eligible
        .allowances
        .iter()
        .zip(split_need(need, &held, eligible.pro_rata))
    {
        if !take.is_zero() {
            registry.surrender(pos.account, s, take)?;
            surrendered += take;
            need = need.saturating_sub(take);
        }
    }
    let borrow = ob.borrowable.saturating_sub(borrowed).min(need);
    borrowed += borrow;
    need = need.saturating_sub(borrow);
    let shortfall = need;
    Ok(EntityResult {
        account: pos.account,
        obligation: ob,
        surrendered,
        offsets,
        borrowed,
        shortfall,
        fine: fine_for(rules, shortfall),
        deduction: borrowed
            + if is_final && rules.deduct_shortfall {
                shortfall
            } else {
                Quantity::ZERO
            },
        cause: (!shortfall.is_zero()).then_some(ShortfallCause::InsufficientHoldings),
    })
}

/// Settles one deadline: each entity covers `share_pct` % of its obligation, first with
/// eligible CCER up to the offset limit, then with eligible allowances, then by borrowing when
/// allowed; what remains is a shortfall, fined and (at the final deadline) deducted from the next
/// allocation. `prior` is the report of an earlier deadline of the same cycle, whose coverage
/// counts.
///
/// # Errors
/// [`ComplianceError`] for a bad share, a mismatched or overflowing prior report, or an unknown
/// account or subject, before anything moves.
pub fn settle(
    registry: &mut Registry,
    rules: &CycleRules,
    positions: &[Position],
    eligible: Eligible<'_>,
    share_pct: u32,
    on: NaiveDate,
    prior: Option<&ComplianceReport>,
) -> Result<ComplianceReport, ComplianceError> {
    if share_pct > 100 {
        return Err(ComplianceError::BadShare { share_pct });
    }
    if let Some(p) = prior
        && p.entities.len() != positions.len()
    {
        return Err(ComplianceError::PriorMismatch {
            got: p.entities.len(),
            expected: positions.len(),
        });
    }
    validate(registry, positions, eligible, prior)?;
    let is_final = share_pct == 100;
    let mut entities = Vec::with_capacity(positions.len());
    for (i, pos) in positions.iter().enumerate() {
        let before = prior.map(|p| p.entities[i]);
        entities.push(cover(
            registry,
            rules,
            pos,
            eligible,
            (share_pct, is_final),
            before,
        )?);
    }
    Ok(ComplianceReport {
        cycle: rules.name.clone(),
        date: on,
        share_pct,
        entities,
    })
}

/// Checks everything [`settle`] will touch before it touches anything: every account and
/// subject exists, and a prior report's coverage fits in a quantity. The registry calls in the
/// settlement then take no more than what is available, so they cannot fail half-way.
fn validate(
    registry: &Registry,
    positions: &[Position],
    eligible: Eligible<'_>,
    prior: Option<&ComplianceReport>,
) -> Result<(), ComplianceError> {
    let kinds = [
        (eligible.offsets, Market::Ccer, "offset"),
        (eligible.allowances, Market::Cea, "surrender"),
    ];
    for (subjects, market, op) in kinds {
        for &subject in subjects {
            if registry.subject(subject)?.market() != market {
                return Err(RegistryError::WrongInstrument { subject, op }.into());
            }
        }
    }
    for pos in positions {
        registry.account(pos.account)?;
    }
    for e in prior.map_or(&[][..], |p| &p.entities) {
        e.surrendered
            .checked_add(e.offsets)
            .and_then(|q| q.checked_add(e.borrowed))
            .ok_or(ComplianceError::Overflow {
                what: "prior coverage",
                account: e.account,
            })?;
    }
    Ok(())
}

/// The next cycle's allocation after the deductions of this cycle's report (borrowed
/// allowances and, at the final deadline, an unpaid shortfall), floored at zero.
#[must_use]
pub fn next_allocation(allocation: Quantity, result: &EntityResult) -> Quantity {
    allocation.saturating_sub(result.deduction)
}

/// Collects the fines of a report: each fined entity pays what its available cash allows, as a
/// withdrawal from the registry. Returns the amount collected and the amount left unpaid.
///
/// # Errors
/// [`ComplianceError::Registry`] if an account is unknown, or [`ComplianceError::Overflow`] if
/// the fines do not sum; nothing is withdrawn then.
pub fn collect_fines(
    registry: &mut Registry,
    report: &ComplianceReport,
) -> Result<(Money, Money), ComplianceError> {
    let fined = || report.entities.iter().filter(|e| e.fine > Money::ZERO);
    let mut total = Money::ZERO;
    for e in fined() {
        registry.cash(e.account)?;
        total = total.checked_add(e.fine).ok_or(ComplianceError::Overflow {
            what: "fines",
            account: e.account,
        })?;
    }
    // Each payment is at most its fine, so neither sum below can overflow.
    let (mut paid, mut unpaid) = (Money::ZERO, Money::ZERO);
    for e in fined() {
        let available = registry.cash(e.account)?.available;
        let pay = e.fine.min(available);
        if pay > Money::ZERO {
            registry.withdraw_cash(e.account, pay)?;
        }
        paid += pay;
        unpaid += e.fine - pay;
    }
    Ok((paid, unpaid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{AccountKind, CcerRules, CeaVintage, ProjectId, Subject};

    fn pos(
        account: AccountId,
        allocation: u64,
        emissions: u64,
        gas_allocation: u64,
        gas_emissions: u64,
    ) -> Position {
        Position {
            account,
            allocation: Quantity::new(allocation),
            emissions: Quantity::new(emissions),
            gas_allocation: Quantity::new(gas_allocation),
            gas_emissions: Quantity::new(gas_emissions),
        }
    }

    #[test]
    fn gas_exemption_cap_and_borrowing() {
        let r1 = CycleRules::first_period();
        let a = AccountId(0);
        // Gas unit emits 150 on an allocation of 100: only 100 is owed for it.
        let ob = obligation(&r1, &pos(a, 1_100, 1_150, 100, 150));
        assert_eq!((ob.required.units(), ob.gas_relief.units()), (1_100, 50));
        // Gap of 400 on emissions of 1,000 exceeds 20 %: owes 600 + 200 = 800.
        let ob = obligation(&r1, &pos(a, 600, 1_000, 0, 0));
        assert_eq!(
            (
                ob.required.units(),
                ob.cap_relief.units(),
                ob.borrowable.units()
            ),
            (800, 200, 0)
        );
        assert_eq!(ob.offset_limit.units(), 40);
        // 2021–2022: gap 150 > 10 % of 1,000: may borrow 75.
        let r2 = CycleRules::second_period();
        assert_eq!(
            obligation(&r2, &pos(a, 1_000, 1_150, 0, 0))
                .borrowable
                .units(),
            75
        );
        assert_eq!(
            obligation(&r2, &pos(a, 1_000, 1_100, 0, 0))
                .borrowable
                .units(),
            0
        );
    }

    #[test]
    fn settlement_uses_offsets_then_allowances_then_borrowing_and_fines_the_rest() {
        let mut reg = Registry::default();
        let cea = reg.register_subject(Subject::Cea {
            vintage: CeaVintage::Y2019_2020,
        });
        let ccer = reg.register_subject(Subject::Ccer {
            project: ProjectId(0),
            vintage: 2016,
            rules: CcerRules::Legacy2012,
        });
        let ok = reg.open_account(AccountKind::CoveredEntity, "full");
        let short = reg.open_account(AccountKind::CoveredEntity, "short");
        reg.issue(ok, cea, Quantity::new(1_000)).unwrap();
        reg.issue(ok, ccer, Quantity::new(500)).unwrap();
        reg.issue(short, cea, Quantity::new(300)).unwrap();
        let positions = [pos(ok, 1_000, 1_000, 0, 0), pos(short, 1_000, 1_150, 0, 0)];
        let rules = CycleRules::second_period();
        let eligible = Eligible {
            allowances: &[cea],
            offsets: &[ccer],
            pro_rata: false,
        };
        let interim = settle(
            &mut reg,
            &rules,
            &positions,
            eligible,
            95,
            rules.deadline,
            None,
        )
        .unwrap();
        let e = interim.entities[0];
        assert_eq!(
            (e.offsets.units(), e.surrendered.units()),
            (50, 900),
            "offsets capped at 5 % of 1,000"
        );
        let fin = settle(
            &mut reg,
            &rules,
            &positions,
            eligible,
            100,
            rules.deadline,
            Some(&interim),
        )
        .unwrap();
        let e = fin.entities[0];
        assert_eq!(
            (e.covered().units(), e.shortfall.units(), e.fine),
            (1_000, 0, Money::ZERO)
        );
        let s = fin.entities[1];
        // Owes 1,150; holds 300; may borrow 75; short 775, fined and deducted.
        assert_eq!(
            (
                s.surrendered.units(),
                s.borrowed.units(),
                s.shortfall.units()
            ),
            (300, 75, 775)
        );
        assert_eq!(
            (s.fine, s.deduction.units()),
            (Money::from_cny(20_000), 850)
        );
        assert_eq!(s.cause, Some(ShortfallCause::InsufficientHoldings));
        assert_eq!(fin.entities_complying(), 1);
        assert_eq!(
            next_allocation(Quantity::new(1_000), &s).units(),
            150,
            "850 deducted next cycle"
        );
        assert_eq!(next_allocation(Quantity::new(500), &s), Quantity::ZERO);
        reg.deposit_cash(short, Money::from_cny(5_000)).unwrap();
        let (paid, unpaid) = collect_fines(&mut reg, &fin).unwrap();
        assert_eq!(
            (paid, unpaid),
            (Money::from_cny(5_000), Money::from_cny(15_000))
        );
        assert_eq!(reg.cash(short).unwrap().available, Money::ZERO);
        assert_eq!(fin.rate_by_entities_bp(), 5_000);
        reg.check_conservation().unwrap();
        let t = reg.subject_balance(cea).unwrap();
        assert_eq!(t.surrendered.units(), 1_250);
    }

    #[test]
    fn pro_rata_surrender_takes_from_every_vintage() {
        let q = |v: &[u64]| v.iter().map(|&x| Quantity::new(x)).collect::<Vec<_>>();
        assert_eq!(
            split_need(Quantity::new(100), &q(&[300, 100]), true),
            q(&[75, 25])
        );
        assert_eq!(
            split_need(Quantity::new(100), &q(&[300, 100]), false),
            q(&[100, 0])
        );
        assert_eq!(
            split_need(Quantity::new(10), &q(&[1, 1, 1]), true),
            q(&[1, 1, 1])
        );
        let takes = split_need(Quantity::new(7), &q(&[5, 5]), true);
        assert_eq!(takes.iter().map(|t| t.units()).sum::<u64>(), 7);
    }
}
