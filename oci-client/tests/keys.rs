//! Key loading matrix: every PEM form, passphrase right/wrong/missing, the `OCI_API_KEY` label,
//! and the fingerprint (checked against `openssl ... | openssl md5 -c` in fixtures/keys).

mod common;

use common::{PASSPHRASE, fingerprint, read_fixture};
use oci_client::auth::PrivateKey;
use oci_client::auth::key::KeyError;

const UNENCRYPTED: &[&str] = &["pkcs1.pem", "pkcs8.pem", "pkcs8_with_label.pem"];
const ENCRYPTED: &[&str] = &[
    "pkcs8_encrypted_aes256.pem",
    "pkcs8_encrypted_des3_sha1.pem",
    "legacy_aes128.pem",
    "legacy_aes256.pem",
    "legacy_des3.pem",
];

#[test]
fn every_format_loads_to_the_same_key_and_fingerprint() {
    let expected = fingerprint();
    assert_eq!(expected.len(), 47);
    let reference = PrivateKey::from_pem(&read_fixture("pkcs8.pem"), None)
        .unwrap()
        .sign(b"probe");
    let cases = UNENCRYPTED
        .iter()
        .map(|n| (n, None))
        .chain(ENCRYPTED.iter().map(|n| (n, Some(PASSPHRASE.as_bytes()))));
    for (name, pass) in cases {
        let key = PrivateKey::from_pem(&read_fixture(name), pass)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(key.fingerprint(), expected, "{name}");
        assert_eq!(
            key.sign(b"probe"),
            reference,
            "{name} signs like the reference key"
        );
    }
}

#[test]
fn encrypted_keys_without_passphrase_say_so() {
    for name in ENCRYPTED {
        for pass in [None, Some(&b""[..])] {
            let err = PrivateKey::from_pem(&read_fixture(name), pass).unwrap_err();
            assert_eq!(err, KeyError::MissingPassphrase, "{name}");
        }
    }
}

#[test]
fn wrong_passphrase_is_reported_as_such() {
    for name in ENCRYPTED {
        let err =
            PrivateKey::from_pem(&read_fixture(name), Some(b"not-the-passphrase")).unwrap_err();
        assert_eq!(err, KeyError::WrongPassphrase, "{name}");
        assert!(err.to_string().contains("passphrase"), "{name}: {err}");
    }
}

#[test]
fn passphrase_for_an_unencrypted_key_is_ignored() {
    for name in UNENCRYPTED {
        let key = PrivateKey::from_pem(&read_fixture(name), Some(b"whatever")).unwrap();
        assert_eq!(key.fingerprint(), fingerprint());
    }
}

#[test]
fn text_around_the_pem_block_is_ignored() {
    let text = format!(
        "leading junk\n\n{}\nOCI_API_KEY\ntrailing\n",
        read_fixture("pkcs1.pem")
    );
    assert_eq!(
        PrivateKey::from_pem(&text, None).unwrap().fingerprint(),
        fingerprint()
    );
    // Windows line endings.
    let crlf = read_fixture("legacy_aes256.pem").replace('\n', "\r\n");
    let key = PrivateKey::from_pem(&crlf, Some(PASSPHRASE.as_bytes())).unwrap();
    assert_eq!(key.fingerprint(), fingerprint());
}

#[test]
fn public_keys_and_garbage_are_rejected_clearly() {
    assert_eq!(
        PrivateKey::from_pem(&read_fixture("public.pem"), None).unwrap_err(),
        KeyError::PublicKey
    );
    assert_eq!(
        PrivateKey::from_pem("hello", None).unwrap_err(),
        KeyError::NotPem
    );
    let truncated: String = read_fixture("pkcs8.pem")
        .lines()
        .take(5)
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        PrivateKey::from_pem(&truncated, None).unwrap_err(),
        KeyError::NotPem
    );
    let corrupt = read_fixture("pkcs8.pem").replacen("MII", "MIJ", 1);
    assert!(matches!(
        PrivateKey::from_pem(&corrupt, None).unwrap_err(),
        KeyError::Invalid(_)
    ));
}

#[test]
fn debug_shows_only_the_fingerprint() {
    let key = PrivateKey::from_pem(&read_fixture("pkcs8.pem"), None).unwrap();
    let dbg = format!("{key:?}");
    assert!(dbg.contains(&fingerprint()));
    assert!(!dbg.contains("BEGIN") && dbg.len() < 120, "{dbg}");
}
