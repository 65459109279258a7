//! CCER 2.0 in a run: projects under the 2023 Measures (offshore wind, solar thermal,
//! afforestation, mangroves), one owner account each, filed at set-up, validated and registered
//! on the registration day, and monitored, verified and issued on each issuance month's first
//! trading day, the credits of each project and vintage listed on a book of their own with
//! listed trading only (the CBEEX rules of 2024-12-27). The offshore wind and solar thermal
//! plants' GEC generators are linked to their projects from the crediting start, so the
//! registry refuses GECs for any month the project credits (the GEC–CCER exclusivity).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use super::certificates::{Certificates, NewListing, equal_share, ym};
use crate::registry::{
    AccountId, AccountKind, GeneratorId, Methodology, ProjectId, ProjectStep, Registry,
    RegistryError, SubjectId, Technology,
};
use crate::scenario::config::{Ccer2Settings, crediting_end};
use crate::units::Quantity;

/// The CCER 2.0 projects of a run and what has happened to them.
#[derive(Debug, Clone, Default)]
pub(super) struct Ccer2 {
    /// Owner accounts, one per project.
    pub owners: Vec<AccountId>,
    projects: Vec<ProjectId>,
    /// Each project's code stem (`CCER-OW00-`) and group.
    stems: Vec<(String, usize)>,
    /// The plants' GEC generators, linked to their projects.
    pub links: Vec<(ProjectId, GeneratorId)>,
    registered: bool,
    /// Issuances done.
    issued: usize,
    /// Each listed code's subject.
    codes: HashMap<String, SubjectId>,
    /// Each issued subject's owner (its only seller).
    owner_of: HashMap<SubjectId, AccountId>,
}

fn tag(m: Methodology) -> &'static str {
    match m {
        Methodology::OffshoreWind => "OW",
        Methodology::SolarThermal => "ST",
        Methodology::Afforestation => "AF",
        Methodology::Mangroves => "MG",
        _ => "XX",
    }
}

/// The generator technology of a plant whose MWh may earn CCER or GEC, if any.
fn plant(m: Methodology) -> Option<Technology> {
    match m {
        Methodology::OffshoreWind => Some(Technology::OffshoreWind),
        Methodology::SolarThermal => Some(Technology::SolarThermal),
        _ => None,
    }
}

impl Ccer2 {
    /// Opens each project's owner account, files the project, and with `gec` on registers the
    /// offshore wind and solar thermal plants' generators and links them to their projects.
    pub(super) fn set_up(
        registry: &mut Registry,
        s: &Ccer2Settings,
        gec: bool,
    ) -> Result<Self, RegistryError> {
        let mut c = Ccer2::default();
        let end = crediting_end(s);
        for (g, group) in s.groups.iter().enumerate() {
            for k in 0..group.projects {
                let stem = format!("{}{k:02}", tag(group.methodology));
                let owner = registry.open_account(AccountKind::ProjectOwner, stem.clone());
                let project =
                    registry.file_project(owner, group.methodology, s.crediting_start, end)?;
                if let (true, Some(technology)) = (gec, plant(group.methodology)) {
                    let account =
                        registry.open_account(AccountKind::RenewableGenerator, format!("L{stem}"));
                    let generator =
                        registry.register_generator(account, technology, true, false)?;
                    registry.link_ccer_generator(project, generator, ym(s.crediting_start))?;
                    c.links.push((project, generator));
                }
                c.owners.push(owner);
                c.projects.push(project);
                c.stems.push((format!("CCER-{stem}-"), g));
            }
        }
        Ok(c)
    }

    /// Each project's part of `total`: the groups' shares (the rounding remainder to the first
    /// group), then equal parts within a group.
    fn parts(&self, s: &Ccer2Settings, total: Quantity) -> Vec<Quantity> {
        let mut group_totals: Vec<u64> = s
            .groups
            .iter()
            .map(|g| total.units() * u64::from(g.share_bp) / 10_000)
            .collect();
        let rest = total.units() - group_totals.iter().sum::<u64>();
        if let Some(first) = group_totals.first_mut() {
            *first += rest;
        }
        let mut seen = vec![0_u64; s.groups.len()];
        self.stems
            .iter()
            .map(|(_, g)| {
                let n = u64::from(s.groups[*g].projects);
                let k = seen[*g];
                seen[*g] += 1;
                Quantity::new(equal_share(group_totals[*g], n, k))
            })
            .collect()
    }

    /// The owner (only seller) of credits of the 2023 Measures.
    pub(super) fn owner_of(&self, subject: SubjectId) -> Option<AccountId> {
        self.owner_of.get(&subject).copied()
    }

    /// Whether `code` lists credits of the 2023 Measures.
    pub(super) fn is_code(&self, code: &str) -> bool {
        self.codes.contains_key(code)
    }
}

impl Certificates {
    /// Before a day's open: registers the CCER 2.0 projects on the registration day, and on an
    /// issuance month's first trading day monitors, verifies and issues each project's part.
    /// Returns the new credits to list.
    ///
    /// # Errors
    /// A registry refusal (a bug, or a double certification the set-up should have prevented).
    pub fn ccer2_before_open(
        &mut self,
        registry: &mut Registry,
        date: NaiveDate,
    ) -> Result<Vec<NewListing>, RegistryError> {
        let s = &self.settings.ccer2;
        let c = &mut self.ccer2;
        if c.projects.is_empty() {
            return Ok(Vec::new());
        }
        if !c.registered && date >= s.registered {
            for &p in &c.projects {
                registry.advance_project(p, ProjectStep::Validate)?;
                registry.advance_project(p, ProjectStep::Register)?;
            }
            c.registered = true;
        }
        let mut out = Vec::new();
        while c.registered
            && c.issued < s.issuance.len()
            && ym(s.issuance[c.issued].month) <= ym(date)
        {
            let issue = s.issuance[c.issued];
            let parts = c.parts(s, issue.quantity);
            for (i, quantity) in parts.into_iter().enumerate() {
                if quantity.is_zero() {
                    continue;
                }
                let (from, to, p) = (issue.from, issue.to, c.projects[i]);
                registry.advance_project(p, ProjectStep::Monitor { from, to })?;
                registry.advance_project(p, ProjectStep::Verify { from, to, quantity })?;
                let (subject, _) = registry.issue_ccer(p, from, to, quantity)?;
                self.totals.ccer2_issued += quantity;
                let code = format!("{}{}", c.stems[i].0, to.year());
                c.codes.insert(code.clone(), subject);
                c.owner_of.insert(subject, c.owners[i]);
                self.ccer_subjects.push((subject, code.clone()));
                out.push(NewListing { subject, code });
            }
            c.issued += 1;
        }
        Ok(out)
    }

    /// The CCER 2.0 project owners' accounts with their code stems.
    pub(super) fn ccer2_owners(&self) -> impl Iterator<Item = (AccountId, &str)> {
        self.ccer2
            .owners
            .iter()
            .zip(&self.ccer2.stems)
            .map(|(a, (stem, _))| (*a, stem.as_str()))
    }
}
