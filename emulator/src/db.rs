//! SQLite: opening, pragmas and the schema registry.
//!
//! # How a service registers its tables
//! Each service's `ServiceDef` (see `service.rs`) carries `schema: &str`, a batch of
//! `CREATE TABLE IF NOT EXISTS` / `CREATE INDEX IF NOT EXISTS` statements. [`open`] runs the core
//! schema and then every service's schema, in one transaction, on every start. Rules:
//! * prefix your tables with the service (`os_`, `iam_`, `df_`); `core_` is reserved for state
//!   shared by all services (tenancy, keys, compartments, retry tokens) and survives
//!   `POST /_emulator/reset`, which empties every other table (found via `sqlite_master`);
//! * a schema change is additive (`IF NOT EXISTS`; new columns need a new table or an
//!   `ALTER TABLE` guarded by a `PRAGMA table_info` check), because data dirs outlive builds;
//! * timestamps are stored as RFC 3339 text (`clock::rfc3339_millis`), JSON documents as text;
//! * a column naming a body file in `<data dir>/blobs` is called `blob` ([`referenced_blobs`]):
//!   at start, `serve` deletes every body file no such column names (left by a kill -9
//!   between writing a body and committing its row).
//!
//! Durability: WAL. [`open`] uses `synchronous=FULL` (each commit fsyncs); the server's
//! connection then switches to group commit ([`WalSync`], below): a commit is written to the WAL
//! and `AppState::tx`/`db` return only once the WAL is fsynced past it, so handlers, which
//! commit before they respond, still never acknowledge a write that is not on disk. One
//! connection behind a mutex is enough for a local emulator and makes every handler's
//! read-modify-write atomic.

use rusqlite::Connection;
use std::path::Path;

/// Tables shared by every service. See `state.rs` for the code that uses them.
pub const CORE_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS core_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS core_api_keys (
    fingerprint TEXT NOT NULL,
    tenancy_id  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    public_pem  TEXT NOT NULL,
    PRIMARY KEY (tenancy_id, user_id, fingerprint)
);
CREATE TABLE IF NOT EXISTS core_compartments (
    id          TEXT PRIMARY KEY,
    parent_id   TEXT,
    name        TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS core_retry_tokens (
    operation    TEXT NOT NULL,
    token        TEXT NOT NULL,
    body_sha256  TEXT NOT NULL,
    status       INTEGER NOT NULL,
    headers      TEXT NOT NULL,
    body         BLOB NOT NULL,
    resource_id  TEXT,
    invalidated  INTEGER NOT NULL DEFAULT 0,
    time_created TEXT NOT NULL,
    PRIMARY KEY (operation, token)
);
"#;

/// Open (creating if needed) the database at `path` and apply every registered schema.
pub fn open(path: &Path, schemas: &[&str]) -> anyhow::Result<Connection> {
    let mut conn = Connection::open(path)?;
    // Wait for locks first: another process (`oci-emulator config`, a second server) may hold
    // the database while this one starts.
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // journal_mode returns a row, so it is read rather than executed.
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        anyhow::bail!(
            "{}: SQLite refused WAL mode (got '{mode}'); use a local filesystem",
            path.display()
        );
    }
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
    // Hot statements are `prepare_cached`; the default of 16 would let the mixed workload's
    // statements evict each other.
    conn.set_prepared_statement_cache_capacity(64);
    let tx = conn.transaction()?;
    tx.execute_batch(CORE_SCHEMA)?;
    for schema in schemas {
        tx.execute_batch(schema)?;
    }
    tx.commit()?;
    Ok(conn)
}

/// Every value of every column named `blob`, in any table: the body files in `<data dir>/blobs`
/// that committed rows refer to. (Rule for services: a column that names a body file is called
/// `blob`; a file no such column names is garbage, see `AppState::remove_orphan_blobs`.)
pub fn referenced_blobs(conn: &Connection) -> rusqlite::Result<std::collections::HashSet<String>> {
    let mut tables = conn.prepare("SELECT name FROM sqlite_master WHERE type='table'")?;
    let tables = tables
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = std::collections::HashSet::new();
    for table in tables {
        let has_blob = conn
            .prepare(&format!(
                "SELECT 1 FROM pragma_table_info('{table}') WHERE name = 'blob'"
            ))?
            .exists([])?;
        if has_blob {
            let mut stmt = conn.prepare(&format!("SELECT blob FROM \"{table}\""))?;
            for b in stmt.query_map([], |r| r.get::<_, String>(0))? {
                out.insert(b?);
            }
        }
    }
    Ok(out)
}

/// Names of the tables `reset` empties: everything except `core_*` and SQLite's own.
pub fn resettable_tables(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'core_%' AND name NOT LIKE 'sqlite_%'",
    )?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(names)
}

// ---------------------------------------------------------------------------------------------
// Group commit.
//
// With `synchronous=FULL` every commit fsyncs the WAL while holding the connection's mutex, so
// concurrent writers queue behind one another's fsync (one PutObject ≈ 2.5 ms here, whatever the
// concurrency). The server's connection instead commits with `synchronous=NORMAL` (the commit is
// written to the WAL, not fsynced) and then waits, *outside* the mutex, until a dedicated syncer
// thread has fdatasynced the WAL past that commit. The syncer syncs everything written so far in
// one call, so N writers that commit during one fsync share the next one: the cost per write
// falls with concurrency instead of staying at one fsync. Acknowledged still means durable: a
// handler only answers after `wait`/`wait_async` returned for its commit.
//
// (A commit is visible to other requests before it is durable, as in any group commit; only a
// power loss in that window could undo something another client already read.)

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// The position of a commit in the WAL, in commits since start.
pub type CommitSeq = u64;

/// Shared between the connection's users (who note commits and wait) and the syncer thread.
pub struct WalSync {
    wal: PathBuf,
    dir: PathBuf,
    state: Mutex<SyncState>,
    /// Wakes the syncer (a commit to sync, or close) and blocking waiters (progress).
    changed: Condvar,
    /// `synced` for async waiters.
    progress: tokio::sync::watch::Sender<CommitSeq>,
}

#[derive(Default)]
struct SyncState {
    written: CommitSeq,
    synced: CommitSeq,
    /// fdatasyncs made (each covering every commit written before it).
    syncs: u64,
    /// After a failed fsync nothing written since can be called durable (the kernel may have
    /// dropped the dirty pages), so every later wait fails too.
    failed: Option<String>,
    closed: bool,
}

impl WalSync {
    /// Starts the syncer for the database at `db_path` (its WAL is `<db_path>-wal`). The thread
    /// ends after [`WalSync::close`]. It also checkpoints the WAL into the database, on a
    /// connection of its own, so the writers' connection can run with `wal_autocheckpoint=0`:
    /// a checkpoint (page copies and two fsyncs) then never holds the writers' mutex.
    pub fn start(db_path: &std::path::Path) -> anyhow::Result<Arc<WalSync>> {
        let checkpointer = Connection::open(db_path)?;
        let mut wal = db_path.as_os_str().to_owned();
        wal.push("-wal");
        let sync = Arc::new(WalSync {
            wal: PathBuf::from(wal),
            dir: db_path
                .parent()
                .unwrap_or(std::path::Path::new("."))
                .to_path_buf(),
            state: Mutex::new(SyncState::default()),
            changed: Condvar::new(),
            progress: tokio::sync::watch::Sender::new(0),
        });
        let worker = Arc::clone(&sync);
        std::thread::Builder::new()
            .name("wal-sync".to_owned())
            .spawn(move || worker.run(checkpointer))?;
        Ok(sync)
    }

    /// Commits noted and fdatasyncs made so far: their ratio is how many commits shared a sync.
    pub fn stats(&self) -> (CommitSeq, u64) {
        let st = self.lock();
        (st.written, st.syncs)
    }

    fn lock(&self) -> MutexGuard<'_, SyncState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Call with the connection's mutex held, right after a commit: the commit's sequence
    /// number, to wait for.
    pub fn note_commit(&self) -> CommitSeq {
        let mut st = self.lock();
        st.written += 1;
        self.changed.notify_all();
        st.written
    }

    /// Blocks until commit `seq` is on disk.
    pub fn wait(&self, seq: CommitSeq) -> std::io::Result<()> {
        let mut st = self.lock();
        loop {
            if let Some(e) = &st.failed {
                return Err(sync_failed(e));
            }
            if st.synced >= seq {
                return Ok(());
            }
            st = self.changed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// [`WalSync::wait`] without blocking the async runtime's thread.
    pub async fn wait_async(&self, seq: CommitSeq) -> std::io::Result<()> {
        let mut rx = self.progress.subscribe();
        // The syncer publishes `synced` after recording any failure, so checking `failed` once
        // the wait is over sees it.
        let _ = rx.wait_for(|synced| *synced >= seq).await;
        match &self.lock().failed {
            Some(e) => Err(sync_failed(e)),
            None => Ok(()),
        }
    }

    /// Stops the syncer once everything written is synced.
    pub fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    fn run(&self, checkpointer: Connection) {
        let mut synced_inode = None;
        loop {
            let target = {
                let mut st = self.lock();
                while st.written == st.synced && !st.closed {
                    st = self.changed.wait(st).unwrap_or_else(|p| p.into_inner());
                }
                if st.written == st.synced {
                    return; // closed, nothing pending
                }
                st.written
            };
            let result = self.sync_wal(&mut synced_inode);
            let wal_bytes = *result.as_ref().unwrap_or(&0);
            {
                let mut st = self.lock();
                st.syncs += 1;
                if let Err(e) = result {
                    tracing::error!(error = %e, wal = %self.wal.display(), "fsync of the WAL failed; refusing every later write");
                    st.failed = Some(e.to_string());
                }
                st.synced = target;
                self.changed.notify_all();
                self.progress.send_replace(target);
                if st.failed.is_some() {
                    return;
                }
            }
            // After the waiters are answered. PASSIVE copies what no reader still needs and
            // never waits for locks; the writers' next transaction then restarts the WAL from
            // its beginning, so it stays near this size and its syncs overwrite in place.
            if wal_bytes > CHECKPOINT_WAL_BYTES
                && let Err(e) =
                    checkpointer.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            {
                tracing::warn!(error = %e, "WAL checkpoint failed; will retry");
            }
        }
    }

    /// fdatasync the WAL; the first time a WAL file is seen, its directory entry too. Returns
    /// the WAL's size.
    fn sync_wal(&self, synced_inode: &mut Option<u64>) -> std::io::Result<u64> {
        use std::os::unix::fs::MetadataExt;
        match std::fs::File::open(&self.wal) {
            Ok(f) => {
                f.sync_data()?;
                let meta = f.metadata()?;
                if *synced_inode != Some(meta.ino()) {
                    std::fs::File::open(&self.dir)?.sync_all()?;
                    *synced_inode = Some(meta.ino());
                }
                Ok(meta.len())
            }
            // Only when the last connection closed: SQLite then checkpointed the WAL into the
            // database file (syncing it) and removed it.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        }
    }
}

/// WAL size beyond which the syncer checkpoints (SQLite's own default is 1000 pages, ~4 MB).
const CHECKPOINT_WAL_BYTES: u64 = 4 << 20;

fn sync_failed(e: &str) -> std::io::Error {
    std::io::Error::other(format!(
        "the database's write-ahead log could not be synced: {e}"
    ))
}
