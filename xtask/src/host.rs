//! What this machine reports about itself, shared by the benchmarks: the CPU counters of
//! `/proc/stat` and a plain-text table for their summaries.

use std::fmt::Write as _;

/// Machine-wide CPU time since boot, in clock ticks (all CPUs together).
#[derive(Debug, Clone, Copy)]
pub struct CpuCounters {
    /// Everything but idle and iowait (steal included).
    pub busy: u64,
    /// Everything.
    pub total: u64,
    /// Time the hypervisor gave this machine's CPUs to other guests.
    pub steal: u64,
}

/// The first line of `/proc/stat`; `None` where there is none (not Linux).
pub fn cpu_counters() -> Option<CpuCounters> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().next()?.strip_prefix("cpu ")?;
    // user nice system idle iowait irq softirq steal (guest times are already in user).
    let fields: Vec<u64> = line
        .split_whitespace()
        .take(8)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let total: u64 = fields.iter().sum();
    let idle = fields.get(3)? + fields.get(4)?;
    Some(CpuCounters {
        busy: total - idle,
        total,
        steal: *fields.get(7)?,
    })
}

/// Rows as aligned columns: the first left-aligned, the others right-aligned, a rule under the
/// first row (the header).
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (n, row) in rows.iter().enumerate() {
        for (i, cell) in row.iter().enumerate() {
            if i == 0 {
                let _ = write!(out, "{cell:<w$}", w = widths[i]);
            } else {
                let _ = write!(out, "  {cell:>w$}", w = widths[i]);
            }
        }
        out.push('\n');
        if n == 0 {
            let width = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
            out.push_str(&"-".repeat(width));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_numbers_right_under_a_rule() {
        let rows = vec![
            vec!["db".to_owned(), "orders/s".to_owned()],
            vec!["SQLite".to_owned(), "344".to_owned()],
        ];
        assert_eq!(
            table(&rows),
            "db      orders/s\n----------------\nSQLite       344\n"
        );
    }
}
