//! The server's VAPID key pair (RFC 8292): a P-256 key created once, at the first start, and
//! kept in the database so that every instance signs with the same key and the browsers'
//! subscriptions (bound to its public half) survive restarts. The private half never leaves
//! the server: not logged, not served, redacted in `Debug`.

use crate::config::Secret;
use crate::db::{Db, now_ms};
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::bn::BigNumContext;
use openssl::ec::{EcGroup, EcKey, PointConversionForm};
use openssl::nid::Nid;
use sqlx::Row;

/// The key pair, base64url without padding.
#[derive(Debug, Clone)]
pub struct VapidKey {
    /// The raw 32-byte private scalar.
    pub private: Secret<String>,
    /// The uncompressed public point (65 bytes): the browsers' `applicationServerKey`.
    pub public: String,
}

impl VapidKey {
    /// A fresh key pair.
    pub fn generate() -> anyhow::Result<VapidKey> {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
        let key = EcKey::generate(&group)?;
        let private = key.private_key().to_vec_padded(32)?;
        let mut ctx = BigNumContext::new()?;
        let public =
            key.public_key()
                .to_bytes(&group, PointConversionForm::UNCOMPRESSED, &mut ctx)?;
        Ok(VapidKey {
            private: Secret::new(URL_SAFE_NO_PAD.encode(private)),
            public: URL_SAFE_NO_PAD.encode(public),
        })
    }
}

/// The stored key pair, created (and stored) if there is none yet. Two instances starting at
/// once both generate one; the first insert wins and both read it back.
pub async fn load_or_create(db: &Db) -> anyhow::Result<VapidKey> {
    if let Some(key) = load(db).await? {
        return Ok(key);
    }
    let fresh = VapidKey::generate()?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO push_vapid (id, private_key, public_key, created_at) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(fresh.private.expose())
    .bind(&fresh.public)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!("web push: VAPID key pair created");
    load(db)
        .await?
        .context("the VAPID key just stored cannot be read back")
}

/// The stored key pair, if any.
async fn load(db: &Db) -> anyhow::Result<Option<VapidKey>> {
    let row = sqlx::query("SELECT private_key, public_key FROM push_vapid WHERE id = 1")
        .fetch_optional(&mut *db.writer().await?)
        .await
        .context("reading the VAPID key")?;
    row.map(|r| {
        Ok(VapidKey {
            private: Secret::new(r.try_get("private_key")?),
            public: r.try_get("public_key")?,
        })
    })
    .transpose()
}

/// The public key alone (what `GET /api/v1/push/key` serves).
pub async fn public(pool: &sqlx::AnyPool) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT public_key FROM push_vapid WHERE id = 1")
        .fetch_optional(pool)
        .await
}
