//! The `ocpizza` binary: `check`, `migrate`, `seed`, `user create` and `serve` on a real
//! database file (`serve --demo` on PostgreSQL too when the suite runs there).

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

const HTTPS: (&str, &str) = ("OCPIZZA_PUBLIC_URL", "https://pizza.example.fr");

/// `ocpizza ARGS` on the SQLite file in `data_dir`, with only `env` added to a clean environment.
pub(crate) fn command(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ocpizza"));
    cmd.args(args)
        .env_clear()
        .env("OCPIZZA_DATA_DIR", data_dir)
        .env("OCPIZZA_ARGON2_MEMORY_KIB", "64")
        .env("OCPIZZA_ARGON2_ITERATIONS", "1")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

pub(crate) fn ocpizza(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = command(data_dir, args, &[]).spawn().expect("run ocpizza");
    if let Some(input) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().expect("ocpizza output")
}

pub(crate) fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_bad_configuration_is_reported_with_the_variable_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ocpizza"));
    let out = cmd
        .args(["check"])
        .env_clear()
        .env("OCPIZZA_DATA_DIR", dir.path())
        .env("OCPIZZA_BIND", "not-an-address")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("OCPIZZA_BIND"));
}

#[test]
fn seeding_twice_creates_nothing_new_and_users_can_be_created_for_a_shop() {
    let dir = tempfile::tempdir().unwrap();
    let first = ocpizza(dir.path(), &["seed"], None);
    assert!(text(&first).contains("5 shops"), "{}", text(&first));
    assert!(
        text(&first).contains("0 accounts"),
        "no demo accounts without --demo"
    );
    let second = ocpizza(dir.path(), &["seed", "--demo"], None);
    assert!(
        text(&second).contains("0 shops, 0 ingredients, 0 pizzas, 6 accounts"),
        "{}",
        text(&second)
    );
    let create = ocpizza(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "nina@ocpizza.fr",
            "--name",
            "Nina",
            "--role",
            "cook",
            "--shop",
            "2",
            "--password-stdin",
        ],
        Some("a-long-password\n"),
    );
    assert!(create.status.success(), "{}", text(&create));
    let again = ocpizza(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "nina@ocpizza.fr",
            "--name",
            "Nina",
            "--role",
            "cook",
            "--shop",
            "2",
            "--password-stdin",
        ],
        Some("a-long-password\n"),
    );
    assert!(!again.status.success());
    assert!(text(&again).contains("already has an account"));
    let no_shop = ocpizza(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "x@ocpizza.fr",
            "--name",
            "X",
            "--role",
            "driver",
            "--password-stdin",
        ],
        Some("a-long-password\n"),
    );
    assert!(text(&no_shop).contains("--shop is required"));
    let weak = ocpizza(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "leo@ocpizza.fr",
            "--name",
            "Léo",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("azertyuiop\n"),
    );
    assert!(!weak.status.success());
    assert!(
        text(&weak).contains("password: is too easy to guess"),
        "{}",
        text(&weak)
    );
}

/// A running `ocpizza serve`, killed when dropped.
pub(crate) struct Served {
    pub(crate) child: Child,
    pub(crate) base: String,
    /// What it printed up to "Press Ctrl+C to stop.".
    banner: String,
}

impl Served {
    /// Starts `ocpizza serve --bind` on a free port with `args` and `env` added; returns once
    /// the banner is printed (the socket is listening by then).
    pub(crate) fn start(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Served {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let bind = format!("127.0.0.1:{port}");
        let mut all = vec!["serve", "--bind", &bind];
        all.extend_from_slice(args);
        let mut child = command(data_dir, &all, env)
            .spawn()
            .expect("run ocpizza serve");
        let mut banner = String::new();
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.expect("banner line");
            banner.push_str(&line);
            banner.push('\n');
            if line.starts_with("Press Ctrl+C") {
                return Served {
                    child,
                    base: format!("http://{bind}"),
                    banner,
                };
            }
        }
        let _ = child.kill();
        let out = child.wait_with_output().expect("ocpizza output");
        panic!("the server stopped before serving: {banner}{}", text(&out));
    }

    /// Stops the server as systemd does (SIGTERM) and waits for it to exit: it deregisters as
    /// a serving instance on the way out. Its banner comes before it serves, so it is asked
    /// first whether it serves: a signal before that would find no handler yet.
    pub(crate) async fn stop(mut self) {
        let healthz = format!("{}/healthz", self.base);
        let answered = reqwest::get(&healthz).await.map(|r| r.status());
        assert_eq!(answered.ok(), Some(StatusCode::OK), "{healthz}");
        let pid = rustix::process::Pid::from_child(&self.child);
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
        self.child.wait().unwrap();
    }

    async fn login_as_demo_admin(&self) -> StatusCode {
        reqwest::Client::new()
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"email": "admin@demo.ocpizza.fr", "password": "demo-pizza"}))
            .send()
            .await
            .expect("POST login")
            .status()
    }

    async fn shop_count(&self) -> usize {
        let shops: Value = reqwest::get(format!("{}/api/v1/shops", self.base))
            .await
            .expect("GET shops")
            .json()
            .await
            .expect("shops JSON");
        shops.as_array().expect("a list of shops").len()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn an_empty_embedded_database_gets_the_shops_but_no_demo_account_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let server = Served::start(dir.path(), &[], &[]);
    assert_eq!(server.shop_count().await, 5);
    assert_eq!(
        server.login_as_demo_admin().await,
        StatusCode::UNAUTHORIZED,
        "the demo administrator must not exist without --demo"
    );
    assert!(!server.banner.contains("demo-pizza"), "{}", server.banner);
    assert!(
        server.banner.contains("ocpizza user create --role admin"),
        "the banner tells how to create the first administrator: {}",
        server.banner
    );
}

#[tokio::test]
async fn serving_with_demo_creates_the_demo_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let server = Served::start(dir.path(), &["--demo"], &[]);
    assert_eq!(server.shop_count().await, 5);
    assert_eq!(server.login_as_demo_admin().await, StatusCode::OK);
    assert!(
        server.banner.contains("admin@demo.ocpizza.fr"),
        "{}",
        server.banner
    );
    assert!(
        !server.banner.contains("No administrator"),
        "{}",
        server.banner
    );
    drop(server);

    let plain = Served::start(dir.path(), &[], &[]);
    assert_eq!(plain.shop_count().await, 5, "a restart seeds nothing twice");
    assert_eq!(plain.login_as_demo_admin().await, StatusCode::OK);
}

#[tokio::test]
async fn demo_added_later_to_a_served_database_creates_the_accounts() {
    let dir = tempfile::tempdir().unwrap();
    drop(Served::start(dir.path(), &[], &[]));
    let server = Served::start(dir.path(), &["--demo"], &[]);
    assert_eq!(server.shop_count().await, 5);
    assert_eq!(server.login_as_demo_admin().await, StatusCode::OK);
}

#[test]
fn demo_accounts_are_refused_when_the_public_url_is_https() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["serve", "--demo"][..], &["seed", "--demo"]] {
        let out = command(dir.path(), args, &[HTTPS]).output().unwrap();
        assert!(!out.status.success(), "{args:?}: {}", text(&out));
        assert!(
            text(&out).contains("--demo refused") && text(&out).contains("https"),
            "{args:?}: {}",
            text(&out)
        );
    }
    let out = command(dir.path(), &["seed"], &[HTTPS]).output().unwrap();
    assert!(
        out.status.success(),
        "plain seed is fine over https: {}",
        text(&out)
    );
    let demo = ocpizza(dir.path(), &["seed", "--demo"], None);
    assert!(
        text(&demo).contains("0 shops, 0 ingredients, 0 pizzas, 6 accounts"),
        "the refused runs created no account: {}",
        text(&demo)
    );
}

#[tokio::test]
async fn serving_with_demo_seeds_an_empty_database_of_either_kind() {
    let (db, config, tmp) = crate::helpers::fresh_db().await;
    db.close().await;
    let dir = tmp.unwrap_or_else(|| tempfile::tempdir().unwrap());
    let url = config.database_url.map(|u| u.expose().clone());
    let env: Vec<(&str, &str)> = url.iter().map(|u| ("DATABASE_URL", u.as_str())).collect();

    let plain = Served::start(dir.path(), &[], &env);
    assert_eq!(plain.login_as_demo_admin().await, StatusCode::UNAUTHORIZED);
    drop(plain);
    let demo = Served::start(dir.path(), &["--demo"], &env);
    assert_eq!(demo.shop_count().await, 5);
    assert_eq!(demo.login_as_demo_admin().await, StatusCode::OK);
}

#[cfg(target_os = "linux")]
/// systemd's end of `Type=notify`: the datagram socket `NOTIFY_SOCKET` names. Returns the next
/// message, or panics after `wait` without one.
fn notification(socket: &std::os::unix::net::UnixDatagram, wait: std::time::Duration) -> String {
    socket.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 512];
    let n = socket
        .recv(&mut buf)
        .unwrap_or_else(|e| panic!("no notification within {wait:?}: {e}"));
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn under_systemd_serve_reports_ready_feeds_the_watchdog_and_reports_stopping() {
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
    let path = path.to_str().unwrap();
    let mut server = Served::start(
        dir.path(),
        &[],
        &[("NOTIFY_SOCKET", path), ("WATCHDOG_USEC", "200000")],
    );

    assert_eq!(
        notification(&socket, Duration::from_secs(30)),
        "READY=1\n",
        "READY=1 comes first, before any keep-alive"
    );
    let ready = reqwest::get(format!("{}/readyz", server.base))
        .await
        .expect("GET /readyz");
    assert_eq!(ready.status(), StatusCode::OK, "ready means ready");

    // One every 100 ms (half the watchdog interval); the wait is generous for a loaded machine.
    for _ in 0..2 {
        assert_eq!(
            notification(&socket, Duration::from_secs(2)),
            "WATCHDOG=1\n"
        );
    }

    let pid = rustix::process::Pid::from_child(&server.child);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    loop {
        let message = notification(&socket, Duration::from_secs(5));
        if message == "STOPPING=1\n" {
            break;
        }
        assert_eq!(
            message, "WATCHDOG=1\n",
            "only keep-alives before STOPPING=1"
        );
    }
    let status = server.child.wait().unwrap();
    assert!(
        status.success(),
        "a SIGTERM stops the server cleanly: {status}"
    );
}

/// `ocpizza serve` on `socket`, passed as systemd passes it (fd 3, `LISTEN_FDS=1`, `LISTEN_PID`
/// its own pid), with `--bind` the socket's address as in the systemd unit. `sh` moves the
/// socket from standard input to fd 3 and execs the server in its place, so `$$` is its pid.
#[cfg(target_os = "linux")]
fn serve_on_socket(data_dir: &Path, socket: &std::net::TcpListener) -> Child {
    let addr = socket.local_addr().unwrap().to_string();
    let fd: std::os::fd::OwnedFd = socket.try_clone().unwrap().into();
    Command::new("sh")
        .args([
            "-c",
            r#"exec 3<&0 0</dev/null; LISTEN_FDS=1; LISTEN_PID=$$; export LISTEN_FDS LISTEN_PID; exec "$0" "$@""#,
        ])
        .arg(env!("CARGO_BIN_EXE_ocpizza"))
        .args(["serve", "--bind", &addr])
        .env_clear()
        .env("OCPIZZA_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .stdin(fd)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ocpizza serve on a passed socket")
}

/// Sends `GET /api/v1/shops` on `tcp` and reads the whole answer (`Connection: close`).
#[cfg(target_os = "linux")]
fn get_shops(tcp: &mut std::net::TcpStream) -> String {
    use std::io::{Read, Write};
    tcp.set_read_timeout(Some(std::time::Duration::from_mins(1)))
        .unwrap();
    tcp.write_all(b"GET /api/v1/shops HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).expect("an answer");
    answer
}

#[cfg(target_os = "linux")]
#[test]
fn under_socket_activation_serve_takes_the_passed_socket_and_its_successor_answers_who_waited() {
    let dir = tempfile::tempdir().unwrap();
    // systemd's part: the socket outlives the processes.
    let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    let first = serve_on_socket(dir.path(), &socket);
    // Sent before the server is up: it waits in the backlog (the server, binding its
    // `--bind` address itself, would fail: this process holds it).
    let mut early = std::net::TcpStream::connect(addr).unwrap();
    let answer = get_shops(&mut early);
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");

    let pid = rustix::process::Pid::from_child(&first);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let out = first.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Between the two processes: accepted by the kernel, not refused, answered by the next.
    let mut between = std::net::TcpStream::connect(addr).expect("not refused");
    let mut second = serve_on_socket(dir.path(), &socket);
    let answer = get_shops(&mut between);
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    let _ = second.kill();
    let _ = second.wait();
}
