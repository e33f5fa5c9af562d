//! Passwords: argon2id hashing and the strength check, both run on the blocking pool so a login
//! never stalls the runtime.

use crate::config::HashingCost;
use crate::error::ApiError;
use anyhow::Context;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use zxcvbn::feedback::Feedback;

fn hasher(cost: HashingCost) -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(cost.memory_kib, cost.iterations, 1, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes `password` into a PHC string (`$argon2id$v=19$…`).
pub async fn hash(password: String, cost: HashingCost) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        hasher(cost)?
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
    })
    .await
    .context("password hashing task")?
}

/// Checks `password` against a stored PHC string (its own parameters are used).
pub async fn verify(password: String, stored: String) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), stored.as_str())
            .is_ok())
    })
    .await
    .context("password verification task")?
}

/// The lowest zxcvbn score accepted: 3 is "safely unguessable" (about 10¹⁰ guesses).
const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// Refuses, naming `field`, a password of fewer than 10 or more than 256 characters or one
/// that zxcvbn finds easy to guess (common passwords, keyboard runs, the account's own e-mail or
/// name with a digit added, …), with zxcvbn's advice. The estimate runs on the blocking pool:
/// crafted input can take it tens of milliseconds.
pub async fn check_strength(
    field: &'static str,
    password: &str,
    email: &str,
    name: &str,
) -> Result<(), ApiError> {
    crate::validate::password(field, password)?;
    let local_part = email.split('@').next().unwrap_or_default();
    let glued = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
    };
    let mut inputs: Vec<String> = vec![
        email.to_owned(),
        local_part.to_owned(),
        glued(local_part),
        name.to_owned(),
        glued(name),
        "ocpizza".to_owned(),
    ];
    inputs.extend(name.split_whitespace().map(str::to_owned));
    let password = password.to_owned();
    let problem = tokio::task::spawn_blocking(move || {
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        weakness(&zxcvbn::zxcvbn(&password, &inputs))
    })
    .await
    .context("password strength task")?;
    match problem {
        Some(problem) => Err(ApiError::field(field, problem)),
        None => Ok(()),
    }
}

/// What is wrong with a password scored below [`MIN_SCORE`], in zxcvbn's words.
fn weakness(entropy: &zxcvbn::Entropy) -> Option<String> {
    if entropy.score() >= MIN_SCORE {
        return None;
    }
    let mut problem = vec!["is too easy to guess.".to_owned()];
    let feedback = entropy.feedback();
    problem.extend(feedback.and_then(Feedback::warning).map(|w| w.to_string()));
    problem.extend(
        feedback
            .into_iter()
            .flat_map(Feedback::suggestions)
            .map(ToString::to_string),
    );
    if problem.len() == 1 {
        problem.push("Add another word or two. Uncommon words are better.".to_owned());
    }
    Some(problem.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn common_passwords_and_the_accounts_own_name_are_refused_with_advice() {
        for weak in ["password123", "azertyuiop", "ana.martin2024", "anamartin1"] {
            let err = check_strength("password", weak, "ana.martin@example.fr", "Ana Martin")
                .await
                .expect_err(weak);
            let ApiError::Invalid { fields, .. } = err else {
                panic!("expected an input error for {weak}");
            };
            assert!(
                fields["password"].starts_with("is too easy to guess."),
                "{fields:?}"
            );
        }
        for strong in ["long-enough-pw", "quatre-fromages-et-basilic", "demo-pizza"] {
            check_strength("password", strong, "ana.martin@example.fr", "Ana Martin")
                .await
                .expect(strong);
        }
    }
}
