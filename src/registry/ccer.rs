//! The CCER project lifecycle: filing with a methodology and crediting period → validation →
//! registration → monitoring reports → verification → issuance of credits in serial ranges.
//! Transfer and cancellation (offsets, voluntary claims) use the ledger's generic operations.
//!
//! Rules enforced: no period is monitored or issued twice (periods of a project never overlap);
//! a period must lie inside the crediting period; credits under the 2023 Measures may only cover
//! reductions after 22 September 2020 (out-alive.com summary of the 2023 rules,
//! <http://out-alive.com/CCER/202401/03103587_6.html>). Crediting-period lengths were not found
//! in a public source and are the caller's input.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::Registry;
use super::account::AccountKind;
use super::error::RegistryError;
use super::ids::{AccountId, ProjectId, SubjectId};
use super::journal::Event;
use super::project::{Methodology, ProjectStep};
use super::serial::SerialRange;
use super::subject::{CcerRules, Subject};
use crate::units::Quantity;

/// Where a project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProjectState {
    /// Filed, awaiting validation.
    Designed,
    /// Validated, awaiting registration.
    Validated,
    /// Registered: may report, verify and issue.
    Registered,
}

impl ProjectState {
    const fn name(self) -> &'static str {
        match self {
            ProjectState::Designed => "designed",
            ProjectState::Validated => "validated",
            ProjectState::Registered => "registered",
        }
    }
}

/// A monitoring period's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeriodState {
    /// Report filed.
    Monitored,
    /// Verified reductions.
    Verified(Quantity),
    /// Credits issued.
    Issued(Quantity),
}

/// A CCER project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// The owner's account.
    pub owner: AccountId,
    /// Its methodology.
    pub methodology: Methodology,
    /// Crediting period start.
    pub crediting_start: NaiveDate,
    /// Crediting period end (inclusive).
    pub crediting_end: NaiveDate,
    /// Lifecycle state.
    pub state: ProjectState,
    /// Monitoring periods `(from, to, state)`, never overlapping.
    pub periods: Vec<(NaiveDate, NaiveDate, PeriodState)>,
}

/// All CCER projects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CcerBook {
    projects: Vec<Project>,
}

impl CcerBook {
    /// Heap bytes: the projects and their monitoring periods.
    pub(crate) fn heap_bytes(&self) -> usize {
        let periods: usize = self
            .projects
            .iter()
            .map(|p| super::ledger::vec_bytes(&p.periods))
            .sum();
        super::ledger::vec_bytes(&self.projects) + periods
    }
}

/// The first day reductions under the 2023 rules may come from.
fn rules_2023_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 9, 22).unwrap_or_default()
}

impl Registry {
    /// A project's record.
    ///
    /// # Errors
    /// [`RegistryError::UnknownProject`].
    pub fn project(&self, project: ProjectId) -> Result<&Project, RegistryError> {
        self.ccer
            .projects
            .get(project.0 as usize)
            .ok_or(RegistryError::UnknownProject { project })
    }

    /// File a project design.
    ///
    /// # Errors
    /// Unknown owner, an owner that is not a project owner, an empty crediting period.
    pub fn file_project(
        &mut self,
        owner: AccountId,
        methodology: Methodology,
        crediting_start: NaiveDate,
        crediting_end: NaiveDate,
    ) -> Result<ProjectId, RegistryError> {
        if self.account(owner)?.kind != AccountKind::ProjectOwner {
            return Err(RegistryError::NotAdmitted {
                account: owner,
                op: "own a ccer project",
            });
        }
        let id = ProjectId(self.ccer.projects.len() as u32);
        if crediting_end < crediting_start {
            return Err(RegistryError::IneligiblePeriod {
                project: id,
                from: crediting_start,
                to: crediting_end,
                reason: "crediting period ends before it starts",
            });
        }
        self.ccer.projects.push(Project {
            owner,
            methodology,
            crediting_start,
            crediting_end,
            state: ProjectState::Designed,
            periods: Vec::new(),
        });
        self.record(Event::FileProject {
            owner,
            methodology,
            crediting_start,
            crediting_end,
        });
        Ok(id)
    }

    /// Advance a project one step.
    ///
    /// # Errors
    /// Unknown project; a step out of order ([`RegistryError::ProjectState`]); a monitoring
    /// period that overlaps another ([`RegistryError::PeriodAlreadyIssued`]) or is ineligible;
    /// verifying a period not monitored, or zero reductions; monitoring a month whose output the
    /// linked generator was already issued GECs for ([`RegistryError::DoubleCertification`]).
    pub fn advance_project(
        &mut self,
        project: ProjectId,
        step: ProjectStep,
    ) -> Result<(), RegistryError> {
        let p = self.project(project)?;
        let state_err = |op| RegistryError::ProjectState {
            project,
            state: p.state.name(),
            op,
        };
        let change: Box<dyn FnOnce(&mut Project)> = match step {
            ProjectStep::Validate => {
                if p.state != ProjectState::Designed {
                    return Err(state_err("be validated"));
                }
                Box::new(|p| p.state = ProjectState::Validated)
            }
            ProjectStep::Register => {
                if p.state != ProjectState::Validated {
                    return Err(state_err("be registered"));
                }
                Box::new(|p| p.state = ProjectState::Registered)
            }
            ProjectStep::Monitor { from, to } => {
                if p.state != ProjectState::Registered {
                    return Err(state_err("report monitoring"));
                }
                let reason = if to < from {
                    Some("period ends before it starts")
                } else if from < p.crediting_start || to > p.crediting_end {
                    Some("outside the crediting period")
                } else if p.methodology.rules() == CcerRules::Rules2023 && from < rules_2023_start()
                {
                    Some("2023 rules credit only reductions after 2020-09-22")
                } else {
                    None
                };
                if let Some(reason) = reason {
                    return Err(RegistryError::IneligiblePeriod {
                        project,
                        from,
                        to,
                        reason,
                    });
                }
                if p.periods.iter().any(|(f, t, _)| from <= *t && *f <= to) {
                    return Err(RegistryError::PeriodAlreadyIssued { project, from, to });
                }
                self.check_ccer_period(project, from, to)?;
                Box::new(move |p| p.periods.push((from, to, PeriodState::Monitored)))
            }
            ProjectStep::Verify { from, to, quantity } => {
                let i = Self::period_index(p, project, from, to, "verify", |s| {
                    matches!(s, PeriodState::Monitored)
                })?;
                if quantity.is_zero() {
                    return Err(RegistryError::ZeroQuantity { op: "verify" });
                }
                Box::new(move |p| p.periods[i].2 = PeriodState::Verified(quantity))
            }
        };
        change(&mut self.ccer.projects[project.0 as usize]);
        self.record(Event::ProjectStep { project, step });
        Ok(())
    }

    fn period_index(
        p: &Project,
        project: ProjectId,
        from: NaiveDate,
        to: NaiveDate,
        op: &'static str,
        ok: impl Fn(&PeriodState) -> bool,
    ) -> Result<usize, RegistryError> {
        match p
            .periods
            .iter()
            .position(|(f, t, _)| *f == from && *t == to)
        {
            Some(i) if ok(&p.periods[i].2) => Ok(i),
            Some(i) if matches!(p.periods[i].2, PeriodState::Issued(_)) => {
                Err(RegistryError::PeriodAlreadyIssued { project, from, to })
            }
            _ => Err(RegistryError::ProjectState {
                project,
                state: "missing the prior step for this period",
                op,
            }),
        }
    }

    /// Issue the verified reductions of `from..=to` to the owner as credits of vintage
    /// `to.year()`, in one serial range. Returns the subject and the range.
    ///
    /// # Errors
    /// Unknown project; a period not verified; a period issued before
    /// ([`RegistryError::PeriodAlreadyIssued`]); a quantity other than the verified one.
    pub fn issue_ccer(
        &mut self,
        project: ProjectId,
        from: NaiveDate,
        to: NaiveDate,
        quantity: Quantity,
    ) -> Result<(SubjectId, SerialRange), RegistryError> {
        let p = self.project(project)?;
        let i = Self::period_index(p, project, from, to, "issue", |s| {
            matches!(s, PeriodState::Verified(_))
        })?;
        if p.periods[i].2 != PeriodState::Verified(quantity) {
            return Err(RegistryError::ProjectState {
                project,
                state: "verified for a different quantity",
                op: "issue",
            });
        }
        let owner = p.owner;
        let subject = Subject::Ccer {
            project,
            vintage: to.year() as u16,
            rules: p.methodology.rules(),
        };
        // Validate the issue before any change so that a failure leaves nothing behind.
        if quantity.units() > u64::from(u32::MAX) {
            return Err(RegistryError::Overflow {
                what: "serial batch",
            });
        }
        let journal_len = self.journal.len();
        let sid = self.register_subject(subject);
        let range = self.issue(owner, sid, quantity)?;
        // The generic events are implied by IssueCcer: keep one event per operation.
        self.journal.truncate(journal_len);
        self.ccer.projects[project.0 as usize].periods[i].2 = PeriodState::Issued(quantity);
        self.record(Event::IssueCcer {
            project,
            from,
            to,
            quantity,
        });
        let range = range.ok_or(RegistryError::WrongInstrument {
            subject: sid,
            op: "issue ccer",
        })?;
        Ok((sid, range))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::many_single_char_names, clippy::too_many_lines)]

    use super::*;
    use crate::registry::journal::CancelReason;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn registered(r: &mut Registry, m: Methodology) -> (AccountId, ProjectId) {
        let owner = r.open_account(AccountKind::ProjectOwner, "owner");
        let p = r
            .file_project(owner, m, d(2021, 1, 1), d(2030, 12, 31))
            .unwrap();
        r.advance_project(p, ProjectStep::Validate).unwrap();
        r.advance_project(p, ProjectStep::Register).unwrap();
        (owner, p)
    }

    #[test]
    fn lifecycle_issues_once_and_cancels_once() {
        let mut r = Registry::default();
        let (owner, p) = registered(&mut r, Methodology::OffshoreWind);
        let (from, to) = (d(2021, 1, 1), d(2021, 12, 31));
        r.advance_project(p, ProjectStep::Monitor { from, to })
            .unwrap();
        let q = Quantity::new(50_000);
        r.advance_project(
            p,
            ProjectStep::Verify {
                from,
                to,
                quantity: q,
            },
        )
        .unwrap();
        let (sid, range) = r.issue_ccer(p, from, to, q).unwrap();
        assert_eq!(range.len, 50_000);
        assert_eq!(r.available_units(owner, sid).unwrap(), q);

        let snapshot = r.clone();
        let again = r.issue_ccer(p, from, to, q).unwrap_err();
        assert!(matches!(again, RegistryError::PeriodAlreadyIssued { .. }));
        let overlap = r
            .advance_project(
                p,
                ProjectStep::Monitor {
                    from: d(2021, 6, 1),
                    to: d(2022, 5, 31),
                },
            )
            .unwrap_err();
        assert!(matches!(overlap, RegistryError::PeriodAlreadyIssued { .. }));
        assert_eq!(r, snapshot);

        let (s, e) = (range.start, range.start + 10);
        r.cancel_serials(owner, sid, s, e, CancelReason::Voluntary)
            .unwrap();
        let snapshot = r.clone();
        let twice = r
            .cancel_serials(owner, sid, s, e, CancelReason::Voluntary)
            .unwrap_err();
        assert_eq!(
            twice,
            RegistryError::SerialRetired {
                subject: sid,
                start: s,
                end: e
            }
        );
        assert_eq!(r, snapshot);
        assert!(r.subject_balance(sid).unwrap().is_conserved());
        assert_eq!(
            Registry::rebuild(*r.config(), r.journal().events()).unwrap(),
            r
        );
    }

    #[test]
    fn steps_out_of_order_and_ineligible_periods_are_rejected() {
        let mut r = Registry::default();
        let owner = r.open_account(AccountKind::ProjectOwner, "owner");
        let p = r
            .file_project(owner, Methodology::Mangroves, d(2018, 1, 1), d(2040, 1, 1))
            .unwrap();
        assert!(matches!(
            r.advance_project(p, ProjectStep::Register),
            Err(RegistryError::ProjectState { .. })
        ));
        r.advance_project(p, ProjectStep::Validate).unwrap();
        r.advance_project(p, ProjectStep::Register).unwrap();
        let early = r.advance_project(
            p,
            ProjectStep::Monitor {
                from: d(2019, 1, 1),
                to: d(2019, 12, 31),
            },
        );
        assert!(matches!(early, Err(RegistryError::IneligiblePeriod { .. })));
        let covered = r.open_account(AccountKind::CoveredEntity, "firm");
        assert!(matches!(
            r.file_project(
                covered,
                Methodology::Mangroves,
                d(2021, 1, 1),
                d(2022, 1, 1)
            ),
            Err(RegistryError::NotAdmitted { .. })
        ));
    }
}
