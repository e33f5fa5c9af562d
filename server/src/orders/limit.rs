//! Order throttling: per client address and per contact phone, so that one host or one phone
//! number cannot reserve the shop's stock with a flood of orders. Staff taking phone or
//! counter orders are not throttled (a shop's counter sits behind one address).

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// The two keyed limiters.
#[derive(Debug)]
pub struct OrderLimits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_phone: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl OrderLimits {
    /// Allows `per_ip` and `per_phone` orders a minute (bursts of the same size).
    pub fn new(per_ip: u32, per_phone: u32) -> OrderLimits {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("n ≥ 1"));
        OrderLimits {
            per_ip: RateLimiter::keyed(quota(per_ip)),
            per_phone: RateLimiter::keyed(quota(per_phone)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one order from `ip`; `Err` with the wait before the next one is allowed.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Duration> {
        self.check(&self.per_ip, &ip)
    }

    /// Counts one order for `phone` (in the form [`crate::customers::national`] gives);
    /// `Err` with the wait before the next one is allowed.
    pub fn check_phone(&self, phone: &str) -> Result<(), Duration> {
        self.check(&self.per_phone, &phone.to_owned())
    }

    fn check<K: Clone + Hash + Eq>(
        &self,
        limiter: &DefaultKeyedRateLimiter<K>,
        key: &K,
    ) -> Result<(), Duration> {
        let verdict = limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()));
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_and_each_phone_has_its_own_allowance() {
        let limits = OrderLimits::new(2, 1);
        let (a, b) = (IpAddr::from([192, 0, 2, 1]), IpAddr::from([192, 0, 2, 2]));
        assert!(limits.check_ip(a).is_ok());
        assert!(limits.check_ip(a).is_ok());
        let wait = limits.check_ip(a).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(30));
        assert!(limits.check_ip(b).is_ok());
        assert!(limits.check_phone("0612345678").is_ok());
        assert!(limits.check_phone("0612345678").is_err());
        assert!(limits.check_phone("0698765432").is_ok());
    }
}
