//! `cargo xtask monitoring-check`: the Prometheus files in `monitoring/` are valid and name only
//! metrics the server exports.
//!
//! 1. `promtool check rules monitoring/alerts.yml` and `promtool test rules
//!    monitoring/alerts.test.yml` (each alert fires on synthetic series). promtool comes with
//!    Debian's `prometheus` package; without it these two steps are skipped with a loud
//!    warning, except under CI (`CI` set), where that is a failure.
//! 2. A real debug server on a fresh SQLite database with its metrics listener
//!    (`OCPIZZA_METRICS_BIND`) on a free port: an order is placed and a missing page asked for,
//!    so that every family has samples; the public port's `/metrics` must be a 404; then every
//!    `ocpizza_*` name used by the alert rules and by the Grafana dashboard must be in the
//!    scrape, so that a rule cannot silently watch nothing.

use crate::server::workspace_root;
use crate::server::{ScratchDir, build_debug_server, free_port, start_server, wait_ready};
use anyhow::{Context, bail, ensure};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

pub fn run() -> anyhow::Result<()> {
    let root = workspace_root();
    let dir = root.join("monitoring");
    promtool(&dir)?;
    let used = used_names(&dir)?;
    ensure!(
        used.len() >= 10,
        "only {} metric names found in monitoring/: is the scan broken?",
        used.len()
    );

    let binary = build_debug_server(&root)?;
    let scratch = ScratchDir::new("monitoring")?;
    let metrics = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()?));
    let env = [
        ("OCPIZZA_DATA_DIR", scratch.0.display().to_string()),
        ("OCPIZZA_METRICS_BIND", metrics.to_string()),
    ];
    let mut server = start_server(&binary, &env, scratch.0.join("server.log"))?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(wait_ready(&mut server))?;
    let scrape = runtime.block_on(async {
        let http = reqwest::Client::new();
        let order = serde_json::json!({
            "shop_id": 1, "fulfilment": "pickup", "payment_method": "at_counter",
            "contact": {"name": "Monitoring Check", "phone": "06 12 34 56 78"},
            "lines": [{"pizza_id": 1, "size": "medium", "quantity": 1}]
        });
        let r = http
            .post(format!("{}/api/v1/orders", server.base))
            .json(&order)
            .send()
            .await?;
        ensure!(r.status() == 201, "placing an order: {}", r.status());
        let r = http
            .get(format!("{}/api/v1/no-such-route", server.base))
            .send()
            .await?;
        ensure!(r.status() == 404, "a missing route: {}", r.status());
        let r = http.get(format!("{}/metrics", server.base)).send().await?;
        ensure!(
            r.status() == 404,
            "the public port must not serve /metrics, it answered {}",
            r.status()
        );
        let r = http.get(format!("http://{metrics}/metrics")).send().await?;
        ensure!(
            r.status() == 200,
            "GET http://{metrics}/metrics: {}",
            r.status()
        );
        Ok::<_, anyhow::Error>(r.text().await?)
    })?;
    let exported = exported_names(&scrape);
    let missing: Vec<&String> = used.iter().filter(|n| !exported.contains(*n)).collect();
    if !missing.is_empty() {
        bail!(
            "monitoring/ uses metrics the server does not export: {missing:?}\n\
             (exported: {exported:?})"
        );
    }
    println!(
        "monitoring: the {} metric names used by alerts.yml and dashboard.json are all exported",
        used.len()
    );
    Ok(())
}

fn promtool(dir: &Path) -> anyhow::Result<()> {
    let ci = std::env::var_os("CI").is_some();
    if Command::new("promtool").arg("--version").output().is_err() {
        if ci {
            bail!(
                "promtool is missing (apt-get install prometheus): CI must check the alert rules"
            );
        }
        eprintln!("\n{}", "!".repeat(78));
        eprintln!(
            "!! SKIPPED: promtool check/test of monitoring/alerts.yml — promtool is missing."
        );
        eprintln!("!! Install it with `apt-get install prometheus` to check the alert rules.");
        eprintln!("{}\n", "!".repeat(78));
        return Ok(());
    }
    for args in [
        ["check", "rules", "alerts.yml"],
        ["test", "rules", "alerts.test.yml"],
    ] {
        let status = Command::new("promtool")
            .args(args)
            .current_dir(dir)
            .status()
            .with_context(|| format!("running promtool {}", args.join(" ")))?;
        ensure!(
            status.success(),
            "promtool {} failed ({status})",
            args.join(" ")
        );
    }
    Ok(())
}

/// Every `ocpizza_*` name in the alert rules and the dashboard.
fn used_names(dir: &Path) -> anyhow::Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for file in ["alerts.yml", "dashboard.json"] {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let mut rest = text.as_str();
        while let Some(at) = rest.find("ocpizza_") {
            let tail = &rest[at..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(tail.len());
            names.insert(tail[..end].to_owned());
            rest = &tail[end..];
        }
    }
    Ok(names)
}

/// The names of every sample in a scrape (`name{…} value` and `name value` lines).
fn exported_names(scrape: &str) -> BTreeSet<String> {
    scrape
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split(['{', ' ']).next())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_names_are_read_from_a_scrape() {
        let scrape = "# TYPE a counter\na_total{x=\"1\"} 2\nb 3\n# EOF\n";
        let names = exported_names(scrape);
        assert!(names.contains("a_total") && names.contains("b"));
        assert_eq!(names.len(), 2);
    }
}
