//! Bounded fuzzing of the user-text parsers in the client: the OCI config file (INI) and PEM
//! private keys. Any input gives a value or an error, never a panic or a hang, and files are
//! read only up to a bound.
//!
//! Each property runs `PROPTEST_CASES` cases (256 by default). For a long run:
//! `PROPTEST_CASES=1000000 timeout 10m cargo test -p oci-client --test fuzz --release`
//! (README, "Fuzzing").

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use oci_client::auth::PrivateKey;
use oci_client::config::{ConfigFile, MAX_FILE_BYTES};
use proptest::prelude::*;

/// Lines an INI parser meets: headers, comments, `k = v`, `k: v`, junk, unicode, CRs.
fn config_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\[[A-Za-z ]{0,6}\\]",
        "\\[.{0,6}",
        "[#;].{0,10}",
        "[ \t]*[a-z_]{1,8}[ \t]*[=:][ \t]*.{0,12}",
        ".{0,16}",
        Just("\r".to_owned()),
        Just("=".to_owned()),
        Just("[]".to_owned()),
    ]
}

proptest! {
    #[test]
    fn config_parser_survives_arbitrary_text(text in ".{0,400}") {
        if let Ok(f) = ConfigFile::parse(Path::new("/fuzz"), &text) {
            for name in f.profile_names() {
                prop_assert!(f.profile(name).is_some());
            }
        }
    }

    #[test]
    fn config_parser_survives_line_soup(lines in prop::collection::vec(config_line(), 0..40)) {
        let text = lines.join("\n");
        if let Ok(f) = ConfigFile::parse(Path::new("/fuzz"), &text) {
            let _ = f.profile("DEFAULT");
            for name in f.profile_names() {
                prop_assert!(f.profile(name).is_some());
            }
        }
    }

    /// Well-formed files read back exactly (keys lowercased, values trimmed), whatever the
    /// separator and spacing.
    #[test]
    fn well_formed_config_files_read_back(
        profiles in prop::collection::btree_map(
            "[A-Z][A-Za-z0-9_]{0,7}",
            prop::collection::btree_map("[a-z][a-z_]{0,7}", "[!-~]([ -~]{0,10}[!-~])?", 0..5),
            1..4,
        ),
        colon in any::<bool>(),
        spaces in any::<bool>(),
    ) {
        let sep = match (colon, spaces) {
            (true, true) => " : ",
            (true, false) => ":",
            (false, true) => " = ",
            (false, false) => "=",
        };
        let mut text = String::new();
        for (name, keys) in &profiles {
            text.push_str(&format!("[{name}]\n"));
            for (k, v) in keys {
                text.push_str(&format!("{k}{sep}{v}\n"));
            }
        }
        let f = ConfigFile::parse(Path::new("/fuzz"), &text).unwrap();
        for (name, keys) in &profiles {
            let mut expected: BTreeMap<String, String> = if name == "DEFAULT" {
                BTreeMap::new()
            } else {
                profiles.get("DEFAULT").cloned().unwrap_or_default()
            };
            expected.extend(keys.clone());
            prop_assert_eq!(f.profile(name).unwrap(), expected);
        }
    }

    #[test]
    fn pem_parser_survives_arbitrary_text(text in ".{0,300}", pass in proptest::option::of(".{0,8}")) {
        let _ = PrivateKey::from_pem(&text, pass.as_deref().map(str::as_bytes));
    }

    /// Proper PEM armour around arbitrary DER, under every label the parser knows.
    #[test]
    fn pem_parser_survives_armoured_garbage(
        label in prop_oneof![
            Just("RSA PRIVATE KEY"),
            Just("PRIVATE KEY"),
            Just("ENCRYPTED PRIVATE KEY"),
            Just("PUBLIC KEY"),
            Just("X"),
        ],
        der in prop::collection::vec(any::<u8>(), 0..300),
        dek in proptest::option::of("(AES-128-CBC|AES-256-CBC|DES-EDE3-CBC|X),[0-9A-F]{0,34}"),
    ) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        let headers = dek
            .map(|d| format!("Proc-Type: 4,ENCRYPTED\nDEK-Info: {d}\n\n"))
            .unwrap_or_default();
        let pem = format!("-----BEGIN {label}-----\n{headers}{b64}\n-----END {label}-----\n");
        let _ = PrivateKey::from_pem(&pem, Some(b"pass"));
        let _ = PrivateKey::from_pem(&pem, None);
    }
}

/// A config file larger than the bound is refused with the reason, not read into memory.
#[test]
fn oversized_config_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let line = "# padding padding padding padding padding padding padding padding\n";
    let big = line.repeat((MAX_FILE_BYTES as usize / line.len()) + 2);
    std::fs::write(&path, format!("[DEFAULT]\nregion=r\n{big}")).unwrap();
    let e = ConfigFile::load(&path).unwrap_err().to_string();
    assert!(e.contains("larger than"), "{e}");
    assert!(e.contains(&path.display().to_string()), "{e}");
}

/// A config path naming an endless file ends after the bound instead of growing forever.
#[cfg(unix)]
#[test]
fn endless_config_file_is_refused() {
    let e = ConfigFile::load(Path::new("/dev/zero"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("larger than"), "{e}");
}
