//! Login and registration throttling.
//!
//! Logins are limited per client address (every attempt counts) and, for guessing, per
//! *(account, address)* pair with exponential backoff: after a few failures from one address on
//! one account, each further attempt from there waits 1 s, 2 s, 4 s … up to five minutes, and a
//! success clears the slate. Keying the backoff on the pair rather than on the account alone is
//! what keeps an attacker from locking the real user out: hammering someone's e-mail from many
//! addresses slows those addresses down, never the victim's own.
//!
//! An attempt is counted as a failure when it is admitted and forgiven when it succeeds, so
//! that a burst of parallel guesses cannot all slip in before the first one is judged.
//!
//! Registrations are limited per client address per hour, and so are password reset links,
//! which are also limited per account (keyed on the address asked for, whether or not it has
//! an account, so that the answer tells nothing): a mailbox cannot be flooded with links.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The wait after the first failure beyond the free ones; it doubles with each further one.
const BACKOFF_BASE: Duration = Duration::from_secs(1);
/// The longest wait between two attempts on one account from one address.
const BACKOFF_CAP: Duration = Duration::from_mins(5);
/// A pair with no failure for this long starts afresh (and may be evicted).
const FORGET_AFTER: Duration = Duration::from_hours(1);
/// The most (account, address) pairs remembered; past it the oldest half is dropped.
const MAX_PAIRS: usize = 100_000;
/// Password reset links one client address may ask for in an hour.
pub const RESETS_PER_IP_PER_HOUR: u32 = 10;
/// Password reset links one e-mail address may be sent in an hour.
pub const RESETS_PER_ACCOUNT_PER_HOUR: u32 = 3;

/// Why an attempt was refused, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many failed logins on this account from this address.
    Backoff(Duration),
    /// Too many login attempts from this address, whatever the account.
    Address(Duration),
    /// Too many registrations from this address.
    Registrations(Duration),
    /// Too many password reset links asked for, from this address or for this account.
    Resets(Duration),
}

impl From<Refusal> for crate::error::ApiError {
    fn from(refusal: Refusal) -> Self {
        let (message, retry_after) = match refusal {
            Refusal::Backoff(wait) => (
                "too many failed logins on this account from your address; wait and try again",
                wait,
            ),
            Refusal::Address(wait) => (
                "too many login attempts from your address; wait and try again",
                wait,
            ),
            Refusal::Registrations(wait) => (
                "too many accounts registered from your address; try again later",
                wait,
            ),
            Refusal::Resets(wait) => (
                "too many password reset links asked for; check your mailbox, or try again \
                 later",
                wait,
            ),
        };
        crate::error::ApiError::Throttled {
            message: message.to_owned(),
            retry_after,
        }
    }
}

/// SHA-256 of the normalised e-mail (no address kept in memory, fixed size whatever was sent)
/// and the client address.
type PairKey = ([u8; 32], IpAddr);

/// Failures of one (account, address) pair.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    blocked_until: Instant,
}

/// The login and registration limiters.
#[derive(Debug)]
pub struct AuthLimits {
    login_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    register_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    reset_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    reset_per_account: DefaultKeyedRateLimiter<[u8; 32]>,
    failures: Mutex<HashMap<PairKey, Failures>>,
    free_failures: u32,
    clock: DefaultClock,
}

impl AuthLimits {
    /// `login_per_ip_per_min` login attempts a minute per address, `free_failures` failures per
    /// (account, address) before backoff, `register_per_ip_per_hour` registrations an hour per
    /// address.
    pub fn new(
        login_per_ip_per_min: u32,
        free_failures: u32,
        register_per_ip_per_hour: u32,
    ) -> AuthLimits {
        let n = |n: u32| NonZeroU32::new(n.max(1)).expect("n ≥ 1");
        AuthLimits {
            login_per_ip: RateLimiter::keyed(Quota::per_minute(n(login_per_ip_per_min))),
            register_per_ip: RateLimiter::keyed(Quota::per_hour(n(register_per_ip_per_hour))),
            reset_per_ip: RateLimiter::keyed(Quota::per_hour(n(RESETS_PER_IP_PER_HOUR))),
            reset_per_account: RateLimiter::keyed(Quota::per_hour(n(RESETS_PER_ACCOUNT_PER_HOUR))),
            failures: Mutex::new(HashMap::new()),
            free_failures: free_failures.max(1),
            clock: DefaultClock::default(),
        }
    }

    /// Admits one login attempt on `account` (normalised e-mail) from `ip`, counting it as a
    /// failure until [`AuthLimits::succeeded`] forgives it.
    pub fn admit_login(&self, account: &str, ip: IpAddr) -> Result<(), Refusal> {
        self.admit_login_at(pair(account, ip), Instant::now())
    }

    /// The attempt on `account` from `ip` succeeded: its failures are forgotten.
    pub fn succeeded(&self, account: &str, ip: IpAddr) {
        self.lock().remove(&pair(account, ip));
    }

    /// Counts one registration from `ip`.
    pub fn admit_registration(&self, ip: IpAddr) -> Result<(), Refusal> {
        check(&self.register_per_ip, &ip, &self.clock).map_err(Refusal::Registrations)
    }

    /// Counts one password reset link asked for `account` (normalised e-mail) from `ip`.
    pub fn admit_reset(&self, account: &str, ip: IpAddr) -> Result<(), Refusal> {
        check(&self.reset_per_ip, &ip, &self.clock).map_err(Refusal::Resets)?;
        let key: [u8; 32] = Sha256::digest(account.as_bytes()).into();
        check(&self.reset_per_account, &key, &self.clock).map_err(Refusal::Resets)
    }

    fn admit_login_at(&self, key: PairKey, now: Instant) -> Result<(), Refusal> {
        let mut failures = self.lock();
        if let Some(f) = failures.get(&key)
            && f.blocked_until > now
        {
            return Err(Refusal::Backoff(f.blocked_until - now));
        }
        check(&self.login_per_ip, &key.1, &self.clock).map_err(Refusal::Address)?;
        if !failures.contains_key(&key) && failures.len() >= MAX_PAIRS {
            evict(&mut failures, now);
        }
        let f = failures.entry(key).or_insert(Failures {
            count: 0,
            last: now,
            blocked_until: now,
        });
        if now.duration_since(f.last) > FORGET_AFTER {
            f.count = 0;
        }
        f.count = f.count.saturating_add(1);
        f.last = now;
        f.blocked_until = now + backoff(f.count, self.free_failures);
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PairKey, Failures>> {
        // The map holds plain counters: a panic elsewhere cannot leave it inconsistent.
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn pair(account: &str, ip: IpAddr) -> PairKey {
    (Sha256::digest(account.as_bytes()).into(), ip)
}

/// The wait after the `count`-th failure: none for the first `free - 1`, then 1 s, 2 s, 4 s …
fn backoff(count: u32, free: u32) -> Duration {
    match count.checked_sub(free) {
        None => Duration::ZERO,
        Some(doublings) => BACKOFF_BASE
            .checked_mul(1 << doublings.min(16))
            .map_or(BACKOFF_CAP, |d| d.min(BACKOFF_CAP)),
    }
}

/// Drops the pairs forgotten by now; if that is not enough, keeps the most recent half.
fn evict(failures: &mut HashMap<PairKey, Failures>, now: Instant) {
    failures.retain(|_, f| now.duration_since(f.last) <= FORGET_AFTER);
    if failures.len() >= MAX_PAIRS {
        let mut lasts: Vec<Instant> = failures.values().map(|f| f.last).collect();
        let (_, median, _) = lasts.select_nth_unstable(MAX_PAIRS / 2);
        let median = *median;
        failures.retain(|_, f| f.last > median);
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
    clock: &DefaultClock,
) -> Result<(), Duration> {
    let verdict = limiter
        .check_key(key)
        .map_err(|not_until| not_until.wait_time_from(clock.now()));
    if limiter.len() > 100_000 {
        limiter.retain_recent();
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    const VICTIM: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const ATTACKER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7));

    fn waits(limits: &AuthLimits, key: PairKey, start: Instant, attempts: u32) -> Vec<u64> {
        let mut now = start;
        let mut waits = Vec::new();
        for _ in 0..attempts {
            if let Err(Refusal::Backoff(wait)) = limits.admit_login_at(key, now) {
                waits.push(wait.as_secs());
                now += wait;
                limits
                    .admit_login_at(key, now)
                    .expect("admitted once waited");
            }
        }
        waits
    }

    #[test]
    fn failures_beyond_the_free_ones_wait_twice_as_long_each_time_up_to_the_cap() {
        let limits = AuthLimits::new(10_000, 5, 10);
        let key = pair("ana@example.fr", ATTACKER);
        let start = Instant::now();
        let waits = waits(&limits, key, start, 16);
        assert_eq!(waits[..4], [1, 2, 4, 8], "{waits:?}");
        assert!(
            waits.iter().all(|w| *w <= BACKOFF_CAP.as_secs()),
            "{waits:?}"
        );
        assert_eq!(waits.last(), Some(&BACKOFF_CAP.as_secs()));
    }

    #[test]
    fn another_address_is_not_held_back_and_a_success_clears_the_slate() {
        let limits = AuthLimits::new(10_000, 2, 10);
        let now = Instant::now();
        let attacked = pair("ana@example.fr", ATTACKER);
        for _ in 0..2 {
            limits.admit_login_at(attacked, now).unwrap();
        }
        assert!(limits.admit_login_at(attacked, now).is_err());
        let own = pair("ana@example.fr", VICTIM);
        assert!(limits.admit_login_at(own, now).is_ok());
        limits.succeeded("ana@example.fr", ATTACKER);
        assert!(limits.admit_login_at(attacked, now).is_ok());
    }

    #[test]
    fn reset_links_are_limited_per_account_whatever_the_address_and_per_address() {
        let limits = AuthLimits::new(10_000, 5, 10);
        for _ in 0..RESETS_PER_ACCOUNT_PER_HOUR {
            limits.admit_reset("ana@example.fr", ATTACKER).unwrap();
        }
        let refused = limits.admit_reset("ana@example.fr", VICTIM);
        assert!(matches!(refused, Err(Refusal::Resets(_))), "{refused:?}");
        limits.admit_reset("bob@example.fr", VICTIM).unwrap();
        let mut refused_at = None;
        for i in 0..RESETS_PER_IP_PER_HOUR {
            if limits
                .admit_reset(&format!("x{i}@example.fr"), ATTACKER)
                .is_err()
            {
                refused_at = Some(i);
                break;
            }
        }
        assert_eq!(
            refused_at,
            Some(RESETS_PER_IP_PER_HOUR - RESETS_PER_ACCOUNT_PER_HOUR)
        );
    }

    #[test]
    fn a_full_table_forgets_its_oldest_pairs() {
        let limits = AuthLimits::new(u32::MAX, 5, 10);
        let start = Instant::now();
        let mut failures = limits.lock();
        for i in 0..MAX_PAIRS {
            let ip = IpAddr::from(u32::try_from(i).unwrap().to_be_bytes());
            let at = start + Duration::from_millis(i as u64);
            failures.insert(
                pair("x@y.fr", ip),
                Failures {
                    count: 1,
                    last: at,
                    blocked_until: at,
                },
            );
        }
        evict(&mut failures, start + Duration::from_secs(200));
        assert!(failures.len() < MAX_PAIRS / 2 + 1, "{}", failures.len());
        let newest = IpAddr::from(u32::try_from(MAX_PAIRS - 1).unwrap().to_be_bytes());
        assert!(failures.contains_key(&pair("x@y.fr", newest)));
    }
}
