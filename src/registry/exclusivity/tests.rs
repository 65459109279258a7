use super::*;
use crate::registry::{AccountKind, ProjectStep};
use crate::units::Quantity;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn ym(y: u16, m: u8) -> YearMonth {
    YearMonth::new(y, m).unwrap()
}

/// A registered offshore wind project and its plant's GEC generator, linked from October 2024.
fn plant(r: &mut Registry) -> (ProjectId, GeneratorId) {
    let owner = r.open_account(AccountKind::ProjectOwner, "offshore owner");
    let p = r
        .file_project(
            owner,
            Methodology::OffshoreWind,
            d(2024, 1, 1),
            d(2033, 12, 31),
        )
        .unwrap();
    r.advance_project(p, ProjectStep::Validate).unwrap();
    r.advance_project(p, ProjectStep::Register).unwrap();
    let acc = r.open_account(AccountKind::RenewableGenerator, "offshore plant");
    let g = r
        .register_generator(acc, Technology::OffshoreWind, true, false)
        .unwrap();
    r.link_ccer_generator(p, g, ym(2024, 10)).unwrap();
    (p, g)
}

fn monitor(
    r: &mut Registry,
    p: ProjectId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(), RegistryError> {
    r.advance_project(p, ProjectStep::Monitor { from, to })
}

#[test]
fn a_month_credited_as_ccer_cannot_be_certified_as_gec() {
    let mut r = Registry::default();
    let (p, g) = plant(&mut r);
    monitor(&mut r, p, d(2025, 1, 1), d(2025, 6, 30)).unwrap();
    let before = r.clone();
    let err = r.meter(g, ym(2025, 3), 5_000_000).unwrap_err();
    assert_eq!(
        err,
        RegistryError::DoubleCertification {
            project: p,
            generator: g,
            month: ym(2025, 3),
            from: d(2025, 1, 1),
            to: d(2025, 6, 30),
        }
    );
    assert!(err.to_string().contains("month 2025-03"), "{err}");
    assert_eq!(r, before, "a refused issuance changes nothing");
    // The months outside the period earn GECs.
    let (_, n) = r.meter(g, ym(2025, 7), 5_000_000).unwrap();
    assert_eq!(n, Quantity::new(5_000));
}

#[test]
fn a_month_certified_as_gec_cannot_be_monitored_for_ccer() {
    let mut r = Registry::default();
    let (p, g) = plant(&mut r);
    r.meter(g, ym(2025, 2), 3_000_000).unwrap();
    let before = r.clone();
    let err = monitor(&mut r, p, d(2025, 1, 1), d(2025, 12, 31)).unwrap_err();
    assert!(
        matches!(err, RegistryError::DoubleCertification { month, .. } if month == ym(2025, 2)),
        "{err}"
    );
    assert_eq!(r, before);
    // A period after the certified month is fine, and so is the output before the rule binds.
    monitor(&mut r, p, d(2025, 3, 1), d(2025, 12, 31)).unwrap();
    let mut early = Registry::default();
    let (p2, g2) = plant(&mut early);
    early.meter(g2, ym(2024, 9), 1_000_000).unwrap();
    monitor(&mut early, p2, d(2024, 9, 1), d(2024, 9, 30)).unwrap();
}

#[test]
fn only_offshore_wind_and_solar_thermal_plants_link_once() {
    let mut r = Registry::default();
    let (p, g) = plant(&mut r);
    assert!(matches!(
        r.link_ccer_generator(p, g, ym(2024, 10)),
        Err(RegistryError::BadExclusivityLink { .. })
    ));
    let owner = r.open_account(AccountKind::ProjectOwner, "forest owner");
    let forest = r
        .file_project(
            owner,
            Methodology::Afforestation,
            d(2024, 1, 1),
            d(2050, 1, 1),
        )
        .unwrap();
    let acc = r.open_account(AccountKind::RenewableGenerator, "pv");
    let pv = r
        .register_generator(acc, Technology::SolarPv, true, false)
        .unwrap();
    let err = r.link_ccer_generator(forest, pv, ym(2024, 10)).unwrap_err();
    assert!(err.to_string().contains("cannot be linked"), "{err}");
    // The journal replays the link and so the rule.
    let rebuilt = Registry::rebuild(*r.config(), r.journal().events()).unwrap();
    assert_eq!(rebuilt, r);
}
