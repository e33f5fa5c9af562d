//! SQL of the audit trail.

use super::Entry;
use crate::db::Tx;
use ocpizza_proto::UserId;

/// Writes `entries` made by `actor` at `at` (Unix ms), with the actor's name as it is now.
pub async fn insert(
    tx: &mut Tx,
    actor: Option<UserId>,
    entries: &[Entry],
    at: i64,
) -> sqlx::Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let name: Option<String> = match actor {
        Some(id) => {
            sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await?
        }
        None => None,
    };
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(ToString::to_string);
    // One statement per chunk: an order's entries are written while its shop's rows are locked.
    for chunk in entries.chunks(100) {
        let mut sql = String::from(
            "INSERT INTO audit_log (at, actor_id, actor_name, shop_id, action, subject, reason, \
             before, after) VALUES ",
        );
        sql.push_str(&crate::db::values(tx, chunk.len(), 9));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in chunk {
            query = query
                .bind(at)
                .bind(actor.map(|a| a.0))
                .bind(name.clone())
                .bind(e.shop.map(|s| s.0))
                .bind(e.action)
                .bind(e.subject.clone())
                .bind(e.reason.clone())
                .bind(json(&e.before))
                .bind(json(&e.after));
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Removes the entries older than `horizon` (Unix ms); returns how many.
pub async fn prune(pool: &sqlx::AnyPool, horizon: i64) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM audit_log WHERE at < $1")
        .bind(horizon)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
}
