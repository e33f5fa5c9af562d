//! `cargo xtask manual`: the operations manual, `docs/exploitation.md`, carried out from top to
//! bottom on a Debian 12 machine booted with systemd (`container.rs`), as an operator would.
//!
//! Every ```` ```sh ```` block of the manual runs, in order, in one `bash -euo pipefail` as
//! root in the machine: installing the Debian package, PostgreSQL with its own role, Redis,
//! the firewall, nginx, the instances under systemd, the first administrator, backups, the
//! maintenance mode, the update procedure, the incident procedures. A command that fails
//! fails the test, with the manual's line. Blocks marked ```` ```sh internet ```` need the
//! Internet (certbot asking Let's Encrypt) and are listed as not run; the test plays their
//! part instead (a certificate for the site's name, made here and trusted by the machine).
//! Other blocks (```` ```text ````, ```` ```ini ````, …) are examples, not commands.
//!
//! The machine's network is its own loopback: `pizza.example.fr` resolves to it. Needs root
//! (see `container.rs`); skipped loudly without it, except under CI.

use crate::container::{Machine, rootfs};
use anyhow::{Context, bail, ensure};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

/// The manual, relative to the workspace root.
pub const MANUAL: &str = "docs/exploitation.md";
/// The site name the manual uses.
const SITE: &str = "pizza.example.fr";
/// What the machine has before the manual starts: a minimal Debian 12 with systemd, and the
/// packages the manual installs first (installed ahead because the machine has no network:
/// the manual's `apt-get install` of them then finds them in place).
const PACKAGES: &[&str] = &[
    "systemd",
    "systemd-sysv",
    "dbus",
    "postgresql",
    "postgresql-client",
    "redis-server",
    "nginx",
    "nftables",
    "openssl",
    "curl",
    "ca-certificates",
    "iproute2",
    "procps",
];

/// A fenced block of the manual.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Line of the opening fence (1-based).
    pub line: usize,
    /// The fence's info string (`sh`, `sh internet`, `text`, …).
    pub info: String,
    /// The block's text.
    pub text: String,
}

impl Block {
    fn runs(&self) -> bool {
        self.info == "sh"
    }

    fn needs_internet(&self) -> bool {
        self.info == "sh internet"
    }
}

/// The fenced blocks of a Markdown text, in order.
pub fn blocks(markdown: &str) -> anyhow::Result<Vec<Block>> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (n, line) in markdown.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut open, fence) {
            (None, Some(info)) => {
                open = Some(Block {
                    line: n + 1,
                    info: info.trim().to_owned(),
                    text: String::new(),
                });
            }
            (Some(_), Some(rest)) if rest.trim().is_empty() => out.extend(open.take()),
            (Some(block), _) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            (None, None) => {}
        }
    }
    if let Some(block) = open {
        bail!("the block opened at line {} is never closed", block.line);
    }
    Ok(out)
}

/// The script the machine runs: every runnable block, each announced with its line.
pub fn script(blocks: &[Block]) -> String {
    let mut script = String::from("set -euo pipefail\ncd /root\n");
    for block in blocks.iter().filter(|b| b.runs()) {
        let _ = write!(
            script,
            "printf '\\n\\033[1m>>> {MANUAL}:{}\\033[0m\\n'\nset -x\n{}set +x\n",
            block.line, block.text
        );
    }
    script
}

/// Options of `cargo xtask manual`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Debian package to install (default: `cargo xtask dist`'s).
    #[arg(long)]
    pub deb: Option<PathBuf>,
}

/// Runs the manual.
pub fn run(args: &Args) -> anyhow::Result<()> {
    if let Some(why) = crate::container::missing() {
        if std::env::var_os("CI").is_some() {
            bail!("the operations manual cannot be run here: {why}");
        }
        eprintln!("\n{}", "!".repeat(78));
        eprintln!("!! SKIPPED: the operations manual on a booted Debian 12 — {why}.");
        eprintln!("{}\n", "!".repeat(78));
        return Ok(());
    }
    let started = Instant::now();
    let root = crate::server::workspace_root();
    let markdown =
        std::fs::read_to_string(root.join(MANUAL)).with_context(|| format!("reading {MANUAL}"))?;
    let blocks = blocks(&markdown)?;
    let runnable = blocks.iter().filter(|b| b.runs()).count();
    ensure!(runnable > 0, "{MANUAL} has no ```sh block");
    let deb = match &args.deb {
        Some(deb) => deb.clone(),
        None => crate::dist::build()?.deb,
    };
    let rootfs = rootfs("manual", PACKAGES)?;
    println!("booting a Debian 12 machine with systemd");
    let machine = Machine::boot(&rootfs, "ocpizza-manual", standard_ports)?;
    prepare(&machine, &deb)?;
    for block in blocks.iter().filter(|b| b.needs_internet()) {
        println!(
            "not run (needs the Internet): {MANUAL}:{} — {}",
            block.line,
            block.text.lines().next().unwrap_or_default()
        );
    }
    println!("carrying out {runnable} blocks of {MANUAL}");
    let status = machine
        .command(&["bash", "-c", &script(&blocks)])
        .stdin(Stdio::null())
        .status()
        .context("running the manual")?;
    if !status.success() {
        for unit in ["ocpizza@8080", "ocpizza@8081", "nginx"] {
            eprintln!("--- journal of {unit}\n{}", machine.journal(unit));
        }
        bail!("a command of {MANUAL} failed ({status}); its line is printed above");
    }
    verify(&machine)?;
    println!(
        "\n{MANUAL}: {runnable} blocks carried out on Debian 12 with systemd in {:.0?}",
        started.elapsed()
    );
    Ok(())
}

/// Debian's PostgreSQL package takes the first free port when it creates its cluster: the
/// root file system was made on a machine whose own PostgreSQL holds 5432, but the booted
/// machine has its own network, where 5432 is free as on any new server.
fn standard_ports(root: &Path) -> anyhow::Result<()> {
    for version in std::fs::read_dir(root.join("etc/postgresql"))? {
        let conf = version?.path().join("main/postgresql.conf");
        let text = std::fs::read_to_string(&conf)
            .with_context(|| format!("reading {}", conf.display()))?;
        let text: String = text
            .lines()
            .map(|l| {
                if l.starts_with("port = ") {
                    "port = 5432"
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(&conf, text + "\n")?;
    }
    Ok(())
}

/// What the test does that the operator does not: hand over the package, make the site's
/// name resolve to the machine, and stand in for Let's Encrypt (a certificate for the name,
/// trusted by the machine, where certbot would put it).
fn prepare(machine: &Machine, deb: &Path) -> anyhow::Result<()> {
    let name = deb.file_name().context("package file name")?;
    std::fs::copy(deb, machine.root().join("root").join(name))
        .with_context(|| format!("copying {} into the machine", deb.display()))?;
    let hosts = machine.root().join("etc/hosts");
    let mut text = std::fs::read_to_string(&hosts).unwrap_or_default();
    let _ = writeln!(text, "127.0.0.1 {SITE}");
    std::fs::write(&hosts, text)?;
    let live = format!("/etc/letsencrypt/live/{SITE}");
    let script = format!(
        "set -e
mkdir -p {live}
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN={SITE} \
  -addext subjectAltName=DNS:{SITE} -keyout {live}/privkey.pem -out {live}/fullchain.pem 2>/dev/null
cp {live}/fullchain.pem {live}/chain.pem
cp {live}/fullchain.pem /usr/local/share/ca-certificates/{SITE}.crt
update-ca-certificates >/dev/null"
    );
    machine.run(&["sh", "-c", &script])?;
    Ok(())
}

/// After the manual: the service as a customer sees it, through nginx and TLS.
fn verify(machine: &Machine) -> anyhow::Result<()> {
    let active = machine.output(&[
        "systemctl",
        "is-active",
        "postgresql@15-main",
        "redis-server",
        "ocpizza@8080",
        "ocpizza@8081",
        "nginx",
    ])?;
    let states = String::from_utf8_lossy(&active.stdout);
    ensure!(
        active.status.success(),
        "services not all active at the end of the manual:\n{states}"
    );
    let shops = machine.run(&["curl", "-fsS", &format!("https://{SITE}/api/v1/shops")])?;
    ensure!(
        shops.contains("\"name\""),
        "the shops list through nginx: {shops}"
    );
    println!("after the manual: services active, https://{SITE}/api/v1/shops answers");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_keep_their_line_info_and_text() {
        let md = "# Titre\n\n```sh\napt-get install -y ./x.deb\nocpizza --version\n```\n\
                  texte\n```text\nexemple\n```\n```sh internet\ncertbot certonly\n```\n";
        let b = blocks(md).unwrap();
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].line, 3);
        assert_eq!(b[0].text, "apt-get install -y ./x.deb\nocpizza --version\n");
        assert!(b[0].runs() && !b[1].runs() && !b[2].runs());
        assert!(b[2].needs_internet());
        let s = script(&b);
        assert!(
            s.contains("ocpizza --version") && !s.contains("certbot") && !s.contains("exemple")
        );
    }

    #[test]
    fn an_unclosed_block_is_an_error() {
        assert!(blocks("```sh\nls\n").is_err());
    }
}
