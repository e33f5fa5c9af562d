//! `cargo xtask deb-check`: the Debian package of `cargo xtask dist` installed on a clean
//! Debian 12 (a `debootstrap` chroot; no container engine runs here), then checked:
//!
//! 1. `apt-get install -y ./ocpizza_<version>_amd64.deb` succeeds;
//! 2. `/usr/bin/ocpizza --version` says the workspace's version; the web app, the nginx files,
//!    every unit of `systemd/` and the documents are in place;
//! 3. `/etc/ocpizza/ocpizza.env` was created from the example, root's, mode 0600;
//! 4. nothing was enabled (the symlinks under `/etc/systemd/system` are those from before);
//! 5. a reinstall keeps an edited environment file as it is;
//! 6. with that file (`OCPIZZA_CONFIG_FILE`) and a data folder in `/tmp`: `ocpizza migrate`,
//!    `ocpizza seed`, an administrator created (`user create --role admin --password-stdin`),
//!    then `ocpizza check` exits 0;
//! 7. `ocpizza serve` finds the packaged web app with no setting: `GET /` is its `index.html`;
//! 8. `apt-get remove` takes the files but keeps the environment file; `apt-get purge` takes it.
//!
//! The base system (`debootstrap --variant=minbase bookworm` from the mirror in the host's apt
//! sources, plus the package's `Recommends`, so that installing needs no download) is cached
//! outside the repository, in `/var/cache/ocpizza-ci/bookworm-<hash>` (`OCPIZZA_CI_CACHE`
//! moves it): the hash covers what goes into it and the month, so it is rebuilt monthly. It is
//! built in a temporary folder and renamed once complete, so a half-made one is never used.
//! Each run works on a copy, so each starts clean; `/proc` is mounted in it and unmounted
//! whatever happens, and a folder is only deleted once nothing is mounted under it.
//!
//! Needs root and `debootstrap`; without them the check is skipped with a loud warning,
//! except under CI (`CI` set), where that is a failure.

use crate::dist::{DOC_DIR, ENV_FILE, RECOMMENDS, SHARE, UNIT_DIR, VERSION};
use crate::server::{Server, free_port, log_tail, wait_ready, workspace_root};
use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The Debian release the package is for.
const SUITE: &str = "bookworm";
/// Bump when the way the cached system is made changes.
const RECIPE: u32 = 1;
/// Used when the host's apt sources name no Debian mirror for [`SUITE`].
const DEFAULT_MIRROR: &str = "http://deb.debian.org/debian";
/// The data folder inside the chroot.
const DATA_DIR: &str = "/tmp/ocpizza-data";
/// Appended to the environment file before the reinstall.
const EDIT: &str = "\n# edited by the operator: kept across reinstalls\nOCPIZZA_LOG_FORMAT=text\n";

/// Options of `cargo xtask deb-check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Check this package instead of building one with `cargo xtask dist`.
    #[arg(long)]
    pub deb: Option<PathBuf>,
}

/// `cargo xtask deb-check`.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let ci = std::env::var_os("CI").is_some();
    let missing = if !is_root() {
        Some("it needs root (debootstrap, chroot, mount)")
    } else if !has("debootstrap") {
        Some("debootstrap is missing (apt-get install debootstrap)")
    } else {
        None
    };
    if let Some(why) = missing {
        if ci {
            bail!("the Debian package check cannot run under CI: {why}");
        }
        eprintln!("\n{}", "!".repeat(78));
        eprintln!("!! SKIPPED: the Debian package install check — {why}.");
        eprintln!("{}\n", "!".repeat(78));
        return Ok(());
    }
    let mut timings = Timings::new();
    let base = base_system()?;
    timings.tick("base system (made on the first run, then cached)");
    let (deb, pwa) = match &args.deb {
        Some(path) => (path.clone(), None),
        None => {
            let built = crate::dist::build()?;
            check_archive(&built.archive)?;
            (built.deb, Some(built.pwa))
        }
    };
    timings.tick("package (cargo xtask dist)");
    let result = (|| {
        let scratch = Scratch::new()?;
        let root = scratch.path.join("root");
        exec(
            Command::new("cp")
                .args(["-a", "--reflink=auto"])
                .arg(&base)
                .arg(&root),
            "copying the base system",
        )?;
        timings.tick("copy of the base system");
        let mounts = Mounts::proc_in(&root)?;
        check(&root, &deb, pwa.as_deref(), &mut timings)?;
        drop(mounts);
        anyhow::Ok(())
    })();
    timings.tick("clean-up");
    timings.print();
    result?;
    println!("Debian package ok");
    Ok(())
}

/// How long each phase took.
#[derive(Debug)]
struct Timings {
    lap: Instant,
    rows: Vec<(String, Duration)>,
}

impl Timings {
    fn new() -> Timings {
        Timings {
            lap: Instant::now(),
            rows: Vec::new(),
        }
    }

    fn tick(&mut self, what: &str) {
        self.rows.push((what.to_owned(), self.lap.elapsed()));
        self.lap = Instant::now();
    }

    fn print(&self) {
        println!("\ntimings:");
        let mut total = Duration::ZERO;
        for (what, took) in &self.rows {
            println!("  {what:<50} {:>7.1} s", took.as_secs_f64());
            total += *took;
        }
        println!("  {:<50} {:>7.1} s", "total", total.as_secs_f64());
    }
}

/// The checks, in a fresh copy of the base system at `root` (with `/proc` mounted).
fn check(root: &Path, deb: &Path, pwa: Option<&Path>, timings: &mut Timings) -> anyhow::Result<()> {
    let file = deb.file_name().context("package file name")?;
    let inside = Path::new("/tmp").join(file);
    std::fs::copy(deb, root.join(inside.strip_prefix("/")?)).context("copying the package")?;
    let inside = inside.to_str().context("package path")?;
    let links_before = wants_links(root)?;

    println!("\n==> apt-get install {inside}");
    let said = chroot_ok(root, &["apt-get", "install", "-y", inside], None)?;
    print!("{said}");
    timings.tick("apt-get install");

    let version = chroot_ok(root, &["/usr/bin/ocpizza", "--version"], None)?;
    if version.trim() != format!("ocpizza {VERSION}") {
        bail!("/usr/bin/ocpizza --version says {version:?}, expected ocpizza {VERSION}");
    }
    println!("ok    /usr/bin/ocpizza --version: {}", version.trim());
    let mut expected: Vec<String> = vec![
        format!("{SHARE}/pwa/index.html"),
        format!("{SHARE}/pwa/sw.js"),
        format!("{SHARE}/nginx/ocpizza.conf"),
        format!("{SHARE}/nginx/maintenance/503.html"),
        format!("{SHARE}/ocpizza.env.example"),
        format!("{DOC_DIR}/README.md"),
        format!("{DOC_DIR}/copyright"),
        format!("{DOC_DIR}/exploitation.md"),
        format!("{DOC_DIR}/monitoring/alerts.yml"),
        "usr/sbin/ocpizza-admin".to_owned(),
    ];
    for unit in crate::dist::units(&workspace_root())? {
        let name = unit.file_name().context("unit")?.to_string_lossy();
        expected.push(format!("{UNIT_DIR}/{name}"));
    }
    if let Some(pwa) = pwa {
        for name in std::fs::read_dir(pwa)? {
            let name = name?.file_name();
            expected.push(format!("{SHARE}/pwa/{}", name.to_string_lossy()));
        }
    }
    for path in &expected {
        if !root.join(path).exists() {
            bail!("/{path} is missing after the install");
        }
    }
    let binary = std::fs::metadata(root.join("usr/bin/ocpizza"))?;
    if binary.permissions().mode() & 0o777 != 0o755 || binary.uid() != 0 {
        bail!("/usr/bin/ocpizza is not root's with mode 0755");
    }
    println!("ok    {} files in place", expected.len() + 1);

    let env_path = root.join(ENV_FILE.trim_start_matches('/'));
    let example = std::fs::read_to_string(root.join(SHARE).join("ocpizza.env.example"))?;
    let env = std::fs::read_to_string(&env_path).with_context(|| format!("{ENV_FILE} missing"))?;
    if env != example {
        bail!("{ENV_FILE} differs from the example it was made from");
    }
    expect_private(&env_path)?;
    println!("ok    {ENV_FILE} created from the example, root's, mode 0600");

    let links_after = wants_links(root)?;
    if links_after != links_before {
        let new: Vec<_> = links_after.difference(&links_before).collect();
        bail!("installing enabled units: {new:?}");
    }
    if root
        .join("var/lib/systemd/deb-systemd-helper-enabled")
        .exists()
        && walk_names(&root.join("var/lib/systemd/deb-systemd-helper-enabled"))?
            .iter()
            .any(|n| n.contains("ocpizza"))
    {
        bail!("deb-systemd-helper recorded an ocpizza unit as enabled");
    }
    println!("ok    nothing enabled (no new symlink under /etc/systemd/system)");

    let edited = format!("{env}{EDIT}");
    std::fs::write(&env_path, &edited)?;
    chroot_ok(
        root,
        &["apt-get", "install", "-y", "--reinstall", inside],
        None,
    )?;
    if std::fs::read_to_string(&env_path)? != edited {
        bail!("reinstalling the package changed the edited {ENV_FILE}");
    }
    expect_private(&env_path)?;
    println!("ok    a reinstall keeps the edited {ENV_FILE}");
    timings.tick("reinstall");

    let env = [
        ("OCPIZZA_CONFIG_FILE", ENV_FILE),
        ("OCPIZZA_DATA_DIR", DATA_DIR),
    ];
    std::fs::create_dir_all(root.join(DATA_DIR.trim_start_matches('/')))?;
    let ocpizza = |args: &[&str], stdin: Option<&str>| {
        let mut argv = vec!["env"];
        let pairs: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        argv.extend(pairs.iter().map(String::as_str));
        argv.push("/usr/bin/ocpizza");
        argv.extend(args);
        chroot_ok(root, &argv, stdin)
    };
    print!("{}", ocpizza(&["migrate"], None)?);
    print!("{}", ocpizza(&["seed"], None)?);
    print!(
        "{}",
        ocpizza(
            &[
                "user",
                "create",
                "--role",
                "admin",
                "--email",
                "admin@example.fr",
                "--name",
                "Package Check",
                "--password-stdin",
            ],
            Some("plum-ladder-orbit-quench-1987\n"),
        )?
    );
    println!("\n==> ocpizza check (in the chroot)");
    print!("{}", ocpizza(&["check"], None)?);
    println!("ok    ocpizza check exits 0");
    timings.tick("migrate, seed, admin, check");

    serves_the_web_app(root, &env)?;
    timings.tick("serve: the packaged web app at /");

    chroot_ok(root, &["apt-get", "remove", "-y", "ocpizza"], None)?;
    for path in [
        "usr/bin/ocpizza",
        SHARE,
        &format!("{UNIT_DIR}/ocpizza@.service"),
    ] {
        if root.join(path).exists() {
            bail!("/{path} is still there after apt-get remove");
        }
    }
    if std::fs::read_to_string(&env_path)? != edited {
        bail!("apt-get remove changed {ENV_FILE}; only a purge may take it");
    }
    let status = chroot_ok(
        root,
        &["dpkg-query", "-W", "-f=${db:Status-Abbrev}", "ocpizza"],
        None,
    )?;
    if status.trim() != "rc" {
        bail!("after apt-get remove, dpkg says {status:?} (expected rc: configuration kept)");
    }
    println!("ok    apt-get remove: files gone, {ENV_FILE} kept");
    chroot_ok(root, &["apt-get", "purge", "-y", "ocpizza"], None)?;
    if env_path.exists() || env_path.parent().is_some_and(Path::exists) {
        bail!("{ENV_FILE} (or its folder) is still there after apt-get purge");
    }
    let known = chroot(root, &["dpkg-query", "-W", "ocpizza"], None)
        .output()?
        .status
        .success();
    if known {
        bail!("dpkg still knows ocpizza after apt-get purge");
    }
    println!("ok    apt-get purge: {ENV_FILE} gone, the package forgotten");
    timings.tick("remove, purge");
    Ok(())
}

/// The release archive holds one folder with the binary, the web app next to it (where the
/// binary looks), the nginx files, the units, the example environment file and the README.
fn check_archive(archive: &Path) -> anyhow::Result<()> {
    let out = Command::new("tar")
        .arg("-tzvf")
        .arg(archive)
        .output()
        .context("listing the archive")?;
    if !out.status.success() {
        bail!("tar -tzf {} failed", archive.display());
    }
    let listing = String::from_utf8_lossy(&out.stdout);
    let top = format!("ocpizza-{VERSION}-x86_64-linux");
    let mut expected = vec![
        "ocpizza".to_owned(),
        "pwa/index.html".to_owned(),
        "pwa/staff.html".to_owned(),
        "nginx/ocpizza.conf".to_owned(),
        "ocpizza.env.example".to_owned(),
        "README.md".to_owned(),
    ];
    for unit in crate::dist::units(&workspace_root())? {
        let name = unit.file_name().context("unit")?.to_string_lossy();
        expected.push(format!("systemd/{name}"));
    }
    for path in &expected {
        let line = listing
            .lines()
            .find(|l| l.ends_with(&format!(" {top}/{path}")))
            .with_context(|| format!("{top}/{path} is not in {}", archive.display()))?;
        let mut fields = line.split_whitespace();
        let (mode, owner) = (fields.next(), fields.next());
        if path == "ocpizza"
            && !(mode == Some("-rwxr-xr-x") && matches!(owner, Some("0/0" | "root/root")))
        {
            bail!("the archive's binary is not root's and executable: {line}");
        }
    }
    if let Some(line) = listing.lines().find(|l| !l.contains(&format!(" {top}/"))) {
        bail!("the archive holds something outside {top}/: {line}");
    }
    println!(
        "ok    {} holds {top}/ with {} files checked",
        archive.display(),
        expected.len()
    );
    Ok(())
}

/// `ocpizza serve` in the chroot (which shares the host's network) on a free loopback port:
/// `GET /` must be the packaged `index.html`, found with no `OCPIZZA_STATIC_DIR`.
fn serves_the_web_app(root: &Path, env: &[(&str, &str)]) -> anyhow::Result<()> {
    let port = free_port()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let log = root.join("tmp/ocpizza-serve.log");
    let out = std::fs::File::create(&log)?;
    let mut cmd = chroot(root, &["env"], None);
    for (k, v) in env {
        cmd.arg(format!("{k}={v}"));
    }
    let child = cmd
        .args(["/usr/bin/ocpizza", "serve", "--bind", &addr.to_string()])
        .stdout(out.try_clone()?)
        .stderr(out)
        .spawn()
        .context("starting ocpizza serve in the chroot")?;
    let mut server = Server {
        child,
        addr,
        base: format!("http://{addr}"),
        log: log.clone(),
    };
    let index = std::fs::read_to_string(root.join(SHARE).join("pwa/index.html"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let page = runtime.block_on(async {
        wait_ready(&mut server).await?;
        let r = reqwest::get(format!("{}/", server.base)).await?;
        let status = r.status();
        let body = r.text().await?;
        anyhow::Ok((status, body))
    });
    drop(server);
    let (status, body) = page?;
    if !status.is_success() || body != index {
        bail!(
            "GET / answered {status} without the packaged index.html; server log:\n{}",
            log_tail(&log)
        );
    }
    let said = std::fs::read_to_string(&log)?;
    if !said.contains("Web app: /usr/share/ocpizza/pwa") {
        bail!("the server did not say it serves /usr/share/ocpizza/pwa:\n{said}");
    }
    println!("ok    ocpizza serve finds /usr/share/ocpizza/pwa by itself: GET / is its index.html");
    Ok(())
}

/// The base system, made if missing (see the module's documentation); returns its folder.
fn base_system() -> anyhow::Result<PathBuf> {
    let cache = std::env::var_os("OCPIZZA_CI_CACHE")
        .map_or_else(|| PathBuf::from("/var/cache/ocpizza-ci"), PathBuf::from);
    std::fs::create_dir_all(&cache).with_context(|| format!("creating {}", cache.display()))?;
    let month = jiff::Zoned::now().strftime("%Y-%m").to_string();
    let recipe = format!("{RECIPE} {SUITE} minbase {RECOMMENDS:?} {month}");
    let hash = hex::encode(&Sha256::digest(recipe.as_bytes())[..6]);
    let name = format!("{SUITE}-{hash}");
    let done = cache.join(&name);
    if done.join(".complete").is_file() {
        println!("base system: {} (cached)", done.display());
        return Ok(done);
    }
    // What interrupted runs left: half-made systems (their process gone) and older recipes.
    for entry in std::fs::read_dir(&cache)? {
        let path = entry?.path();
        let file = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let Some(file) = file else { continue };
        let stale = match file.strip_prefix(".building-") {
            Some(rest) => rest
                .rsplit('-')
                .next()
                .and_then(|pid| pid.parse::<u32>().ok())
                .is_none_or(|pid| !Path::new(&format!("/proc/{pid}")).exists()),
            None => file.starts_with(&format!("{SUITE}-")) && file != name,
        };
        if stale {
            println!("removing {}", path.display());
            remove_tree(&path)?;
        }
    }
    let mirror = mirror();
    let building = cache.join(format!(".building-{name}-{}", std::process::id()));
    println!(
        "\n==> base system: debootstrap --variant=minbase {SUITE} from {mirror} (first run only)"
    );
    let made = (|| {
        exec(
            Command::new("debootstrap")
                .args(["--variant=minbase", SUITE])
                .arg(&building)
                .arg(&mirror),
            "debootstrap",
        )?;
        // Nothing installed in the chroot may start a service on the host's network.
        write_mode(
            &building.join("usr/sbin/policy-rc.d"),
            "#!/bin/sh\nexit 101\n",
            0o755,
        )?;
        std::fs::copy("/etc/resolv.conf", building.join("etc/resolv.conf")).ok();
        let _mounts = Mounts::proc_in(&building)?;
        chroot_ok(&building, &["apt-get", "update"], None)?;
        let mut install = vec!["apt-get", "install", "-y", "--no-install-recommends"];
        install.extend(RECOMMENDS);
        print!("{}", chroot_ok(&building, &install, None)?);
        chroot_ok(&building, &["apt-get", "clean"], None)?;
        anyhow::Ok(())
    })();
    if let Err(e) = made {
        let _ = remove_tree(&building);
        return Err(e.context("making the base system"));
    }
    std::fs::write(building.join(".complete"), &recipe)?;
    std::fs::rename(&building, &done).context("moving the base system into place")?;
    println!("base system: {} (made)", done.display());
    Ok(done)
}

/// The Debian mirror of the host's apt sources (one-line or deb822), for [`SUITE`].
fn mirror() -> String {
    let mut files = vec![PathBuf::from("/etc/apt/sources.list")];
    if let Ok(dir) = std::fs::read_dir("/etc/apt/sources.list.d") {
        let mut more: Vec<PathBuf> = dir.flatten().map(|e| e.path()).collect();
        more.sort();
        files.extend(more);
    }
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if let Some(url) = mirror_in(&text) {
            return url;
        }
    }
    DEFAULT_MIRROR.to_owned()
}

/// The first source of `text` that serves [`SUITE`] itself (not -security or -updates).
fn mirror_in(text: &str) -> Option<String> {
    // One-line format: `deb [options] URL SUITE COMPONENTS…`.
    for line in text.lines() {
        let mut words = line.split_whitespace().peekable();
        if words.next() != Some("deb") {
            continue;
        }
        if words.peek().is_some_and(|w| w.starts_with('[')) {
            for w in words.by_ref() {
                if w.ends_with(']') {
                    break;
                }
            }
        }
        if let (Some(url), Some(suite)) = (words.next(), words.next())
            && suite == SUITE
        {
            return Some(url.trim_end_matches('/').to_owned());
        }
    }
    // deb822: stanzas separated by blank lines.
    for stanza in text.split("\n\n") {
        let field = |name: &str| {
            stanza.lines().find_map(|l| {
                l.strip_prefix(name)
                    .and_then(|r| r.strip_prefix(':'))
                    .map(str::trim)
            })
        };
        let types = field("Types").unwrap_or("");
        let suites = field("Suites").unwrap_or("");
        if types.split_whitespace().any(|t| t == "deb")
            && suites.split_whitespace().any(|s| s == SUITE)
            && let Some(url) = field("URIs").and_then(|u| u.split_whitespace().next())
        {
            return Some(url.trim_end_matches('/').to_owned());
        }
    }
    None
}

/// The symlinks under `/etc/systemd/system` (enabled units), relative to it.
fn wants_links(root: &Path) -> anyhow::Result<BTreeSet<String>> {
    let dir = root.join("etc/systemd/system");
    if !dir.exists() {
        return Ok(BTreeSet::new());
    }
    let mut links = BTreeSet::new();
    let mut todo = vec![dir.clone()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            let meta = std::fs::symlink_metadata(&path)?;
            if meta.is_symlink() {
                links.insert(path.strip_prefix(&dir)?.to_string_lossy().into_owned());
            } else if meta.is_dir() {
                todo.push(path);
            }
        }
    }
    Ok(links)
}

fn walk_names(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            names.push(entry.file_name().to_string_lossy().into_owned());
            if entry.file_type()?.is_dir() {
                todo.push(entry.path());
            }
        }
    }
    Ok(names)
}

fn expect_private(path: &Path) -> anyhow::Result<()> {
    let meta = std::fs::metadata(path)?;
    if meta.permissions().mode() & 0o777 != 0o600 || meta.uid() != 0 || meta.gid() != 0 {
        bail!(
            "{ENV_FILE} is {:o} {}:{}, expected 0600 root:root",
            meta.permissions().mode() & 0o777,
            meta.uid(),
            meta.gid()
        );
    }
    Ok(())
}

/// A command run inside `root` with a clean environment.
fn chroot(root: &Path, argv: &[&str], stdin: Option<&str>) -> Command {
    let mut cmd = Command::new("chroot");
    cmd.arg(root)
        .args([
            "env",
            "-i",
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME=/root",
            "LANG=C.UTF-8",
            "DEBIAN_FRONTEND=noninteractive",
        ])
        .args(argv)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    cmd
}

/// [`chroot`], which must succeed; returns its standard output.
fn chroot_ok(root: &Path, argv: &[&str], stdin: Option<&str>) -> anyhow::Result<String> {
    let what = argv.join(" ");
    let mut child = chroot(root, argv, stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {what} in the chroot"))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!(
            "{what} failed in the chroot ({}):\n{stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(stdout)
}

/// Mount points made under a chroot, unmounted (lazily if busy) on drop, last first.
#[derive(Debug)]
struct Mounts(Vec<PathBuf>);

impl Mounts {
    /// `/proc` mounted in `root` (and `/dev` bound from the host if the base has no device
    /// nodes of its own).
    fn proc_in(root: &Path) -> anyhow::Result<Mounts> {
        let mut mounts = Mounts(Vec::new());
        let proc = root.join("proc");
        std::fs::create_dir_all(&proc)?;
        exec(
            Command::new("mount")
                .args(["-t", "proc", "proc"])
                .arg(&proc),
            "mount -t proc",
        )?;
        mounts.0.push(proc);
        let null = std::fs::metadata(root.join("dev/null"));
        if !null.is_ok_and(|m| std::os::unix::fs::FileTypeExt::is_char_device(&m.file_type())) {
            let dev = root.join("dev");
            exec(
                Command::new("mount").arg("--bind").arg("/dev").arg(&dev),
                "mount --bind /dev",
            )?;
            mounts.0.push(dev);
        }
        Ok(mounts)
    }
}

impl Drop for Mounts {
    fn drop(&mut self) {
        for point in self.0.iter().rev() {
            let ok = Command::new("umount")
                .arg(point)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                let _ = Command::new("umount").arg("-l").arg(point).status();
            }
        }
    }
}

/// This run's folder (holding its copy of the base system), removed on drop.
#[derive(Debug)]
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn new() -> anyhow::Result<Scratch> {
        let path = std::env::temp_dir().join(format!("ocpizza-deb-check-{}", std::process::id()));
        if path.exists() {
            remove_tree(&path)?;
        }
        std::fs::create_dir_all(&path)?;
        Ok(Scratch { path })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Err(e) = remove_tree(&self.path) {
            eprintln!("warning: {e:#}");
        }
    }
}

/// Deletes a folder holding a chroot: whatever is still mounted under it is unmounted first,
/// and if anything stays mounted nothing is deleted (a bound `/dev` must never be emptied).
fn remove_tree(dir: &Path) -> anyhow::Result<()> {
    let dir = &dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mounted = || -> Vec<String> {
        let prefix = format!("{}/", dir.display());
        let mut points: Vec<String> = std::fs::read_to_string("/proc/self/mounts")
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1))
            .filter(|p| p.starts_with(&prefix))
            .map(str::to_owned)
            .collect();
        points.sort_by_key(|p| std::cmp::Reverse(p.len()));
        points
    };
    for point in mounted() {
        let _ = Command::new("umount").arg("-l").arg(&point).status();
    }
    let left = mounted();
    if !left.is_empty() {
        bail!(
            "not deleting {}: still mounted under it: {left:?}",
            dir.display()
        );
    }
    exec(
        Command::new("rm")
            .args(["-rf", "--one-file-system"])
            .arg(dir),
        "rm -rf",
    )
}

fn write_mode(path: &Path, text: &str, mode: u32) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}

fn exec(cmd: &mut Command, what: &str) -> anyhow::Result<()> {
    let status = cmd.status().with_context(|| format!("starting {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

fn has(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[cfg(test)]
mod tests {
    use super::mirror_in;

    #[test]
    fn the_mirror_comes_from_either_sources_format() {
        let deb822 = "Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: \
                      bookworm-security\nComponents: main\n\nTypes: deb\nURIs: \
                      http://mirror.example/debian/\nSuites: bookworm bookworm-updates\n\
                      Components: main\n";
        assert_eq!(
            mirror_in(deb822).as_deref(),
            Some("http://mirror.example/debian")
        );
        let one_line = "deb http://security.debian.org/ bookworm-security main\n\
                        deb [arch=amd64 signed-by=/k.gpg] http://ftp.fr.debian.org/debian bookworm main\n";
        assert_eq!(
            mirror_in(one_line).as_deref(),
            Some("http://ftp.fr.debian.org/debian")
        );
        assert_eq!(
            mirror_in("deb https://deb.nodesource.com/node_20.x nodistro main\n"),
            None
        );
    }
}
