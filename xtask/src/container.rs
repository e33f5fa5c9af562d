//! A Debian 12 machine booted with systemd as its PID 1, without a container engine: a root
//! file system made by `debootstrap` (cached between runs), copied for each run, and booted in
//! private mount, PID and network namespaces (`unshare`), its root switched with `pivot_root`
//! so that systemd's own sandboxing (the units' `ProtectSystem=`, `PrivateTmp=`, …) works as on
//! a real server. Commands run inside with `nsenter`. The machine has its own loopback network:
//! its PostgreSQL, Redis and nginx use the standard ports without meeting the host's.
//!
//! Needs root, `debootstrap`, `unshare`/`nsenter` (util-linux) and `ip` (iproute2).

use anyhow::{Context, bail, ensure};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Where root file systems are cached: outside the repository, so that CI's clean clones on
/// this machine reuse them.
const CACHE: &str = "/var/cache/ocpizza-ci";
/// Debian's mirror, as the host's apt sources name it.
const MIRROR: &str = "http://deb.debian.org/debian";

/// The cached root file system with `packages` installed; made on first use (minutes).
pub fn rootfs(label: &str, packages: &[&str]) -> anyhow::Result<PathBuf> {
    let mut hash = Sha256::new();
    hash.update(packages.join(",").as_bytes());
    let digest = hex::encode(hash.finalize());
    let path = Path::new(CACHE).join(format!("{label}-bookworm-{}", &digest[..12]));
    if path.join("etc/debian_version").is_file() {
        return Ok(path);
    }
    std::fs::create_dir_all(CACHE).with_context(|| format!("creating {CACHE}"))?;
    // Made beside its final place and renamed when complete, so that a run stopped half-way
    // never leaves a broken cache behind.
    let partial = Path::new(CACHE).join(format!(".{label}-partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&partial);
    println!(
        "making the Debian 12 root file system {} (debootstrap, a few minutes, once)",
        path.display()
    );
    let started = Instant::now();
    let status = Command::new("debootstrap")
        .args([
            "--variant=minbase",
            &format!("--include={}", packages.join(",")),
        ])
        .args(["bookworm".as_ref(), partial.as_os_str(), MIRROR.as_ref()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .context("running debootstrap (apt-get install debootstrap)")?;
    if !status.success() {
        let _ = std::fs::remove_dir_all(&partial);
        bail!("debootstrap failed ({status})");
    }
    std::fs::rename(&partial, &path).context("putting the root file system in the cache")?;
    println!("root file system made in {:.0?}", started.elapsed());
    Ok(path)
}

/// A booted machine; powered off (every process of it killed) and its files removed on drop.
#[derive(Debug)]
pub struct Machine {
    root: PathBuf,
    boot: Child,
    /// systemd's PID as the host sees it.
    init: u32,
}

impl Machine {
    /// Copies `rootfs`, lets `prepare` change the copy's files, and boots it.
    pub fn boot(
        rootfs: &Path,
        label: &str,
        prepare: impl FnOnce(&Path) -> anyhow::Result<()>,
    ) -> anyhow::Result<Machine> {
        let root = std::env::temp_dir().join(format!("ocpizza-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let status = Command::new("cp")
            .arg("-a")
            .arg(rootfs)
            .arg(&root)
            .status()
            .context("copying the root file system")?;
        ensure!(status.success(), "copying {} failed", rootfs.display());
        std::fs::create_dir_all(root.join("oldroot"))?;
        prepare(&root)?;
        std::fs::write(root.join("etc/hostname"), format!("{label}\n"))?;
        // No terminals to log in on: systemd would wait for the host's serial console device,
        // which no udev announces in a namespace.
        for unit in [
            "getty.target",
            "serial-getty@.service",
            "console-getty.service",
        ] {
            let link = root.join("etc/systemd/system").join(unit);
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink("/dev/null", &link)
                .with_context(|| format!("masking {unit}"))?;
        }
        // The machine's own mount and PID namespaces: a bind mount of the copy becomes the root
        // (pivot_root needs a mount point), the host's tree is detached, systemd takes PID 1.
        // Its own network namespace: only a loopback interface, brought up before systemd.
        let script = format!(
            "set -e
mount --make-rprivate /
mount --bind '{root}' '{root}'
mount -t proc proc '{root}/proc'
ip link set lo up
cd '{root}'
pivot_root . oldroot
umount -l /oldroot
exec /lib/systemd/systemd --system --log-target=journal",
            root = root.display()
        );
        let boot = Command::new("unshare")
            .args([
                "--fork",
                "--pid",
                "--mount",
                "--net",
                "--propagation",
                "private",
            ])
            .args(["/bin/sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting unshare")?;
        let mut machine = Machine {
            root,
            boot,
            init: 0,
        };
        machine.init = machine.find_init()?;
        machine.wait_booted()?;
        Ok(machine)
    }

    /// The root folder, as the host sees it (to copy files in).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// systemd's PID: the child of `unshare` (its `--fork`), once it has exec'd systemd.
    fn find_init(&mut self) -> anyhow::Result<u32> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if let Some(status) = self.boot.try_wait()? {
                bail!("the machine stopped while booting ({status})");
            }
            let children =
                std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", self.boot.id()))
                    .unwrap_or_default();
            for pid in children.split_whitespace().filter_map(|p| p.parse().ok()) {
                let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
                if exe.ends_with("systemd/systemd") {
                    return Ok(pid);
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("systemd did not start in the machine")
    }

    fn wait_booted(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        let mut last = String::new();
        while started.elapsed() < Duration::from_mins(1) {
            let out = self.output(&["systemctl", "is-system-running"])?;
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .clone_into(&mut last);
            // "degraded": a unit that cannot work in a namespace (logind, e2scrub) failed.
            if last == "running" || last == "degraded" {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        let jobs = self
            .output(&["systemctl", "list-jobs", "--no-pager"])
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        bail!("the machine did not finish booting (systemd says {last:?}); waiting:\n{jobs}")
    }

    /// A command run inside the machine as root (its namespaces, its root and working folder).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("nsenter");
        cmd.arg("-t")
            .arg(self.init.to_string())
            .args(["-m", "-p", "-n", "-r", "-w", "--"])
            .args(args);
        cmd
    }

    /// Runs a command inside and captures its output.
    pub fn output(&self, args: &[&str]) -> anyhow::Result<Output> {
        self.command(args)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {args:?} in the machine"))
    }

    /// Runs a command inside, failing with its output if it fails.
    pub fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = self.output(args)?;
        if !out.status.success() {
            bail!(
                "{args:?} failed in the machine ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The journal of a unit, for failure reports.
    pub fn journal(&self, unit: &str) -> String {
        self.output(&["journalctl", "--no-pager", "-n", "60", "-u", unit])
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        // Killing a PID namespace's init kills every process in it; its mounts go with the
        // namespace.
        if self.init != 0 {
            let _ = Command::new("kill")
                .args(["-KILL", &self.init.to_string()])
                .status();
        }
        let _ = self.boot.kill();
        let _ = self.boot.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Whether this process may boot machines (root), with a reason when not.
pub fn missing() -> Option<String> {
    if !rustix_is_root() {
        return Some("needs root (namespaces, pivot_root, debootstrap)".into());
    }
    for tool in ["debootstrap", "unshare", "nsenter", "ip"] {
        let found = Command::new("sh")
            .args([
                "-c",
                &format!("command -v {tool} || test -x /usr/sbin/{tool}"),
            ])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            return Some(format!(
                "`{tool}` is missing (apt-get install debootstrap util-linux iproute2)"
            ));
        }
    }
    None
}

fn rustix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
