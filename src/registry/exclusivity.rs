//! The GEC–CCER exclusivity: a deep offshore wind or solar thermal plant earns CCER credits or
//! green certificates for its output, never both for the same MWh (NEA General Department and MEE
//! General Office notice 国能综通新能〔2024〕124号 of 2024-09-11, with a two-year transition; PV
//! and other wind are not newly admitted to CCER).
//!
//! The registry links a plant's CCER project to its GEC generator from a production month on,
//! and then enforces the choice month by month: a month inside a monitoring period of the
//! project cannot be metered for GECs, and a monitoring period cannot cover a month whose output
//! was already certified. Simplifications: the notice freezes a CCER plant's untraded GECs at
//! registration and cancels them at verification, where the model refuses the overlap up front;
//! splitting one month's MWh between the two is not modelled. The 5 % offset limit is a
//! compliance cycle's rule, not the registry's.

use chrono::{Datelike, NaiveDate};

use super::Registry;
use super::error::RegistryError;
use super::ids::{GeneratorId, ProjectId};
use super::journal::Event;
use super::project::Methodology;
use super::subject::{Subject, Technology, YearMonth};

/// A project and a generator that are one plant, and the first production month the rule binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Link {
    pub project: ProjectId,
    pub generator: GeneratorId,
    pub from: YearMonth,
}

fn month_of(date: NaiveDate) -> YearMonth {
    let (y, m) = (u16::try_from(date.year()).unwrap_or(0), date.month() as u8);
    YearMonth::new(y, m).unwrap_or(YearMonth::MAX)
}

impl Registry {
    /// Links a CCER project and a GEC generator as one plant: from `from` on, each production
    /// month's output earns one or the other.
    ///
    /// # Errors
    /// Unknown ids; [`RegistryError::BadExclusivityLink`] when the plant is not deep offshore
    /// wind or solar thermal on both sides, or either side is already linked.
    pub fn link_ccer_generator(
        &mut self,
        project: ProjectId,
        generator: GeneratorId,
        from: YearMonth,
    ) -> Result<(), RegistryError> {
        let methodology = self.project(project)?.methodology;
        let technology = self.generator(generator)?.technology;
        let bad = |reason| RegistryError::BadExclusivityLink {
            project,
            generator,
            reason,
        };
        let same_plant = matches!(
            (methodology, technology),
            (Methodology::OffshoreWind, Technology::OffshoreWind)
                | (Methodology::SolarThermal, Technology::SolarThermal)
        );
        if !same_plant {
            return Err(bad(
                "only offshore wind or solar thermal, of the same technology on both sides",
            ));
        }
        let links = &self.gec.links;
        if links
            .iter()
            .any(|l| l.project == project || l.generator == generator)
        {
            return Err(bad("the project or the generator is already linked"));
        }
        self.gec.links.push(Link {
            project,
            generator,
            from,
        });
        self.record(Event::LinkCcerGenerator {
            project,
            generator,
            from,
        });
        Ok(())
    }

    /// Refuses metering `month` of `generator` for GECs when its linked project monitors it.
    pub(crate) fn check_gec_month(
        &self,
        generator: GeneratorId,
        month: YearMonth,
    ) -> Result<(), RegistryError> {
        let Some(link) = self.gec.links.iter().find(|l| l.generator == generator) else {
            return Ok(());
        };
        if month < link.from {
            return Ok(());
        }
        let periods = &self.project(link.project)?.periods;
        match periods
            .iter()
            .find(|(f, t, _)| month_of(*f) <= month && month <= month_of(*t))
        {
            Some((from, to, _)) => Err(RegistryError::DoubleCertification {
                project: link.project,
                generator,
                month,
                from: *from,
                to: *to,
            }),
            None => Ok(()),
        }
    }

    /// Refuses a monitoring period `from..=to` of `project` that covers a month its linked
    /// generator was already issued GECs for.
    pub(crate) fn check_ccer_period(
        &self,
        project: ProjectId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<(), RegistryError> {
        let Some(link) = self.gec.links.iter().find(|l| l.project == project) else {
            return Ok(());
        };
        let (first, last) = (month_of(from).max(link.from), month_of(to));
        let certified = self.gec.batches_of(link.generator).iter().find_map(|id| {
            match self.subjects.get(id.index()).map(|e| &e.subject) {
                Some(Subject::Gec { month, .. }) if first <= *month && *month <= last => {
                    Some(*month)
                }
                _ => None,
            }
        });
        match certified {
            Some(month) => Err(RegistryError::DoubleCertification {
                project,
                generator: link.generator,
                month,
                from,
                to,
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
