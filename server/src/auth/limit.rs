//! Login throttling: per client address and per account, so that neither a single host nor a
//! botnet aimed at one account can guess passwords quickly.

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

/// The two keyed limiters.
#[derive(Debug)]
pub struct LoginLimits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_account: DefaultKeyedRateLimiter<String>,
}

impl LoginLimits {
    /// Allows `per_ip` and `per_account` attempts a minute (bursts of the same size).
    pub fn new(per_ip: u32, per_account: u32) -> LoginLimits {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("n ≥ 1"));
        LoginLimits {
            per_ip: RateLimiter::keyed(quota(per_ip)),
            per_account: RateLimiter::keyed(quota(per_account)),
        }
    }

    /// Counts one attempt; `false` when either limit is exhausted.
    pub fn check(&self, ip: IpAddr, account: &str) -> bool {
        let ip_ok = self.per_ip.check_key(&ip).is_ok();
        let account_ok = self.per_account.check_key(&account.to_owned()).is_ok();
        if self.per_ip.len() > 100_000 {
            self.per_ip.retain_recent();
            self.per_account.retain_recent();
        }
        ip_ok && account_ok
    }
}
