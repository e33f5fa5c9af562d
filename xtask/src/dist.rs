//! `cargo xtask dist`: what a server without a Rust toolchain installs, into `target/dist/`:
//!
//! - `ocpizza-<version>-x86_64-linux.tar.gz`: one folder holding the release binary `ocpizza`,
//!   the built web app `pwa/` (which the binary finds next to itself), `nginx/`, `systemd/`,
//!   `ocpizza.env.example`, `README.md` and the operations manual (`docs/exploitation.md`,
//!   when the tree has one);
//! - `ocpizza_<version>_amd64.deb`, built by `dpkg-deb` from a staged tree: the binary in
//!   `/usr/bin`, the web app in `/usr/share/ocpizza/pwa` (where the server looks for it without
//!   configuration), the nginx files in `/usr/share/ocpizza/nginx`, the units in
//!   `/lib/systemd/system`, the documents in `/usr/share/doc/ocpizza`. Its `postinst` creates
//!   `/etc/ocpizza/ocpizza.env` (mode 0600) from the example only when there is none, and
//!   enables and starts nothing; `postrm purge` deletes that file (the data in
//!   `/var/lib/ocpizza` is always kept). `Depends` comes from `dpkg-shlibdeps` on the binary.
//!
//! The release binary is built by `cargo build --release -p ocpizza` (a no-op when up to date)
//! and the web app by `cargo xtask pwa`. Needs `dpkg-deb`, `dpkg-shlibdeps` (Debian package
//! `dpkg-dev`), `strip`, `md5sum` and `tar`.

use crate::server::{build_server, workspace_root};
use anyhow::{Context, bail};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The product's version: the workspace's (`[workspace.package] version`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The package's name.
pub const PACKAGE: &str = "ocpizza";
/// What the package recommends; `apt install` installs them too (`cargo xtask deb-check` puts
/// them in its cached system, so that an install needs no download).
pub const RECOMMENDS: &[&str] = &["nginx", "postgresql-client"];
/// Suggested: the services a multi-instance site runs, and the certificate tool.
const SUGGESTS: &[&str] = &["postgresql", "redis-server", "certbot"];
/// Who answers for the package.
const MAINTAINER: &str = "OC Pizza <exploitation@ocpizza.fr>";
/// Where the package puts things; its `pwa/` is where the server looks last for the web app
/// (`PACKAGED_STATIC_DIR` in `server/src/config.rs`).
pub const SHARE: &str = "usr/share/ocpizza";
/// The package's units.
pub const UNIT_DIR: &str = "lib/systemd/system";
/// The package's documents.
pub const DOC_DIR: &str = "usr/share/doc/ocpizza";
/// The environment file the package creates (not a conffile: `postinst` writes it once).
pub const ENV_FILE: &str = "/etc/ocpizza/ocpizza.env";
/// The operations manual, shipped when present.
const MANUAL: &str = "docs/exploitation.md";

/// Options of `cargo xtask dist`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// What `cargo xtask dist` made.
#[derive(Debug)]
pub struct Built {
    /// The release archive.
    pub archive: PathBuf,
    /// The Debian package.
    pub deb: PathBuf,
    /// The web app that went into both.
    pub pwa: PathBuf,
}

/// `cargo xtask dist`.
pub fn run(_args: &Args) -> anyhow::Result<()> {
    build().map(|_| ())
}

/// The folder both files go to: `target/dist` (under `CARGO_TARGET_DIR` when set).
pub fn out_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|v| !v.is_empty())
        .map_or_else(|| root.join("target"), |dir| root.join(PathBuf::from(dir)))
        .join("dist")
}

/// The package's file name for this version.
pub fn deb_name() -> String {
    format!("{PACKAGE}_{}_amd64.deb", debian_version(VERSION))
}

/// Cargo's version as Debian's: a pre-release sorts before its release (`1.0.0-rc.1` →
/// `1.0.0~rc.1`).
fn debian_version(version: &str) -> String {
    version.replace('-', "~")
}

/// Builds the release binary and the web app, then the archive and the package.
pub fn build() -> anyhow::Result<Built> {
    let started = Instant::now();
    let root = workspace_root();
    for tool in ["dpkg-deb", "dpkg-shlibdeps", "strip", "md5sum", "tar"] {
        if Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .map_or(true, |o| !o.status.success())
        {
            bail!("{tool} is missing: apt-get install dpkg-dev (it brings binutils)");
        }
    }
    let built_binary = build_server(&root)?;
    let said = output(
        Command::new(&built_binary).arg("--version"),
        "ocpizza --version",
    )?;
    if said.trim() != format!("ocpizza {VERSION}") {
        bail!("the release binary says {said:?}, the workspace's version is {VERSION}");
    }
    println!("\n==> web app (cargo xtask pwa)");
    let pwa = crate::pwa::build()?;
    let out = out_dir(&root);
    let stage = out.join("stage");
    if stage.exists() {
        std::fs::remove_dir_all(&stage).with_context(|| format!("removing {}", stage.display()))?;
    }
    std::fs::create_dir_all(&stage)?;
    // Symbols stay (panics name their functions); debug sections go.
    let binary = stage.join("ocpizza");
    std::fs::copy(&built_binary, &binary).context("copying the binary")?;
    exec(
        Command::new("strip").arg("--strip-debug").arg(&binary),
        "strip --strip-debug",
    )?;
    set_mode(&binary, 0o755)?;
    let archive = archive(&root, &pwa, &binary, &stage, &out)?;
    let deb = deb(&root, &pwa, &binary, &stage, &out)?;
    std::fs::remove_dir_all(&stage).ok();
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len() / 1024);
    println!(
        "\ndist ({:.0?}):\n  {} ({} KiB)\n  {} ({} KiB)",
        started.elapsed(),
        archive.display(),
        size(&archive),
        deb.display(),
        size(&deb)
    );
    Ok(Built { archive, deb, pwa })
}

/// The release archive: one folder, `ocpizza-<version>-x86_64-linux/`.
fn archive(
    root: &Path,
    pwa: &Path,
    binary: &Path,
    stage: &Path,
    out: &Path,
) -> anyhow::Result<PathBuf> {
    let name = format!("ocpizza-{VERSION}-x86_64-linux");
    let top = stage.join(&name);
    std::fs::create_dir_all(&top)?;
    install(binary, &top.join("ocpizza"), 0o755)?;
    copy_tree(pwa, &top.join("pwa"))?;
    copy_tree(&root.join("nginx"), &top.join("nginx"))?;
    copy_tree(&root.join("systemd"), &top.join("systemd"))?;
    install(
        &root.join("config/ocpizza.env.example"),
        &top.join("ocpizza.env.example"),
        0o644,
    )?;
    install(
        &root.join("config/ocpizza-admin"),
        &top.join("ocpizza-admin"),
        0o755,
    )?;
    copy_tree(&root.join("monitoring"), &top.join("monitoring"))?;
    install(&root.join("README.md"), &top.join("README.md"), 0o644)?;
    if root.join(MANUAL).is_file() {
        install(&root.join(MANUAL), &top.join(MANUAL), 0o644)?;
    }
    let path = out.join(format!("{name}.tar.gz"));
    exec(
        Command::new("tar")
            .args([
                "--sort=name",
                "--owner=0",
                "--group=0",
                "--numeric-owner",
                &format!("--mtime=@{}", source_date(root)),
                "--use-compress-program=gzip -9n",
                "-C",
            ])
            .arg(stage)
            .arg("-cf")
            .arg(&path)
            .arg(&name),
        "tar",
    )?;
    Ok(path)
}

/// The Debian package.
fn deb(
    root: &Path,
    pwa: &Path,
    binary: &Path,
    stage: &Path,
    out: &Path,
) -> anyhow::Result<PathBuf> {
    let tree = stage.join("deb");
    install(binary, &tree.join("usr/bin/ocpizza"), 0o755)?;
    // Administration commands run as the service's dynamic user (root only: /usr/sbin).
    install(
        &root.join("config/ocpizza-admin"),
        &tree.join("usr/sbin/ocpizza-admin"),
        0o755,
    )?;
    let share = tree.join(SHARE);
    copy_tree(pwa, &share.join("pwa"))?;
    copy_tree(&root.join("nginx"), &share.join("nginx"))?;
    install(
        &root.join("config/ocpizza.env.example"),
        &share.join("ocpizza.env.example"),
        0o644,
    )?;
    for unit in units(root)? {
        let name = unit.file_name().context("unit name")?;
        install(&unit, &tree.join(UNIT_DIR).join(name), 0o644)?;
        check_exec_paths(&unit, &tree)?;
    }
    let doc = tree.join(DOC_DIR);
    install(&root.join("README.md"), &doc.join("README.md"), 0o644)?;
    copy_tree(&root.join("monitoring"), &doc.join("monitoring"))?;
    if root.join(MANUAL).is_file() {
        install(&root.join(MANUAL), &doc.join("exploitation.md"), 0o644)?;
    } else {
        println!("note: no {MANUAL} yet, the package ships README.md only");
    }
    write(&doc.join("copyright"), &copyright(root)?, 0o644)?;
    set_dir_modes(&tree)?;

    let debian = tree.join("DEBIAN");
    std::fs::create_dir_all(&debian)?;
    set_mode(&debian, 0o755)?;
    let control = format!(
        "Package: {PACKAGE}\n\
         Version: {version}\n\
         Architecture: amd64\n\
         Maintainer: {MAINTAINER}\n\
         Installed-Size: {size}\n\
         Depends: {depends}\n\
         Recommends: {recommends}\n\
         Suggests: {suggests}\n\
         Section: web\n\
         Priority: optional\n\
         Description: real-time order platform for a group of pizzerias\n \
         OC Pizza takes orders on the web (delivery or pickup) and by phone, follows them live\n \
         from the kitchen display to the driver, and tracks each shop's stock. One server,\n \
         ocpizza, on an embedded SQLite database or on PostgreSQL, with its web app.\n \
         .\n \
         The package enables nothing: edit /etc/ocpizza/ocpizza.env, then\n \
         systemctl enable --now ocpizza@8080.service. The nginx site file is in\n \
         /usr/share/ocpizza/nginx.\n",
        version = debian_version(VERSION),
        size = installed_size_kib(&tree)?,
        depends = shlib_depends(&tree.join("usr/bin/ocpizza"), stage)?,
        recommends = RECOMMENDS.join(", "),
        suggests = SUGGESTS.join(", "),
    );
    write(&debian.join("control"), &control, 0o644)?;
    write(&debian.join("postinst"), POSTINST, 0o755)?;
    write(&debian.join("prerm"), PRERM, 0o755)?;
    write(&debian.join("postrm"), POSTRM, 0o755)?;
    write(&debian.join("md5sums"), &md5sums(&tree)?, 0o644)?;

    let path = out.join(deb_name());
    exec(
        Command::new("dpkg-deb")
            .args(["--root-owner-group", "-Zxz", "--build"])
            .arg(&tree)
            .arg(&path),
        "dpkg-deb --build",
    )?;
    if Command::new("sh")
        .args(["-c", "command -v lintian"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        // Advisory only: printed, never fatal.
        let _ = Command::new("lintian")
            .args(["--no-tag-display-limit"])
            .arg(&path)
            .status();
    }
    Ok(path)
}

/// Runs on `configure`: the environment file from the example, once, root-only (it holds the
/// database password); an existing one is never touched. Nothing is enabled or started.
const POSTINST: &str = r#"#!/bin/sh
set -e
if [ "$1" = configure ]; then
    if [ ! -e /etc/ocpizza/ocpizza.env ]; then
        install -d -m 0755 /etc/ocpizza
        install -m 0600 -o root -g root /usr/share/ocpizza/ocpizza.env.example /etc/ocpizza/ocpizza.env
        echo "ocpizza: created /etc/ocpizza/ocpizza.env from the example: edit it, then" \
             "systemctl enable --now ocpizza@8080.service"
    fi
    if [ -d /run/systemd/system ]; then
        systemctl --system daemon-reload >/dev/null || true
    fi
fi
exit 0
"#;

/// Before removal (not upgrade): running instances are stopped, since their binary goes.
const PRERM: &str = r#"#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
    systemctl stop 'ocpizza@*.service' >/dev/null 2>&1 || true
fi
exit 0
"#;

/// On purge, the environment file goes (the database in /var/lib/ocpizza stays).
const POSTRM: &str = r#"#!/bin/sh
set -e
if [ "$1" = purge ]; then
    rm -f /etc/ocpizza/ocpizza.env
    rmdir /etc/ocpizza 2>/dev/null || true
fi
if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
fi
exit 0
"#;

/// The unit files of `systemd/`.
pub fn units(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut units = Vec::new();
    for entry in std::fs::read_dir(root.join("systemd")).context("reading systemd/")? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if [".service", ".timer", ".socket"]
            .iter()
            .any(|k| name.ends_with(k))
        {
            units.push(path);
        }
    }
    units.sort();
    if units.is_empty() {
        bail!("no unit in systemd/");
    }
    Ok(units)
}

/// Every `Exec…=` program of a unit that is the product's must be in the package.
fn check_exec_paths(unit: &Path, tree: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(unit)?;
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if !key.trim().starts_with("Exec") {
            continue;
        }
        let program = value
            .trim()
            .trim_start_matches(['-', '@', ':', '+', '!'])
            .split_whitespace()
            .next()
            .unwrap_or("");
        if program.contains("ocpizza") && !tree.join(program.trim_start_matches('/')).is_file() {
            bail!(
                "{}: {key}= runs {program}, which the package does not install (it installs \
                 /usr/bin/ocpizza)",
                unit.display()
            );
        }
    }
    Ok(())
}

/// `Depends:` from the binary's shared libraries (`dpkg-shlibdeps`, which wants a
/// `debian/control` in the folder it runs in).
fn shlib_depends(binary: &Path, stage: &Path) -> anyhow::Result<String> {
    let work = stage.join("shlibdeps");
    std::fs::create_dir_all(work.join("debian"))?;
    std::fs::write(
        work.join("debian/control"),
        format!("Source: {PACKAGE}\n\nPackage: {PACKAGE}\nArchitecture: amd64\n"),
    )?;
    let said = output(
        Command::new("dpkg-shlibdeps")
            .arg("-O")
            .arg(format!("-e{}", binary.display()))
            .current_dir(&work),
        "dpkg-shlibdeps",
    )?;
    let depends = said
        .lines()
        .find_map(|l| l.strip_prefix("shlibs:Depends="))
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .with_context(|| format!("dpkg-shlibdeps printed no shlibs:Depends: {said}"))?;
    if !depends.contains("libc6") {
        bail!("dpkg-shlibdeps found no libc6 dependency ({depends}): is the binary dynamic?");
    }
    Ok(depends.to_owned())
}

/// `Installed-Size:` in KiB, each file rounded up like `du`.
fn installed_size_kib(tree: &Path) -> anyhow::Result<u64> {
    let mut kib = 0;
    for path in walk(tree)? {
        let meta = std::fs::symlink_metadata(&path)?;
        kib += if meta.is_dir() {
            1
        } else {
            meta.len().div_ceil(1024)
        };
    }
    Ok(kib)
}

/// `DEBIAN/md5sums`: every file, by path relative to the root.
fn md5sums(tree: &Path) -> anyhow::Result<String> {
    let mut files: Vec<String> = walk(tree)?
        .into_iter()
        .filter(|p| p.is_file())
        .filter_map(|p| {
            p.strip_prefix(tree)
                .ok()
                .map(|r| r.to_string_lossy().into_owned())
        })
        .filter(|r| !r.starts_with("DEBIAN"))
        .collect();
    files.sort();
    output(
        Command::new("md5sum").args(&files).current_dir(tree),
        "md5sum",
    )
}

fn copyright(root: &Path) -> anyhow::Result<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let license = manifest
        .lines()
        .find_map(|l| l.strip_prefix("license = "))
        .map(|l| l.trim().trim_matches('"').to_owned())
        .context("no license in the workspace Cargo.toml")?;
    Ok(format!(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
         Upstream-Name: ocpizza\n\n\
         Files: *\n\
         Copyright: OC Pizza\n\
         License: {license}\n"
    ))
}

/// The last commit's time (reproducible archives), or now outside a git checkout.
fn source_date(root: &Path) -> u64 {
    Command::new("git")
        .args(["log", "-1", "--format=%ct"])
        .current_dir(root)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        })
}

/// Every path under `dir` (not `dir` itself), parents first.
fn walk(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&d)
            .with_context(|| format!("reading {}", d.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for path in entries {
            if std::fs::symlink_metadata(&path)?.is_dir() {
                todo.push(path.clone());
            }
            out.push(path);
        }
    }
    Ok(out)
}

/// Copies a folder's files (0644) and folders (0755), whatever their modes in the tree.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    set_mode(to, 0o755)?;
    for path in walk(from)? {
        let target = to.join(path.strip_prefix(from)?);
        if path.is_dir() {
            std::fs::create_dir_all(&target)?;
            set_mode(&target, 0o755)?;
        } else {
            install(&path, &target, 0o644)?;
        }
    }
    Ok(())
}

fn install(from: &Path, to: &Path, mode: u32) -> anyhow::Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(from, to)
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    set_mode(to, mode)
}

fn write(path: &Path, text: &str, mode: u32) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    set_mode(path, mode)
}

fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("chmod {mode:o} {}", path.display()))
}

fn set_dir_modes(tree: &Path) -> anyhow::Result<()> {
    set_mode(tree, 0o755)?;
    for path in walk(tree)? {
        if path.is_dir() {
            set_mode(&path, 0o755)?;
        }
    }
    Ok(())
}

fn exec(cmd: &mut Command, what: &str) -> anyhow::Result<()> {
    let status = cmd.status().with_context(|| format!("starting {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

fn output(cmd: &mut Command, what: &str) -> anyhow::Result<String> {
    let out = cmd.output().with_context(|| format!("starting {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pre_releases_sort_before_their_release_in_debian() {
        assert_eq!(debian_version("0.1.0"), "0.1.0");
        assert_eq!(debian_version("1.0.0-rc.1"), "1.0.0~rc.1");
    }

    #[test]
    fn a_unit_running_a_binary_the_package_lacks_is_refused() {
        let dir = std::env::temp_dir().join(format!("ocpizza-dist-test-{}", std::process::id()));
        let tree = dir.join("tree");
        std::fs::create_dir_all(tree.join("usr/bin")).unwrap();
        std::fs::write(tree.join("usr/bin/ocpizza"), "").unwrap();
        let unit = dir.join("x.service");
        std::fs::write(&unit, "[Service]\nExecStart=/usr/bin/ocpizza serve\n").unwrap();
        assert!(check_exec_paths(&unit, &tree).is_ok());
        std::fs::write(
            &unit,
            "[Service]\nExecStart=-/usr/local/bin/ocpizza serve\n",
        )
        .unwrap();
        let err = check_exec_paths(&unit, &tree).unwrap_err().to_string();
        assert!(err.contains("/usr/local/bin/ocpizza"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
