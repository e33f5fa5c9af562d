//! `cargo xtask nginx-check`: the production site file `nginx/ocpizza.conf` checked by nginx
//! itself, then run in front of a real server.
//!
//! The site file is copied into a scratch prefix with only its deployment values swapped:
//! loopback high ports for 80/443, a self-signed certificate for the Let's Encrypt paths,
//! scratch folders for the webroots, and for the two upstream instances one real
//! `ocpizza serve --demo` and one free port nothing listens on (so every request that picks
//! it is retried on the live one). `nginx -t` must accept it; then, through the running nginx:
//! HTTP redirects to HTTPS except the ACME webroot; the API answers over HTTP/2 with the app's
//! security headers and one HSTS header; a WebSocket handshake gets its 101; bodies over the
//! app's limit and a login burst are stopped by nginx (413, 429); and with the instance
//! stopped, nginx serves its French maintenance page as a 503. nginx is stopped on drop.
//! HTTPS goes through `curl -k` (the workspace's reqwest is built without TLS).

use crate::server::{ScratchDir, build_debug_server, free_port, start_server_on, wait_ready};
use crate::server::{Server, workspace_root};
use anyhow::{Context, bail, ensure};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Where Debian puts nginx, for shells whose PATH lacks `/usr/sbin`.
const DEBIAN_NGINX: &str = "/usr/sbin/nginx";
/// The maintenance page's headline.
pub const MAINTENANCE_TEXT: &str = "OC Pizza revient dans un instant";

/// The site file deployed into a scratch prefix: its ports, and where its files are.
#[derive(Debug)]
pub struct Site {
    /// The prefix (configuration, certificate, webroots, logs).
    pub prefix: PathBuf,
    /// The port standing for 80.
    pub http: u16,
    /// The port standing for 443.
    pub https: u16,
}

impl Site {
    /// Writes a self-signed certificate, the webroots and the configuration into `prefix`,
    /// the site file's two upstream servers swapped for `upstreams`.
    pub fn prepare(prefix: &Path, upstreams: [SocketAddr; 2]) -> anyhow::Result<Site> {
        let site = Site {
            prefix: prefix.to_owned(),
            http: free_port()?,
            https: free_port()?,
        };
        prepare(&site, upstreams)?;
        Ok(site)
    }

    /// `https://127.0.0.1:port`, the address browsers use.
    pub fn https_base(&self) -> String {
        format!("https://127.0.0.1:{}", self.https)
    }

    /// nginx's access log (see [`ACCESS_LOG_FORMAT`]).
    pub fn access_log(&self) -> PathBuf {
        self.prefix.join("access.log")
    }
}

/// What the test configuration logs per request: the client's port, method, path and status,
/// then quoted: the upstream(s) tried, their statuses (`, ` between retries), and the
/// request's Idempotency-Key (`-` if none).
pub const ACCESS_LOG_FORMAT: &str = r#"$remote_port $request_method $uri $status "$upstream_addr" "$upstream_status" "$http_idempotency_key""#;

/// A running nginx, stopped on drop.
#[derive(Debug)]
pub struct Nginx {
    binary: PathBuf,
    prefix: PathBuf,
}

impl Nginx {
    /// Checks the configuration with `nginx -t`, then starts nginx.
    pub fn start(site: &Site) -> anyhow::Result<Nginx> {
        let nginx = Nginx {
            binary: nginx_binary()?,
            prefix: site.prefix.clone(),
        };
        let out = nginx
            .command()
            .arg("-t")
            .output()
            .context("running nginx -t")?;
        ensure!(
            out.status.success(),
            "nginx -t refused the site file:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let status = nginx.command().status().context("starting nginx")?;
        ensure!(status.success(), "nginx did not start ({status})");
        Ok(nginx)
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.binary);
        let prefix = self.prefix.display().to_string();
        cmd.args(["-p", &prefix, "-c", &format!("{prefix}/nginx.conf")])
            .args(["-e", &format!("{prefix}/error.log")])
            .stdin(Stdio::null());
        cmd
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self
            .command()
            .args(["-s", "stop"])
            .stderr(Stdio::null())
            .status();
    }
}

/// Runs the check.
pub fn run() -> anyhow::Result<()> {
    let start = Instant::now();
    let scratch = ScratchDir::new("nginx")?;
    let app = SocketAddr::from(([127, 0, 0, 1], free_port()?));
    let down = SocketAddr::from(([127, 0, 0, 1], free_port()?));
    let site = Site::prepare(&scratch.0, [app, down])?;
    let server_binary = build_debug_server(&workspace_root())?;
    // The public URL stays http: `--demo` is refused over https. So the app sends no HSTS
    // here, and the one HSTS header the check sees is nginx's.
    let env = [("OCPIZZA_TRUST_PROXY", "true".to_owned())];
    let mut server = start_server_on(&server_binary, &env, scratch.0.join("server.log"), app)?;
    tokio::runtime::Runtime::new()?.block_on(wait_ready(&mut server))?;

    let nginx = Nginx::start(&site)?;
    println!("nginx -t: the site file is valid");
    check_through(&site, server)?;
    drop(nginx);
    println!(
        "nginx check passed in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn nginx_binary() -> anyhow::Result<PathBuf> {
    if Command::new("nginx")
        .arg("-v")
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        return Ok(PathBuf::from("nginx"));
    }
    if Path::new(DEBIAN_NGINX).is_file() {
        return Ok(PathBuf::from(DEBIAN_NGINX));
    }
    bail!("nginx is not installed (apt-get install -y nginx)")
}

/// Writes the certificate, the webroots and the configuration into the prefix.
fn prepare(d: &Site, upstreams: [SocketAddr; 2]) -> anyhow::Result<()> {
    let p = &d.prefix;
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(p.join("key.pem"))
        .arg("-out")
        .arg(p.join("cert.pem"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("running openssl (apt-get install -y openssl)")?;
    ensure!(status.success(), "openssl req failed ({status})");

    let nginx_dir = workspace_root().join("nginx");
    std::fs::create_dir_all(p.join("www"))?;
    std::fs::copy(
        nginx_dir.join("maintenance/503.html"),
        p.join("www/503.html"),
    )?;
    let acme = p.join("acme/.well-known/acme-challenge");
    std::fs::create_dir_all(&acme)?;
    std::fs::write(acme.join("token"), "challenge answer")?;
    std::fs::create_dir_all(p.join("logs"))?;

    let site = std::fs::read_to_string(nginx_dir.join("ocpizza.conf"))?;
    std::fs::write(p.join("ocpizza.conf"), test_site(&site, d, upstreams)?)?;
    std::fs::write(p.join("nginx.conf"), main_conf(p))?;
    Ok(())
}

/// The site file with its deployment values swapped for the test's; fails if one is missing,
/// so that the check keeps following the file.
fn test_site(site: &str, d: &Site, [one, two]: [SocketAddr; 2]) -> anyhow::Result<String> {
    let p = d.prefix.display();
    let live = "/etc/letsencrypt/live/ocpizza.example";
    let swaps = [
        ("listen [::]:80;".to_owned(), String::new()),
        ("listen [::]:443 ssl http2;".to_owned(), String::new()),
        (
            "listen 80;".to_owned(),
            format!("listen 127.0.0.1:{};", d.http),
        ),
        (
            "listen 443 ssl http2;".to_owned(),
            format!("listen 127.0.0.1:{} ssl http2;", d.https),
        ),
        (format!("{live}/fullchain.pem"), format!("{p}/cert.pem")),
        (format!("{live}/chain.pem"), format!("{p}/cert.pem")),
        (format!("{live}/privkey.pem"), format!("{p}/key.pem")),
        (
            "root /var/www/letsencrypt;".to_owned(),
            format!("root {p}/acme;"),
        ),
        (
            "root /var/www/ocpizza;".to_owned(),
            format!("root {p}/www;"),
        ),
        (
            "server 127.0.0.1:8080 ".to_owned(),
            format!("server {one} "),
        ),
        (
            "server 127.0.0.1:8081 ".to_owned(),
            format!("server {two} "),
        ),
    ];
    let mut text = site.to_owned();
    for (from, to) in &swaps {
        ensure!(
            text.contains(from.as_str()),
            "nginx/ocpizza.conf has no `{from}`"
        );
        text = text.replace(from.as_str(), to);
    }
    Ok(text)
}

/// A main configuration that includes the site the way Debian's does (inside `http {}`),
/// with every path under the prefix.
fn main_conf(prefix: &Path) -> String {
    let p = prefix.display();
    format!(
        "daemon on;\nworker_processes 1;\npid {p}/nginx.pid;\nerror_log {p}/error.log;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  include /etc/nginx/mime.types;\n\
           log_format ocpizza_test '{ACCESS_LOG_FORMAT}';\n\
           access_log {p}/access.log ocpizza_test;\n\
           client_body_temp_path {p}/body;\n  proxy_temp_path {p}/proxy;\n\
           fastcgi_temp_path {p}/fastcgi;\n  uwsgi_temp_path {p}/uwsgi;\n\
           scgi_temp_path {p}/scgi;\n  include {p}/ocpizza.conf;\n}}\n"
    )
}

/// One answer as curl printed it.
struct Answer {
    version: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }
}

/// `curl -k -i` with `args`; a time-out still returns what arrived (a WebSocket stays open).
fn curl(args: &[&str]) -> anyhow::Result<Answer> {
    let out = Command::new("curl")
        .args(["-sk", "-i", "--max-time", "3"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("running curl")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default();
    let mut words = status_line.split_whitespace();
    let version = words.next().unwrap_or_default().to_owned();
    let Some(status) = words.next().and_then(|s| s.parse().ok()) else {
        bail!("curl {args:?}: no answer ({})", out.status);
    };
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Ok(Answer {
        version,
        status,
        headers,
        body: body.to_owned(),
    })
}

/// Everything checked through the running nginx; stops the server before the last check.
fn check_through(d: &Site, server: Server) -> anyhow::Result<()> {
    let http = format!("http://127.0.0.1:{}", d.http);
    let https = format!("https://127.0.0.1:{}", d.https);

    let r = curl(&[&format!("{http}/api/v1/shops")])?;
    let location = r.header("location").unwrap_or_default();
    ensure!(
        r.status == 301 && location.starts_with("https://") && location.ends_with("/api/v1/shops"),
        "http://…/api/v1/shops: expected a 301 to https, got {} to {location:?}",
        r.status
    );
    let r = curl(&[&format!("{http}/.well-known/acme-challenge/token")])?;
    ensure!(
        r.status == 200 && r.body == "challenge answer",
        "the ACME webroot is not served over http ({})",
        r.status
    );
    println!("http: redirects to https, serves the ACME webroot");

    let r = curl(&[&format!("{https}/api/v1/shops")])?;
    ensure!(
        r.status == 200,
        "GET /api/v1/shops over https: {}",
        r.status
    );
    ensure!(
        r.version == "HTTP/2",
        "https did not negotiate HTTP/2 ({})",
        r.version
    );
    for name in ["content-security-policy", "x-content-type-options"] {
        ensure!(
            r.header(name).is_some(),
            "the app's {name} header is missing"
        );
    }
    ensure!(
        r.count("strict-transport-security") == 1,
        "expected one HSTS header, got {}",
        r.count("strict-transport-security")
    );
    println!("https: HTTP/2, 200 with the app's security headers and one HSTS header");

    check_websocket(&https)?;
    check_limits(&https)?;

    drop(server);
    let r = curl(&[&format!("{https}/api/v1/shops")])?;
    ensure!(
        r.status == 503 && r.body.contains(MAINTENANCE_TEXT),
        "with every instance down: expected the maintenance page as a 503, got {}",
        r.status
    );
    ensure!(
        r.header("strict-transport-security").is_some(),
        "the maintenance page lacks HSTS"
    );
    println!("every instance down: the French maintenance page, 503");
    Ok(())
}

fn check_websocket(https: &str) -> anyhow::Result<()> {
    let r = curl(&[
        "--http1.1",
        "-H",
        "Connection: Upgrade",
        "-H",
        "Upgrade: websocket",
        "-H",
        "Sec-WebSocket-Version: 13",
        "-H",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        &format!("{https}/api/v1/ws"),
    ])?;
    ensure!(
        r.status == 101,
        "WebSocket handshake: {} instead of 101",
        r.status
    );
    ensure!(
        r.header("sec-websocket-accept") == Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        "WebSocket handshake without the right Sec-WebSocket-Accept"
    );
    println!("websocket: 101 through nginx");
    Ok(())
}

/// The body limit and the login rate limit, both answered by nginx itself.
fn check_limits(https: &str) -> anyhow::Result<()> {
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(70 * 1024));
    let r = curl(&[
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        &big,
        &format!("{https}/api/v1/orders"),
    ])?;
    ensure!(
        r.status == 413 && r.body.contains("nginx"),
        "a 70 KiB body: expected nginx's 413, got {}",
        r.status
    );
    let login = format!("{https}/api/v1/auth/login");
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let r = curl(&["-H", "Content-Type: application/json", "-d", "{}", &login])?;
        statuses.push(r.status);
        if r.status == 429 {
            ensure!(
                r.body.contains("nginx"),
                "the 429 came from the app, not nginx"
            );
            println!("limits: 413 over 64 KiB, 429 on a login burst ({statuses:?})");
            return Ok(());
        }
    }
    bail!("8 logins in a row from one address were never limited: {statuses:?}")
}
