//! SQLite's one write connection, lent to one task at a time.
//!
//! sqlx's pool sends a connection a ping each time it comes back (`return_to_pool`, which
//! cannot be turned off). To SQLite, whose connection is a handle in this process served by a
//! thread of its own, that is one more hand-off to that thread and back after every write
//! transaction, and it checks nothing the next statement would not: the thread runs its
//! commands one after the other, so a statement whose caller went away has ended (finished, or
//! stopped where its caller left it) before the next holder's first one starts. A transaction
//! given up is rolled back by its `Begun`.
//!
//! The writer is a single connection and needs no pool: a fair async mutex lends it in the
//! order it was asked for, and a task that waits longer than [`ACQUIRE_TIMEOUT`] gets
//! `PoolTimedOut`, as from a pool (503, see `error::is_outage`).

use super::ACQUIRE_TIMEOUT;
use sqlx::{AnyConnection, Connection, Executor};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Statements every connection to the SQLite file runs when it opens.
pub(super) const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                                  PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";

/// The writer never checkpoints in a commit (see `db::checkpoint_every`), and keeps its
/// statement journals in memory.
///
/// A statement of a transaction that may fail halfway (a guarded `UPDATE`, an `INSERT` that
/// meets a constraint) journals the pages it changes, so that it alone can be undone. Past
/// 64 KiB in a transaction, SQLite spills that journal to a temporary file of `/var/tmp`,
/// created and deleted each time: a batch of orders rewrites the same hot pages statement after
/// statement, and during a rush wrote some 4 MB a second to fifteen such files a second. In
/// memory, a batch's journal holds at most the pages the batch changes
/// ([`crate::orders::batch::MAX_BATCH`] orders); it goes at the commit.
const WRITER_PRAGMAS: &str = "PRAGMA wal_autocheckpoint = 0; PRAGMA temp_store = MEMORY";

/// How long the writer waits for a lock another process holds (a backup, the command line).
pub(super) const WRITER_BUSY_TIMEOUT: &str = "PRAGMA busy_timeout = 10000";

/// Cheap to clone: the connection is shared.
#[derive(Clone)]
pub struct Writer {
    url: Arc<str>,
    slot: Arc<Mutex<Slot>>,
}

/// What the mutex guards: the connection, absent once closed or broken until the next lease
/// opens another.
struct Slot {
    conn: Option<AnyConnection>,
    closed: bool,
}

/// The writer, lent: nobody else can borrow it until this is dropped.
pub struct Lease {
    slot: OwnedMutexGuard<Slot>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lease")
    }
}

impl Writer {
    /// Opens the write connection to the SQLite database at `url` (an error if it cannot).
    pub async fn open(url: &str) -> sqlx::Result<Writer> {
        let conn = connect(url).await?;
        Ok(Writer {
            url: url.into(),
            slot: Arc::new(Mutex::new(Slot {
                conn: Some(conn),
                closed: false,
            })),
        })
    }

    /// Lends the connection once the holders before have given it back, opening a new one if
    /// the last was closed. `PoolTimedOut` after [`ACQUIRE_TIMEOUT`]; `PoolClosed` once
    /// [`Writer::close`] was called.
    pub async fn lend(&self) -> sqlx::Result<Lease> {
        let mut slot = tokio::time::timeout(ACQUIRE_TIMEOUT, self.slot.clone().lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        if slot.closed {
            return Err(sqlx::Error::PoolClosed);
        }
        if slot.conn.is_none() {
            slot.conn = Some(connect(&self.url).await?);
        }
        Ok(Lease { slot })
    }

    /// Waits for the holder to give the connection back, then closes it for good.
    pub async fn close(&self) {
        let mut slot = self.slot.lock().await;
        slot.closed = true;
        if let Some(conn) = slot.conn.take() {
            let _ = conn.close().await;
        }
    }

    /// Closes the connection once given back: the next lease opens a fresh one.
    pub async fn reopen(&self) {
        if let Ok(lease) = self.lend().await {
            let _ = lease.close().await;
        }
    }

    /// Whether the connection is open, and whether it is lent now.
    pub fn usage(&self) -> (bool, bool) {
        match self.slot.try_lock() {
            Ok(slot) => (slot.conn.is_some(), false),
            Err(_) => (true, true),
        }
    }
}

impl Lease {
    /// Closes the connection: the next lease opens a fresh one.
    pub async fn close(mut self) -> sqlx::Result<()> {
        match self.slot.conn.take() {
            Some(conn) => conn.close().await,
            None => Ok(()),
        }
    }

    /// Lets the connection go without waiting for it to close (SQLite's thread closes it and
    /// rolls back what it held): the next lease opens a fresh one.
    pub fn discard(mut self) {
        self.slot.conn.take();
    }
}

impl std::ops::Deref for Lease {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        self.slot
            .conn
            .as_ref()
            .expect("a lent writer has its connection")
    }
}

impl std::ops::DerefMut for Lease {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.slot
            .conn
            .as_mut()
            .expect("a lent writer has its connection")
    }
}

async fn connect(url: &str) -> sqlx::Result<AnyConnection> {
    let mut conn = AnyConnection::connect(url).await?;
    conn.execute(PRAGMAS).await?;
    conn.execute(WRITER_PRAGMAS).await?;
    conn.execute(super::script::GUARD_TABLE).await?;
    Ok(conn)
}
