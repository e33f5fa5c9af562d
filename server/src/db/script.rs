//! Statements of one transaction whose only result is the rows they change, sent together.
//!
//! SQLite runs in a thread of its own behind sqlx: every statement is a hand-off to that
//! thread and back, two thread wake-ups, and on a machine where waking a thread is dear they
//! cost more than the statements. A [`Script`] sends its statements as one string, which the
//! SQLite driver runs statement after statement in a single hand-off, binding the anonymous
//! placeholders (`?`) of all of them in order. On PostgreSQL each statement is sent as it
//! would be alone.
//!
//! Each statement says how many rows it must change, and the script checks it: a guarded
//! `UPDATE` that matched fewer rows than asked fails the script (and so its transaction).
//!
//! sqlx calls several statements in one prepared string a SQLite peculiarity it may drop
//! (its `execute_many` is deprecated for that reason). Should a later version stop running
//! them, the tests of `tests/api/script.rs`, and every order test with them, fail.

use super::Tx;
use sqlx::any::AnyArguments;

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
            for part in self.parts {
                let query = (part.bind)(sqlx::query(sqlx::AssertSqlSafe(part.sql)));
                let done = query.execute(&mut **tx).await?.rows_affected();
                check(done, part.rows, 1)?;
            }
            return Ok(());
        }
        if self.parts.is_empty() {
            return Ok(());
        }
        let mut sql = String::with_capacity(self.parts.iter().map(|p| p.sql.len() + 2).sum());
        let mut rows = 0;
        for part in &self.parts {
            if part.sql.contains('$') {
                return Err(sqlx::Error::Protocol(format!(
                    "a statement of a script numbers its placeholders: {}",
                    part.sql
                )));
            }
            sql.push_str(&part.sql);
            sql.push_str(";\n");
            rows += part.rows;
        }
        let statements = self.parts.len();
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for part in self.parts {
            query = (part.bind)(query);
        }
        let done = query.execute(&mut **tx).await?.rows_affected();
        check(done, rows, statements)
    }
}

fn check(done: u64, expected: u64, statements: usize) -> sqlx::Result<()> {
    if done == expected {
        return Ok(());
    }
    Err(sqlx::Error::Protocol(format!(
        "{statements} statement(s) of a script changed {done} rows where {expected} were \
         expected"
    )))
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
