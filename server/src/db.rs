//! The database handle: one SQL code path over SQLite (embedded default) and PostgreSQL.
//!
//! Queries use sqlx's `Any` driver with `$n` placeholders, 64-bit integers, text and JSON text,
//! which both databases understand identically. Writes go through [`Db::begin`]:
//!
//! - on SQLite, a single write connection lent to one task at a time ([`writer::Writer`]) and
//!   `BEGIN IMMEDIATE`, so write transactions queue in-process instead of failing with
//!   `SQLITE_BUSY` or deadlocking on a lock upgrade; reads use a pool and run concurrently
//!   thanks to WAL;
//! - on PostgreSQL, one pool; transactions lock rows in a fixed order (order, stock rows by
//!   ingredient id, stream heads by name) so that concurrent writers never deadlock.

pub mod script;
pub mod writer;

use crate::config::Config;
use anyhow::Context;
use sqlx::any::AnyRow;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};
use std::time::Duration;

/// How long a request waits for a pooled connection before it is answered 503: well under
/// the request timeout, so that an unreachable database gets a clear answer quickly.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// A transaction on the write connection (see [`Db::begin`]): sqlx's own on PostgreSQL; on SQLite,
/// the write connection with `BEGIN` and `COMMIT` sent as statements ([`Begun`]), the `BEGIN`
/// with the transaction's first read when it is begun by [`Db::begin_reading`]. Either way it
/// is the write connection while it lasts, and dropped without [`Tx::commit`] it is rolled
/// back.
pub enum Tx {
    /// Begun, committed and rolled back by sqlx.
    Sqlx(Transaction<'static, Any>),
    /// SQLite's writer, in a transaction begun by the text of its first statement.
    Begun(Begun),
}

/// SQLite's write connection inside a transaction that sqlx does not know of. sqlx hands
/// `BEGIN` and `COMMIT` to SQLite's thread as commands of their own and waits for the thread
/// to hear that their answer was taken: three wake-ups each, where a statement costs two.
/// Here they are plain statements, and `BEGIN IMMEDIATE` may go with the first read (see
/// [`Db::begin_reading`]).
pub struct Begun {
    /// Always there until dropped.
    conn: Option<writer::Lease>,
    /// Whether the transaction may still be open: then dropping rolls it back.
    open: bool,
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tx::Sqlx(_) => f.write_str("Tx::Sqlx"),
            Tx::Begun(begun) => begun.fmt(f),
        }
    }
}

impl std::fmt::Debug for Begun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Begun")
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

impl Drop for Begun {
    fn drop(&mut self) {
        let Some(mut lease) = self.conn.take() else {
            return;
        };
        if !self.open {
            return;
        }
        // Given back in a transaction, the connection would refuse its next `BEGIN`: it is
        // rolled back first, and closed if that fails (SQLite rolls back what it held then,
        // and the next lease opens another). Until then nobody else can borrow it.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(e) = sqlx::query("ROLLBACK").execute(&mut *lease).await {
                        tracing::warn!(error = %e, "SQLite writer could not roll back: closing it");
                        lease.discard();
                    }
                });
            }
            Err(_) => lease.discard(),
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            Tx::Sqlx(tx) => tx,
            Tx::Begun(begun) => begun.conn.as_ref().expect("a transaction's connection"),
        }
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Tx::Sqlx(tx) => tx,
            Tx::Begun(begun) => begun.connection(),
        }
    }
}

impl Tx {
    /// Commits; on an error, what the transaction wrote may or may not be there.
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlx(tx) => tx.commit().await,
            Tx::Begun(begun) => begun.end("COMMIT").await,
        }
    }

    /// Rolls back.
    pub async fn rollback(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlx(tx) => tx.rollback().await,
            Tx::Begun(begun) => begun.end("ROLLBACK").await,
        }
    }
}

impl Begun {
    /// The writer of `write`, about to begin: from the moment its `BEGIN` is sent the
    /// transaction may have begun, so that dropped early (a failure, a cancelled caller) it
    /// is rolled back.
    async fn lend(write: &writer::Writer) -> sqlx::Result<Begun> {
        Ok(Begun {
            conn: Some(write.lend().await?),
            open: true,
        })
    }

    fn connection(&mut self) -> &mut AnyConnection {
        self.conn.as_mut().expect("a transaction's connection")
    }

    async fn end(mut self, statement: &'static str) -> sqlx::Result<()> {
        sqlx::query(statement).execute(self.connection()).await?;
        self.open = false;
        Ok(())
    }
}

/// The options of PostgreSQL's connections: `url`'s, with [`STATEMENT_CACHE_CAPACITY`]
/// unless it sets one.
fn postgres_options(url: &str) -> anyhow::Result<sqlx::any::AnyConnectOptions> {
    let mut options: sqlx::any::AnyConnectOptions = url
        .parse()
        .context("reading DATABASE_URL as a PostgreSQL address")?;
    let address = &mut options.database_url;
    if !address
        .query_pairs()
        .any(|(key, _)| key == "statement-cache-capacity")
    {
        address
            .query_pairs_mut()
            .append_pair("statement-cache-capacity", STATEMENT_CACHE_CAPACITY);
    }
    Ok(options)
}

/// Which database runs underneath.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// Cheap to clone: pools and the writer are reference-counted.
#[derive(Debug, Clone)]
pub struct Db {
    /// Reads; on PostgreSQL, writes too.
    read: AnyPool,
    write: Write,
    /// The SQLite file's folder (whose free space readiness checks).
    dir: Option<std::path::PathBuf>,
}

/// Where writes go.
#[derive(Debug, Clone)]
enum Write {
    /// SQLite's single write connection.
    Sqlite(writer::Writer),
    /// PostgreSQL's one pool, the same as the reads'.
    Postgres,
}

/// The write connection, lent (see [`Db::writer`]): SQLite's writer, or a connection of
/// PostgreSQL's pool.
#[derive(Debug)]
pub enum WriteLease {
    /// SQLite's writer: nobody else writes until it is dropped.
    Sqlite(writer::Lease),
    /// A connection of PostgreSQL's pool.
    Postgres(PoolConnection<Any>),
}

impl WriteLease {
    /// Closes the connection: the next lease opens a fresh one.
    pub async fn close(self) -> sqlx::Result<()> {
        match self {
            WriteLease::Sqlite(lease) => lease.close().await,
            WriteLease::Postgres(conn) => conn.close().await,
        }
    }
}

impl std::ops::Deref for WriteLease {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            WriteLease::Sqlite(lease) => lease,
            WriteLease::Postgres(conn) => conn,
        }
    }
}

impl std::ops::DerefMut for WriteLease {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            WriteLease::Sqlite(lease) => lease,
            WriteLease::Postgres(conn) => conn,
        }
    }
}

/// Below this much free space in the SQLite file's folder the server reports itself not
/// ready: writes are about to fail.
pub const MIN_FREE_BYTES: u64 = 4 * 1024 * 1024;

/// A write-ahead log of more pages than this (256 MiB of 4 KiB pages) is started over from its
/// beginning once copied into the database file. Starting over holds the writer for the
/// database file's flush to disk (some 10 ms here): at the rate of a benchmark (3,500 orders a
/// second) this is every few seconds, on a busy evening never.
const WAL_RESTART_PAGES: i64 = 65_536;

/// Copies the WAL into the database file every `period` until the pools close, and has it
/// start over when it grew long.
///
/// A passive checkpoint (on a read connection) never blocks the writer, but under a steady
/// stream of writes it never catches up with the log's end either, and SQLite starts the log
/// over only when it has: the log then grows without end (a gigabyte in ten seconds of a
/// rush), and every page the writer looks up searches a longer index of it. So once the log
/// is long, the writer's own connection, between two transactions, copies the few pages
/// written since the passive checkpoint and starts it over.
async fn checkpoint_every(db: Db, period: Duration) {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if db.read.is_closed() {
            return;
        }
        if let Err(e) = db.checkpoint(WAL_RESTART_PAGES).await {
            if db.read.is_closed() {
                return;
            }
            tracing::warn!(error = %e, "SQLite checkpoint failed");
        }
    }
}

/// Copies what is left of the log and starts it over, on the writer's connection (the next
/// write transaction waits meanwhile). Readers of older pages are waited for a few
/// milliseconds only: when they are still there, it is tried again at the next checkpoint.
/// The log file keeps its size (its pages are written over) and goes when the server stops.
async fn restart_wal(write: &writer::Writer) -> sqlx::Result<()> {
    let mut conn = write.lend().await?;
    conn.execute("PRAGMA busy_timeout = 10").await?;
    let restarted = sqlx::query("PRAGMA wal_checkpoint(RESTART)")
        .execute(&mut *conn)
        .await;
    if let Err(e) = conn.execute(writer::WRITER_BUSY_TIMEOUT).await {
        // Not left with the short wait: the next lease opens a new one, set up as usual.
        let _ = conn.close().await;
        return Err(e);
    }
    restarted.map(drop)
}

/// A PostgreSQL connection idle for this long is checked before it is handed out (a restart
/// of the server may have closed it); one in use moments ago is not: sqlx checks every
/// connection as it comes back to the pool already, and a round trip per acquire costs the
/// order path one more wait on the database for each transaction.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// How many prepared statements each PostgreSQL connection keeps, unless `DATABASE_URL` says
/// otherwise (`statement-cache-capacity`; sqlx keeps 100).
///
/// A batch of orders writes its rows with one statement per table whatever their number, so
/// that each table's statement has a text for each batch size: a connection meets some 300
/// texts in a rush, the rest of the server some hundred more. Past the capacity the least used
/// is dropped and prepared again when it comes back, and a statement prepared again is planned
/// again: PostgreSQL keeps one plan for a prepared statement only after five runs with plans
/// of their own. A thousand keeps them all, for some 1.6 MiB more of each connection's
/// memory in PostgreSQL (20 connections: 275 MiB against 244, 60,000 orders).
const STATEMENT_CACHE_CAPACITY: &str = "1000";

impl Db {
    /// Connects as the configuration says (creating the SQLite file and its folder if needed).
    pub async fn connect(config: &Config) -> anyhow::Result<Db> {
        match &config.database_url {
            Some(url) => Db::connect_postgres(url.expose(), 20).await,
            None => {
                std::fs::create_dir_all(&config.data_dir).with_context(|| {
                    format!("creating data directory {}", config.data_dir.display())
                })?;
                Db::connect_sqlite(&config.sqlite_path().display().to_string()).await
            }
        }
    }

    /// Opens (creating if needed) the SQLite file at `path`.
    pub async fn connect_sqlite(path: &str) -> anyhow::Result<Db> {
        install_default_drivers();
        let url = format!("sqlite://{path}?mode=rwc");
        // SQLite checkpoints its WAL in the commit that crosses 1,000 pages, fsyncs included:
        // that one write (and every write queued behind the single writer) then waits tens of
        // milliseconds. The writer never checkpoints (see `writer`); a read connection does,
        // every second, in passive mode (it never blocks the writer or readers).
        let write = writer::Writer::open(&url)
            .await
            .with_context(|| format!("opening SQLite database {path}"))?;
        // A connection to SQLite is a handle in this process, not a socket: it cannot go
        // stale between two uses, so the pool does not ping it before lending it (a round trip
        // to the connection's thread and back on every acquire).
        let read = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .test_before_acquire(false)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(writer::PRAGMAS).await?;
                    conn.execute("PRAGMA wal_autocheckpoint = 1000").await?;
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .with_context(|| format!("opening SQLite database {path}"))?;
        let db = Db {
            read,
            write: Write::Sqlite(write),
            dir: std::path::Path::new(path)
                .parent()
                .map(std::path::Path::to_path_buf),
        };
        tokio::spawn(checkpoint_every(db.clone(), Duration::from_secs(1)));
        Ok(db)
    }

    /// Connects to PostgreSQL with a pool of `max` connections.
    pub async fn connect_postgres(url: &str, max: u32) -> anyhow::Result<Db> {
        install_default_drivers();
        let options = postgres_options(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= IDLE_BEFORE_PING {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await
            .context("connecting to PostgreSQL (DATABASE_URL)")?;
        Ok(Db {
            read: pool,
            write: Write::Postgres,
            dir: None,
        })
    }

    /// One round of SQLite's checkpoints (see [`checkpoint_every`], which runs it every
    /// second): copies the write-ahead log into the database file without blocking the writer,
    /// and if the log is longer than `restart_above` pages, starts it over. Returns the log's
    /// length in pages before.
    pub async fn checkpoint(&self, restart_above: i64) -> sqlx::Result<i64> {
        let (_, log, _) = sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&self.read)
            .await?;
        if log > restart_above
            && let Write::Sqlite(write) = &self.write
        {
            restart_wal(write).await?;
        }
        Ok(log)
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.write {
            Write::Sqlite(_) => Backend::Sqlite,
            Write::Postgres => Backend::Postgres,
        }
    }

    /// The pool for reads.
    pub fn pool(&self) -> &AnyPool {
        &self.read
    }

    /// The write connection for single-statement writes outside a transaction: SQLite's
    /// writer (see [`writer`]), or a connection of PostgreSQL's pool. `PoolTimedOut` after
    /// [`ACQUIRE_TIMEOUT`].
    pub async fn writer(&self) -> sqlx::Result<WriteLease> {
        match &self.write {
            Write::Sqlite(write) => write.lend().await.map(WriteLease::Sqlite),
            Write::Postgres => self.read.acquire().await.map(WriteLease::Postgres),
        }
    }

    /// SQLite's writer: whether it is open, and whether it is lent now. `None` on PostgreSQL,
    /// whose writes share the one pool.
    pub fn writer_usage(&self) -> Option<(bool, bool)> {
        match &self.write {
            Write::Sqlite(write) => Some(write.usage()),
            Write::Postgres => None,
        }
    }

    /// Starts a write transaction: sqlx's on PostgreSQL; on SQLite, `BEGIN IMMEDIATE` on the
    /// single write connection as a plain statement (see [`Begun`]).
    ///
    /// On SQLite, a writer that refuses `BEGIN` (left inside a transaction by a failure it
    /// could not roll back) is closed and a fresh one opened, once per call.
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        match &self.write {
            Write::Sqlite(write) => match begin_sqlite(write).await {
                Err(e) if !crate::error::is_outage(&e) => {
                    tracing::warn!(error = %e, "SQLite writer refused BEGIN: reopening it");
                    write.reopen().await;
                    begin_sqlite(write).await
                }
                other => other,
            },
            Write::Postgres => self.read.begin().await.map(Tx::Sqlx),
        }
    }

    /// On SQLite, starts a write transaction with the read `sql` (anonymous placeholders, bound
    /// by `bind`), sent to SQLite's thread together with its `BEGIN IMMEDIATE`: one hand-off
    /// for both (see [`Begun`]). Returns the transaction and the rows read. An error if this is
    /// not SQLite.
    ///
    /// A writer found inside a transaction already (left so by a failure it could not roll
    /// back) is closed and a fresh one opened, once per call, as by [`Db::begin`].
    pub async fn begin_reading(
        &self,
        sql: &str,
        bind: impl Fn(script::Unbound) -> script::Unbound,
    ) -> sqlx::Result<(Tx, Vec<AnyRow>)> {
        let Write::Sqlite(write) = &self.write else {
            return Err(sqlx::Error::Protocol(
                "a transaction begins with its first read on SQLite only".into(),
            ));
        };
        let text = format!("BEGIN IMMEDIATE;\n{sql}");
        match begin_reading_sqlite(write, &text, &bind).await {
            Err(e) if is_nested_begin(&e) => {
                tracing::warn!(error = %e, "SQLite writer refused BEGIN: reopening it");
                write.reopen().await;
                begin_reading_sqlite(write, &text, &bind).await
            }
            other => other,
        }
    }

    /// Free space in the SQLite file's folder, when known.
    pub fn free_bytes(&self) -> Option<u64> {
        #[cfg(target_os = "linux")]
        {
            let dir = self.dir.as_deref()?;
            let dir = if dir.as_os_str().is_empty() {
                std::path::Path::new(".")
            } else {
                dir
            };
            let st = rustix::fs::statvfs(dir).ok()?;
            Some(st.f_bavail.saturating_mul(st.f_frsize))
        }
        #[cfg(not(target_os = "linux"))]
        None
    }

    /// Whether both reads and writes can go through: a read, and a write transaction begun
    /// and rolled back (which also repairs a broken SQLite writer, see [`Db::begin`]).
    pub async fn ready(&self) -> sqlx::Result<()> {
        if let Some(free) = self.free_bytes()
            && free < MIN_FREE_BYTES
        {
            return Err(sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                format!("{free} bytes free next to the database"),
            )));
        }
        self.ping().await?;
        let mut tx = self.begin().await?;
        sqlx::query("SELECT 1").execute(&mut *tx).await?;
        tx.rollback().await
    }

    fn migrator(&self) -> &'static Migrator {
        match self.backend() {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// The highest migration this binary knows.
    pub fn known_migration_level(&self) -> i64 {
        self.migrator().iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let mut conn = self
            .writer()
            .await
            .context("applying database migrations")?;
        self.migrator()
            .run(&mut *conn)
            .await
            .context("applying database migrations")
    }

    /// Applies pending migrations up to `level` and no further: the database an earlier
    /// version left, on which an update's migrations can be tried.
    pub async fn migrate_up_to(&self, level: i64) -> anyhow::Result<()> {
        let mut conn = self
            .writer()
            .await
            .with_context(|| format!("applying database migrations up to {level}"))?;
        self.migrator()
            .run_to(level, &mut *conn)
            .await
            .with_context(|| format!("applying database migrations up to {level}"))
    }

    /// Versions known to this binary but not applied to the database (empty = up to date).
    pub async fn pending_migrations(&self) -> anyhow::Result<Vec<i64>> {
        let applied: Vec<i64> = match sqlx::query_scalar::<_, i64>(
            "SELECT version FROM _sqlx_migrations WHERE success = TRUE",
        )
        .fetch_all(&self.read)
        .await
        {
            Ok(v) => v,
            Err(sqlx::Error::Database(_)) => Vec::new(),
            Err(e) => return Err(e).context("reading applied migrations"),
        };
        Ok(self
            .migrator()
            .iter()
            .map(|m| m.version)
            .filter(|v| !applied.contains(v))
            .collect())
    }

    /// `SELECT 1`: is the database reachable?
    pub async fn ping(&self) -> sqlx::Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.read)
            .await
            .map(|_| ())
    }

    /// Closes the writer and the pool (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        if let Write::Sqlite(write) = &self.write {
            write.close().await;
        }
        self.read.close().await;
    }
}

/// `BEGIN IMMEDIATE` on SQLite's writer, as a plain statement (see [`Begun`]).
async fn begin_sqlite(write: &writer::Writer) -> sqlx::Result<Tx> {
    let mut begun = Begun::lend(write).await?;
    let begin = sqlx::query("BEGIN IMMEDIATE")
        .execute(begun.connection())
        .await;
    if begin.is_err() {
        // Nothing was begun: the connection goes back as it came (or is reopened by the
        // caller).
        begun.open = false;
    }
    begin?;
    Ok(Tx::Begun(begun))
}

/// `text`, which begins with `BEGIN IMMEDIATE`, on SQLite's writer (see [`Db::begin_reading`]).
async fn begin_reading_sqlite(
    write: &writer::Writer,
    text: &str,
    bind: &impl Fn(script::Unbound) -> script::Unbound,
) -> sqlx::Result<(Tx, Vec<AnyRow>)> {
    let mut begun = Begun::lend(write).await?;
    match bind(sqlx::query(sqlx::AssertSqlSafe(text)))
        .fetch_all(begun.connection())
        .await
    {
        Ok(rows) => Ok((Tx::Begun(begun), rows)),
        Err(e) => {
            if is_nested_begin(&e) {
                // Not begun here: what the connection holds is for the caller to undo.
                begun.open = false;
            }
            Err(e)
        }
    }
}

/// Whether SQLite refused a `BEGIN` because its connection was in a transaction already.
fn is_nested_begin(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.message().contains("within a transaction"))
}

/// Milliseconds since the Unix epoch, the timestamp format of every table.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Converts a stored timestamp back.
pub fn ts(ms: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// True when `err` is a unique-constraint violation (a duplicate key).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// The placeholders of a multi-row `VALUES` for `rows` groups of `cols` values, in the
/// statement's order, on `conn`'s database: numbered from `$1` on PostgreSQL, as in
/// `($1, $2), ($3, $4)`; anonymous on SQLite, as in `(?, ?), (?, ?)`, because the SQLite driver
/// looks up every numbered parameter's name in a list as long as the statement's parameters
/// (a time that grows with the square of the rows). Statements assembled from it bind every
/// value, and have no other placeholder.
pub fn values(conn: &sqlx::AnyConnection, rows: usize, cols: usize) -> String {
    values_for(
        conn.backend_name() == <sqlx::Sqlite as sqlx::Database>::NAME,
        rows,
        cols,
    )
}

/// The placeholder of a statement's `n`th value (from 1) on `conn`'s database: `$n` on
/// PostgreSQL; `?` on SQLite, where values are then bound in the order their placeholders
/// appear (see [`values`]).
pub fn placeholder(conn: &sqlx::AnyConnection, n: usize) -> String {
    if is_postgres(conn) {
        format!("${n}")
    } else {
        "?".to_owned()
    }
}

/// Whether `conn` is a PostgreSQL connection.
pub fn is_postgres(conn: &sqlx::AnyConnection) -> bool {
    conn.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME
}

/// PostgreSQL's placeholders for the `VALUES` of a statement's second part, after `before`
/// values bound by its first, as in `($3, $4)` after two.
pub fn pg_values_after(before: usize, rows: usize, cols: usize) -> String {
    values_from(false, before, rows, cols)
}

fn values_for(anonymous: bool, rows: usize, cols: usize) -> String {
    values_from(anonymous, 0, rows, cols)
}

fn values_from(anonymous: bool, before: usize, rows: usize, cols: usize) -> String {
    // Built for every batch written (hundreds of placeholders): digits are pushed as they
    // are, not through `write!`, which took a tenth of the server's instructions per order.
    let mut sql = String::with_capacity(rows * cols * 6);
    let mut digits = itoa::Buffer::new();
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for col in 0..cols {
            if col > 0 {
                sql.push_str(", ");
            }
            if anonymous {
                sql.push('?');
            } else {
                sql.push('$');
                sql.push_str(digits.format(before + row * cols + col + 1));
            }
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod values_tests {
    #[test]
    fn rows_of_placeholders_are_numbered_from_one() {
        assert_eq!(super::values_for(false, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(super::pg_values_after(6, 1, 2), "($7, $8)");
        assert_eq!(super::values_for(false, 1, 1), "($1)");
        assert_eq!(super::values_for(true, 2, 2), "(?, ?), (?, ?)");
    }
}

#[cfg(test)]
mod options_tests {
    fn capacity(url: &str) -> Vec<String> {
        let options = super::postgres_options(url).unwrap();
        options
            .database_url
            .query_pairs()
            .filter(|(key, _)| key == "statement-cache-capacity")
            .map(|(_, value)| value.into_owned())
            .collect()
    }

    #[test]
    fn postgres_connections_keep_a_thousand_statements_unless_the_address_says_otherwise() {
        assert_eq!(
            capacity("postgres://ocpizza:s3cret@db:5432/ocpizza"),
            ["1000"]
        );
        assert_eq!(
            capacity("postgres://db/ocpizza?sslmode=require&statement-cache-capacity=50"),
            ["50"]
        );
        let options = super::postgres_options("postgres://db/ocpizza?sslmode=require").unwrap();
        assert_eq!(
            options.database_url.query(),
            Some("sslmode=require&statement-cache-capacity=1000")
        );
    }
}
