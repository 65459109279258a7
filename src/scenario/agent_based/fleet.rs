//! The fleet of a scenario: its agents in a fixed order, each with its own random stream.
//!
//! Order: covered entities first, then market makers, then investors, each group in index order;
//! market makers and investors only when the scenario admits them. Each agent draws from
//! [`agent_rng`]`(seed, s)` with `s` its stream index ([`stream_index`]): its position, except
//! that the entities of the groups of sectors after the first (the industrial sectors) draw from
//! streams far above every other's. A run that covers those groups (one that lasts until they are
//! first credited) therefore leaves every other agent's stream as it is in a run that does not,
//! so what a run does up to a day does not depend on how long it runs on. A fleet is rebuilt
//! identically from its scenario. The firms' planning habits (their lead shares, and who uses an
//! interim deadline's slack) come from a stream of their own ([`LEAD_STREAM`]), drawn in firm
//! order, so they leave every agent's own stream as it was.

use std::sync::Arc;

use rand_chacha::ChaCha8Rng;

use crate::agents::compliance_firm::{ComplianceFirm, draw_planning_habit};
use crate::agents::investor::Investor;
use crate::agents::market_maker::MarketMaker;
use crate::agents::{Agent, agent_rng};
use crate::scenario::config::ScenarioConfig;

/// One agent of the fleet with its generator.
pub struct FleetMember {
    /// Position in the fleet (for a covered entity, its account's).
    pub index: u64,
    /// The behaviour.
    pub agent: Box<dyn Agent + Send>,
    /// Its own generator.
    pub rng: ChaCha8Rng,
}

impl std::fmt::Debug for FleetMember {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FleetMember")
            .field("index", &self.index)
            .field("kind", &self.agent.kind())
            .finish_non_exhaustive()
    }
}

/// The stream of the firms' planning habits under the master seed: far above any agent index.
pub const LEAD_STREAM: u64 = u64::MAX;

/// The first stream index of the entities of the groups after the first: far above any other
/// agent's index.
pub const LATER_GROUPS_STREAM: u64 = 1 << 40;

/// The stream index of the agent at `position` among a run's agents, whose first `covered` are
/// the covered entities, the first `first_group` of them the first group's: the position itself,
/// less the later groups' entities for an agent after them, and [`LATER_GROUPS_STREAM`] onwards
/// for the later groups' entities.
#[must_use]
pub fn stream_index(position: usize, first_group: usize, covered: usize) -> u64 {
    let first_group = first_group.min(covered);
    if position < first_group {
        position as u64
    } else if position < covered {
        LATER_GROUPS_STREAM + (position - first_group) as u64
    } else {
        (position - (covered - first_group)) as u64
    }
}

/// Builds the built-in fleet of `config` under master seed `seed` (a Monte Carlo run passes its
/// own seed; a single run passes `config.seed`): one compliance firm for each of the `covered`
/// entities' accounts, all of one group of sectors, then the market makers and investors.
#[must_use]
pub fn build_fleet(config: &ScenarioConfig, seed: u64, covered: usize) -> Vec<FleetMember> {
    build_grouped_fleet(config, seed, covered, covered)
}

/// [`build_fleet`] for `covered` entities of which the first `first_group` are the first group
/// of sectors' (every group's; `fleet.compliance_firms` sizes the largest cycle): the others
/// draw from the later groups' streams ([`stream_index`]).
#[must_use]
pub fn build_grouped_fleet(
    config: &ScenarioConfig,
    seed: u64,
    first_group: usize,
    covered: usize,
) -> Vec<FleetMember> {
    let fleet = &config.fleet;
    let behaviour = &config.behaviour;
    let makers = if config.participants.market_makers {
        fleet.market_makers
    } else {
        0
    };
    let investors = if config.participants.investors {
        fleet.investors
    } else {
        0
    };
    let params = Arc::new(behaviour.compliance_firm.clone());
    let mut leads = agent_rng(seed, LEAD_STREAM);
    let firms = (0..covered).map(move |_| {
        let habit = draw_planning_habit(&mut leads);
        Box::new(ComplianceFirm::sharing(Arc::clone(&params)).with_planning_habit(habit))
            as Box<dyn Agent + Send>
    });
    let makers = (0..makers).map(|_| {
        Box::new(MarketMaker::new(behaviour.market_maker.clone())) as Box<dyn Agent + Send>
    });
    let investors = (0..investors)
        .map(|_| Box::new(Investor::new(behaviour.investor.clone())) as Box<dyn Agent + Send>);
    firms
        .chain(makers)
        .chain(investors)
        .enumerate()
        .map(|(position, agent)| FleetMember {
            index: position as u64,
            agent,
            rng: agent_rng(seed, stream_index(position, first_group, covered)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    fn config(extra: &str) -> ScenarioConfig {
        let text = format!(
            "name = \"f\"\nseed = 5\nstart = \"2021-07-16\"\nend = \"2021-08-31\"\n{extra}"
        );
        ScenarioConfig::from_toml_str(&text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn fleet_order_and_admission() {
        let c = config(
            "[fleet]\ncompliance_firms = 3\nmarket_makers = 2\ninvestors = 1\n[participants]\nmarket_makers = true\ninvestors = true\n",
        );
        let kinds: Vec<&str> = build_fleet(&c, c.seed, c.fleet.compliance_firms as usize)
            .iter()
            .map(|m| m.agent.kind())
            .collect();
        assert_eq!(
            kinds,
            [
                "compliance_firm",
                "compliance_firm",
                "compliance_firm",
                "market_maker",
                "market_maker",
                "investor"
            ]
        );
        let default = config("");
        assert_eq!(build_fleet(&default, 1, 2257).len(), 2257);
    }

    #[test]
    fn each_member_has_its_own_reproducible_stream() {
        let c = config("[fleet]\ncompliance_firms = 4\n");
        let draws = |seed| -> Vec<u64> {
            build_fleet(&c, seed, c.fleet.compliance_firms as usize)
                .iter_mut()
                .map(|m| m.rng.next_u64())
                .collect()
        };
        let a = draws(9);
        assert_eq!(a, draws(9));
        assert_ne!(a, draws(10));
        let mut unique = a.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 4);
        assert_eq!(a[2], agent_rng(9, 2).next_u64());
        // The firms' lead shares come from a stream of their own: turning them on leaves
        // every member's stream as it was.
        let led = config(
            "[fleet]\ncompliance_firms = 4\n[behaviour.compliance_firm]\ninternal_lead_share = 0.1\n",
        );
        let with_leads: Vec<u64> = build_fleet(&led, 9, 4)
            .iter_mut()
            .map(|m| m.rng.next_u64())
            .collect();
        assert_eq!(with_leads, a);
    }

    #[test]
    fn later_groups_move_no_other_agent_s_stream() {
        // 3 entities of the first group, 2 of a later one, then 2 market makers.
        assert_eq!(
            (0..7).map(|p| stream_index(p, 3, 5)).collect::<Vec<_>>(),
            [0, 1, 2, LATER_GROUPS_STREAM, LATER_GROUPS_STREAM + 1, 3, 4]
        );
        let c = config(
            "[fleet]\ncompliance_firms = 3\nmarket_makers = 2\n[participants]\nmarket_makers = true\n",
        );
        let draws = |fleet: Vec<FleetMember>| -> Vec<(u64, u64)> {
            fleet
                .into_iter()
                .map(|mut m| (m.index, m.rng.next_u64()))
                .collect()
        };
        let alone = draws(build_fleet(&c, 9, 3));
        let grouped = draws(build_grouped_fleet(&c, 9, 3, 5));
        // The first group's entities and the market makers keep their streams; the later
        // group's entities sit between them by position only.
        assert_eq!(grouped[..3], alone[..3]);
        assert_eq!(
            grouped[5..].iter().map(|d| d.1).collect::<Vec<_>>(),
            alone[3..].iter().map(|d| d.1).collect::<Vec<_>>()
        );
        assert_eq!(
            grouped.iter().map(|d| d.0).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4, 5, 6]
        );
        assert_eq!(grouped[3].1, agent_rng(9, LATER_GROUPS_STREAM).next_u64());
    }
}
