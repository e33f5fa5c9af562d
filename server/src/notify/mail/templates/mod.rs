//! The messages, each as a subject, a plain-text body and an HTML body, in French or English.
//! Everything that comes from a person (names, notes, reasons) is escaped in the HTML body.

pub mod order;
pub mod recovery;

use ocpizza_proto::Money;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The language of a message: French unless the customer used the app in English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Français (default).
    #[default]
    Fr,
    /// English.
    En,
}

impl Lang {
    /// From an `Accept-Language` value (`en-GB,en;q=0.9,fr;q=0.8`, or just `en`): the first
    /// language named decides; anything but English is French.
    pub fn from_accept_language(value: &str) -> Lang {
        let first = value
            .split(',')
            .next()
            .and_then(|tag| tag.split(';').next())
            .unwrap_or_default()
            .trim();
        Lang::parse(first)
    }

    /// From the request's `Accept-Language` header (French without one).
    pub fn of_request(headers: &axum::http::HeaderMap) -> Lang {
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map_or(Lang::Fr, Lang::from_accept_language)
    }

    /// From a stored code or a tag (`en`, `en-GB`); French otherwise.
    pub fn parse(tag: &str) -> Lang {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Fr
        }
    }

    /// `fr` or `en`, as stored in `orders.lang`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// `fr` in French, `en` in English.
    pub fn pick<'a>(self, fr: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// An amount as people write it: `13,50 €` in French, `€13.50` in English.
    pub fn money(self, amount: Money) -> String {
        match self {
            Lang::Fr => amount.to_string(),
            Lang::En => {
                let sign = if amount.0 < 0 { "-" } else { "" };
                let abs = amount.0.unsigned_abs();
                format!("{sign}€{}.{:02}", abs / 100, abs % 100)
            }
        }
    }
}

/// A message ready to send: what the `notifications` row of an e-mail carries as its payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    /// `Subject`.
    pub subject: String,
    /// The `text/plain` part.
    pub text: String,
    /// The `text/html` part.
    pub html: String,
}

/// `s` with `& < > " '` escaped for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The HTML page around `body` (already HTML): a plain, narrow layout that mail clients show
/// alike, with the brand and a footer saying why this message came.
pub fn page(lang: Lang, title: &str, body: &str, footer: &str) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\n\
         <body style=\"margin:0;padding:0;background:#f6f1ea;font-family:Helvetica,Arial,sans-serif;color:#2b2118\">\n\
         <div style=\"max-width:560px;margin:0 auto;padding:24px;background:#ffffff\">\n\
         <p style=\"font-size:20px;font-weight:bold;color:#b3261e;margin:0 0 16px\">OC Pizza</p>\n\
         {body}\n\
         <p style=\"font-size:12px;color:#6b5d50;margin-top:32px\">{footer}</p>\n\
         </div></body></html>\n",
        lang = lang.code(),
        title = escape(title),
        footer = escape(footer),
    );
    html
}

/// A button-like link for the HTML body (`url` is one we built: our public URL and a token).
pub fn button(url: &str, label: &str) -> String {
    format!(
        "<p style=\"margin:24px 0\"><a href=\"{url}\" style=\"background:#b3261e;color:#ffffff;\
         padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block\">\
         {label}</a></p>\n<p style=\"font-size:12px;color:#6b5d50\">{url}</p>",
        url = escape(url),
        label = escape(label),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_language_the_browser_names_decides_and_french_is_the_default() {
        assert_eq!(
            Lang::from_accept_language("en-GB,en;q=0.9,fr;q=0.8"),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language("EN"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr-FR,en;q=0.5"), Lang::Fr);
        assert_eq!(Lang::from_accept_language("de"), Lang::Fr);
        assert_eq!(Lang::from_accept_language(""), Lang::Fr);
        assert_eq!(Lang::parse("en"), Lang::En);
        assert_eq!(Lang::parse("english"), Lang::Fr);
    }

    #[test]
    fn amounts_read_as_each_language_writes_them_and_html_is_escaped() {
        assert_eq!(Lang::Fr.money(Money(1350)), "13,50 €");
        assert_eq!(Lang::En.money(Money(1350)), "€13.50");
        assert_eq!(Lang::En.money(Money(-5)), "-€0.05");
        assert_eq!(
            escape("<b>\"Tom\" & 'Jerry'</b>"),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }
}
