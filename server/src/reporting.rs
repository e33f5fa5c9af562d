//! Error reporting to Sentry, only when `SENTRY_DSN` is set; without it nothing is loaded,
//! no layer is installed and nothing is sent.
//!
//! With it, three things report: panics (the panic integration, before the request's panic
//! becomes a 500), events logged at error level (an error recorded as `&dyn Error` keeps its
//! cause chain as the event's exceptions), and, around each request, its method and matched
//! route (sentry-tower). Info and warning logs only travel as breadcrumbs of a later event.
//!
//! No personal data leaves: [`scrub_event`] runs on every event before it is sent. It drops
//! the request's body, query string, cookies, environment and every header but a few
//! harmless ones, replaces its URL (a tracking link holds its token) by the matched route,
//! drops the user (and so the client address), and masks e-mail addresses, phone numbers and
//! long tokens in every message, exception, breadcrumb and field it keeps.

use crate::config::Config;
use sentry::protocol::{Breadcrumb, Context, Event, Map, Value};
use std::sync::Arc;
use tower::layer::util::Identity;
use tower::util::Either;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::LevelFilter;

/// Starts the Sentry client if `SENTRY_DSN` is set (keep the guard for the life of the
/// process: dropping it flushes what is queued). Call it before the runtime starts.
pub fn init(config: &Config) -> Option<sentry::ClientInitGuard> {
    let dsn = config.sentry_dsn.as_ref()?.expose().clone();
    let mut options = sentry::ClientOptions::default();
    options.dsn = Some(dsn);
    options.release = Some(concat!("ocpizza@", env!("CARGO_PKG_VERSION")).into());
    options.environment = Some(config.sentry_environment.clone().into());
    options.send_default_pii = false;
    options.attach_stacktrace = false;
    options.max_breadcrumbs = 50;
    options.before_send = Some(Arc::new(|event| Some(scrub_event(event))));
    options.before_breadcrumb = Some(Arc::new(|b| Some(scrub_breadcrumb(b))));
    Some(sentry::init(options))
}

/// The tracing layers feeding Sentry (errors as events, info and warnings as breadcrumbs),
/// or nothing when Sentry is off.
pub fn tracing_layer<S>(enabled: bool) -> Option<Box<dyn Layer<S> + Send + Sync>>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a> + Send + Sync,
{
    use sentry::integrations::tracing::{BreadcrumbLayer, ErrorLayer};
    use tracing_subscriber::filter::{FilterExt, filter_fn};
    // The trace layer logs every 5xx answer at error level too: the cause was reported
    // where it happened, so that line is not another event.
    let not_trace_layer = filter_fn(|m| !m.target().starts_with("tower_http::trace"));
    enabled.then(|| {
        ErrorLayer::new()
            .with_filter(LevelFilter::ERROR.and(not_trace_layer))
            .and_then(BreadcrumbLayer::new().with_filter(LevelFilter::INFO))
            .boxed()
    })
}

/// Gives each request its own Sentry hub (its scope: the request, breadcrumbs), applied
/// outermost on the router; nothing when Sentry is off.
pub fn hub_layer(
    enabled: bool,
) -> Either<sentry::integrations::tower::NewSentryLayer<axum::extract::Request>, Identity> {
    tower::util::option_layer(
        enabled.then(sentry::integrations::tower::NewSentryLayer::new_from_top),
    )
}

/// Names each request's scope by its method and matched route (and keeps the request's
/// description for an event, scrubbed by [`scrub_event`]); nothing when Sentry is off.
pub fn http_layer(enabled: bool) -> Either<sentry::integrations::tower::SentryHttpLayer, Identity> {
    tower::util::option_layer(
        enabled.then(|| sentry::integrations::tower::SentryHttpLayer::new().enable_transaction()),
    )
}

/// Names the request's Sentry scope by its method and matched route (a route template:
/// `/api/v1/track/{token}`, never the token), as the `route` tag and the transaction of its
/// events. Does nothing when Sentry is off.
pub fn name_scope(req: &axum::extract::Request) {
    if sentry::Hub::current().client().is_some() {
        let route = req
            .extensions()
            .get::<axum::extract::MatchedPath>()
            .map_or("unmatched", axum::extract::MatchedPath::as_str);
        let name = format!("{} {route}", req.method());
        sentry::configure_scope(|scope| {
            scope.set_tag("route", &name);
            scope.set_transaction(Some(&name));
        });
    }
}

/// Headers kept on a reported request; every other one is dropped.
const KEPT_HEADERS: [&str; 4] = ["content-type", "accept", "user-agent", "x-request-id"];

/// Removes personal data from an event (see the module documentation).
pub fn scrub_event(mut event: Event<'static>) -> Event<'static> {
    if let Some(req) = event.request.as_mut() {
        req.url = None;
        req.query_string = None;
        req.cookies = None;
        req.data = None;
        req.env.clear();
        req.headers
            .retain(|name, _| KEPT_HEADERS.contains(&name.to_ascii_lowercase().as_str()));
        for value in req.headers.values_mut() {
            *value = redact(value);
        }
    }
    event.user = None;
    if let Some(t) = event.transaction.as_mut() {
        *t = redact(t);
    }
    if let Some(m) = event.message.as_mut() {
        *m = redact(m);
    }
    if let Some(entry) = event.logentry.as_mut() {
        entry.message = redact(&entry.message);
        for p in &mut entry.params {
            scrub_value(p);
        }
    }
    for e in &mut event.exception.values {
        if let Some(v) = e.value.as_mut() {
            *v = redact(v);
        }
    }
    for b in &mut event.breadcrumbs.values {
        scrub_breadcrumb_in_place(b);
    }
    for v in event.extra.values_mut() {
        scrub_value(v);
    }
    for v in event.tags.values_mut() {
        *v = redact(v);
    }
    for context in event.contexts.values_mut() {
        if let Context::Other(map) = context {
            scrub_map(map);
        }
    }
    event
}

fn scrub_breadcrumb(mut b: Breadcrumb) -> Breadcrumb {
    scrub_breadcrumb_in_place(&mut b);
    b
}

fn scrub_breadcrumb_in_place(b: &mut Breadcrumb) {
    if let Some(m) = b.message.as_mut() {
        *m = redact(m);
    }
    scrub_map(&mut b.data);
}

fn scrub_map(map: &mut Map<String, Value>) {
    for v in map.values_mut() {
        scrub_value(v);
    }
}

fn scrub_value(v: &mut Value) {
    match v {
        Value::String(s) => *s = redact(s),
        Value::Array(items) => items.iter_mut().for_each(scrub_value),
        Value::Object(map) => map.values_mut().for_each(scrub_value),
        _ => {}
    }
}

/// Masks what looks like an e-mail address, an IP address, a phone number (six digits or more, spaces, dots,
/// dashes or a leading `+` between them) or a token (20 or more letters, digits, `-` or `_`
/// mixing letters and digits) in `text`.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        // One word at a time: a run of non-separators, then the separators after it.
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ',' | ';'))
            .unwrap_or(rest.len());
        let (word, tail) = rest.split_at(end);
        if !word.is_empty() {
            out.push_str(&redact_word(word));
        }
        let sep_end = tail
            .find(|c: char| !(c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ',' | ';')))
            .unwrap_or(tail.len());
        out.push_str(&tail[..sep_end]);
        rest = &tail[sep_end..];
    }
    mask_phone_numbers(&out)
}

fn redact_word(word: &str) -> String {
    if let Some(at) = word.find('@')
        && at > 0
        && word[at + 1..].contains('.')
    {
        return "[email]".to_owned();
    }
    // An IPv6 address (an IPv4 one is masked as a number).
    if word.matches(':').count() >= 2
        && word.chars().any(|c| c.is_ascii_hexdigit())
        && word
            .chars()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.' | '[' | ']'))
    {
        return "[address]".to_owned();
    }
    // Tokens inside a word (a path `/track/AbC…`, `token=…`): mask each long run.
    let mut out = String::with_capacity(word.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let letters = run.chars().any(|c| c.is_ascii_alphabetic());
        let digits = run.chars().any(|c| c.is_ascii_digit());
        if run.len() >= 20 && letters && digits {
            out.push_str("[token]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in word.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Replaces runs of at least six digits, possibly split by single spaces, dots or dashes and
/// led by `+`, with `[number]`.
fn mask_phone_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            || (chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        if !starts || (i > 0 && chars[i - 1].is_ascii_alphanumeric()) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let (mut j, mut digits, mut last_digit) = (i, 0, i);
        while j < chars.len() {
            let c = chars[j];
            if c.is_ascii_digit() {
                digits += 1;
                last_digit = j;
            } else if !(matches!(c, ' ' | '.' | '-' | '+')
                && chars.get(j + 1).is_some_and(char::is_ascii_digit))
            {
                break;
            }
            j += 1;
        }
        if digits >= 6 {
            out.push_str("[number]");
            i = last_digit + 1;
        } else {
            out.extend(&chars[i..=last_digit]);
            i = last_digit + 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_is_masked_in_free_text() {
        assert_eq!(
            redact("call 06 12 34 56 78 or +33 6 12 34 56 78 now"),
            "call [number] or [number] now"
        );
        assert_eq!(
            redact("mail jean.dupont@example.fr, thanks"),
            "mail [email], thanks"
        );
        assert_eq!(
            redact("GET /api/v1/track/Zx81kQ2mB7pL0vN4cT9wYs failed"),
            "GET /api/v1/track/[token] failed"
        );
        assert_eq!(
            redact("?token=0123456789abcdef0123456789abcdef"),
            "?token=[token]"
        );
        // What operators need stays readable.
        assert_eq!(
            redact("order 42 of shop 3: no such table: orders (code 1)"),
            "order 42 of shop 3: no such table: orders (code 1)"
        );
        assert_eq!(
            redact("/api/v1/orders/{id}/transition"),
            "/api/v1/orders/{id}/transition"
        );
    }

    #[test]
    fn a_reported_request_keeps_only_its_route_and_harmless_headers() {
        let mut event = Event {
            transaction: Some("GET /api/v1/track/{token}".into()),
            request: Some(sentry::protocol::Request {
                url: "http://pizza.example/api/v1/track/Zx81kQ2mB7pL0vN4cT9wYs?phone=0612345678"
                    .parse()
                    .ok(),
                query_string: Some("phone=0612345678".into()),
                cookies: Some("ocpizza_session=secret".into()),
                data: Some(r#"{"address":"12 rue de la Paix"}"#.into()),
                headers: [
                    ("Authorization".to_owned(), "Bearer abc".to_owned()),
                    ("User-Agent".to_owned(), "test".to_owned()),
                ]
                .into_iter()
                .collect(),
                ..Default::default()
            }),
            user: Some(sentry::User {
                ip_address: Some(sentry::protocol::IpAddress::Auto),
                ..Default::default()
            }),
            ..Default::default()
        };
        event = scrub_event(event);
        let text = serde_json::to_string(&event).unwrap();
        for secret in [
            "Zx81kQ2mB7pL0vN4cT9wYs",
            "0612345678",
            "secret",
            "rue de la Paix",
            "Bearer",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(event.user.is_none());
        assert!(text.contains("User-Agent"));
    }
}
