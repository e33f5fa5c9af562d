//! Statements of one transaction whose only result is the rows they change, sent together.
//!
//! SQLite runs in a thread of its own behind sqlx: every statement is a hand-off to that
//! thread and back, two thread wake-ups, and on a machine where waking a thread is dear they
//! cost more than the statements. A [`Script`] sends its statements as one string, which the
//! SQLite driver runs statement after statement in a single hand-off, binding the anonymous
//! placeholders (`?`) of all of them in order; [`Script::commit`] sends the transaction's
//! `COMMIT` with them. On PostgreSQL each statement is sent as it would be alone.
//!
//! Each statement says how many rows it must change, and a statement that matched other rows
//! (a guarded `UPDATE` that found too little stock) fails the script, and so its transaction.
//! On SQLite the check is a statement of the script itself, right after the one it checks
//! (see [`GUARD_TABLE`]), so that the script stops there, before any `COMMIT` that follows.
//!
//! sqlx calls several statements in one prepared string a SQLite peculiarity it may drop
//! (its `execute_many` is deprecated for that reason). Should a later version stop running
//! them, the tests of `tests/api/script.rs`, and every order test with them, fail.

use super::{Begun, Tx};
use sqlx::any::AnyArguments;

/// What SQLite's writer creates, in its own memory, when it connects: a table that takes no
/// row. A script's check after each statement inserts one into it when the statement changed
/// other than its rows (`changes()` is the count of the last statement that wrote), which
/// fails the script with the constraint's name and runs nothing after it.
pub(super) const GUARD_TABLE: &str = "CREATE TEMP TABLE script_guard (changed INTEGER, \
     CONSTRAINT \"a statement of a script changed other rows than were expected\" CHECK (0))";

/// The error a failed check gives, as on PostgreSQL, where the script checks each count.
const GUARD_FAILED: &str = "a statement of a script changed other rows than were expected";

/// A query with its placeholders still unbound.
pub type Unbound = sqlx::query::Query<'static, sqlx::Any, AnyArguments>;

/// Binds a statement's values, in the order of its placeholders.
type Binder<'a> = Box<dyn FnOnce(Unbound) -> Unbound + Send + 'a>;

/// Statements to run together, in the order they were added.
#[derive(Default)]
pub struct Script<'a> {
    parts: Vec<Part<'a>>,
}

struct Part<'a> {
    sql: String,
    rows: u64,
    bind: Binder<'a>,
}

impl std::fmt::Debug for Script<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.parts.iter().map(|p| (&p.sql, p.rows)))
            .finish()
    }
}

impl<'a> Script<'a> {
    /// No statement yet.
    pub fn new() -> Script<'a> {
        Script::default()
    }

    /// Adds `sql`, which must change exactly `rows` rows once `bind` has bound its values. On
    /// SQLite its placeholders must be anonymous (see [`super::values`]): numbered ones would
    /// count from the script's first value.
    pub fn push(
        &mut self,
        sql: String,
        rows: u64,
        bind: impl FnOnce(Unbound) -> Unbound + Send + 'a,
    ) {
        self.parts.push(Part {
            sql,
            rows,
            bind: Box::new(bind),
        });
    }

    /// Runs the statements within `tx`; an error if one fails or changes other than its rows.
    pub async fn run(self, tx: &mut Tx) -> sqlx::Result<()> {
        if super::is_postgres(tx) {
            return self.run_each(tx).await;
        }
        if self.parts.is_empty() {
            return Ok(());
        }
        self.sqlite(None)?.execute(&mut **tx).await.map_err(guard)?;
        Ok(())
    }

    /// Runs the statements within `tx`, then commits it. On SQLite's writer the `COMMIT` goes
    /// with the statements, in the same hand-off, and is not reached if one of them fails:
    /// the transaction is then rolled back as it is dropped. On an error from the `COMMIT`
    /// itself, what the transaction wrote may or may not be there, as with [`Tx::commit`].
    pub async fn commit(self, tx: Tx) -> sqlx::Result<()> {
        let mut begun: Begun = match tx {
            Tx::Begun(begun) => begun,
            mut tx @ Tx::Sqlx(_) => {
                self.run(&mut tx).await?;
                return tx.commit().await;
            }
        };
        self.sqlite(Some("COMMIT"))?
            .execute(begun.connection())
            .await
            .map_err(guard)?;
        begun.open = false;
        Ok(())
    }

    /// On PostgreSQL: each statement alone, its count checked as it comes back.
    async fn run_each(self, tx: &mut Tx) -> sqlx::Result<()> {
        for part in self.parts {
            let query = (part.bind)(sqlx::query(sqlx::AssertSqlSafe(part.sql)));
            let done = query.execute(&mut **tx).await?.rows_affected();
            if done != part.rows {
                return Err(sqlx::Error::Protocol(format!(
                    "{GUARD_FAILED}: {done} rows where {} were expected",
                    part.rows
                )));
            }
        }
        Ok(())
    }

    /// On SQLite: the statements as one text, each followed by the check of its count, then
    /// `last`; their values bound in order.
    fn sqlite(self, last: Option<&str>) -> sqlx::Result<Unbound> {
        let mut sql =
            String::with_capacity(self.parts.iter().map(|p| p.sql.len() + 90).sum::<usize>() + 10);
        let mut digits = itoa::Buffer::new();
        for part in &self.parts {
            if part.sql.contains('$') {
                return Err(sqlx::Error::Protocol(format!(
                    "a statement of a script numbers its placeholders: {}",
                    part.sql
                )));
            }
            sql.push_str(&part.sql);
            sql.push_str(";\nINSERT INTO temp.script_guard SELECT changes() WHERE changes() <> ");
            sql.push_str(digits.format(part.rows));
            sql.push_str(";\n");
        }
        if let Some(last) = last {
            sql.push_str(last);
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for part in self.parts {
            query = (part.bind)(query);
        }
        Ok(query)
    }
}

/// Whether `e` is the failure of a script's statement that changed other rows than it said,
/// on either database.
pub fn changed_other_rows(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Protocol(message) if message.starts_with(GUARD_FAILED))
}

/// A failed check of SQLite's script as the error PostgreSQL's gives.
fn guard(e: sqlx::Error) -> sqlx::Error {
    match e.as_database_error() {
        Some(db) if db.message().contains(GUARD_FAILED) => {
            sqlx::Error::Protocol(GUARD_FAILED.to_owned())
        }
        _ => e,
    }
}

/// `items` in vectors of at most `size` (at least 1), in order: the rows of one statement
/// each, which a statement's binder owns until the script runs.
pub fn chunks<T>(mut items: Vec<T>, size: usize) -> impl Iterator<Item = Vec<T>> {
    let size = size.max(1);
    std::iter::from_fn(move || {
        if items.is_empty() {
            return None;
        }
        let rest = items.split_off(items.len().min(size));
        Some(std::mem::replace(&mut items, rest))
    })
}
