//! Where e-mail goes out, and from whom. Both unset: e-mail is off, and everything else works
//! (no receipts; account recovery answers as usual but can send no link).
//!
//! `OCPIZZA_SMTP_URL`:
//! - `smtp://user:pass@host:587` — STARTTLS, required (the connection is refused rather than
//!   sent in clear when the server does not offer it);
//! - `smtps://user:pass@host:465` — TLS from the first byte;
//! - `smtp://127.0.0.1:2525` — in clear, for a local relay or test sink: only towards this
//!   machine, unless `?tls=none` says so explicitly (and then without credentials);
//! - `?tls=opportunistic` — STARTTLS when offered, clear otherwise.
//!
//! lettre reads `smtp://host` with no `tls` parameter as clear text; here it means STARTTLS
//! except towards loopback, so that credentials never leave the machine unencrypted by
//! accident. User and password are percent-encoded in the URL (`@` is `%40`).
//!
//! `OCPIZZA_MAIL_FROM`: the sender, `OC Pizza <commandes@ocpizza.fr>` or a bare address.
//! The URL holds the password: it is kept in a [`Secret`], never printed nor logged.

use crate::config::Secret;
use anyhow::{Context, bail};
use lettre::message::Mailbox;
use std::fmt;
use std::net::IpAddr;

/// The configuration variables read here (all `OCPIZZA_*`: unknown ones are refused).
pub const VARIABLES: &[&str] = &["OCPIZZA_SMTP_URL", "OCPIZZA_MAIL_FROM"];

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// No encryption (loopback, or `?tls=none`).
    Plain,
    /// STARTTLS, required.
    StartTls,
    /// STARTTLS when the server offers it.
    Opportunistic,
    /// TLS from the start (`smtps://`).
    Tls,
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Security::Plain => "in clear",
            Security::StartTls => "STARTTLS",
            Security::Opportunistic => "STARTTLS if offered",
            Security::Tls => "TLS",
        })
    }
}

/// The SMTP server and the sender.
#[derive(Debug, Clone)]
pub struct Smtp {
    /// The URL as lettre's `from_url` reads it (the `tls` parameter made explicit); holds the
    /// credentials.
    pub url: Secret<String>,
    /// `host:port`, safe to print.
    pub server: String,
    /// How the connection is protected.
    pub security: Security,
    /// Whether a user and password are sent.
    pub authenticated: bool,
    /// The `From` of every message.
    pub from: Mailbox,
}

/// Everything about e-mail.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `None`: e-mail is off.
    pub smtp: Option<Smtp>,
}

impl Settings {
    /// Reads the variables through `get` (unset or empty = unset).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
        let (url, from) = match (get("OCPIZZA_SMTP_URL"), get("OCPIZZA_MAIL_FROM")) {
            (None, None) => return Ok(Settings::default()),
            (Some(_), None) => bail!(
                "OCPIZZA_MAIL_FROM is required with OCPIZZA_SMTP_URL (e.g. \"OC Pizza \
                 <commandes@ocpizza.fr>\")"
            ),
            (None, Some(_)) => bail!(
                "OCPIZZA_SMTP_URL is required with OCPIZZA_MAIL_FROM (e.g. \
                 smtp://user:password@smtp.example.fr:587), or unset both to turn e-mail off"
            ),
            (Some(url), Some(from)) => (url, from),
        };
        let from: Mailbox = from.parse().map_err(|e| {
            anyhow::anyhow!(
                "OCPIZZA_MAIL_FROM={from}: not an address ({e}); expected \"Name \
                 <address@domain>\" or address@domain"
            )
        })?;
        Ok(Settings {
            smtp: Some(smtp(&url, from)?),
        })
    }
}

/// Parses and normalises the URL. Errors never quote the URL itself: it may hold a password.
fn smtp(raw: &str, from: Mailbox) -> anyhow::Result<Smtp> {
    let mut url = url::Url::parse(raw).ok().with_context(|| {
        "OCPIZZA_SMTP_URL: not a URL; expected smtp://user:password@host:587 or \
         smtps://user:password@host:465"
    })?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .context("OCPIZZA_SMTP_URL: no host")?
        .to_owned();
    let tls = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    if url.query_pairs().any(|(k, _)| k != "tls") {
        bail!("OCPIZZA_SMTP_URL: the only parameter understood is tls=required|opportunistic|none");
    }
    let loopback = is_loopback(&host);
    let security = match (url.scheme(), tls.as_deref()) {
        ("smtps", None) => Security::Tls,
        ("smtps", Some(_)) => bail!("OCPIZZA_SMTP_URL: smtps:// is TLS already; drop ?tls="),
        ("smtp", None) if loopback => Security::Plain,
        ("smtp", None | Some("required")) => Security::StartTls,
        ("smtp", Some("opportunistic")) => Security::Opportunistic,
        ("smtp", Some("none")) => Security::Plain,
        ("smtp", Some(other)) => {
            bail!("OCPIZZA_SMTP_URL: tls={other}; expected required, opportunistic or none")
        }
        (scheme, _) => bail!("OCPIZZA_SMTP_URL: scheme {scheme}://; expected smtp:// or smtps://"),
    };
    let authenticated = !url.username().is_empty() || url.password().is_some();
    if authenticated && (url.username().is_empty() || url.password().is_none()) {
        bail!("OCPIZZA_SMTP_URL: give both user and password: smtp://user:password@host");
    }
    if authenticated && security == Security::Plain && !loopback {
        bail!(
            "OCPIZZA_SMTP_URL: the password would travel in clear to {host}; use STARTTLS \
             (smtp://…, ?tls=required) or smtps://"
        );
    }
    // lettre reads a missing `tls` as clear text and does not know `none`: say what is meant.
    url.set_query(match security {
        Security::Plain | Security::Tls => None,
        Security::StartTls => Some("tls=required"),
        Security::Opportunistic => Some("tls=opportunistic"),
    });
    let port = url.port().unwrap_or(match security {
        Security::Plain => 25,
        Security::StartTls | Security::Opportunistic => 587,
        Security::Tls => 465,
    });
    Ok(Smtp {
        url: Secret::new(url.to_string()),
        server: format!("{host}:{port}"),
        security,
        authenticated,
        from,
    })
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_vars(|k| vars.get(k).cloned())
    }

    fn smtp(url: &str) -> anyhow::Result<Smtp> {
        let s = read(&[
            ("OCPIZZA_SMTP_URL", url),
            ("OCPIZZA_MAIL_FROM", "OC Pizza <commandes@ocpizza.fr>"),
        ])?;
        Ok(s.smtp.expect("on"))
    }

    #[test]
    fn both_unset_is_off_and_one_without_the_other_is_refused() {
        assert!(read(&[]).unwrap().smtp.is_none());
        let err = read(&[("OCPIZZA_SMTP_URL", "smtp://127.0.0.1:2525")]).unwrap_err();
        assert!(err.to_string().contains("OCPIZZA_MAIL_FROM"), "{err}");
        let err = read(&[("OCPIZZA_MAIL_FROM", "a@b.fr")]).unwrap_err();
        assert!(err.to_string().contains("OCPIZZA_SMTP_URL"), "{err}");
    }

    #[test]
    fn a_remote_server_gets_starttls_and_the_password_is_never_shown() {
        let s = smtp("smtp://ocp%40ocpizza.fr:tr%C3%A8s-secret@smtp.example.fr:587").unwrap();
        assert_eq!(s.security, Security::StartTls);
        assert_eq!(s.server, "smtp.example.fr:587");
        assert!(s.authenticated);
        assert!(
            s.url.expose().ends_with("?tls=required"),
            "{}",
            s.url.expose()
        );
        assert_eq!(s.from.email.to_string(), "commandes@ocpizza.fr");
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("secret") && !shown.contains("tr%C3"),
            "{shown}"
        );
        let tls = smtp("smtps://u:p@smtp.example.fr").unwrap();
        assert_eq!(
            (tls.security, tls.server.as_str()),
            (Security::Tls, "smtp.example.fr:465")
        );
    }

    #[test]
    fn clear_text_is_for_this_machine_or_asked_for_without_credentials() {
        let local = smtp("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(local.security, Security::Plain);
        assert_eq!(local.url.expose(), "smtp://127.0.0.1:2525");
        assert_eq!(smtp("smtp://localhost").unwrap().server, "localhost:25");
        let relay = smtp("smtp://relay.lan:25?tls=none").unwrap();
        assert_eq!(relay.security, Security::Plain);
        assert!(!relay.url.expose().contains("tls"));
        let err = smtp("smtp://u:secret-pw@relay.lan:25?tls=none").unwrap_err();
        assert!(err.to_string().contains("in clear"), "{err}");
        assert!(!err.to_string().contains("secret-pw"), "{err}");
    }

    #[test]
    fn malformed_settings_are_refused_without_quoting_the_url() {
        for bad in [
            "http://smtp.example.fr",
            "smtp://smtp.example.fr?tls=maybe",
            "smtps://smtp.example.fr?tls=required",
            "smtp://:pw-only@smtp.example.fr",
            "smtp://smtp.example.fr?pool=3",
            "not a url with secret-pw",
        ] {
            let err = smtp(bad).expect_err(bad);
            assert!(!err.to_string().contains("pw-only"), "{err}");
            assert!(!err.to_string().contains("secret-pw"), "{err}");
        }
        let err = read(&[
            ("OCPIZZA_SMTP_URL", "smtp://127.0.0.1"),
            ("OCPIZZA_MAIL_FROM", "not an address"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("OCPIZZA_MAIL_FROM"), "{err}");
    }
}
