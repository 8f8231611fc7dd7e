//! `oci_objectstorage_object` against real terraform, the built provider and a real emulator.

use acceptance_tests::{Env, assert_attribute_error, write_pseudo_random_file};
use oci_client::services::objectstorage::{GetObjectOptions, ObjectBody, PutObjectOptions};

const ADDR: &str = "oci_objectstorage_object.o";

/// A bucket plus one object whose body is `object`'s HCL attributes.
fn config(env: &Env, object: &str) -> String {
    format!(
        r#"
resource "oci_objectstorage_bucket" "b" {{
  compartment_id = "{tenancy}"
  namespace      = "{ns}"
  name           = "acc-objects"
}}

resource "oci_objectstorage_object" "o" {{
  namespace = oci_objectstorage_bucket.b.namespace
  bucket    = oci_objectstorage_bucket.b.name
{object}
}}
"#,
        tenancy = env.tenancy(),
        ns = env.namespace(),
    )
}

fn get(env: &Env, name: &str) -> Option<Vec<u8>> {
    let ns = env.namespace().to_string();
    env.oci(async |c| {
        c.get_object_opt(&ns, "acc-objects", name, &GetObjectOptions::default())
            .await
            .unwrap()
            .map(|r| r.value.data.to_vec())
    })
}

fn put_requests(env: &Env) -> usize {
    env.emulator
        .requests()
        .iter()
        .filter(|r| r.operation.as_deref() == Some("PutObject"))
        .count()
}

#[test]
fn object_basic_content_update_rename_import_destroy() {
    let env = Env::new();
    env.init_with(&config(
        &env,
        r#"  object       = "scripts/etl sales.py"
  content      = "print('v1')"
  content_type = "text/x-python"
  metadata     = { owner = "lab" }"#,
    ));
    let step = env.wd.step();
    assert_eq!(step.plan.actions(ADDR), ["create"]);
    assert_eq!(get(&env, "scripts/etl sales.py").unwrap(), b"print('v1')");
    let v = env.wd.resource_values(ADDR).unwrap();
    assert_eq!(v["content_length"], "11");
    assert_eq!(v["content_type"], "text/x-python");
    let id = format!(
        "n/{}/b/acc-objects/o/scripts%2Fetl%20sales.py",
        env.namespace()
    );
    assert_eq!(v["id"], id);

    // Import with the escaped id and with a raw one; content is not readable back (as upstream).
    env.wd.import_verify(ADDR, &id, &["content"]);
    env.wd.import_verify(
        ADDR,
        &format!("n/{}/b/acc-objects/o/scripts/etl sales.py", env.namespace()),
        &["content"],
    );

    // New content: re-uploaded in place, no delete window.
    env.write(&config(
        &env,
        r#"  object       = "scripts/etl sales.py"
  content      = "print('v2')"
  content_type = "text/x-python"
  metadata     = { owner = "lab" }"#,
    ));
    assert_eq!(env.wd.step().plan.actions(ADDR), ["update"]);
    assert_eq!(get(&env, "scripts/etl sales.py").unwrap(), b"print('v2')");

    // Rename only: RenameObject, no upload.
    let puts = put_requests(&env);
    env.write(&config(
        &env,
        r#"  object       = "scripts/etl_sales.py"
  content      = "print('v2')"
  content_type = "text/x-python"
  metadata     = { owner = "lab" }"#,
    ));
    assert_eq!(env.wd.step().plan.actions(ADDR), ["update"]);
    assert_eq!(put_requests(&env), puts, "a rename does not upload");
    assert!(get(&env, "scripts/etl sales.py").is_none());
    assert_eq!(get(&env, "scripts/etl_sales.py").unwrap(), b"print('v2')");

    env.wd.destroy();
    env.assert_nothing_left();
}

#[test]
fn object_source_file_is_tracked_by_content_not_mtime() {
    let env = Env::new();
    let file = env.wd.path().join("sales.csv");
    std::fs::write(&file, "order_id,amount\n1001,120.50\n").unwrap();
    env.init_with(&config(
        &env,
        "  object = \"sales.csv\"\n  source = \"${path.module}/sales.csv\"",
    ));
    env.wd.step();
    assert_eq!(
        get(&env, "sales.csv").unwrap(),
        b"order_id,amount\n1001,120.50\n"
    );

    // Same bytes, new mtime (a fresh checkout): nothing to do.
    std::fs::write(&file, "order_id,amount\n1001,120.50\n").unwrap();
    assert!(env.wd.plan().is_empty());

    // Changed bytes: re-upload in place.
    std::fs::write(&file, "order_id,amount\n1001,120.50\n1002,19.99\n").unwrap();
    assert_eq!(env.wd.step().plan.actions(ADDR), ["update"]);
    assert_eq!(
        get(&env, "sales.csv").unwrap(),
        b"order_id,amount\n1001,120.50\n1002,19.99\n"
    );

    // Moving the same bytes from `source` to `content` changes state, not the object.
    let puts = put_requests(&env);
    env.write(&config(
        &env,
        "  object = \"sales.csv\"\n  content = \"order_id,amount\\n1001,120.50\\n1002,19.99\\n\"",
    ));
    assert_eq!(env.wd.step().plan.actions(ADDR), ["update"]);
    assert_eq!(
        put_requests(&env),
        puts,
        "identical bytes are not uploaded again"
    );
}

#[test]
fn object_overwritten_out_of_band_is_drift_and_apply_restores_it() {
    let env = Env::new();
    env.init_with(&config(
        &env,
        "  object = \"data/sales.csv\"\n  content = \"good\"",
    ));
    env.wd.step();

    let ns = env.namespace().to_string();
    env.oci(async |c| {
        let body = ObjectBody::Bytes("tampered".into());
        c.put_object(
            &ns,
            "acc-objects",
            "data/sales.csv",
            body,
            &PutObjectOptions::default(),
        )
        .await
        .unwrap();
    });

    let drift = env.wd.refresh_plan().drift();
    assert_eq!(drift.len(), 1, "only the object drifted: {drift:?}");
    assert_eq!(drift[0].address, ADDR);
    assert_eq!(drift[0].actions, ["update"]);
    let fix = env.wd.plan();
    assert_eq!(fix.actions(ADDR), ["update"]);
    env.wd
        .run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_success();
    assert_eq!(get(&env, "data/sales.csv").unwrap(), b"good");
    assert!(env.wd.plan().is_empty());

    // Deleted out of band: planned again as a create.
    env.oci(async |c| {
        c.delete_object(&ns, "acc-objects", "data/sales.csv", None)
            .await
            .unwrap()
    });
    assert_eq!(env.wd.plan().actions(ADDR), ["create"]);
}

#[test]
fn object_invalid_configs_fail_at_plan_without_api_calls() {
    let env = Env::new();
    env.init_with(&config(&env, "  object = \"ok\"\n  content = \"x\""));
    let cases = [
        (
            "  object = \"a\"\n  content = \"x\"\n  source = \"main.tf\"",
            "Conflicting Attributes",
            "source",
        ),
        (
            "  object = \"a\"\n  source = \"does-not-exist.csv\"",
            "Cannot Read Source File",
            "source",
        ),
        (
            "  object = \"a\"\n  content = \"x\"\n  metadata = { Owner = \"me\" }",
            "Metadata Key Must Be Lower Case",
            "metadata",
        ),
        (
            "  object = \"line\\nbreak\"\n  content = \"x\"",
            "Invalid Object Name",
            "object",
        ),
        (
            "  object = \"a\"\n  content = \"x\"\n  content_md5 = \"not-an-md5\"",
            "Invalid Content MD5",
            "content_md5",
        ),
        (
            "  object = \"a\"\n  content = \"x\"\n  content_md5 = \"5d41402abc4b2a76b9719d911017c592\"",
            "Content MD5 Does Not Match",
            "content_md5",
        ),
        (
            "  object = \"a\"\n  content = \"x\"\n  storage_tier = \"Glacier\"",
            "Invalid Attribute Value",
            "storage_tier",
        ),
    ];
    for (body, summary, attribute) in cases {
        env.write(&config(&env, body));
        let out = env.wd.run(&["plan", "-input=false", "-no-color"]);
        assert_attribute_error(&out, summary, attribute);
    }
    let mutating = env.emulator.mutating_requests();
    assert!(
        mutating.is_empty(),
        "no mutating request may reach OCI: {mutating:?}"
    );
}

/// 200 MiB from `source`: uploaded in parts, streamed; the provider's peak RSS is read from its
/// own log line at exit and must stay under 100 MiB.
#[test]
fn object_large_source_uses_multipart_and_bounded_memory() {
    const SIZE: u64 = 200 * 1024 * 1024;
    let env = Env::new();
    let file = env.wd.path().join("big.bin");
    write_pseudo_random_file(&file, SIZE, 42);
    env.init_with(&config(
        &env,
        "  object = \"big.bin\"\n  source = \"${path.module}/big.bin\"",
    ));
    let log = env.wd.path().join("tf.log");
    let out = env.wd.run_with_env(
        &["apply", "-input=false", "-no-color", "-auto-approve"],
        &[
            ("TF_LOG_PROVIDER", "DEBUG"),
            ("TF_LOG_PATH", log.to_str().unwrap()),
        ],
    );
    out.assert_success();

    let ops: Vec<_> = env
        .emulator
        .requests()
        .into_iter()
        .filter_map(|r| r.operation)
        .collect();
    assert!(ops.iter().any(|o| o == "CreateMultipartUpload"), "{ops:?}");
    assert!(
        ops.iter().filter(|o| *o == "UploadPart").count() >= 2,
        "{ops:?}"
    );
    assert!(ops.iter().any(|o| o == "CommitMultipartUpload"), "{ops:?}");
    let v = env.wd.resource_values(ADDR).unwrap();
    assert_eq!(v["content_length"], SIZE.to_string());
    assert!(
        v["content_md5"].as_str().unwrap().ends_with("-4"),
        "multipart digest: {v}"
    );
    assert!(
        env.wd.plan().is_empty(),
        "the planned multipart digest matches the service's"
    );

    let log = std::fs::read_to_string(&log).unwrap();
    let peaks: Vec<u64> = log
        .lines()
        .filter_map(|l| l.split("peak_rss_kib").nth(1))
        .filter_map(|rest| {
            rest.trim_start_matches(['"', ':', '=', ' '])
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert!(!peaks.is_empty(), "the provider logs its peak RSS at exit");
    let max = peaks.iter().max().copied().unwrap();
    eprintln!(
        "provider peak RSS over {} provider processes: {} KiB",
        peaks.len(),
        max
    );
    assert!(
        max < 100 * 1024,
        "provider peak RSS {max} KiB is not under 100 MiB"
    );
}

#[test]
fn object_kms_key_is_sent_read_back_and_changed_in_place() {
    let env = Env::new();
    let key = |k: &str| {
        format!("  object = \"secret.csv\"\n  content = \"x\"\n  opc_sse_kms_key_id = \"{k}\"")
    };
    env.init_with(&config(&env, &key("ocid1.key.oc1.iad.aaaaaaaafirst")));
    env.wd.step();
    let ns = env.namespace().to_string();
    let head = |env: &Env| {
        env.oci(async |c| {
            c.head_object(
                &ns,
                "acc-objects",
                "secret.csv",
                &GetObjectOptions::default(),
            )
            .await
            .unwrap()
            .value
        })
    };
    assert_eq!(
        head(&env).opc_sse_kms_key_id.as_deref(),
        Some("ocid1.key.oc1.iad.aaaaaaaafirst")
    );

    let puts = put_requests(&env);
    env.write(&config(&env, &key("ocid1.key.oc1.iad.aaaaaaaasecond")));
    assert_eq!(
        env.wd.step().plan.actions(ADDR),
        ["update"],
        "re-encrypted in place"
    );
    assert_eq!(put_requests(&env), puts + 1);
    assert_eq!(
        head(&env).opc_sse_kms_key_id.as_deref(),
        Some("ocid1.key.oc1.iad.aaaaaaaasecond")
    );
}
