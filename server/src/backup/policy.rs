//! The retention policy of `ocpizza backup prune`: a pure function from the backups' times and
//! a policy to what is kept and why.
//!
//! The seeds' policy is the default: every backup of the last 7 days, the last of each day for
//! 3 months, the last of each ISO week for a year. `OCPIZZA_BACKUP_KEEP` changes it, as a list
//! of `rule=period` (`all=7d,daily=3m,weekly=1y`, also `monthly=`; periods in `d`, `w`, `m`,
//! `y`). Days, weeks and months are UTC, like the backups' names. The newest backup is always
//! kept, so that a policy can never delete the last copy.

use anyhow::{Context, bail};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ToSpan};
use std::collections::HashMap;
use std::fmt;

/// What a rule keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// Every backup within the period.
    All,
    /// The last backup of each day within the period.
    Daily,
    /// The last backup of each ISO week within the period.
    Weekly,
    /// The last backup of each month within the period.
    Monthly,
}

/// A period counted back from now, in calendar units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    amount: i64,
    unit: char,
}

impl Period {
    fn span(self) -> Span {
        match self.unit {
            'd' => self.amount.days(),
            'w' => self.amount.weeks(),
            'm' => self.amount.months(),
            _ => self.amount.years(),
        }
    }

    /// The earliest instant this period covers, counted back from `now`.
    fn start(self, now: Timestamp) -> Timestamp {
        now.to_zoned(TimeZone::UTC)
            .checked_sub(self.span())
            .map_or(Timestamp::MIN, |z| z.timestamp())
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit)
    }
}

/// An ordered list of rules; a backup is kept by the first that wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy(Vec<(Rule, Period)>);

impl Default for Policy {
    fn default() -> Self {
        Policy::parse("all=7d,daily=3m,weekly=1y").expect("the default policy parses")
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(rule, period)| format!("{}={period}", rule_name(*rule)))
            .collect();
        f.write_str(&parts.join(","))
    }
}

fn rule_name(rule: Rule) -> &'static str {
    match rule {
        Rule::All => "all",
        Rule::Daily => "daily",
        Rule::Weekly => "weekly",
        Rule::Monthly => "monthly",
    }
}

impl Policy {
    /// Parses `all=7d,daily=3m,weekly=1y` (rules `all`, `daily`, `weekly`, `monthly`; periods
    /// a positive number of `d`ays, `w`eeks, `m`onths or `y`ears).
    pub fn parse(text: &str) -> anyhow::Result<Policy> {
        let mut rules = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, period) = part
                .split_once('=')
                .with_context(|| format!("{part:?}: expected rule=period, e.g. daily=3m"))?;
            let rule = match name.trim() {
                "all" => Rule::All,
                "daily" => Rule::Daily,
                "weekly" => Rule::Weekly,
                "monthly" => Rule::Monthly,
                other => bail!("unknown rule {other:?}: expected all, daily, weekly or monthly"),
            };
            let period = period.trim();
            let unit = period.chars().last().unwrap_or(' ');
            let amount = period[..period.len() - unit.len_utf8().min(period.len())]
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=1000).contains(n) && "dwmy".contains(unit))
                .with_context(|| {
                    format!("{part:?}: the period is a number from 1 to 1000 and d, w, m or y")
                })?;
            if rules.iter().any(|(r, _)| *r == rule) {
                bail!("rule {name:?} is given twice");
            }
            rules.push((rule, Period { amount, unit }));
        }
        if rules.is_empty() {
            bail!("no rule: expected e.g. all=7d,daily=3m,weekly=1y");
        }
        Ok(Policy(rules))
    }
}

/// Why a backup stays, or that it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Kept by `all`.
    Recent(Period),
    /// Kept as the last backup of this day.
    LastOfDay(Date),
    /// Kept as the last backup of this ISO week (year, week).
    LastOfWeek(i16, i8),
    /// Kept as the last backup of this month.
    LastOfMonth(i16, i8),
    /// The newest backup, always kept.
    Newest,
    /// To delete.
    Remove,
}

impl Decision {
    /// Whether the backup stays.
    pub fn keeps(&self) -> bool {
        !matches!(self, Decision::Remove)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Recent(p) => write!(f, "kept: within the last {p}"),
            Decision::LastOfDay(d) => write!(f, "kept: last of day {d}"),
            Decision::LastOfWeek(y, w) => write!(f, "kept: last of week {y}-W{w:02}"),
            Decision::LastOfMonth(y, m) => write!(f, "kept: last of month {y}-{m:02}"),
            Decision::Newest => f.write_str("kept: newest backup"),
            Decision::Remove => f.write_str("removed"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Bucket {
    Day(Date),
    Week(i16, i8),
    Month(i16, i8),
}

fn bucket(rule: Rule, at: Timestamp) -> Option<Bucket> {
    let date = at.to_zoned(TimeZone::UTC).date();
    match rule {
        Rule::All => None,
        Rule::Daily => Some(Bucket::Day(date)),
        Rule::Weekly => {
            let week = date.iso_week_date();
            Some(Bucket::Week(week.year(), week.week()))
        }
        Rule::Monthly => Some(Bucket::Month(date.year(), date.month())),
    }
}

/// Decides, for each backup time of `times` (any order, duplicates allowed), whether `policy`
/// keeps it at `now`. The answer is in the same order as `times`.
pub fn decide(policy: &Policy, times: &[Timestamp], now: Timestamp) -> Vec<Decision> {
    let newest = times.iter().max().copied();
    // The latest backup of each bucket of each rule.
    let mut latest: HashMap<Bucket, Timestamp> = HashMap::new();
    for (rule, _) in &policy.0 {
        for at in times {
            if let Some(b) = bucket(*rule, *at) {
                let e = latest.entry(b).or_insert(*at);
                if *at > *e {
                    *e = *at;
                }
            }
        }
    }
    let mut newest_marked = false;
    times
        .iter()
        .map(|at| {
            for (rule, period) in &policy.0 {
                if *at < period.start(now) {
                    continue;
                }
                match bucket(*rule, *at) {
                    None => return Decision::Recent(*period),
                    Some(b) if latest[&b] == *at => {
                        return match b {
                            Bucket::Day(d) => Decision::LastOfDay(d),
                            Bucket::Week(y, w) => Decision::LastOfWeek(y, w),
                            Bucket::Month(y, m) => Decision::LastOfMonth(y, m),
                        };
                    }
                    Some(_) => {}
                }
            }
            if Some(*at) == newest && !newest_marked {
                newest_marked = true;
                return Decision::Newest;
            }
            Decision::Remove
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// Hourly backups from 2026-01-01T00:00Z for 400 days (9,600 of them, the last at
    /// 2027-02-04T23:00Z), pruned at 2027-02-05T00:00Z, one hour after the last.
    fn simulation() -> (Vec<Timestamp>, Vec<Decision>) {
        let start = ts("2026-01-01T00:00:00Z");
        let times: Vec<Timestamp> = (0..400 * 24)
            .map(|h| start.checked_add(i64::from(h).hours()).unwrap())
            .collect();
        let now = ts("2027-02-05T00:00:00Z");
        let decisions = decide(&Policy::default(), &times, now);
        (times, decisions)
    }

    #[test]
    fn four_hundred_days_of_hourly_backups_keep_exactly_what_the_seeds_policy_says() {
        let (times, decisions) = simulation();
        assert_eq!(times.len(), 9_600);
        let count = |f: fn(&Decision) -> bool| decisions.iter().filter(|d| f(d)).count();
        // Every backup since 2027-01-29T00:00Z: 7 days × 24.
        assert_eq!(count(|d| matches!(d, Decision::Recent(_))), 168);
        // The last of each day from 2026-11-05 (3 months back) to 2027-01-28, the days after
        // being already kept whole: Nov 5–30 (26) + December (31) + Jan 1–28 (28) = 85.
        assert_eq!(count(|d| matches!(d, Decision::LastOfDay(_))), 85);
        // The last of each ISO week (Sunday 23:00) since 2026-02-05: the 52 Sundays from
        // 2026-02-08 to 2027-01-31, less the 13 from 2026-11-08 on that the rules above keep
        // (the current week's last backup, Thursday 2027-02-04 23:00, is among the recent).
        assert_eq!(count(|d| matches!(d, Decision::LastOfWeek(..))), 39);
        assert_eq!(count(|d| matches!(d, Decision::Newest)), 0);
        assert_eq!(count(Decision::keeps), 168 + 85 + 39);
        assert_eq!(count(|d| *d == Decision::Remove), 9_600 - 292);
    }

    #[test]
    fn spot_checks_of_the_simulation() {
        let (times, decisions) = simulation();
        let of = |s: &str| {
            let at = ts(s);
            decisions[times.iter().position(|t| *t == at).expect("a backup then")].clone()
        };
        assert_eq!(
            of("2027-02-04T23:00:00Z").to_string(),
            "kept: within the last 7d"
        );
        assert_eq!(
            of("2027-01-29T00:00:00Z"),
            Decision::Recent(Period {
                amount: 7,
                unit: 'd'
            })
        );
        assert_eq!(of("2027-01-28T22:00:00Z"), Decision::Remove);
        assert_eq!(
            of("2027-01-28T23:00:00Z").to_string(),
            "kept: last of day 2027-01-28"
        );
        assert_eq!(
            of("2026-11-05T23:00:00Z").to_string(),
            "kept: last of day 2026-11-05"
        );
        // 2026-11-04 is a Wednesday before the 3-month window: only Sundays stay from then on.
        assert_eq!(of("2026-11-04T23:00:00Z"), Decision::Remove);
        assert_eq!(
            of("2026-11-01T23:00:00Z").to_string(),
            "kept: last of week 2026-W44"
        );
        assert_eq!(
            of("2026-02-08T23:00:00Z").to_string(),
            "kept: last of week 2026-W06"
        );
        assert_eq!(of("2026-02-01T23:00:00Z"), Decision::Remove);
        assert_eq!(of("2026-01-01T00:00:00Z"), Decision::Remove);
    }

    #[test]
    fn the_newest_backup_is_never_removed_and_the_policy_is_configurable() {
        let old = [ts("2020-01-01T03:00:00Z"), ts("2020-01-02T03:00:00Z")];
        let d = decide(&Policy::default(), &old, ts("2027-01-01T00:00:00Z"));
        assert_eq!(d, vec![Decision::Remove, Decision::Newest]);

        let monthly = Policy::parse("all=2d, monthly=1y").unwrap();
        assert_eq!(monthly.to_string(), "all=2d,monthly=1y");
        let times = [
            ts("2026-10-30T03:00:00Z"),
            ts("2026-10-31T03:00:00Z"),
            ts("2026-11-30T03:00:00Z"),
            ts("2026-12-01T03:00:00Z"),
        ];
        let d = decide(&monthly, &times, ts("2026-12-03T00:00:00Z"));
        assert_eq!(d[0], Decision::Remove);
        assert_eq!(d[1].to_string(), "kept: last of month 2026-10");
        assert_eq!(d[2].to_string(), "kept: last of month 2026-11");
        assert_eq!(
            d[3],
            Decision::Recent(Period {
                amount: 2,
                unit: 'd'
            })
        );
    }

    #[test]
    fn a_bad_policy_is_refused_with_the_reason() {
        for bad in [
            "",
            "daily",
            "hourly=3d",
            "daily=3",
            "daily=0d",
            "daily=3x",
            "all=1d,all=2d",
        ] {
            assert!(Policy::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(Policy::default().to_string(), "all=7d,daily=3m,weekly=1y");
    }
}
