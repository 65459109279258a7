//! Runs the green-certificate example and checks what it produces (the compliance example is
//! checked in `tests/examples.rs`).

#[path = "../examples/green_certificates.rs"]
mod green_certificates;

use carbonsim::registry::RegistryError;

#[test]
fn green_certificates_for_the_longji_wind_farm() {
    let o = green_certificates::run().unwrap();
    assert_eq!(o.issued, 633_000);
    assert_eq!(o.sold, 633_000);
    assert_eq!(o.claimed, 633_000);
    assert_eq!(o.carry_kwh, 0);
    assert_eq!(o.months, 72);
    // One range per production month: serials as ranges, not one object per certificate.
    assert_eq!(o.ranges, 72);
    assert!(matches!(
        o.resale,
        RegistryError::OneTimeTransferUsed { .. }
    ));
    // 633 GWh from 98.1 MW over six years is a 12.2 % capacity factor.
    assert_eq!(o.capacity_factor_permille, 122);
    assert!(o.conserved);
}
