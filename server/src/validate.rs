//! Input checks shared by handlers. Each returns the cleaned value or an error naming the field.

use crate::error::ApiError;

/// Trimmed text of `min..=max` characters.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, ApiError> {
    let v = value.trim();
    let n = v.chars().count();
    if n < min {
        return Err(ApiError::field(field, "must not be empty"));
    }
    if n > max {
        return Err(ApiError::field(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::field(
            field,
            "must not contain control characters",
        ));
    }
    if v.chars().any(is_invisible_format) {
        return Err(ApiError::field(
            field,
            "must not contain invisible or direction-changing characters",
        ));
    }
    Ok(v.to_owned())
}

/// Bidirectional overrides and isolates, zero-width and other invisible format characters:
/// they make a name or a note read differently from what it is (a ticket that shows another
/// address, a name that hides its end).
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}'   // zero-width space, joiners, direction marks
        | '\u{202A}'..='\u{202E}' // embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // isolates
        | '\u{00AD}'               // soft hyphen
        | '\u{061C}'               // Arabic letter mark
        | '\u{180E}'               // Mongolian vowel separator
        | '\u{FEFF}'               // zero-width no-break space
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
    )
}

/// Optional text: empty counts as absent.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, 1, max).map(Some),
    }
}

/// A plausible e-mail address, lower-cased.
pub fn email(field: &str, value: &str) -> Result<String, ApiError> {
    let v = value.trim().to_lowercase();
    let valid = v.len() <= 254
        && v.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !v.chars().any(char::is_whitespace);
    if valid {
        Ok(v)
    } else {
        Err(ApiError::field(field, "must be an e-mail address"))
    }
}

/// A password of 10 to 256 characters.
pub fn password(field: &str, value: &str) -> Result<(), ApiError> {
    let n = value.chars().count();
    if n < 10 {
        return Err(ApiError::field(field, "must be at least 10 characters"));
    }
    if n > 256 {
        return Err(ApiError::field(field, "must be at most 256 characters"));
    }
    Ok(())
}

/// A phone number: digits, spaces, `+ . - ( )`, with 6 to 15 digits.
pub fn phone(field: &str, value: &str) -> Result<String, ApiError> {
    let v = value.trim();
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let allowed = v
        .chars()
        .all(|c| c.is_ascii_digit() || " +.-()".contains(c));
    if allowed && (6..=15).contains(&digits) && v.len() <= 30 {
        Ok(v.to_owned())
    } else {
        Err(ApiError::field(field, "must be a phone number"))
    }
}

/// Optional phone: empty counts as absent.
pub fn optional_phone(field: &str, value: Option<&str>) -> Result<Option<String>, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => phone(field, v).map(Some),
    }
}

/// A French postcode: five digits.
pub fn postcode(field: &str, value: &str) -> Result<String, ApiError> {
    let v = value.trim();
    if v.len() == 5 && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(v.to_owned())
    } else {
        Err(ApiError::field(field, "must be a 5-digit postcode"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_cleaned_or_refused_with_their_field() {
        assert_eq!(email("e", " Ana@Example.FR ").unwrap(), "ana@example.fr");
        assert!(email("e", "ana@localhost").is_err());
        assert!(email("e", "a b@x.fr").is_err());
        assert!(phone("p", "+33 1 43 55 12 34").is_ok());
        assert!(phone("p", "call me").is_err());
        assert!(postcode("c", "7501").is_err());
        assert_eq!(optional_text("n", Some("  "), 10).unwrap(), None);
        assert!(text("n", "x\u{0}y", 1, 10).is_err());
        let ApiError::Invalid { fields, .. } = text("name", "", 1, 10).unwrap_err() else {
            panic!("expected an input error");
        };
        assert!(fields.contains_key("name"));
    }
}
