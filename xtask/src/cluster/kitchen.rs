//! The kitchen display in Chromium: `e2e/cluster_kitchen.mjs` run by Node, driven over its
//! standard input and output (see the script for the protocol). What the page showed comes
//! back as a list of states with their times; [`Shown::window`] sums up one phase.

use crate::server::workspace_root;
use anyhow::{Context, bail};
use serde::Deserialize;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;
use tokio::sync::mpsc;

/// How long the display may take to log in and go live.
const START_LIMIT: Duration = Duration::from_mins(1);

/// The running display; the browser is closed on drop.
#[derive(Debug)]
pub struct Display {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::UnboundedReceiver<String>,
}

/// One state the page showed, from `t` (ms since the epoch) until the next one.
#[derive(Debug, Clone, Deserialize)]
pub struct State {
    /// When it began.
    pub t: f64,
    /// The connection badge's `data-state` (`online`, `connecting`, `offline`).
    pub badge: String,
    /// The badge's words.
    pub label: String,
    /// The texts of any alert or error notice on the page.
    pub alerts: Vec<String>,
}

/// A phase boundary.
#[derive(Debug, Clone, Deserialize)]
pub struct Mark {
    /// When.
    pub t: f64,
    /// Its name.
    pub name: String,
}

/// What the page showed, from going live to the check.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shown {
    /// Every state, in order.
    pub log: Vec<State>,
    /// The phase boundaries.
    pub marks: Vec<Mark>,
    /// Orders given to the check that never got a ticket.
    pub missing: Vec<i64>,
    /// Whether the page was never reloaded.
    pub same_document: bool,
    /// When the check ended.
    pub now: f64,
}

/// One phase of what the page showed.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// The distinct badge states shown, with their words.
    pub states: Vec<(String, String)>,
    /// Alerts shown.
    pub alerts: Vec<String>,
    /// The longest stretch the badge was not `online`.
    pub longest_not_online: Duration,
}

impl Shown {
    fn mark(&self, name: &str) -> Option<f64> {
        self.marks.iter().find(|m| m.name == name).map(|m| m.t)
    }

    /// What the page showed between the marks `from` and `to` (`to` missing: until the end).
    pub fn window(&self, from: &str, to: &str) -> Window {
        let start = self.mark(from).unwrap_or(0.0);
        let end = self.mark(to).unwrap_or(self.now);
        let mut w = Window::default();
        let mut down_since: Option<f64> = None;
        let mut longest = 0f64;
        for (i, s) in self.log.iter().enumerate() {
            let until = self.log.get(i + 1).map_or(self.now, |n| n.t);
            if until <= start || s.t >= end {
                continue;
            }
            let shown = (s.badge.clone(), s.label.clone());
            if !w.states.contains(&shown) {
                w.states.push(shown);
            }
            w.alerts.extend(s.alerts.iter().cloned());
            if s.badge == "online" {
                down_since = None;
            } else {
                let since = *down_since.get_or_insert(s.t.max(start));
                longest = longest.max(until.min(end) - since);
            }
        }
        w.longest_not_online = Duration::from_millis(longest.max(0.0) as u64);
        w
    }
}

impl Display {
    /// Starts Chromium on `site` logged in as `email`; returns once the display is live.
    pub async fn start(
        chromium: &Path,
        site: &str,
        email: &str,
        password: &str,
    ) -> anyhow::Result<Display> {
        let mut child = Command::new("node")
            .arg("cluster_kitchen.mjs")
            .current_dir(workspace_root().join("e2e"))
            .env("OCPIZZA_CLUSTER_URL", site)
            .env("OCPIZZA_CLUSTER_EMAIL", email)
            .env("OCPIZZA_CLUSTER_PASSWORD", password)
            .env("OCPIZZA_E2E_CHROMIUM", chromium)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting node cluster_kitchen.mjs")?;
        let stdin = child.stdin.take().context("no stdin")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut display = Display {
            child,
            stdin,
            lines,
        };
        let ready = display.expect("READY", START_LIMIT).await?;
        debug_assert!(ready.is_empty());
        Ok(display)
    }

    /// Waits for a line starting with `word`; returns what follows it.
    async fn expect(&mut self, word: &str, limit: Duration) -> anyhow::Result<String> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Err(_) => bail!("the kitchen display did not say {word} within {limit:?}"),
                Ok(None) => bail!("the kitchen display's script ended before {word}"),
                Ok(Some(line)) => match line.strip_prefix(word) {
                    Some(rest) => return Ok(rest.trim().to_owned()),
                    None => println!("kitchen display: {line}"),
                },
            }
        }
    }

    /// Marks a phase boundary.
    pub fn mark(&mut self, name: &str) -> anyhow::Result<()> {
        writeln!(self.stdin, "MARK {name}")?;
        Ok(())
    }

    /// Waits until every order of `ids` has a ticket on screen; what the page showed.
    pub async fn check(mut self, ids: &[i64]) -> anyhow::Result<Shown> {
        writeln!(self.stdin, "CHECK {}", serde_json::to_string(ids)?)?;
        let result = self.expect("RESULT", Duration::from_mins(1)).await?;
        serde_json::from_str(&result).context("the kitchen display's result")
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        // Playwright closes its browser on SIGTERM; SIGKILL only if that did not end it.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
