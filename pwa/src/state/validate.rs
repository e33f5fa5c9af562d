//! The checkout's fields checked in the browser by the server's own rules (`validate.rs` and
//! the order service on the server), so that the customer sees every problem at once, in their
//! language, before anything is sent; and the server's English field messages read back as the
//! same problems, so that a refusal the browser did not foresee is told the same way.

use super::checkout::{CheckoutForm, Field};
use ocpizza_proto::Fulfilment;
use std::collections::BTreeMap;

/// What is wrong with a field's value (the text is chosen by language in `i18n::errors`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Nothing typed where something is needed.
    Required,
    /// Fewer characters than `0`.
    TooShort(usize),
    /// More characters than `0`.
    TooLong(usize),
    /// Tabs, escapes and other control characters.
    ControlCharacters,
    /// Zero-width, direction-changing and other invisible characters.
    InvisibleCharacters,
    /// Not an e-mail address.
    NotAnEmail,
    /// Not a phone number.
    NotAPhone,
    /// Not five digits.
    NotAPostcode,
    /// The shop does not deliver to this postcode.
    NotDelivered,
    /// A number outside `0..=1`.
    OutOfRange(i64, i64),
    /// A stock count below what placed orders hold (`0` reserved).
    BelowReserved(i64),
    /// A password too easy to guess.
    WeakPassword,
    /// Refused for a reason the browser does not know.
    Refused,
}

/// Bidirectional overrides and isolates, zero-width and other invisible format characters
/// (the server's list).
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{00AD}'
        | '\u{061C}'
        | '\u{180E}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// Trimmed text of `min..=max` characters without control or invisible characters.
pub fn text(value: &str, min: usize, max: usize) -> Result<(), Problem> {
    let v = value.trim();
    let n = v.chars().count();
    if n == 0 && min > 0 {
        return Err(Problem::Required);
    }
    if n < min {
        return Err(Problem::TooShort(min));
    }
    if n > max {
        return Err(Problem::TooLong(max));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Problem::ControlCharacters);
    }
    if v.chars().any(is_invisible_format) {
        return Err(Problem::InvisibleCharacters);
    }
    Ok(())
}

/// Optional text: empty is fine.
pub fn optional_text(value: &str, max: usize) -> Result<(), Problem> {
    if value.trim().is_empty() {
        Ok(())
    } else {
        text(value, 1, max)
    }
}

/// A plausible e-mail address (empty is fine: the e-mail is optional).
pub fn optional_email(value: &str) -> Result<(), Problem> {
    let v = value.trim().to_lowercase();
    if v.is_empty() {
        return Ok(());
    }
    let valid = v.len() <= 254
        && v.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !v.chars().any(char::is_whitespace);
    valid.then_some(()).ok_or(Problem::NotAnEmail)
}

/// Digits, spaces and `+ . - ( )`, with 6 to 15 digits.
pub fn phone(value: &str) -> Result<(), Problem> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Problem::Required);
    }
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let allowed = v
        .chars()
        .all(|c| c.is_ascii_digit() || " +.-()".contains(c));
    (allowed && (6..=15).contains(&digits) && v.len() <= 30)
        .then_some(())
        .ok_or(Problem::NotAPhone)
}

/// Five digits, and one of the shop's delivery postcodes.
pub fn postcode(value: &str, delivered: &[String]) -> Result<(), Problem> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Problem::Required);
    }
    if v.len() != 5 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::NotAPostcode);
    }
    if delivered.iter().any(|p| p == v) {
        Ok(())
    } else {
        Err(Problem::NotDelivered)
    }
}

/// Every problem of `form`, by field, in the order the fields are shown; `delivered` are the
/// shop's delivery postcodes.
pub fn check(form: &CheckoutForm, delivered: &[String]) -> BTreeMap<Field, Problem> {
    let mut checks: Vec<(Field, Result<(), Problem>)> = Vec::new();
    if form.fulfilment == Fulfilment::Delivery {
        checks.extend([
            (Field::Street, text(form.get(Field::Street), 3, 200)),
            (
                Field::Postcode,
                postcode(form.get(Field::Postcode), delivered),
            ),
            (Field::City, text(form.get(Field::City), 1, 100)),
            (
                Field::Instructions,
                optional_text(form.get(Field::Instructions), 300),
            ),
        ]);
    }
    checks.extend([
        (Field::Name, text(form.get(Field::Name), 1, 100)),
        (Field::Phone, phone(form.get(Field::Phone))),
        (Field::Email, optional_email(form.get(Field::Email))),
        (Field::Note, optional_text(form.get(Field::Note), 500)),
    ]);
    checks
        .into_iter()
        .filter_map(|(field, result)| result.err().map(|p| (field, p)))
        .collect()
}

/// The fields in the order the checkout shows them (where focus goes first).
pub const SHOWN_ORDER: [Field; 8] = [
    Field::Street,
    Field::Postcode,
    Field::City,
    Field::Instructions,
    Field::Name,
    Field::Phone,
    Field::Email,
    Field::Note,
];

/// The first field of `problems` on the page.
pub fn first_shown<V>(problems: &BTreeMap<Field, V>) -> Option<Field> {
    SHOWN_ORDER.into_iter().find(|f| problems.contains_key(f))
}

/// The server's field problems of a failed request, each in the page's language (never the
/// server's English words).
pub fn field_texts(failure: &crate::services::api::ApiFailure) -> BTreeMap<String, String> {
    let lang = crate::i18n::Lang::of_document();
    failure
        .body()
        .and_then(|b| b.error.fields.as_ref())
        .into_iter()
        .flatten()
        .map(|(field, message)| (field.clone(), lang.problem(&from_server(message))))
        .collect()
}

/// The problem a server's English field message describes (see the server's `validate.rs`).
pub fn from_server(message: &str) -> Problem {
    let numbers: Vec<i64> = message
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let number = || {
        numbers
            .first()
            .map_or(0, |&n| usize::try_from(n).unwrap_or(0))
    };
    if message.contains("must be between") && numbers.len() == 2 {
        Problem::OutOfRange(numbers[0], numbers[1])
    } else if message.contains("reserved by placed orders") {
        Problem::BelowReserved(numbers.first().copied().unwrap_or(0))
    } else if message.contains("too easy to guess") {
        Problem::WeakPassword
    } else if message.contains("at least") && message.contains("characters") {
        Problem::TooShort(number())
    } else if message.contains("does not deliver") {
        Problem::NotDelivered
    } else if ["must not be empty", "required", "needed"]
        .iter()
        .any(|m| message.contains(m))
    {
        Problem::Required
    } else if message.contains("at most") {
        Problem::TooLong(number())
    } else if message.contains("control characters") {
        Problem::ControlCharacters
    } else if message.contains("invisible") {
        Problem::InvisibleCharacters
    } else if message.contains("e-mail") {
        Problem::NotAnEmail
    } else if message.contains("phone") {
        Problem::NotAPhone
    } else if message.contains("postcode") {
        Problem::NotAPostcode
    } else {
        Problem::Refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn areas() -> Vec<String> {
        vec!["75011".into(), "75012".into()]
    }

    #[test]
    fn an_empty_delivery_form_names_every_required_field() {
        let problems = check(&CheckoutForm::new(Fulfilment::Delivery), &areas());
        let required: Vec<Field> = problems
            .iter()
            .filter(|(_, p)| **p == Problem::Required)
            .map(|(f, _)| *f)
            .collect();
        assert_eq!(
            required,
            [
                Field::Name,
                Field::Phone,
                Field::Street,
                Field::Postcode,
                Field::City
            ]
        );
        assert_eq!(first_shown(&problems), Some(Field::Street));
        let pickup = check(&CheckoutForm::new(Fulfilment::Pickup), &areas());
        assert_eq!(
            pickup.keys().copied().collect::<Vec<_>>(),
            [Field::Name, Field::Phone]
        );
        assert_eq!(first_shown(&pickup), Some(Field::Name));
    }

    #[test]
    fn values_follow_the_servers_rules() {
        assert_eq!(text("ab", 3, 200), Err(Problem::TooShort(3)));
        assert_eq!(text(&"x".repeat(101), 1, 100), Err(Problem::TooLong(100)));
        assert_eq!(
            text("Ada\u{202E}", 1, 100),
            Err(Problem::InvisibleCharacters)
        );
        assert_eq!(text("Ada\tL", 1, 100), Err(Problem::ControlCharacters));
        assert_eq!(phone("06 12 34 56 78"), Ok(()));
        assert_eq!(phone("call me"), Err(Problem::NotAPhone));
        assert_eq!(optional_email(""), Ok(()));
        assert_eq!(optional_email("ana@localhost"), Err(Problem::NotAnEmail));
        assert_eq!(postcode("7501", &areas()), Err(Problem::NotAPostcode));
        assert_eq!(postcode("75020", &areas()), Err(Problem::NotDelivered));
        assert_eq!(postcode(" 75011 ", &areas()), Ok(()));
    }

    #[test]
    fn the_servers_field_messages_read_as_the_same_problems() {
        assert_eq!(from_server("must not be empty"), Problem::Required);
        assert_eq!(
            from_server("must be at most 100 characters"),
            Problem::TooLong(100)
        );
        assert_eq!(from_server("must be a phone number"), Problem::NotAPhone);
        assert_eq!(
            from_server("must be a 5-digit postcode"),
            Problem::NotAPostcode
        );
        assert_eq!(
            from_server("OC Pizza Paris 11e does not deliver to 75020"),
            Problem::NotDelivered
        );
        assert_eq!(
            from_server("must be between 1 and 10000000"),
            Problem::OutOfRange(1, 10_000_000)
        );
        assert_eq!(
            from_server("12 are reserved by placed orders; count at least that"),
            Problem::BelowReserved(12)
        );
        assert_eq!(
            from_server("is too easy to guess. Add another word or two."),
            Problem::WeakPassword
        );
        assert_eq!(
            from_server("must be at least 10 characters"),
            Problem::TooShort(10)
        );
        assert_eq!(from_server("something new"), Problem::Refused);
    }
}
