//! Following the event log: where a reader stands in a stream ([`step`]), the way through a
//! stream's log page by page up to a head ([`Walk`]: the live hub's catch-up, a connection's
//! replay and gap filling), and the durable, named cursor that consumers outside the live hub
//! (notifications) keep in the database.
//!
//! Every stream's sequence is contiguous, and the writers of a stream queue on its head row
//! until commit, so the events of one stream become visible in sequence order: "everything up
//! to `seq`" is a position that never skips an event, whatever order transactions of
//! *different* streams commit in (the log's global id would: a transaction that took id 10
//! may commit after the one that took id 11). Positions are therefore kept per stream.

use crate::db::script::{self, Script};
use crate::db::{Db, Tx};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row};
use std::fmt::Write as _;

/// Events read per query.
pub const PAGE: i64 = 500;

/// Where an event stands against the last sequence a reader took from its stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Already taken (a duplicate, or a Redis echo of a local event).
    Old,
    /// The very next one.
    Next,
    /// Events are missing before it: read them from the log first.
    Gap,
}

/// Classifies `seq` for a reader whose last event was `last`.
pub fn step(last: i64, seq: i64) -> Step {
    match seq - last {
        i64::MIN..=0 => Step::Old,
        1 => Step::Next,
        _ => Step::Gap,
    }
}

/// A set of streams a durable consumer follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// One stream by name (`group:orders`).
    One(String),
    /// Every stream whose name starts with `prefix` and ends with `suffix`
    /// (`shop:` … `:stock`), including streams created later.
    Family {
        /// Start of the names.
        prefix: &'static str,
        /// End of the names.
        suffix: &'static str,
    },
}

impl Selector {
    /// Whether `stream` belongs to the set.
    pub fn matches(&self, stream: &str) -> bool {
        match self {
            Selector::One(name) => name == stream,
            Selector::Family { prefix, suffix } => {
                stream.len() >= prefix.len() + suffix.len()
                    && stream.starts_with(prefix)
                    && stream.ends_with(suffix)
            }
        }
    }
}

/// One event as a durable consumer reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its stream.
    pub stream: String,
    /// Its sequence there.
    pub seq: i64,
    /// When it was written (ms).
    pub at: i64,
    /// Who made the change, if someone did.
    pub actor: Option<i64>,
    /// The event's kind, its `type` tag (`order_placed`).
    pub kind: String,
    /// The event as JSON.
    pub payload: String,
}

/// A named, persisted position in every stream of some [`Selector`]s.
///
/// Each consumer reads a stream's next events, acts on them inside a transaction and moves its
/// position in that same transaction with [`Cursor::advance`]: what it wrote commits if and
/// only if the position moved. Two instances reading the same events both try; the second
/// finds the position already moved and rolls back, so a consumer handles each event once.
#[derive(Debug, Clone)]
pub struct Cursor {
    name: String,
    selectors: Vec<Selector>,
}

/// A stream with events the consumer has not handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Behind {
    /// The stream.
    pub stream: String,
    /// The consumer's position (0: never read).
    pub at: i64,
    /// The stream's head.
    pub head: i64,
}

impl Cursor {
    /// The consumer `name`, following `selectors`.
    pub fn new(name: impl Into<String>, selectors: Vec<Selector>) -> Cursor {
        Cursor {
            name: name.into(),
            selectors,
        }
    }

    /// The consumer's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Creates the consumer on its first start, positioned at the head of every stream it
    /// follows: it acts on what happens from now on, not on the whole history. Later starts
    /// change nothing. Streams created afterwards are read from their first event.
    pub async fn register(&self, db: &crate::db::Db) -> sqlx::Result<()> {
        let mut tx = db.begin().await?;
        let created = sqlx::query(
            "INSERT INTO event_consumers (name, created_at) VALUES ($1, $2) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&self.name)
        .bind(crate::db::now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if created == 1 {
            for (stream, head) in self.heads(&mut tx).await? {
                sqlx::query(
                    "INSERT INTO event_cursors (consumer, stream, seq) VALUES ($1, $2, $3) \
                     ON CONFLICT (consumer, stream) DO NOTHING",
                )
                .bind(&self.name)
                .bind(stream)
                .bind(head)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await
    }

    /// Every followed stream with its head.
    async fn heads(&self, tx: &mut Tx) -> sqlx::Result<Vec<(String, i64)>> {
        let mut out = Vec::new();
        for selector in &self.selectors {
            let rows = match selector {
                Selector::One(name) => {
                    sqlx::query("SELECT stream, seq FROM stream_heads WHERE stream = $1")
                        .bind(name)
                        .fetch_all(&mut **tx)
                        .await?
                }
                Selector::Family { prefix, .. } => {
                    let (low, high) = prefix_range(prefix);
                    sqlx::query(
                        "SELECT stream, seq FROM stream_heads WHERE stream >= $1 AND stream < $2",
                    )
                    .bind(low)
                    .bind(high)
                    .fetch_all(&mut **tx)
                    .await?
                }
            };
            for row in rows {
                let stream: String = row.try_get("stream")?;
                if selector.matches(&stream) {
                    out.push((stream, row.try_get("seq")?));
                }
            }
        }
        Ok(out)
    }

    /// The followed streams whose head is past the consumer's position: one statement for
    /// all the selectors, read by `db` (the pool, or a connection).
    pub async fn behind<'c>(
        &self,
        db: impl sqlx::Executor<'c, Database = Any>,
    ) -> sqlx::Result<Vec<Behind>> {
        let Some((sql, binds)) = self.behind_query() else {
            return Ok(Vec::new());
        };
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in binds {
            query = query.bind(value);
        }
        self.behind_of(&query.fetch_all(db).await?)
    }

    /// [`Cursor::behind`] read by the statement that begins a write transaction on SQLite
    /// (see [`Db::begin_reading`]): the transaction, and the streams behind. An error if this
    /// is not SQLite.
    pub async fn begin_behind(&self, db: &Db) -> sqlx::Result<(Tx, Vec<Behind>)> {
        let Some((sql, binds)) = self.behind_query() else {
            return Ok((db.begin().await?, Vec::new()));
        };
        let (tx, rows) = db
            .begin_reading(&sql, |query| {
                binds
                    .iter()
                    .fold(query, |query, value| query.bind(value.clone()))
            })
            .await?;
        Ok((tx, self.behind_of(&rows)?))
    }

    /// The statement of [`Cursor::behind`] and its values in order; `None` without selectors.
    fn behind_query(&self) -> Option<(String, Vec<String>)> {
        const BEHIND: &str = "SELECT h.stream, h.seq AS head, c.seq AS at FROM stream_heads h \
             LEFT JOIN event_cursors c ON c.consumer = $1 AND c.stream = h.stream \
             WHERE h.seq > COALESCE(c.seq, 0) AND ";
        let mut sql = String::new();
        let mut binds: Vec<String> = vec![self.name.clone()];
        for selector in &self.selectors {
            if !sql.is_empty() {
                sql.push_str(" UNION ALL ");
            }
            sql.push_str(BEHIND);
            match selector {
                Selector::One(name) => {
                    binds.push(name.clone());
                    let _ = write!(sql, "h.stream = ${}", binds.len());
                }
                Selector::Family { prefix, .. } => {
                    let (low, high) = prefix_range(prefix);
                    binds.push(low);
                    binds.push(high);
                    let _ = write!(
                        sql,
                        "h.stream >= ${} AND h.stream < ${}",
                        binds.len() - 1,
                        binds.len()
                    );
                }
            }
        }
        (!sql.is_empty()).then_some((sql, binds))
    }

    /// The streams behind, from the rows of [`Cursor::behind_query`].
    fn behind_of(&self, rows: &[AnyRow]) -> sqlx::Result<Vec<Behind>> {
        let mut out = Vec::new();
        for row in rows {
            let stream: String = row.try_get("stream")?;
            // Each stream once, in the order of its first selector.
            if self.selectors.iter().any(|s| s.matches(&stream))
                && !out.iter().any(|b: &Behind| b.stream == stream)
            {
                out.push(Behind {
                    stream,
                    at: row.try_get::<Option<i64>, _>("at")?.unwrap_or(0),
                    head: row.try_get("head")?,
                });
            }
        }
        Ok(out)
    }

    /// Moves the position in `stream` from `from` to `to` within `tx`; false when another
    /// reader moved it first (the caller then rolls back what it did with these events).
    pub async fn advance(
        &self,
        tx: &mut Tx,
        stream: &str,
        from: i64,
        to: i64,
    ) -> sqlx::Result<bool> {
        let moved = if from == 0 {
            let inserted = sqlx::query(
                "INSERT INTO event_cursors (consumer, stream, seq) VALUES ($1, $2, $3) \
                 ON CONFLICT (consumer, stream) DO NOTHING",
            )
            .bind(&self.name)
            .bind(stream)
            .bind(to)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                return Ok(true);
            }
            sqlx::query(
                "UPDATE event_cursors SET seq = $4 WHERE consumer = $1 AND stream = $2 AND seq = $3",
            )
        } else {
            sqlx::query(
                "UPDATE event_cursors SET seq = $4 WHERE consumer = $1 AND stream = $2 AND seq = $3",
            )
        }
        .bind(&self.name)
        .bind(stream)
        .bind(from)
        .bind(to)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        Ok(moved == 1)
    }

    /// [`Cursor::advance`] in several streams at once: each `(stream, from, to)`; false when
    /// another reader moved one of them first. The positions already kept are moved by one
    /// statement, whatever their number.
    pub async fn advance_all(&self, tx: &mut Tx, moves: &[(&str, i64, i64)]) -> sqlx::Result<bool> {
        let mut script = Script::new();
        if !self.advance_all_with(tx, &mut script, moves).await? {
            return Ok(false);
        }
        match script.run(tx).await {
            Err(e) if script::changed_other_rows(&e) => Ok(false),
            done => done.map(|()| true),
        }
    }

    /// [`Cursor::advance_all`] for a transaction that ends with `script`: a stream's first
    /// position is written now (false when another reader wrote it first), and the statement
    /// that moves the positions already kept joins `script`, which it fails when another
    /// reader moved one of them first ([`script::changed_other_rows`] tells that failure). On
    /// SQLite's writer the move then goes with the commit, in one hand-off (see
    /// [`Script::commit`]).
    pub async fn advance_all_with(
        &self,
        tx: &mut Tx,
        script: &mut Script<'_>,
        moves: &[(&str, i64, i64)],
    ) -> sqlx::Result<bool> {
        let (first, kept): (Vec<_>, Vec<_>) = moves.iter().partition(|(_, from, _)| *from == 0);
        for (stream, from, to) in first {
            if !self.advance(tx, stream, from, to).await? {
                return Ok(false);
            }
        }
        if kept.is_empty() {
            return Ok(true);
        }
        // The values are bound in the order their placeholders appear: each move's stream and
        // `to`, the consumer, then each move's stream and `from`.
        let conn: &sqlx::AnyConnection = tx;
        let mut n = 0;
        let mut next = || {
            n += 1;
            crate::db::placeholder(conn, n)
        };
        let mut sql = String::from("UPDATE event_cursors SET seq = CASE stream");
        for _ in &kept {
            let _ = write!(sql, " WHEN {} THEN {}", next(), next());
        }
        let _ = write!(sql, " END WHERE consumer = {} AND (", next());
        for i in 0..kept.len() {
            let or = if i > 0 { " OR " } else { "" };
            let _ = write!(sql, "{or}(stream = {} AND seq = {})", next(), next());
        }
        sql.push(')');
        let name = self.name.clone();
        let kept: Vec<(String, i64, i64)> = kept
            .iter()
            .map(|(s, from, to)| ((*s).to_owned(), *from, *to))
            .collect();
        script.push(sql, kept.len() as u64, move |mut query| {
            for (stream, _, to) in &kept {
                query = query.bind(stream.clone()).bind(*to);
            }
            query = query.bind(name);
            for (stream, from, _) in kept {
                query = query.bind(stream).bind(from);
            }
            query
        });
        Ok(true)
    }
}

/// The events of `stream` after `after`, oldest first, at most `limit`, with when and by whom.
pub async fn read(
    pool: &AnyPool,
    stream: &str,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<Entry>> {
    let rows = sqlx::query(
        "SELECT seq, at, actor_id, kind, payload FROM events WHERE stream = $1 AND seq > $2 \
         ORDER BY seq LIMIT $3",
    )
    .bind(stream)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| entry(r, stream.to_owned())).collect()
}

/// An event read from the log (`seq`, `at`, `actor_id`, `kind`, `payload`) of `stream`.
fn entry(row: &AnyRow, stream: String) -> sqlx::Result<Entry> {
    Ok(Entry {
        stream,
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor_id")?,
        kind: row.try_get("kind")?,
        payload: row.try_get("payload")?,
    })
}

/// The events of several streams in one statement: of each `(stream, after)`, the first
/// `limit` after `after`, oldest first; by stream in name order. Read by `db` (the pool, or a
/// connection).
pub async fn read_many<'c>(
    db: impl sqlx::Executor<'c, Database = Any>,
    streams: &[(&str, i64)],
    limit: i64,
) -> sqlx::Result<Vec<Entry>> {
    if streams.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = String::new();
    for i in 0..streams.len() {
        if i > 0 {
            sql.push_str(" UNION ALL ");
        }
        let (stream, after, limit) = (3 * i + 1, 3 * i + 2, 3 * i + 3);
        let _ = write!(
            sql,
            "SELECT * FROM (SELECT stream, seq, at, actor_id, kind, payload FROM events \
             WHERE stream = ${stream} AND seq > ${after} ORDER BY seq LIMIT ${limit}) AS s{i}"
        );
    }
    sql.push_str(" ORDER BY stream, seq");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (stream, after) in streams {
        query = query.bind(*stream).bind(*after).bind(limit);
    }
    query
        .fetch_all(db)
        .await?
        .iter()
        .map(|r| entry(r, r.try_get("stream")?))
        .collect()
}

/// A reader's way through one stream's log, a page of at most [`PAGE`] events at a time, from
/// the last event it took up to a head: how the live hub catches up and how a connection
/// replays what its client missed or fills a gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Walk {
    at: i64,
    /// The last event to read; `None`: whatever the log holds when it is read.
    head: Option<i64>,
}

/// What [`Walk::next`] read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// The next events, in sequence, continuing where the walk stood.
    Events(Vec<Entry>),
    /// The walk reached its head (or the end of the log).
    End,
    /// The next event is no longer in the log (pruned): the reader needs a snapshot.
    Missing,
}

impl Walk {
    /// From after `after` up to `head`, both sequences of the stream.
    pub fn to(after: i64, head: i64) -> Walk {
        Walk {
            at: after,
            head: Some(head),
        }
    }

    /// From after `after` to the end of the log, as far as it goes when read.
    pub fn to_end(after: i64) -> Walk {
        Walk {
            at: after,
            head: None,
        }
    }

    /// The last sequence the walk took.
    pub fn at(&self) -> i64 {
        self.at
    }

    /// Reads the next page of `stream` and moves past it.
    pub async fn next(&mut self, pool: &AnyPool, stream: &str) -> sqlx::Result<Page> {
        let limit = match self.head {
            Some(head) if head <= self.at => return Ok(Page::End),
            Some(head) => (head - self.at).min(PAGE),
            None => PAGE,
        };
        let events = read(pool, stream, self.at, limit).await?;
        let Some(last) = events.last().map(|e| e.seq) else {
            // Up to a known head, every event is in the log unless it was pruned.
            return Ok(if self.head.is_some() {
                Page::Missing
            } else {
                Page::End
            });
        };
        if step(self.at, events[0].seq) != Step::Next {
            return Ok(Page::Missing);
        }
        self.at = last;
        if self.head.is_none() && (events.len() as i64) < limit {
            // A short page was the end of the log: no need to ask again.
            self.head = Some(last);
        }
        Ok(Page::Events(events))
    }
}

/// The half-open range of names starting with `prefix` (its last character moved up by one).
fn prefix_range(prefix: &str) -> (String, String) {
    let mut high: Vec<char> = prefix.chars().collect();
    if let Some(last) = high.last_mut() {
        *last = char::from_u32(*last as u32 + 1).unwrap_or(char::MAX);
    }
    (prefix.to_owned(), high.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_tell_old_next_and_gap() {
        assert_eq!(step(5, 3), Step::Old);
        assert_eq!(step(5, 5), Step::Old);
        assert_eq!(step(5, 6), Step::Next);
        assert_eq!(step(5, 8), Step::Gap);
    }

    #[test]
    fn a_family_matches_its_prefix_and_suffix_only() {
        let stock = Selector::Family {
            prefix: "shop:",
            suffix: ":stock",
        };
        assert!(stock.matches("shop:12:stock"));
        assert!(!stock.matches("shop:12:orders"));
        assert!(!stock.matches("group:orders"));
        assert!(!stock.matches("shop:stock"));
        assert_eq!(prefix_range("shop:"), ("shop:".into(), "shop;".into()));
    }
}
