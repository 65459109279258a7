use super::*;

#[test]
fn each_fleet_is_sized_to_its_coverage_with_exact_tonnes() {
    let mut entities = 0;
    let mut emissions = 0;
    for sector in Sector::INDUSTRIAL {
        let c = SectorCoverage::assumed(sector).unwrap();
        let f = IndustrialFleet::synthetic(&c, 7).unwrap();
        assert_eq!(f.plants.len(), c.entities as usize);
        assert_eq!(
            f.emissions_t(),
            c.annual_emissions_t,
            "{sector}: exact total"
        );
        assert!(
            f.plants
                .iter()
                .all(|p| p.emissions_t >= COVERAGE_THRESHOLD_T)
        );
        assert!(
            f.plants
                .iter()
                .all(|p| p.sector == sector && p.output_t > 0)
        );
        let (lo, hi) = (
            c.mean_intensity * Decimal::new(i64::from(10_000 - c.spread_bp), 4),
            c.mean_intensity * Decimal::new(i64::from(10_000 + c.spread_bp), 4),
        );
        for p in &f.plants {
            // Output is rounded to whole tonnes, so allow a hair around the drawn range.
            let i = p.intensity().unwrap();
            assert!(
                i > lo * Decimal::new(999, 3) && i < hi * Decimal::new(1001, 3),
                "{}",
                p.name
            );
        }
        // Heavy-tailed: the largest plant is several times the mean.
        let max = f.plants.iter().map(|p| p.emissions_t).max().unwrap();
        assert!(
            max > 3 * (c.annual_emissions_t / u64::from(c.entities)),
            "{sector}"
        );
        entities += c.entities;
        emissions += c.annual_emissions_t;
    }
    // The published expansion: about 1,500 entities and about 3 Gt.
    assert_eq!((entities, emissions), (1_500, 3_000_000_000));
}

#[test]
fn a_seed_draws_the_same_fleet_and_another_seed_another() {
    let c = SectorCoverage::assumed(Sector::Aluminium).unwrap();
    let a = IndustrialFleet::synthetic(&c, 11).unwrap();
    assert_eq!(a, IndustrialFleet::synthetic(&c, 11).unwrap());
    assert_ne!(a, IndustrialFleet::synthetic(&c, 12).unwrap());
    assert_eq!(a.plants[0].name, "AL0001");
    // Each sector draws its own stream: the same seed gives different sizes per sector.
    let steel =
        IndustrialFleet::synthetic(&SectorCoverage::assumed(Sector::Steel).unwrap(), 11).unwrap();
    assert_ne!(steel.plants[1].emissions_t, a.plants[1].emissions_t);
}

#[test]
fn coverages_that_cannot_be_drawn_are_refused_with_their_values() {
    assert_eq!(
        SectorCoverage::assumed(Sector::Power),
        Err(IndustryError::NotIndustrial {
            sector: Sector::Power
        })
    );
    let small = SectorCoverage {
        annual_emissions_t: 1_000_000,
        ..SectorCoverage::assumed(Sector::Cement).unwrap()
    };
    let err = IndustrialFleet::synthetic(&small, 1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "sector cement: 1000000 t a year cannot cover 900 entities of at least 26000 t each"
    );
    let bad = SectorCoverage {
        spread_bp: 10_000,
        ..SectorCoverage::assumed(Sector::Steel).unwrap()
    };
    assert!(matches!(
        IndustrialFleet::synthetic(&bad, 1),
        Err(IndustryError::BadIntensity {
            spread_bp: 10_000,
            ..
        })
    ));
    let none = SectorCoverage {
        entities: 0,
        ..SectorCoverage::assumed(Sector::Steel).unwrap()
    };
    assert!(matches!(
        none.check(),
        Err(IndustryError::NoEntities { .. })
    ));
}
