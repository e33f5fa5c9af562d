//! SQL of the audit trail.

use super::Entry;
use crate::db::Tx;
use crate::db::script::Script;
use ocpizza_proto::UserId;

/// The start of a statement that writes entries: [`COLUMNS`] values per row follow.
pub const INSERT: &str = "INSERT INTO audit_log (at, actor_id, actor_name, shop_id, action, \
     subject, reason, before, after) VALUES ";

/// Values per entry written.
pub const COLUMNS: usize = 9;

/// Writes `entries` made by `actor` at `at` (Unix ms), with the actor's name as it is now,
/// with `script`: one statement per 100 entries.
pub async fn insert(
    tx: &mut Tx,
    script: &mut Script<'_>,
    actor: Option<UserId>,
    entries: Vec<Entry>,
    at: i64,
) -> sqlx::Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let name = actor_name(tx, actor).await?;
    for chunk in crate::db::script::chunks(entries, 100) {
        let mut sql = String::from(INSERT);
        sql.push_str(&crate::db::values(tx, chunk.len(), COLUMNS));
        let name = name.clone();
        script.push(sql, chunk.len() as u64, move |query| {
            bind(query, actor, name.as_deref(), &chunk, at)
        });
    }
    Ok(())
}

/// The name of `actor` as it is now (none for guests and the system).
pub async fn actor_name(tx: &mut Tx, actor: Option<UserId>) -> sqlx::Result<Option<String>> {
    match actor {
        Some(id) => {
            sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await
        }
        None => Ok(None),
    }
}

/// Binds the [`COLUMNS`] values of each of `entries` to `query`, in [`INSERT`]'s order.
pub fn bind<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    actor: Option<UserId>,
    name: Option<&str>,
    entries: &[Entry],
    at: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(ToString::to_string);
    for e in entries {
        query = query
            .bind(at)
            .bind(actor.map(|a| a.0))
            .bind(name.map(str::to_owned))
            .bind(e.shop.map(|s| s.0))
            .bind(e.action)
            .bind(e.subject.clone())
            .bind(e.reason.clone())
            .bind(json(&e.before))
            .bind(json(&e.after));
    }
    query
}

/// Removes the entries older than `horizon` (Unix ms); returns how many.
pub async fn prune(conn: &mut sqlx::AnyConnection, horizon: i64) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM audit_log WHERE at < $1")
        .bind(horizon)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected())
}
