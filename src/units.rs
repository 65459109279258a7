//! Exact units of the three markets: [`Price`] (integer fen), [`Quantity`] (whole units) and
//! [`Money`] (integer fen totals).
//!
//! | expression | result | rule |
//! |---|---|---|
//! | `Price * Quantity` | `Money` | exact (`i64 × u64` always fits in `i128`) |
//! | `Money + Money`, `Money - Money` | `Money` | exact; `checked_*` variants return `None` on overflow |
//! | `Quantity + Quantity`, `Quantity - Quantity` | `Quantity` | `checked_*` variants; operators panic on overflow/underflow |
//! | `Money::div_round_half_up(Quantity)` | `Price` | rounds half away from zero to the fen (the exchange's VWAP close) |
//! | `Price::scale_bp_round_half_up(bp)` | `Price` | `price × bp / 10 000`, rounded half-up to the fen (price bands) |
//!
//! The fen (0.01 CNY) is the tick of CEA, CCER and GEC trading, so every price is a whole number
//! of fen and every turnover is a whole number of fen: nothing here ever rounds except the two
//! named operations above. All three types display, parse and serialise as decimal strings
//! (`"54.22"`, `"4103953"`, `"210230053.25"`), so reports and scenario files stay readable and
//! lossless.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// Fen per yuan: the scale of [`Price`] and [`Money`].
pub const FEN_PER_CNY: i64 = 100;

/// A bad textual or decimal value for one of the unit types.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UnitError {
    /// The text was empty or only white space.
    #[error("empty {unit} value")]
    Empty {
        /// Which unit was being parsed (`price`, `quantity` or `money`).
        unit: &'static str,
    },
    /// The text is not a decimal number.
    #[error("{unit} {value:?} is not a decimal number")]
    NotANumber {
        /// Which unit was being parsed.
        unit: &'static str,
        /// The offending text.
        value: String,
    },
    /// More decimal places than the unit carries (two for prices and money, none for quantities).
    #[error("{unit} {value:?} has more than {max} decimal places")]
    TooManyDecimals {
        /// Which unit was being parsed.
        unit: &'static str,
        /// The offending text.
        value: String,
        /// The number of decimals the unit allows.
        max: u32,
    },
    /// A negative price or quantity.
    #[error("{unit} {value:?} is negative")]
    Negative {
        /// Which unit was being parsed.
        unit: &'static str,
        /// The offending text.
        value: String,
    },
    /// The value does not fit the unit's integer representation.
    #[error("{unit} {value:?} is out of range")]
    Overflow {
        /// Which unit was being parsed.
        unit: &'static str,
        /// The offending text.
        value: String,
    },
}

/// A price per unit (per tCO2, per tCO2e or per MWh), as a whole number of fen (0.01 CNY).
///
/// Always non-negative. `Price::from_fen(5422)` is 54.22 CNY.
///
/// ```
/// use carbonsim::units::Price;
/// let p: Price = "54.22".parse()?;
/// assert_eq!(p.fen(), 5422);
/// assert_eq!(p.to_string(), "54.22");
/// # Ok::<(), carbonsim::units::UnitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Price(i64);

impl Price {
    /// Zero.
    pub const ZERO: Price = Price(0);
    /// The largest representable price.
    pub const MAX: Price = Price(i64::MAX);

    /// A price of `fen` fen.
    ///
    /// # Errors
    /// [`UnitError::Negative`] when `fen` is negative.
    pub fn try_from_fen(fen: i64) -> Result<Self, UnitError> {
        if fen < 0 {
            return Err(UnitError::Negative {
                unit: "price",
                value: format_fen(i128::from(fen)),
            });
        }
        Ok(Price(fen))
    }

    /// A price of `fen` fen, for constants and values already known to be non-negative.
    ///
    /// # Panics
    /// When `fen` is negative; use [`Price::try_from_fen`] for untrusted input.
    #[must_use]
    #[track_caller]
    pub const fn from_fen(fen: i64) -> Self {
        assert!(fen >= 0, "price must be non-negative");
        Price(fen)
    }

    /// The price in fen.
    #[must_use]
    pub const fn fen(self) -> i64 {
        self.0
    }

    /// The price as an exact decimal number of yuan.
    #[must_use]
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// The price as `f64` yuan, for statistics and charts only (never for accounting).
    #[must_use]
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / FEN_PER_CNY as f64
    }

    /// `self × bp / 10 000`, rounded half-up to the fen: how the exchange turns the previous
    /// close and a percentage into a price limit (e.g. `bp = 11_000` for +10 %).
    ///
    /// Returns `None` if the result overflows.
    #[must_use]
    pub fn scale_bp_round_half_up(self, bp: u32) -> Option<Price> {
        let num = i128::from(self.0).checked_mul(i128::from(bp))?;
        // Half-up on a non-negative numerator: add half the divisor, then truncate.
        let fen = (num + 5_000) / 10_000;
        i64::try_from(fen).ok().map(Price)
    }

    /// The price `ticks` fen above (positive) or below (negative) this one, if it stays
    /// non-negative and in range.
    #[must_use]
    pub fn offset(self, ticks: i64) -> Option<Price> {
        let fen = self.0.checked_add(ticks)?;
        (fen >= 0).then_some(Price(fen))
    }
}

/// A whole number of units: tonnes CO2 for allowances, tonnes CO2e for CCER, MWh for GEC.
///
/// ```
/// use carbonsim::units::Quantity;
/// let q: Quantity = "4103953".parse()?;
/// assert_eq!(q.units(), 4_103_953);
/// # Ok::<(), carbonsim::units::UnitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity(u64);

impl Quantity {
    /// Zero.
    pub const ZERO: Quantity = Quantity(0);

    /// `units` whole units.
    #[must_use]
    pub const fn new(units: u64) -> Self {
        Quantity(units)
    }

    /// The number of units.
    #[must_use]
    pub const fn units(self) -> u64 {
        self.0
    }

    /// Whether this is zero.
    #[must_use]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Sum, or `None` on overflow.
    #[must_use]
    pub fn checked_add(self, rhs: Quantity) -> Option<Quantity> {
        self.0.checked_add(rhs.0).map(Quantity)
    }

    /// Difference, or `None` if `rhs` is larger.
    #[must_use]
    pub fn checked_sub(self, rhs: Quantity) -> Option<Quantity> {
        self.0.checked_sub(rhs.0).map(Quantity)
    }

    /// Difference, floored at zero.
    #[must_use]
    pub fn saturating_sub(self, rhs: Quantity) -> Quantity {
        Quantity(self.0.saturating_sub(rhs.0))
    }

    /// Sum, capped at the largest quantity.
    #[must_use]
    pub fn saturating_add(self, rhs: Quantity) -> Quantity {
        Quantity(self.0.saturating_add(rhs.0))
    }

    /// The quantity as an exact decimal.
    #[must_use]
    pub fn to_decimal(self) -> Decimal {
        Decimal::from(self.0)
    }
}

/// An exact amount of money in fen (0.01 CNY); may be negative (a difference or a debit).
///
/// `i128` fen is exact for every turnover, balance and obligation this crate can produce
/// (`Price × Quantity` of any representable pair fits).
///
/// ```
/// use carbonsim::units::{Money, Price, Quantity};
/// let turnover = Price::from_fen(5_123) * Quantity::new(2);
/// assert_eq!(turnover, "102.46".parse::<Money>()?);
/// # Ok::<(), carbonsim::units::UnitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i128);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// `fen` fen.
    #[must_use]
    pub const fn from_fen(fen: i128) -> Self {
        Money(fen)
    }

    /// Whole yuan.
    #[must_use]
    pub const fn from_cny(cny: i64) -> Self {
        Money(cny as i128 * FEN_PER_CNY as i128)
    }

    /// The amount in fen.
    #[must_use]
    pub const fn fen(self) -> i128 {
        self.0
    }

    /// Whether the amount is below zero.
    #[must_use]
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Sum, or `None` on overflow.
    #[must_use]
    pub fn checked_add(self, rhs: Money) -> Option<Money> {
        self.0.checked_add(rhs.0).map(Money)
    }

    /// Difference, or `None` on overflow.
    #[must_use]
    pub fn checked_sub(self, rhs: Money) -> Option<Money> {
        self.0.checked_sub(rhs.0).map(Money)
    }

    /// The amount as an exact decimal number of yuan.
    ///
    /// Returns `None` only beyond `Decimal`'s 96-bit range (about 7.9 × 10^26 CNY).
    #[must_use]
    pub fn to_decimal(self) -> Option<Decimal> {
        Decimal::try_from_i128_with_scale(self.0, 2).ok()
    }

    /// The amount as `f64` yuan, for statistics and charts only (never for accounting).
    #[must_use]
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / FEN_PER_CNY as f64
    }

    /// `self / quantity` as a price per unit, rounded half away from zero to the fen: the
    /// exchange's volume-weighted average price. `None` for zero quantity, a negative amount or
    /// a result out of range.
    #[must_use]
    pub fn div_round_half_up(self, quantity: Quantity) -> Option<Price> {
        if quantity.0 == 0 || self.0 < 0 {
            return None;
        }
        let q = i128::from(quantity.0);
        let fen = (self.0 * 2 + q) / (2 * q);
        i64::try_from(fen).ok().map(Price)
    }
}

impl Mul<Quantity> for Price {
    type Output = Money;
    fn mul(self, rhs: Quantity) -> Money {
        Money(i128::from(self.0) * i128::from(rhs.0))
    }
}

impl Add for Quantity {
    type Output = Quantity;
    /// # Panics
    /// On overflow; use [`Quantity::checked_add`] where that can happen.
    #[track_caller]
    fn add(self, rhs: Quantity) -> Quantity {
        self.checked_add(rhs).expect("quantity overflow")
    }
}

impl Sub for Quantity {
    type Output = Quantity;
    /// # Panics
    /// When `rhs > self`; use [`Quantity::checked_sub`] where that can happen.
    #[track_caller]
    fn sub(self, rhs: Quantity) -> Quantity {
        self.checked_sub(rhs).expect("quantity underflow")
    }
}

impl AddAssign for Quantity {
    #[track_caller]
    fn add_assign(&mut self, rhs: Quantity) {
        *self = *self + rhs;
    }
}

impl SubAssign for Quantity {
    #[track_caller]
    fn sub_assign(&mut self, rhs: Quantity) {
        *self = *self - rhs;
    }
}

impl Sum for Quantity {
    fn sum<I: Iterator<Item = Quantity>>(iter: I) -> Quantity {
        iter.fold(Quantity::ZERO, |a, b| a + b)
    }
}

impl Add for Money {
    type Output = Money;
    /// # Panics
    /// On `i128` overflow (beyond 10^36 CNY); use [`Money::checked_add`] for untrusted input.
    #[track_caller]
    fn add(self, rhs: Money) -> Money {
        self.checked_add(rhs).expect("money overflow")
    }
}

impl Sub for Money {
    type Output = Money;
    /// # Panics
    /// On `i128` overflow; use [`Money::checked_sub`] for untrusted input.
    #[track_caller]
    fn sub(self, rhs: Money) -> Money {
        self.checked_sub(rhs).expect("money overflow")
    }
}

impl AddAssign for Money {
    #[track_caller]
    fn add_assign(&mut self, rhs: Money) {
        *self = *self + rhs;
    }
}

impl SubAssign for Money {
    #[track_caller]
    fn sub_assign(&mut self, rhs: Money) {
        *self = *self - rhs;
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

/// Writes `fen` as yuan with exactly two decimals.
fn format_fen(fen: i128) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&format_fen(i128::from(self.0)))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&format_fen(self.0))
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Parses a decimal string with at most two decimals into a signed fen count.
fn parse_fen(unit: &'static str, text: &str, allow_negative: bool) -> Result<i128, UnitError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(UnitError::Empty { unit });
    }
    let not_a_number = || UnitError::NotANumber {
        unit,
        value: text.to_owned(),
    };
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty())
        || !all_digits(int_part)
        || !all_digits(frac_part)
    {
        return Err(not_a_number());
    }
    if frac_part.len() > 2 {
        return Err(UnitError::TooManyDecimals {
            unit,
            value: text.to_owned(),
            max: 2,
        });
    }
    let overflow = || UnitError::Overflow {
        unit,
        value: text.to_owned(),
    };
    let int_value: i128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| overflow())?
    };
    let mut frac_value: i128 = if frac_part.is_empty() {
        0
    } else {
        frac_part.parse().map_err(|_| not_a_number())?
    };
    if frac_part.len() == 1 {
        frac_value *= 10;
    }
    let magnitude = int_value
        .checked_mul(100)
        .and_then(|v| v.checked_add(frac_value))
        .ok_or_else(overflow)?;
    if negative && magnitude != 0 {
        if !allow_negative {
            return Err(UnitError::Negative {
                unit,
                value: text.to_owned(),
            });
        }
        return Ok(-magnitude);
    }
    Ok(magnitude)
}

impl FromStr for Price {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, UnitError> {
        let fen = parse_fen("price", s, false)?;
        i64::try_from(fen)
            .map(Price)
            .map_err(|_| UnitError::Overflow {
                unit: "price",
                value: s.to_owned(),
            })
    }
}

impl FromStr for Money {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, UnitError> {
        parse_fen("money", s, true).map(Money)
    }
}

impl FromStr for Quantity {
    type Err = UnitError;
    fn from_str(text: &str) -> Result<Self, UnitError> {
        let fen = parse_fen("quantity", text, false)?;
        if fen % 100 != 0 {
            return Err(UnitError::TooManyDecimals {
                unit: "quantity",
                value: text.to_owned(),
                max: 0,
            });
        }
        u64::try_from(fen / 100)
            .map(Quantity)
            .map_err(|_| UnitError::Overflow {
                unit: "quantity",
                value: text.to_owned(),
            })
    }
}

/// Decimal yuan with more than two decimals, or out of range, is an error; nothing is rounded.
fn decimal_to_fen(unit: &'static str, value: Decimal) -> Result<i128, UnitError> {
    let normalized = value.normalize();
    if normalized.scale() > 2 {
        return Err(UnitError::TooManyDecimals {
            unit,
            value: value.to_string(),
            max: 2,
        });
    }
    let mut scaled = normalized;
    scaled.rescale(2);
    Ok(scaled.mantissa())
}

impl TryFrom<Decimal> for Price {
    type Error = UnitError;
    fn try_from(value: Decimal) -> Result<Self, UnitError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(UnitError::Negative {
                unit: "price",
                value: value.to_string(),
            });
        }
        let fen = decimal_to_fen("price", value)?;
        i64::try_from(fen)
            .map(Price)
            .map_err(|_| UnitError::Overflow {
                unit: "price",
                value: value.to_string(),
            })
    }
}

impl TryFrom<Decimal> for Money {
    type Error = UnitError;
    fn try_from(value: Decimal) -> Result<Self, UnitError> {
        decimal_to_fen("money", value).map(Money)
    }
}

impl TryFrom<Decimal> for Quantity {
    type Error = UnitError;
    fn try_from(value: Decimal) -> Result<Self, UnitError> {
        let text = value.to_string();
        if value.fract() != Decimal::ZERO {
            return Err(UnitError::TooManyDecimals {
                unit: "quantity",
                value: text,
                max: 0,
            });
        }
        value.normalize().to_string().parse()
    }
}

impl From<Price> for Decimal {
    fn from(p: Price) -> Decimal {
        p.to_decimal()
    }
}

impl From<Quantity> for Decimal {
    fn from(q: Quantity) -> Decimal {
        q.to_decimal()
    }
}

macro_rules! serde_as_string {
    ($ty:ty, $expecting:literal, $entry:ident) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        v.parse().map_err(E::custom)
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$ty, E> {
                        self.visit_str(&v.to_string())
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$ty, E> {
                        self.visit_str(&v.to_string())
                    }
                }
                deserializer.$entry(Visitor)
            }
        }
    };
}

// Prices and money are read from strings only, so a float never stands between the text and the
// exact value; whole quantities may also be integers.
serde_as_string!(
    Price,
    "a price as a decimal string such as \"54.22\"",
    deserialize_str
);
serde_as_string!(
    Money,
    "an amount of money as a decimal string such as \"210230053.25\"",
    deserialize_str
);
serde_as_string!(
    Quantity,
    "a whole quantity such as \"4103953\"",
    deserialize_any
);

/// Serialises a [`Quantity`] as a JSON number, for reports: counts (tonnes, units, certificates)
/// are whole numbers that a JSON reader takes as numbers, while prices and money stay decimal
/// strings so that no float stands between the text and the exact value. Reads a number or a
/// string. Use with `#[serde(with = "crate::units::count")]`.
pub mod count {
    use super::Quantity;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the quantity as an unsigned integer.
    ///
    /// # Errors
    /// The serializer's error.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    pub fn serialize<S: Serializer>(q: &Quantity, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(q.units())
    }

    /// Reads a quantity written as a number or as a decimal string.
    ///
    /// # Errors
    /// The deserializer's error, or a value that is not a whole quantity.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Quantity, D::Error> {
        Quantity::deserialize(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_round_trips_as_decimal_string() {
        for text in ["54.22", "0.00", "0.01", "48.00", "1234567.89"] {
            let p: Price = text.parse().unwrap();
            assert_eq!(p.to_string(), text);
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<Price>(&json).unwrap(), p);
        }
        assert_eq!("54.2".parse::<Price>().unwrap().fen(), 5420);
        assert_eq!("54".parse::<Price>().unwrap().fen(), 5400);
        assert_eq!(".5".parse::<Price>().unwrap().fen(), 50);
    }

    #[test]
    fn bad_prices_are_typed_errors_naming_the_value() {
        assert_eq!("".parse::<Price>(), Err(UnitError::Empty { unit: "price" }));
        assert_eq!(
            "-1.00".parse::<Price>(),
            Err(UnitError::Negative {
                unit: "price",
                value: "-1.00".into()
            })
        );
        assert_eq!(
            "54.221".parse::<Price>(),
            Err(UnitError::TooManyDecimals {
                unit: "price",
                value: "54.221".into(),
                max: 2
            })
        );
        assert!(matches!(
            "1e3".parse::<Price>(),
            Err(UnitError::NotANumber { .. })
        ));
        assert!(matches!(
            ".".parse::<Price>(),
            Err(UnitError::NotANumber { .. })
        ));
        assert!(matches!(
            "99999999999999999999".parse::<Price>(),
            Err(UnitError::Overflow { .. })
        ));
        let msg = "54.221".parse::<Price>().unwrap_err().to_string();
        assert!(msg.contains("54.221"), "{msg}");
        assert!(Price::try_from_fen(-3).is_err());
    }

    #[test]
    fn money_is_signed_and_exact() {
        let m: Money = "-12.05".parse().unwrap();
        assert_eq!(m.fen(), -1205);
        assert_eq!(m.to_string(), "-12.05");
        assert_eq!(
            (Price::from_fen(5123) * Quantity::new(4_103_953)).fen(),
            21_024_551_219
        );
        assert_eq!(
            "210230053.25".parse::<Money>().unwrap().fen(),
            21_023_005_325
        );
        assert_eq!(Money::from_cny(20_000).to_string(), "20000.00");
    }

    #[test]
    fn quantity_rejects_fractions() {
        assert_eq!(
            "100000".parse::<Quantity>().unwrap(),
            Quantity::new(100_000)
        );
        assert!(matches!(
            "1.5".parse::<Quantity>(),
            Err(UnitError::TooManyDecimals { .. })
        ));
        assert!(matches!(
            "-1".parse::<Quantity>(),
            Err(UnitError::Negative { .. })
        ));
        assert_eq!(Quantity::new(5).checked_sub(Quantity::new(6)), None);
    }

    #[test]
    fn decimal_conversions_are_exact() {
        let d = Decimal::new(5422, 2);
        assert_eq!(Price::try_from(d).unwrap().fen(), 5422);
        assert_eq!(Price::from_fen(5422).to_decimal(), d);
        assert!(Price::try_from(Decimal::new(54221, 3)).is_err());
        assert!(Price::try_from(Decimal::new(-1, 0)).is_err());
        assert_eq!(
            Price::try_from(Decimal::new(542_200, 4)).unwrap().fen(),
            5422
        );
        assert_eq!(Quantity::try_from(Decimal::new(7, 0)).unwrap().units(), 7);
        assert!(Quantity::try_from(Decimal::new(75, 1)).is_err());
        assert_eq!(Money::try_from(Decimal::new(-105, 2)).unwrap().fen(), -105);
    }

    #[test]
    fn vwap_rounds_half_up_like_the_exchange() {
        // 2021-07-16: 4,103,953 t for 210,230,053.25 CNY closed at 51.23.
        let turnover: Money = "210230053.25".parse().unwrap();
        let close = turnover
            .div_round_half_up(Quantity::new(4_103_953))
            .unwrap();
        assert_eq!(close.to_string(), "51.23");
        assert_eq!(
            Money::from_fen(5).div_round_half_up(Quantity::new(2)),
            Some(Price::from_fen(3))
        );
        assert_eq!(
            Money::from_fen(7).div_round_half_up(Quantity::new(2)),
            Some(Price::from_fen(4))
        );
        assert_eq!(
            Money::from_fen(4).div_round_half_up(Quantity::new(3)),
            Some(Price::from_fen(1))
        );
        assert_eq!(Money::from_fen(4).div_round_half_up(Quantity::ZERO), None);
    }

    #[test]
    fn band_limits_round_half_up() {
        // 44.08 × 1.1 = 48.488 → 48.49 (the 2021-10-11 high); 43.16 × 0.7 = 30.212 → 30.21.
        assert_eq!(
            Price::from_fen(4408).scale_bp_round_half_up(11_000),
            Some(Price::from_fen(4849))
        );
        assert_eq!(
            Price::from_fen(4316).scale_bp_round_half_up(7_000),
            Some(Price::from_fen(3021))
        );
        // Exactly half a fen rounds up: 0.05 × 1.1 = 0.055 → 0.06.
        assert_eq!(
            Price::from_fen(5).scale_bp_round_half_up(11_000),
            Some(Price::from_fen(6))
        );
    }

    mod property_tests {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn price_text_round_trip(fen in 0i64..=i64::MAX) {
                let p = Price::from_fen(fen);
                prop_assert_eq!(p.to_string().parse::<Price>().unwrap(), p);
                prop_assert_eq!(Price::try_from(p.to_decimal()).unwrap(), p);
            }

            #[test]
            fn money_text_round_trip(fen in any::<i64>()) {
                let m = Money::from_fen(i128::from(fen));
                prop_assert_eq!(m.to_string().parse::<Money>().unwrap(), m);
                prop_assert_eq!(Money::try_from(m.to_decimal().unwrap()).unwrap(), m);
            }

            #[test]
            fn vwap_matches_decimal_rounding(turnover in 0i64..1_000_000_000_000, qty in 1u64..100_000_000) {
                let got = Money::from_fen(i128::from(turnover)).div_round_half_up(Quantity::new(qty)).unwrap();
                let exact = Decimal::from(turnover) / Decimal::from(qty);
                let want = exact.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
                prop_assert_eq!(Decimal::from(got.fen()), want);
            }
        }
    }

    #[test]
    fn counts_are_written_as_numbers_and_read_from_either() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Row {
            #[serde(with = "crate::units::count")]
            t: Quantity,
        }
        let row = Row {
            t: Quantity::new(4_103_953),
        };
        assert_eq!(serde_json::to_string(&row).unwrap(), r#"{"t":4103953}"#);
        assert_eq!(
            serde_json::from_str::<Row>(r#"{"t":4103953}"#).unwrap(),
            row
        );
        assert_eq!(
            serde_json::from_str::<Row>(r#"{"t":"4103953"}"#).unwrap(),
            row
        );
    }
}
