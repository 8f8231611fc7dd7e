//! The create journal: how an apply killed mid-create leaves no orphan Data Flow application or
//! run (names are not unique there, so the next apply cannot find "its" resource by name).
//!
//! Before a create is sent, its `opc-retry-token` is written (fsynced) to
//! `.terraform/ocilab-create-journal/<token>.json` in the working directory with the resource
//! type and a hash of the request body; the created OCID is added when the answer arrives. When
//! a later Read sees that OCID, the resource is in Terraform's state and the entry is removed.
//! A create whose type and body match an entry left behind (by a process killed before the
//! state was written) reuses that entry's token, so OCI replays the first create's answer (the
//! same OCID, valid 24 h) instead of making a second resource. Each entry is claimed by at most
//! one create per process, so two identical resources (`count = 2`) keep two resources; a
//! destroyed resource's token is invalidated by OCI (409 `InvalidatedRetryToken`) and the create
//! starts over with a fresh one. Without a `.terraform` directory (no init), tokens are random.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use md5::{Digest, Md5};
use oci_client::Error;
use serde::{Deserialize, Serialize};

/// This process's journal (shared by every configured provider instance, so the "claimed once
/// per process" rule holds across aliases).
pub fn journal() -> &'static Journal {
    static JOURNAL: std::sync::OnceLock<Journal> = std::sync::OnceLock::new();
    JOURNAL.get_or_init(Journal::in_working_dir)
}

/// Entries older than this are useless (OCI keeps a retry token for 24 h) and are removed.
const ENTRY_TTL: Duration = Duration::from_secs(23 * 3600);

/// Largest entry file read back (they are ~300 bytes).
const MAX_ENTRY_BYTES: u64 = 4096;

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    type_name: String,
    body_md5: String,
    ocid: Option<String>,
}

/// The journal of one provider process.
#[derive(Debug, Default)]
pub struct Journal {
    /// `None`: no working directory to write to; creates use random tokens.
    dir: Option<PathBuf>,
    /// Tokens handed to a create in this process (never handed out twice).
    claimed: Mutex<HashSet<String>>,
}

/// A create's token, as handed out by [`Journal::begin`].
#[derive(Debug)]
pub struct Pending {
    pub token: String,
    /// The token comes from an entry left by an earlier process.
    pub reused: bool,
    type_name: String,
    body_md5: String,
}

impl Journal {
    /// The journal under `<cwd>/.terraform` (Terraform starts providers in the working dir).
    pub fn in_working_dir() -> Journal {
        let dir = std::env::current_dir()
            .ok()
            .map(|d| d.join(".terraform"))
            .filter(|d| d.is_dir())
            .map(|d| d.join("ocilab-create-journal"));
        Journal {
            dir,
            claimed: Mutex::default(),
        }
    }

    /// A journal in `dir` (tests).
    pub fn at(dir: &Path) -> Journal {
        Journal {
            dir: Some(dir.to_path_buf()),
            claimed: Mutex::default(),
        }
    }

    fn claimed(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.claimed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The token for a create of `type_name` with `body`: an unclaimed entry's with the same
    /// type and body, else a new one, recorded before it is returned.
    pub fn begin(&self, type_name: &str, body: &impl Serialize) -> Pending {
        let body_md5 = serde_json::to_vec(body)
            .map(|b| format!("{:x}", Md5::digest(&b)))
            .unwrap_or_default();
        let mut claimed = self.claimed();
        let left = self.entries().into_iter().find(|(token, e)| {
            e.type_name == type_name && e.body_md5 == body_md5 && !claimed.contains(token)
        });
        let (token, reused) = match left {
            Some((token, _)) => (token, true),
            None => (oci_client::request::new_retry_token(), false),
        };
        claimed.insert(token.clone());
        drop(claimed);
        let pending = Pending {
            token,
            reused,
            type_name: type_name.to_owned(),
            body_md5,
        };
        if !reused {
            self.write(&pending, None);
        }
        pending
    }

    /// Record how the create ended: its OCID, or (when it certainly created nothing) forget it.
    /// A retryable failure (the outcome unknown) keeps the entry for the next apply.
    pub fn settle<T>(&self, pending: &Pending, result: &Result<T, Error>, id: impl Fn(&T) -> &str) {
        match result {
            Ok(v) => self.write(pending, Some(id(v))),
            Err(e) if !e.is_retryable() && e.status().is_some() => self.remove(&pending.token),
            Err(_) => {}
        }
    }

    /// The resource `ocid` is in Terraform's state (a Read saw it): its entry is done.
    pub fn forget(&self, ocid: &str) {
        for (token, e) in self.entries() {
            if e.ocid.as_deref() == Some(ocid) {
                self.remove(&token);
            }
        }
    }

    /// Drop the entry of a token OCI no longer honours.
    pub fn discard(&self, pending: &Pending) {
        self.remove(&pending.token);
    }

    fn path(&self, token: &str) -> Option<PathBuf> {
        // Tokens are ours (letters and digits); anything else in the directory is ignored.
        let ok = !token.is_empty() && token.chars().all(|c| c.is_ascii_alphanumeric());
        self.dir
            .as_ref()
            .filter(|_| ok)
            .map(|d| d.join(format!("{token}.json")))
    }

    fn write(&self, pending: &Pending, ocid: Option<&str>) {
        let Some(path) = self.path(&pending.token) else {
            return;
        };
        let entry = Entry {
            type_name: pending.type_name.clone(),
            body_md5: pending.body_md5.clone(),
            ocid: ocid.map(str::to_owned),
        };
        // Best effort: a journal that cannot be written costs only the orphan protection.
        let written = (|| -> std::io::Result<()> {
            std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
            let tmp = path.with_extension("tmp");
            let mut f = std::fs::File::create(&tmp)?;
            std::io::Write::write_all(&mut f, &serde_json::to_vec(&entry)?)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        if let Err(e) = written {
            tracing::warn!(error = %e, path = %path.display(), "create journal not written");
        }
    }

    fn remove(&self, token: &str) {
        if let Some(path) = self.path(token) {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Every live entry, oldest first; expired ones are removed on the way.
    fn entries(&self) -> Vec<(String, Entry)> {
        let Some(dir) = &self.dir else {
            return Vec::new();
        };
        let Ok(read) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let now = SystemTime::now();
        let mut out = Vec::new();
        for item in read.flatten() {
            let path = item.path();
            let Some(token) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_owned)
            else {
                continue;
            };
            let Ok(meta) = item.metadata() else { continue };
            let modified = meta.modified().unwrap_or(now);
            if now.duration_since(modified).unwrap_or_default() > ENTRY_TTL {
                self.remove(&token);
                continue;
            }
            if meta.len() > MAX_ENTRY_BYTES {
                continue;
            }
            let Some(entry) = std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Entry>(&b).ok())
            else {
                continue;
            };
            out.push((modified, token, entry));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        out.into_iter().map(|(_, t, e)| (t, e)).collect()
    }
}

/// Run a create through the journal: `send(token)` sends it with that `opc-retry-token`. A
/// reused token OCI refuses (409 `InvalidatedRetryToken`: that resource was deleted since) is
/// dropped and the create is sent again with a fresh one.
pub async fn create_once<T, F, Fut>(
    journal: &Journal,
    type_name: &str,
    body: &impl Serialize,
    id: impl Fn(&T) -> &str + Copy,
    send: F,
) -> Result<T, Error>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let pending = journal.begin(type_name, body);
    let result = send(pending.token.clone()).await;
    if pending.reused
        && let Err(e) = &result
        && e.is_conflict_code("InvalidatedRetryToken")
    {
        journal.discard(&pending);
        let fresh = journal.begin(type_name, body);
        let result = send(fresh.token.clone()).await;
        journal.settle(&fresh, &result, id);
        return result;
    }
    journal.settle(&pending, &result, id);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_left_entry_is_reused_once_per_process_and_forgotten_when_read() {
        let dir = tempfile_dir();
        let first = Journal::at(&dir);
        let a = first.begin("oci_dataflow_application", &"body");
        let b = first.begin("oci_dataflow_application", &"body");
        assert!(
            !a.reused && !b.reused && a.token != b.token,
            "twins get two tokens"
        );
        first.settle(&a, &Ok::<_, Error>("ocid-a".to_owned()), |s| s.as_str());
        // The process is killed before b answered. The next process reuses both, once each.
        let next = Journal::at(&dir);
        let tokens: HashSet<String> = (0..2)
            .map(|_| next.begin("oci_dataflow_application", &"body"))
            .inspect(|p| assert!(p.reused))
            .map(|p| p.token)
            .collect();
        assert_eq!(tokens, HashSet::from([a.token.clone(), b.token.clone()]));
        let third = next.begin("oci_dataflow_application", &"body");
        assert!(!third.reused, "nothing left to reuse");
        assert!(!next.begin("oci_dataflow_invoke_run", &"body").reused);
        assert!(!next.begin("oci_dataflow_application", &"other").reused);
        // A Read of ocid-a: it is in state, its entry is gone.
        next.forget("ocid-a");
        let later = Journal::at(&dir);
        let reused: Vec<String> = (0..4)
            .map(|_| later.begin("oci_dataflow_application", &"body"))
            .filter(|p| p.reused)
            .map(|p| p.token)
            .collect();
        assert!(!reused.contains(&a.token), "{reused:?}");
        assert!(reused.contains(&b.token), "{reused:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn without_a_directory_tokens_are_random() {
        let j = Journal::default();
        let (a, b) = (j.begin("t", &1), j.begin("t", &1));
        assert!(a.token != b.token && !a.reused && !b.reused);
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "ocilab-journal-test-{}-{}",
            std::process::id(),
            oci_client::request::new_retry_token()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
