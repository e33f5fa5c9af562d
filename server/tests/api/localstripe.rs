//! localstripe (PyPI), a third-party fake of Stripe's API, started on a port of its own for
//! one test; and what a browser's Stripe.js would do against it (turning a card into a token).
//!
//! `cargo xtask test` installs it in a virtual environment and names its binary in
//! `OCPIZZA_LOCALSTRIPE`; otherwise `localstripe` is looked for on the `PATH`. Without it the
//! payment tests are skipped with a loud warning, except under CI (`CI` set), where that is a
//! failure.

use ocpizza::payments::settings::{ProviderSettings, Settings, StripeSettings};
use std::process::Stdio;
use std::time::Duration;

/// The webhook signing secret the tests configure.
pub const WEBHOOK_SECRET: &str = "whsec_ocpizza_tests";
/// The secret key (localstripe accepts any `sk_…`).
pub const SECRET_KEY: &str = "sk_test_ocpizza";
/// The publishable key.
pub const PUBLISHABLE_KEY: &str = "pk_test_ocpizza";

/// A running localstripe, stopped when dropped.
pub struct LocalStripe {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    child: std::process::Child,
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> Option<String> {
    if let Some(b) = std::env::var("OCPIZZA_LOCALSTRIPE")
        .ok()
        .filter(|b| !b.is_empty())
    {
        return Some(b);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("localstripe"))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}

/// Starts localstripe, or `None` (after a loud warning) when it is not installed outside CI.
pub async fn start() -> Option<LocalStripe> {
    let Some(bin) = binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "localstripe is required under CI (cargo xtask test installs it)"
        );
        eprintln!(
            "\n!!!!!!!! SKIPPED: localstripe is not installed (pip install localstripe==1.15.10, \
             or run `cargo xtask test`): the Stripe payment tests did not run !!!!!!!!\n"
        );
        return None;
    };
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        l.local_addr().expect("addr").port()
    };
    let mut child = std::process::Command::new(&bin)
        .args(["--port", &port.to_string(), "--from-scratch"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {bin}: {e}"));
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..150 {
        if client
            .get(format!("{url}/js.stripe.com/v3/"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Some(LocalStripe { url, child });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("localstripe did not start on port {port}");
}

impl LocalStripe {
    /// Payment settings pointing at this localstripe (webhooks verified with
    /// [`WEBHOOK_SECRET`]).
    pub fn settings(&self) -> Settings {
        Settings {
            provider: ProviderSettings::Stripe(StripeSettings {
                secret_key: ocpizza::config::Secret::new(SECRET_KEY.to_owned()),
                publishable_key: PUBLISHABLE_KEY.to_owned(),
                webhook_secret: Some(ocpizza::config::Secret::new(WEBHOOK_SECRET.to_owned())),
                api_url: self.url.clone(),
                js_url: format!("{}/js.stripe.com/v3/", self.url),
            }),
            timeout_minutes: 15,
        }
    }

    /// What Stripe.js does with the card typed in its field: a `tok_…` (with the publishable
    /// key only, as in a browser).
    pub async fn card_token(&self, number: &str) -> String {
        let r = reqwest::Client::new()
            .post(format!("{}/v1/tokens", self.url))
            .form(&[
                ("card[number]", number),
                ("card[exp_month]", "12"),
                ("card[exp_year]", "2030"),
                ("card[cvc]", "123"),
                ("key", PUBLISHABLE_KEY),
            ])
            .send()
            .await
            .expect("localstripe token");
        let body: serde_json::Value = r.json().await.expect("token JSON");
        body["id"].as_str().expect("token id").to_owned()
    }

    /// A call to localstripe with the secret key, as the server makes them.
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        form: &[(&str, &str)],
    ) -> serde_json::Value {
        let r = reqwest::Client::new()
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(SECRET_KEY)
            .form(form)
            .send()
            .await
            .expect("localstripe call");
        r.json().await.expect("localstripe JSON")
    }

    /// The PaymentIntent's status at Stripe.
    pub async fn intent_status(&self, intent: &str) -> String {
        self.api(
            reqwest::Method::GET,
            &format!("/v1/payment_intents/{intent}"),
            &[],
        )
        .await["status"]
            .as_str()
            .expect("status")
            .to_owned()
    }
}

/// A Stripe-Signature header for `body` signed at `t` (Unix seconds) with `secret`.
pub fn sign(secret: &str, t: i64, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}
