//! Security headers set by the server itself, so that they hold with or without a proxy in
//! front: a strict Content Security Policy that fits the wasm app, no sniffing, no referrer
//! (tracking links carry their token), no framing, the browser features the app uses limited
//! to this origin, `no-store` on API answers (they carry personal data), and HSTS when the
//! public URL is https.

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

/// The headers added to every response, computed once at start.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    headers: Arc<HeaderMap>,
}

impl SecurityHeaders {
    /// Headers for a site whose public URL is `public_url`, serving the app's pages from
    /// `static_dir` (their inline scripts are allowed by hash), whose checkout also talks to
    /// the payment provider's `payment_origins` (Stripe.js, its API and frames).
    pub fn new(
        public_url: &str,
        static_dir: Option<&Path>,
        payment_origins: &[String],
    ) -> SecurityHeaders {
        let hashes: Vec<String> = static_dir
            .map(|dir| {
                ["index.html", "staff.html"]
                    .iter()
                    .filter_map(|page| std::fs::read_to_string(dir.join(page)).ok())
                    .flat_map(|html| inline_script_hashes(&html))
                    .collect()
            })
            .unwrap_or_default();
        let scripts: String = std::iter::once("'self' 'wasm-unsafe-eval'".to_owned())
            .chain(hashes.iter().map(|h| format!("'{h}'")))
            .chain(payment_origins.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ");
        let extra: String = payment_origins
            .iter()
            .flat_map(|o| [" ", o.as_str()])
            .collect();
        let frames = if extra.is_empty() {
            String::new()
        } else {
            format!(" frame-src{extra};")
        };
        let csp = format!(
            "default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'{extra}; font-src 'self'; manifest-src 'self'; worker-src 'self';\
             {frames} object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'"
        );
        let mut headers = HeaderMap::new();
        let mut set = |name: HeaderName, value: &str| {
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(name, v);
            }
        };
        set(header::CONTENT_SECURITY_POLICY, &csp);
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        set(header::REFERRER_POLICY, "no-referrer");
        set(header::X_FRAME_OPTIONS, "DENY");
        set(
            HeaderName::from_static("permissions-policy"),
            "geolocation=(self), screen-wake-lock=(self), camera=(), microphone=(), \
             payment=(self), usb=(), interest-cohort=()",
        );
        set(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        );
        if public_url.starts_with("https://") {
            set(
                header::STRICT_TRANSPORT_SECURITY,
                "max-age=31536000; includeSubDomains",
            );
        }
        SecurityHeaders {
            headers: Arc::new(headers),
        }
    }
}

/// `sha256-…` of each inline `<script>` of `html` (those without `src`).
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body = &after[open_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !tag.contains("src=") {
            let digest = Sha256::digest(&body.as_bytes()[..close]);
            out.push(format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body[close..];
    }
    out
}

impl SecurityHeaders {
    /// Adds the headers to `response`, and `no-store` to an API answer that sets no
    /// `Cache-Control` of its own (`api`: the request's path is under `/api/`).
    pub fn apply(&self, api: bool, response: &mut Response) {
        let headers = response.headers_mut();
        for (name, value) in self.headers.iter() {
            headers.insert(name, value.clone());
        }
        if api && !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::inline_script_hashes;

    #[test]
    fn only_inline_scripts_are_hashed_with_their_exact_text() {
        let html = r#"<script type="module">
    init();
  </script><script src="/a.js" defer></script><script>x()</script>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 2);
        // echo -n 'x()' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            hashes[1],
            "sha256-D6IGS8VMvCoyaR/l0h9tERrBTATY01CoPS7l6xDv0kI="
        );
    }
}
