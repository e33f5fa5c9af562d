//! Money in integer euro cents: no floating point ever touches a price.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Mul};

/// An amount in euro cents. Serialised as a plain integer (`1350` is 13,50 €).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Money(pub i64);

impl Money {
    /// Zero euros.
    pub const ZERO: Money = Money(0);

    /// The amount in cents.
    pub fn cents(self) -> i64 {
        self.0
    }

    /// `self × n`, or `None` when it would overflow.
    pub fn checked_times(self, n: i64) -> Option<Money> {
        self.0.checked_mul(n).map(Money)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl Mul<i64> for Money {
    type Output = Money;
    fn mul(self, rhs: i64) -> Money {
        Money(self.0 * rhs)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

/// French formatting: `13,50 €`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{},{:02} €", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_formats_in_french_and_sums_exactly() {
        let total: Money = [Money(1050), Money(150), Money(5)].into_iter().sum();
        assert_eq!(total, Money(1205));
        assert_eq!(total.to_string(), "12,05 €");
        assert_eq!(Money(-99).to_string(), "-0,99 €");
        assert_eq!(Money(i64::MAX).checked_times(2), None);
    }
}
