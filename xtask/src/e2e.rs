//! `cargo xtask e2e` and `cargo xtask screenshots`: the browser tests and the screenshots, both
//! driving the real server (debug build) and the built PWA in Debian's headless Chromium.
//!
//! The tests live in `e2e/` (Node's own test runner and `playwright-core`, no browser
//! download). This module makes sure what they need is there — Node, the npm packages
//! (`npm ci` when `node_modules` is missing or older than the lock file), Chromium (installed
//! with apt when running as root) — and decides which test files run: [`READY`]. When the
//! browser cannot run, CI (`CI` set) fails; elsewhere a loud banner says the tests were skipped.

use crate::server::{build_debug_server, workspace_root};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The test files `cargo xtask test` runs (paths under `e2e/`).
pub const READY: &[&str] = &[
    "tests/live_menu.test.mjs",
    "tests/offline_shell.test.mjs",
    "tests/customer_kitchen.test.mjs",
    "tests/kitchen_undo.test.mjs",
    "tests/kitchen_resume.test.mjs",
    "tests/recipes_offline.test.mjs",
    "tests/driver_offline.test.mjs",
    "tests/driver_position.test.mjs",
    "tests/driver_phone.test.mjs",
    "tests/first_visit.test.mjs",
    "tests/counter.test.mjs",
    "tests/counter_next_call.test.mjs",
    "tests/kitchen_rush.test.mjs",
    "tests/login_next.test.mjs",
    // A forgotten password reset through the e-mailed link; the customer's orders.
    "tests/password_reset.test.mjs",
    "tests/maintenance.test.mjs",
    // Errors in the customer's language, and ordering.
    "tests/checkout_errors.test.mjs",
    "tests/checkout_fee.test.mjs",
    "tests/ordering.test.mjs",
    "tests/eta.test.mjs",
    // Manager screens.
    "tests/manage_dashboard.test.mjs",
    "tests/manage_stock.test.mjs",
    "tests/manage_staff.test.mjs",
    "tests/cash_handover.test.mjs",
    "tests/dashboard_alerts.test.mjs",
    "tests/manage_reports.test.mjs",
    "tests/manage_shops.test.mjs",
    // The group's catalogue, edited live.
    "tests/catalogue.test.mjs",
    // axe-core on the main screens.
    "tests/accessibility.test.mjs",
    // The shop's own day and hours.
    "tests/business_day.test.mjs",
    "tests/closed_shop.test.mjs",
    // Paying online, against localstripe and the PayPal stand-in.
    "tests/online_payment.test.mjs",
    "tests/paypal_payment.test.mjs",
    // Push notifications, against a push service run by the test.
    "tests/push_notifications.test.mjs",
    // The audit page, and a customer's personal data.
    "tests/audit_privacy.test.mjs",
];

const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// The test files that need localstripe (a part of their name).
const PAYMENT_TESTS: &str = "online_payment";
/// The test files that need the PayPal stand-in (a part of their name).
const PAYPAL_TESTS: &str = "paypal_payment";

/// Options of `cargo xtask e2e`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Test files to run, relative to `e2e/` (default: every ready one).
    files: Vec<String>,
}

/// Options of `cargo xtask screenshots`.
#[derive(Debug, clap::Args)]
pub struct ScreenshotArgs {
    /// Where to write the PNG files.
    #[arg(long, default_value = "docs/screenshots")]
    out: PathBuf,
}

/// `cargo xtask e2e`: builds the PWA, then runs the browser tests.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let files: Vec<&str> = if args.files.is_empty() {
        READY.to_vec()
    } else {
        args.files.iter().map(String::as_str).collect()
    };
    run_suite(None, &files)
}

/// Runs `files` in Chromium; `dist` is the PWA when the caller has just built it. Returns
/// `Ok` without running anything (after a loud banner) when the browser cannot run outside CI.
pub fn run_suite(dist: Option<&Path>, files: &[&str]) -> anyhow::Result<()> {
    println!("\n==> end-to-end tests in Chromium");
    let started = Instant::now();
    let Some(chromium) = prerequisites()? else {
        return Ok(());
    };
    let root = workspace_root();
    let server = build_debug_server(&root)?;
    let dist = match dist {
        Some(d) => d.to_path_buf(),
        None => crate::pwa::build()?,
    };
    let mut node = Command::new("node");
    node.args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .args(files)
        .current_dir(root.join("e2e"))
        .env("OCPIZZA_E2E_SERVER", &server)
        .env("OCPIZZA_E2E_STATIC", &dist)
        .env("OCPIZZA_E2E_CHROMIUM", &chromium)
        .stdin(Stdio::null());
    // Only the tests of online payment start localstripe (with their own server).
    if files.iter().any(|f| f.contains(PAYMENT_TESTS)) {
        node.env(
            "OCPIZZA_E2E_LOCALSTRIPE",
            crate::localstripe::binary(&root)?,
        );
    }
    if files.iter().any(|f| f.contains(PAYPAL_TESTS)) {
        let built = Command::new(env!("CARGO"))
            .args(["build", "-p", "paypal-fake"])
            .current_dir(&root)
            .status()
            .context("building the PayPal stand-in")?;
        if !built.success() {
            bail!("could not build the PayPal stand-in");
        }
        node.env(
            "OCPIZZA_E2E_PAYPAL_FAKE",
            crate::pwa::target_dir().join("debug").join("paypal-fake"),
        );
    }
    let status = node.status().context("starting node --test")?;
    if !status.success() {
        bail!("end-to-end tests failed ({status})");
    }
    println!(
        "==> end-to-end tests: ok ({:.0?}, {} files)",
        started.elapsed(),
        files.len()
    );
    Ok(())
}

/// `cargo xtask screenshots`: writes the product's screenshots (see `e2e/screenshots.mjs`).
pub fn screenshots(args: &ScreenshotArgs) -> anyhow::Result<()> {
    let Some(chromium) = prerequisites()? else {
        bail!("screenshots need Chromium and Node (see the banner above)");
    };
    emoji_font();
    let root = workspace_root();
    let server = build_debug_server(&root)?;
    let dist = crate::pwa::build()?;
    let out = root.join(&args.out);
    let status = Command::new("node")
        .arg("screenshots.mjs")
        .arg(&out)
        .current_dir(root.join("e2e"))
        .env("OCPIZZA_E2E_SERVER", &server)
        .env("OCPIZZA_E2E_STATIC", &dist)
        .env("OCPIZZA_E2E_CHROMIUM", &chromium)
        .stdin(Stdio::null())
        .status()
        .context("starting node screenshots.mjs")?;
    if !status.success() {
        bail!("taking the screenshots failed ({status})");
    }
    Ok(())
}

/// Node, the npm packages and Chromium; the browser's path, or `None` when they are missing
/// outside CI (after the banner). Under CI a missing piece is an error.
pub fn prerequisites() -> anyhow::Result<Option<PathBuf>> {
    let ci = std::env::var_os("CI").is_some();
    let problem = match check_node() {
        Ok(()) => match npm_ci() {
            Ok(()) => match chromium().and_then(|path| faketime().map(|()| path)) {
                Ok(path) => return Ok(Some(path)),
                Err(e) => e,
            },
            Err(e) => e,
        },
        Err(e) => e,
    };
    if ci {
        return Err(problem.context("CI must run the end-to-end tests"));
    }
    eprintln!("\n{}", "!".repeat(78));
    eprintln!("!! SKIPPED: the end-to-end tests in Chromium — {problem:#}");
    eprintln!(
        "!! Install Node 20+ and Chromium and faketime (`apt-get install -y chromium faketime`), see README."
    );
    eprintln!("{}\n", "!".repeat(78));
    Ok(None)
}

fn check_node() -> anyhow::Result<()> {
    let out = Command::new("node")
        .arg("--version")
        .output()
        .context("node is not installed")?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 20 {
        bail!("node {version} is too old (20 or newer needed)");
    }
    Ok(())
}

/// `npm ci` in `e2e/` when `node_modules` is missing or older than `package-lock.json`.
fn npm_ci() -> anyhow::Result<()> {
    let dir = workspace_root().join("e2e");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let installed = modified(&dir.join("node_modules/.package-lock.json"));
    let wanted = modified(&dir.join("package-lock.json"));
    if installed.is_some() && installed >= wanted {
        return Ok(());
    }
    println!("installing the end-to-end test packages (npm ci in e2e/)");
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .status()
        .context("npm is not installed")?;
    if !status.success() {
        bail!("npm ci in e2e/ failed ({status})");
    }
    Ok(())
}

fn runs(path: &Path) -> bool {
    Command::new(path)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The browser (`OCPIZZA_E2E_CHROMIUM`, default Debian's), installed with apt if missing
/// and running as root.
fn chromium() -> anyhow::Result<PathBuf> {
    let path = PathBuf::from(
        std::env::var("OCPIZZA_E2E_CHROMIUM").unwrap_or_else(|_| DEFAULT_CHROMIUM.into()),
    );
    if runs(&path) {
        return Ok(path);
    }
    if path == Path::new(DEFAULT_CHROMIUM) && is_root() {
        apt_install("chromium");
        if runs(&path) {
            return Ok(path);
        }
    }
    bail!("Chromium does not run at {}", path.display())
}

/// Debian's `faketime`, which runs the business-day test's server at another wall-clock time
/// (installed with apt when running as root).
fn faketime() -> anyhow::Result<()> {
    let present = || {
        Command::new("faketime")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !present() && is_root() {
        apt_install("faketime");
    }
    if present() {
        Ok(())
    } else {
        bail!("faketime is missing (apt-get install -y faketime)")
    }
}

/// The screens use a few emoji as icons; a bare server has no font for them, so the
/// screenshots would show empty boxes where a phone or a kitchen tablet shows the icon.
fn emoji_font() {
    const FONT: &str = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf";
    if !Path::new(FONT).exists() && is_root() {
        apt_install("fonts-noto-color-emoji");
    }
    if !Path::new(FONT).exists() {
        eprintln!("note: no emoji font ({FONT}): icons show as boxes in the screenshots");
    }
}

/// `apt-get install -y PACKAGE`, refreshing the package lists once if the first try fails.
fn apt_install(package: &str) {
    println!("installing {package} (apt-get install -y {package})");
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "-qq", package])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !install() {
        let _ = Command::new("apt-get").args(["update", "-qq"]).status();
        install();
    }
}
