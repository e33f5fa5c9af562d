//! argon2id password hashing, run on the blocking pool so a login never stalls the runtime.

use crate::config::HashingCost;
use anyhow::Context;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

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
