//! The certificate agents whose accounts open after every other's (so that a run that does not
//! reach them is unchanged): the CCER 2.0 project owners and the mandated GEC buyers; and the
//! GEC buyers' demand across the switch to full coverage.

use chrono::Datelike;

use super::Streams;
use super::broker::Participant;
use super::certificates::Certificates;
use crate::agents::Agent;
use crate::agents::certificate_buyer::CertificateBuyer;
use crate::agents::certificate_seller::CertificateSeller;
use crate::scenario::config::{ScenarioConfig, SubMarkets};
use crate::schedule::MonthlyStep;

/// The agents whose accounts open after every other: the CCER 2.0 project owners (each selling
/// its own credits on the listed method only, around the CCER 2.0 reference price) and the
/// mandated GEC buyers (each with its part of its mandate's schedule), each with its own stream.
pub(super) fn later_participants(
    config: &ScenarioConfig,
    streams: &Streams,
    certificates: &Certificates,
    participants: &mut Vec<Participant>,
) {
    let behaviour = &config.behaviour;
    let mut add = |account, agent: Box<dyn Agent + Send>| {
        let rng = streams.rng(participants.len());
        participants.push(Participant {
            account,
            agent,
            rng,
            compliance: None,
        });
    };
    for (owner, stem) in certificates.ccer2_owners() {
        let mut p = behaviour.ccer_seller.clone();
        stem.clone_into(&mut p.subject_prefix);
        p.block_probability = 0.0;
        p.anchor = config.submarkets.ccer2.reference_price;
        p.anchor_steps.clear();
        p.min_offer = config.submarkets.ccer2.owner_min_offer;
        add(owner, Box::new(CertificateSeller::new(p)));
    }
    let last_year = config.end.year();
    for (account, p) in certificates.mandated_buyers(&behaviour.gec_buyer, last_year) {
        add(account, Box::new(CertificateBuyer::new(p)));
    }
}

/// All the GEC buyers' monthly demand: `gec_demand`, then `gec_scale_demand` from its first
/// step.
pub(super) fn demand_schedule(m: &SubMarkets) -> Vec<MonthlyStep> {
    let switch = m.gec_scale_demand.first().map(|s| s.from);
    m.gec_demand
        .iter()
        .filter(|s| switch.is_none_or(|d| s.from < d))
        .chain(&m.gec_scale_demand)
        .copied()
        .collect()
}
