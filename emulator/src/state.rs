//! `AppState`: the one handle every handler gets. Cheap to clone (an `Arc` inside).
//!
//! What a handler uses:
//! * [`AppState::db`] / [`AppState::tx`]: run a closure with the SQLite connection (or a
//!   transaction that is committed before the closure's result is returned). Never hold the
//!   connection across an `.await`; the closures are synchronous by construction.
//! * [`AppState::now`]: the injectable clock. Use it for every timestamp.
//! * [`AppState::new_ocid`]: `ocid1.<kind>.oc1.<region>.<unique>` OCIDs.
//! * [`AppState::lifecycle_delay`]: the current transition duration (see `lifecycle.rs`).
//! * [`AppState::identity`]: tenancy, user, namespace, region of the bootstrapped account.
//! * compartments (stored by `compartments.rs`) and retry tokens (`idempotency.rs`) are
//!   methods too.
//!
//! This module knows no service: the table schemas are handed in (`open_with_schemas`, called
//! by `AppState::open` at the crate root).

use crate::bootstrap::{self, Bootstrap};
use crate::clock::{Clock, SystemClock, rfc3339_millis};
use crate::compartments::{self, Compartment, NewCompartment};
use crate::db;
use crate::error::ApiError;
use crate::faults::Faults;
use rsa::RsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use time::{Duration, OffsetDateTime};

/// Longest lifecycle transition the emulator accepts (control API and `--lifecycle-ms`). Every
/// stored timestamp plus a few delays must stay representable; a day is far beyond any test.
pub const MAX_LIFECYCLE_DELAY: Duration = Duration::days(1);

/// How the emulator is started; everything has a sensible default.
#[derive(Clone)]
pub struct Options {
    /// Region written to the config file and used in OCIDs.
    pub region: String,
    /// Skip signature verification (the `--insecure-no-auth` flag).
    pub insecure_no_auth: bool,
    /// Initial lifecycle transition duration.
    pub lifecycle_delay: Duration,
    pub clock: Arc<dyn Clock>,
    /// Use this key instead of generating one at first start (tests share one key to save the
    /// RSA-2048 generation time). Ignored when the data dir is already bootstrapped.
    pub bootstrap_key: Option<rsa::RsaPrivateKey>,
    /// Process-wide values the services keep for themselves (by type), e.g. Data Flow's
    /// executor; this module never looks inside.
    pub extensions: http::Extensions,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            region: "us-ashburn-1".to_owned(),
            insecure_no_auth: false,
            lifecycle_delay: Duration::milliseconds(100),
            clock: Arc::new(SystemClock),
            bootstrap_key: None,
            extensions: http::Extensions::new(),
        }
    }
}

/// How many requests `GET /_emulator/requests` remembers: a ring, the oldest dropped first, so
/// a long-running emulator's memory does not grow with its traffic (it used to keep all).
pub const REQUEST_LOG_CAPACITY: usize = 10_000;

/// One OCI request as seen by the emulator, for `GET /_emulator/requests`.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub service: &'static str,
    pub operation: Option<&'static str>,
    pub status: u16,
    /// The region the request was addressed to (its `Host`; the home region if it names none).
    pub region: String,
    /// When it arrived (the injectable clock), RFC 3339 with milliseconds.
    pub time: String,
    /// What an injected fault rule did to it ("503 ServiceUnavailable", "latency 200 ms",
    /// "connection dropped"); absent when no rule fired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

/// Shared emulator state.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    db: Mutex<Connection>,
    /// Group commit of `db`'s writes (see `db.rs`).
    wal: Arc<db::WalSync>,
    clock: Arc<dyn Clock>,
    data_dir: PathBuf,
    identity: Bootstrap,
    insecure_no_auth: bool,
    lifecycle_delay_ms: AtomicU64,
    keys: RwLock<HashMap<String, Arc<RsaPublicKey>>>,
    faults: Faults,
    /// The last [`REQUEST_LOG_CAPACITY`] requests, oldest first.
    requests: Mutex<std::collections::VecDeque<RequestRecord>>,
    /// See [`AppState::retry_token_lock`].
    retry_locks: [Mutex<()>; RETRY_LOCK_STRIPES],
    consistency: crate::consistency::Consistency,
    extensions: http::Extensions,
}

/// Lock stripes for retry tokens: enough that unrelated tokens rarely wait on each other.
const RETRY_LOCK_STRIPES: usize = 64;

impl AppState {
    /// Open the emulator state in `data_dir` with the given table schemas (every service's;
    /// `AppState::open` in `lib.rs` passes them), bootstrapping the account on first start.
    pub fn open_with_schemas(
        data_dir: &Path,
        options: Options,
        schemas: &[&str],
    ) -> anyhow::Result<AppState> {
        std::fs::create_dir_all(data_dir)?;
        let data_dir = data_dir.canonicalize()?;
        std::fs::create_dir_all(data_dir.join("blobs"))?;
        let mut conn = db::open(&data_dir.join("emulator.db"), schemas)?;
        let identity = bootstrap::ensure(
            &mut conn,
            &data_dir,
            &options.region,
            options.bootstrap_key.as_ref(),
            options.clock.now(),
        )?;
        let keys = load_keys(&conn)?;
        // From here on commits are made durable by the group syncer, not by each commit's own
        // fsync (see `db.rs`); everything up to the bootstrap was committed with FULL.
        // The syncer checkpoints too, off the writers' mutex.
        conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;")?;
        let wal = db::WalSync::start(&data_dir.join("emulator.db"))?;
        let state = AppState(Arc::new(Inner {
            db: Mutex::new(conn),
            wal,
            clock: options.clock,
            data_dir,
            identity,
            insecure_no_auth: options.insecure_no_auth,
            lifecycle_delay_ms: AtomicU64::new(clamped_delay_ms(options.lifecycle_delay)),
            keys: RwLock::new(keys),
            faults: Faults::default(),
            requests: Mutex::new(std::collections::VecDeque::new()),
            retry_locks: std::array::from_fn(|_| Mutex::new(())),
            consistency: Default::default(),
            extensions: options.extensions,
        }));
        Ok(state)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (uncommitted
        // transactions roll back), so a poisoned lock is still usable.
        self.0.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Run `f` with the connection (autocommit: each statement is its own transaction). If it
    /// wrote anything, returns once that is durable.
    pub fn db<T>(&self, f: impl FnOnce(&Connection) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let (out, seq) = {
            let conn = self.conn();
            let before = conn.total_changes();
            // Even a failing `f` may have committed statements before it failed.
            let out = f(&conn);
            let seq = (conn.total_changes() != before).then(|| self.0.wal.note_commit());
            (out, seq)
        };
        if let Some(seq) = seq {
            self.0.wal.wait(seq)?;
        }
        out
    }

    /// Run `f` in a transaction; it is committed (durably) if `f` returns `Ok`, rolled back otherwise.
    /// Blocks the calling thread for the group fsync; async handlers on a hot path use
    /// [`AppState::tx_async`].
    pub fn tx<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let (out, seq) = self.commit(f)?;
        self.0.wal.wait(seq)?;
        Ok(out)
    }

    /// [`AppState::tx`] that waits for durability without holding up the runtime's thread, so
    /// concurrent writers can share one fsync.
    pub async fn tx_async<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let (out, seq) = self.commit(f)?;
        self.0.wal.wait_async(seq).await?;
        Ok(out)
    }

    /// Runs and commits `f`'s transaction (written to the WAL, not yet synced).
    fn commit<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, ApiError>,
    ) -> Result<(T, db::CommitSeq), ApiError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok((out, self.0.wal.note_commit()))
    }

    /// Group commit so far: (commits, fdatasyncs of the WAL), for benchmarks.
    pub fn group_commit_stats(&self) -> (u64, u64) {
        self.0.wal.stats()
    }

    /// The IAM consistency switches (`consistency.rs`).
    pub fn consistency(&self) -> &crate::consistency::Consistency {
        &self.0.consistency
    }

    /// Current time from the injectable clock.
    pub fn now(&self) -> OffsetDateTime {
        self.0.clock.now()
    }

    /// A new OCID of `kind` in this emulator's region (global for IAM kinds).
    pub fn new_ocid(&self, kind: &str) -> String {
        crate::ocid::new_ocid(kind, &self.0.identity.region)
    }

    /// Tenancy, user, namespace and region created at first start.
    pub fn identity(&self) -> &Bootstrap {
        &self.0.identity
    }

    /// A value a service put in `Options::extensions`.
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.0.extensions.get::<T>()
    }

    pub fn data_dir(&self) -> &Path {
        &self.0.data_dir
    }

    /// Directory holding object and part bodies (`<data dir>/blobs`).
    pub fn blob_dir(&self) -> PathBuf {
        self.0.data_dir.join("blobs")
    }

    pub fn insecure_no_auth(&self) -> bool {
        self.0.insecure_no_auth
    }

    /// Duration of one lifecycle transition (`--lifecycle-ms`, `PUT /_emulator/lifecycle`).
    pub fn lifecycle_delay(&self) -> Duration {
        Duration::milliseconds(self.0.lifecycle_delay_ms.load(Ordering::Relaxed) as i64)
    }

    /// Set the transition duration, clamped to `0..=MAX_LIFECYCLE_DELAY` (callers that take user
    /// input validate first and say so; the clamp only keeps library users safe).
    pub fn set_lifecycle_delay(&self, delay: Duration) {
        self.0
            .lifecycle_delay_ms
            .store(clamped_delay_ms(delay), Ordering::Relaxed);
    }

    /// The public key registered under `keyId` (`tenancy/user/fingerprint`).
    pub fn public_key(&self, key_id: &str) -> Option<Arc<RsaPublicKey>> {
        self.0
            .keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key_id)
            .cloned()
    }

    /// Register another API key (for tests of multiple principals). Persisted.
    pub fn register_key(
        &self,
        tenancy_id: &str,
        user_id: &str,
        public_pem: &str,
    ) -> Result<String, ApiError> {
        let key = RsaPublicKey::from_public_key_pem(public_pem).map_err(|e| {
            ApiError::invalid_parameter(format!("publicKey is not a PEM RSA public key: {e}"))
        })?;
        let fingerprint = bootstrap::fingerprint(&key);
        self.db(|c| {
            c.execute(
                "INSERT OR REPLACE INTO core_api_keys (fingerprint, tenancy_id, user_id, public_pem) VALUES (?1,?2,?3,?4)",
                (&fingerprint, tenancy_id, user_id, public_pem),
            )?;
            Ok(())
        })?;
        let key_id = format!("{tenancy_id}/{user_id}/{fingerprint}");
        self.0
            .keys
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key_id, Arc::new(key));
        Ok(fingerprint)
    }

    /// Serialises everything done under one `(operation, opc-retry-token)`: the lookup, the
    /// create and the recording of its response must be one step, or concurrent retries of the
    /// same request each miss the lookup and each create a resource. Taken before the database
    /// lock and never while holding it.
    pub fn retry_token_lock(&self, operation: &str, token: &str) -> MutexGuard<'_, ()> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (operation, token).hash(&mut h);
        let stripe = (h.finish() % RETRY_LOCK_STRIPES as u64) as usize;
        // The guarded section only touches SQLite, whose transactions roll back on a panic.
        self.0.retry_locks[stripe]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    pub fn faults(&self) -> &Faults {
        &self.0.faults
    }

    pub fn record_request(&self, record: RequestRecord) {
        let mut log = self.0.requests.lock().unwrap_or_else(|p| p.into_inner());
        if log.len() == REQUEST_LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(record);
    }

    /// The remembered requests, oldest first (at most [`REQUEST_LOG_CAPACITY`]).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.0
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    pub fn clear_requests(&self) {
        self.0
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// `Ok(())` if the compartment exists and is ACTIVE; else 404 `NotAuthorizedOrNotFound`.
    pub fn require_compartment(&self, id: &str) -> Result<(), ApiError> {
        self.db(|c| compartments::require_active(c, id))
    }

    /// Create a compartment under an existing parent. Names are unique among siblings (409).
    pub fn create_compartment(&self, new: NewCompartment) -> Result<Compartment, ApiError> {
        compartments::validate_new(&new)?;
        let c = compartments::from_new(
            new,
            self.new_ocid("compartment"),
            rfc3339_millis(self.now()),
        );
        self.tx(|tx| compartments::insert(tx, &c))?;
        Ok(c)
    }

    /// Every compartment, root first (for the dump).
    pub fn all_compartments(&self) -> Result<Vec<Compartment>, ApiError> {
        self.db(compartments::all)
    }

    /// Delete body files that no committed row refers to: a body is written (and fsynced)
    /// before its row commits, so a crash in between leaves one behind. Only for a server
    /// starting on its data dir (never `oci-emulator config`, which may run beside a live
    /// server whose uploads are not committed yet). Returns how many were removed.
    pub fn remove_orphan_blobs(&self) -> Result<usize, ApiError> {
        let referenced = self.db(|c| Ok(db::referenced_blobs(c)?))?;
        let mut removed = 0;
        for entry in std::fs::read_dir(self.blob_dir())? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type()?.is_file() && !referenced.contains(&name) {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Drop every resource; keep tenancy, user, keys, namespace and the root compartment.
    pub fn reset(&self) -> Result<(), ApiError> {
        let root = self.identity().tenancy_id.clone();
        self.tx(|tx| {
            for table in db::resettable_tables(tx)? {
                tx.execute(&format!("DELETE FROM \"{table}\""), [])?;
            }
            tx.execute("DELETE FROM core_compartments WHERE id <> ?1", [&root])?;
            tx.execute("DELETE FROM core_retry_tokens", [])?;
            Ok(())
        })?;
        // Bodies are deleted after the rows that point at them are gone.
        for entry in std::fs::read_dir(self.blob_dir())? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                std::fs::remove_file(entry.path())?;
            }
        }
        self.faults().clear();
        self.clear_requests();
        Ok(())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Ends the syncer thread once it has synced what is pending.
        self.wal.close();
    }
}

fn clamped_delay_ms(delay: Duration) -> u64 {
    delay
        .whole_milliseconds()
        .clamp(0, MAX_LIFECYCLE_DELAY.whole_milliseconds()) as u64
}

fn load_keys(conn: &Connection) -> anyhow::Result<HashMap<String, Arc<RsaPublicKey>>> {
    let mut stmt =
        conn.prepare("SELECT tenancy_id, user_id, fingerprint, public_pem FROM core_api_keys")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut keys = HashMap::new();
    for row in rows {
        let (tenancy, user, fp, pem) = row?;
        let key = RsaPublicKey::from_public_key_pem(&pem)?;
        keys.insert(format!("{tenancy}/{user}/{fp}"), Arc::new(key));
    }
    Ok(keys)
}
