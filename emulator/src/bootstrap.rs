//! First start in a data dir: tenancy (root compartment), user, RSA-2048 API key, namespace and
//! an OCI config file with profile `[EMULATOR]` that the CLI, the SDKs and the provider use as is.
//! Later starts read the same identity back from `core_meta`.

use crate::clock::rfc3339_millis;
use crate::compartments;
use md5::{Digest, Md5};
use rand::Rng;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// The line OCI's tools write after the private key's PEM footer (oci-api.md §1.7).
pub const KEY_LABEL: &str = "OCI_API_KEY";

/// The account created at first start.
#[derive(Debug, Clone, Serialize)]
pub struct Bootstrap {
    pub tenancy_id: String,
    pub user_id: String,
    pub namespace: String,
    pub region: String,
    pub fingerprint: String,
    pub key_file: PathBuf,
    pub config_file: PathBuf,
}

impl Bootstrap {
    /// `tenancy/user/fingerprint`, the `keyId` clients sign with.
    pub fn key_id(&self) -> String {
        format!("{}/{}/{}", self.tenancy_id, self.user_id, self.fingerprint)
    }

    /// The OCI config file text (profile `[EMULATOR]`).
    pub fn config_text(&self) -> String {
        format!(
            "[EMULATOR]\nuser={}\nfingerprint={}\nkey_file={}\ntenancy={}\nregion={}\n",
            self.user_id,
            self.fingerprint,
            self.key_file.display(),
            self.tenancy_id,
            self.region
        )
    }
}

/// OCI key fingerprint: MD5 of the DER SubjectPublicKeyInfo, lowercase hex pairs joined by `:`.
pub fn fingerprint(key: &RsaPublicKey) -> String {
    let der = key
        .to_public_key_der()
        .expect("an RSA public key always encodes");
    let digest = Md5::digest(der.as_bytes());
    digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM core_meta WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
}

fn random_namespace() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let mut s = String::from("emu");
    for _ in 0..9 {
        s.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    s
}

/// Return the account of this data dir, creating it (and its files) on first start, in
/// `region`, with `key` if given (else a new RSA-2048 key), created at `now`.
pub fn ensure(
    conn: &mut Connection,
    data_dir: &Path,
    region: &str,
    key: Option<&RsaPrivateKey>,
    now: OffsetDateTime,
) -> anyhow::Result<Bootstrap> {
    let key_file = data_dir.join("oci_api_key.pem");
    let config_file = data_dir.join("config");
    if let Some(tenancy_id) = meta(conn, "tenancy_id")? {
        let get = |k: &str| -> anyhow::Result<String> {
            meta(conn, k)?.ok_or_else(|| anyhow::anyhow!("data dir database lacks core_meta '{k}'"))
        };
        let b = Bootstrap {
            tenancy_id,
            user_id: get("user_id")?,
            namespace: get("namespace")?,
            region: get("region")?,
            fingerprint: get("fingerprint")?,
            key_file,
            config_file,
        };
        // Rewrite the config if someone deleted it; the key cannot be recovered, so only warn.
        if !b.config_file.exists() {
            write_private(&b.config_file, b.config_text().as_bytes())?;
        }
        if !b.key_file.exists() {
            tracing::warn!(path = %b.key_file.display(), "API private key file is missing; clients cannot sign");
        }
        return Ok(b);
    }

    let private = match key {
        Some(k) => k.clone(),
        None => RsaPrivateKey::new(&mut rand::thread_rng(), 2048)?,
    };
    let public = RsaPublicKey::from(&private);
    let fp = fingerprint(&public);
    let b = Bootstrap {
        tenancy_id: crate::ocid::new_ocid("tenancy", region),
        user_id: crate::ocid::new_ocid("user", region),
        namespace: random_namespace(),
        region: region.to_owned(),
        fingerprint: fp.clone(),
        key_file,
        config_file,
    };
    let private_pem = private.to_pkcs8_pem(LineEnding::LF)?;
    // The label line `oci setup keys` and the console append after the footer; without it the
    // OCI CLI warns on every call. PEM readers ignore text after the footer.
    let labelled = format!("{}{KEY_LABEL}\n", private_pem.as_str());
    write_private(&b.key_file, labelled.as_bytes())?;
    let public_pem = public.to_public_key_pem(LineEnding::LF)?;
    std::fs::write(data_dir.join("oci_api_key_public.pem"), &public_pem)?;
    write_private(&b.config_file, b.config_text().as_bytes())?;

    let now = rfc3339_millis(now);
    let tx = conn.transaction()?;
    for (k, v) in [
        ("tenancy_id", &b.tenancy_id),
        ("user_id", &b.user_id),
        ("namespace", &b.namespace),
        ("region", &b.region),
        ("fingerprint", &b.fingerprint),
        ("time_created", &now),
    ] {
        tx.execute("INSERT INTO core_meta (key, value) VALUES (?1, ?2)", (k, v))?;
    }
    tx.execute(
        "INSERT INTO core_api_keys (fingerprint, tenancy_id, user_id, public_pem) VALUES (?1,?2,?3,?4)",
        (&fp, &b.tenancy_id, &b.user_id, &public_pem),
    )?;
    compartments::insert_root(&tx, &b.tenancy_id, &now)?;
    tx.commit()?;
    Ok(b)
}

/// Write a file readable only by its owner (the key and config hold credentials).
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(contents)?;
    f.sync_all()
}
