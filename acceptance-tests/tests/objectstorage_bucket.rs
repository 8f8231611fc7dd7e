//! `oci_objectstorage_bucket` against real terraform, the built provider and a real emulator.

use acceptance_tests::{Env, assert_attribute_error};
use oci_client::services::objectstorage::{ObjectBody, PutObjectOptions, UpdateBucketDetails};

const ADDR: &str = "oci_objectstorage_bucket.b";

fn bucket(env: &Env, name: &str, extra: &str) -> String {
    format!(
        r#"
resource "oci_objectstorage_bucket" "b" {{
  compartment_id = "{tenancy}"
  namespace      = "{ns}"
  name           = "{name}"
{extra}
}}
"#,
        tenancy = env.tenancy(),
        ns = env.namespace(),
    )
}

fn bucket_id(env: &Env, name: &str) -> String {
    format!("n/{}/b/{name}", env.namespace())
}

#[test]
fn bucket_basic_create_update_replace_import_destroy() {
    let env = Env::new();
    env.init_with(&bucket(&env, "acc-basic", ""));

    let step = env.wd.step();
    assert_eq!(step.plan.actions(ADDR), ["create"]);
    let created = env.wd.resource_values(ADDR).unwrap();
    assert_eq!(created["access_type"], "NoPublicAccess");
    assert_eq!(created["storage_tier"], "Standard");
    assert_eq!(created["id"], bucket_id(&env, "acc-basic"));
    assert!(
        created["bucket_id"]
            .as_str()
            .unwrap()
            .starts_with("ocid1.bucket.")
    );

    env.wd
        .import_verify(ADDR, &bucket_id(&env, "acc-basic"), &[]);

    // In place: tags, metadata, public access, versioning, events.
    env.write(&bucket(
        &env,
        "acc-basic",
        r#"  access_type           = "ObjectRead"
  versioning            = "Enabled"
  object_events_enabled = true
  freeform_tags         = { team = "data" }
  metadata              = { purpose = "lab" }"#,
    ));
    let step = env.wd.step();
    assert_eq!(step.plan.actions(ADDR), ["update"]);
    let updated = env.wd.resource_values(ADDR).unwrap();
    assert_eq!(
        updated["bucket_id"], created["bucket_id"],
        "updated in place"
    );
    assert_eq!(updated["versioning"], "Enabled");
    assert_eq!(updated["freeform_tags"]["team"], "data");

    // storage_tier cannot change in place.
    env.write(&bucket(&env, "acc-basic", r#"  storage_tier = "Archive""#));
    let step = env.wd.step();
    assert_eq!(step.plan.actions(ADDR), ["delete", "create"]);
    let replaced = env.wd.resource_values(ADDR).unwrap();
    assert_eq!(replaced["storage_tier"], "Archive");
    assert_ne!(replaced["bucket_id"], created["bucket_id"]);

    env.wd.destroy();
    env.assert_nothing_left();
}

#[test]
fn bucket_import_block_adopts_existing_bucket() {
    let env = Env::new();
    let ns = env.namespace().to_string();
    let tenancy = env.tenancy().to_string();
    env.oci(async |c| {
        let details = oci_client::services::objectstorage::CreateBucketDetails {
            name: "acc-imported".into(),
            compartment_id: tenancy,
            ..Default::default()
        };
        c.create_bucket(&ns, &details).await.unwrap();
    });
    let config = format!(
        "{}\nimport {{\n  to = {ADDR}\n  id = \"{}\"\n}}\n",
        bucket(&env, "acc-imported", ""),
        bucket_id(&env, "acc-imported")
    );
    env.init_with(&config);
    let plan = env.wd.plan();
    assert_eq!(
        plan.actions(ADDR),
        ["no-op"],
        "import only, nothing to change"
    );
    assert!(plan.json["resource_changes"][0]["change"]["importing"].is_object());
    env.wd
        .run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_success();
    assert!(env.wd.plan().is_empty());
    assert_eq!(
        env.wd.resource_values(ADDR).unwrap()["name"],
        "acc-imported"
    );
}

#[test]
fn bucket_out_of_band_change_is_drift_and_apply_fixes_it() {
    let env = Env::new();
    env.init_with(&bucket(
        &env,
        "acc-drift",
        r#"  freeform_tags = { team = "data" }"#,
    ));
    env.wd.step();

    let ns = env.namespace().to_string();
    env.oci(async |c| {
        let details = UpdateBucketDetails {
            public_access_type: Some("ObjectRead".into()),
            freeform_tags: Some([("team".to_string(), "someone-else".to_string())].into()),
            ..Default::default()
        };
        c.update_bucket(&ns, "acc-drift", &details, None)
            .await
            .unwrap();
    });

    let drift = env.wd.refresh_plan().drift();
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert_eq!(drift[0].address, ADDR);
    assert_eq!(drift[0].actions, ["update"]);

    let fix = env.wd.plan();
    assert_eq!(fix.actions(ADDR), ["update"]);
    assert_eq!(fix.after(ADDR)["access_type"], "NoPublicAccess");
    env.wd
        .run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_success();
    assert!(env.wd.plan().is_empty());
    let fixed = env.oci(async |c| c.get_bucket(&ns, "acc-drift").await.unwrap().value);
    assert_eq!(fixed.public_access_type.as_deref(), Some("NoPublicAccess"));
    assert_eq!(fixed.freeform_tags.unwrap()["team"], "data");
}

#[test]
fn bucket_deleted_out_of_band_is_recreated() {
    let env = Env::new();
    env.init_with(&bucket(&env, "acc-gone", ""));
    env.wd.step();
    let ns = env.namespace().to_string();
    env.oci(async |c| c.delete_bucket(&ns, "acc-gone", None).await.unwrap());

    let drift = env.wd.refresh_plan().drift();
    assert_eq!(
        drift.iter().map(|d| d.actions.clone()).collect::<Vec<_>>(),
        [["delete"]]
    );
    let plan = env.wd.plan();
    assert_eq!(plan.actions(ADDR), ["create"]);
    env.wd
        .run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_success();
    assert!(
        env.oci(async |c| c.get_bucket_opt(&ns, "acc-gone").await.unwrap())
            .is_some()
    );
}

#[test]
fn bucket_kms_key_can_be_cleared() {
    let env = Env::new();
    let key = "ocid1.key.oc1.iad.aaaaaaaalabkey";
    env.init_with(&bucket(
        &env,
        "acc-kms",
        &format!("  kms_key_id = \"{key}\""),
    ));
    env.wd.step();
    assert_eq!(env.wd.resource_values(ADDR).unwrap()["kms_key_id"], key);

    env.write(&bucket(&env, "acc-kms", ""));
    let step = env.wd.step();
    assert_eq!(step.plan.actions(ADDR), ["update"]);
    let ns = env.namespace().to_string();
    let b = env.oci(async |c| c.get_bucket(&ns, "acc-kms").await.unwrap().value);
    assert!(
        b.kms_key_id.unwrap_or_default().is_empty(),
        "key removed in OCI"
    );
}

#[test]
fn bucket_not_empty_is_kept_until_force_destroy() {
    let env = Env::new();
    env.init_with(&bucket(&env, "acc-full", ""));
    env.wd.step();
    let ns = env.namespace().to_string();
    env.oci(async |c| {
        let body = ObjectBody::Bytes("precious".into());
        c.put_object(
            &ns,
            "acc-full",
            "data/keep.csv",
            body,
            &PutObjectOptions::default(),
        )
        .await
        .unwrap();
    });

    let out = env
        .wd
        .run(&["destroy", "-input=false", "-no-color", "-auto-approve"]);
    assert!(!out.success());
    assert!(
        out.combined().contains("Bucket Not Empty"),
        "{}",
        out.combined()
    );
    assert!(
        out.combined().contains("data/keep.csv"),
        "names an object: {}",
        out.combined()
    );
    assert!(
        out.combined().contains("force_destroy"),
        "says how: {}",
        out.combined()
    );
    let still = env.oci(async |c| {
        c.head_object_opt(&ns, "acc-full", "data/keep.csv", &Default::default())
            .await
            .unwrap()
    });
    assert!(still.is_some(), "nothing lost");

    env.write(&bucket(&env, "acc-full", "  force_destroy = true"));
    env.wd.step();
    env.wd.destroy();
    env.assert_nothing_left();
}

#[test]
fn bucket_invalid_configs_fail_at_plan_without_api_calls() {
    let env = Env::new();
    let cases = [
        (
            r#"  access_type = "Public""#,
            "Invalid Attribute Value",
            "access_type",
        ),
        (
            r#"  storage_tier = "Cold""#,
            "Invalid Attribute Value",
            "storage_tier",
        ),
        (
            r#"  versioning = "Maybe""#,
            "Invalid Attribute Value",
            "versioning",
        ),
        (
            r#"  auto_tiering = "Always""#,
            "Invalid Attribute Value",
            "auto_tiering",
        ),
        (r#"  kms_key_id = "my-key""#, "Invalid OCID", "kms_key_id"),
        (
            r#"  defined_tags = { CostCenter = "1" }"#,
            "Invalid Defined Tag Key",
            "defined_tags",
        ),
        (
            r#"  versioning = "Suspended""#,
            "Invalid Versioning on Create",
            "versioning",
        ),
        (
            r#"  bucket_scope = "GLOBAL""#,
            "Invalid Attribute Value",
            "bucket_scope",
        ),
    ];
    env.init_with(&bucket(&env, "acc-valid", ""));
    for (extra, summary, attribute) in cases {
        env.write(&bucket(&env, "acc-valid", extra));
        let out = env.wd.run(&["plan", "-input=false", "-no-color"]);
        assert_attribute_error(&out, summary, attribute);
    }
    let bad_name = bucket(&env, "has space", "");
    env.write(&bad_name);
    assert_attribute_error(
        &env.wd.run(&["plan", "-input=false", "-no-color"]),
        "Invalid Attribute Value",
        "name",
    );
    let bad_compartment =
        bucket(&env, "acc-valid", "").replace(env.tenancy(), "ocid1.bucket.oc1.iad.aaaa");
    env.write(&bad_compartment);
    assert_attribute_error(
        &env.wd.run(&["plan", "-input=false", "-no-color"]),
        "Wrong Kind of OCID",
        "compartment_id",
    );

    // Inside a set block Terraform cannot point at the element's line (the protocol has no path
    // step for set elements), so the message itself names the attribute.
    let rule = |body: &str| {
        bucket(
            &env,
            "acc-valid",
            &format!("  retention_rules {{\n{body}\n  }}"),
        )
    };
    for (body, expected) in [
        (
            "    display_name = \"r\"\n    duration {\n      time_amount = \"30\"\n      time_unit = \"WEEKS\"\n    }",
            "retention_rules.duration[0].time_unit value must be one of: YEARS, DAYS",
        ),
        (
            "    display_name = \"r\"\n    duration {\n      time_amount = \"a month\"\n      time_unit = \"DAYS\"\n    }",
            "retention_rules.duration[0].time_amount must be a whole number",
        ),
        (
            "    display_name = \"r\"\n    time_rule_locked = \"tomorrow\"",
            "retention_rules.time_rule_locked must be an RFC 3339 time",
        ),
    ] {
        env.write(&rule(body));
        let out = env.wd.run(&["plan", "-input=false", "-no-color"]);
        assert!(!out.success());
        let text = out.combined().replace('\n', " ");
        assert!(
            text.contains(expected),
            "{expected:?} not in:\n{}",
            out.combined()
        );
    }
    env.write(&bucket(
        &env,
        "acc-valid",
        "  retention_rules {\n    display_name = \"same\"\n  }\n  retention_rules {\n    display_name = \"same\"\n    time_rule_locked = \"2030-01-01T00:00:00Z\"\n  }",
    ));
    let out = env.wd.run(&["validate", "-no-color"]);
    assert!(!out.success());
    assert!(
        out.combined().contains("Duplicate Retention Rule Name")
            && out.combined().contains(r#"named "same""#),
        "{}",
        out.combined()
    );

    let mutating = env.emulator.mutating_requests();
    assert!(
        mutating.is_empty(),
        "no mutating request may reach OCI: {mutating:?}"
    );
}

#[test]
fn bucket_versioning_cannot_go_back_to_disabled() {
    let env = Env::new();
    env.init_with(&bucket(&env, "acc-versions", r#"  versioning = "Enabled""#));
    env.wd.step();
    let before = env.emulator.mutating_requests().len();
    env.write(&bucket(
        &env,
        "acc-versions",
        r#"  versioning = "Disabled""#,
    ));
    let out = env.wd.run(&["plan", "-input=false", "-no-color"]);
    assert_attribute_error(&out, "Versioning Cannot Be Disabled", "versioning");
    assert!(
        out.combined().contains("Suspended"),
        "says what to do: {}",
        out.combined()
    );
    assert_eq!(
        env.emulator.mutating_requests().len(),
        before,
        "nothing was sent"
    );

    env.write(&bucket(
        &env,
        "acc-versions",
        r#"  versioning = "Suspended""#,
    ));
    assert_eq!(env.wd.step().plan.actions(ADDR), ["update"]);
    assert_eq!(
        env.wd.resource_values(ADDR).unwrap()["versioning"],
        "Suspended"
    );
}

/// The emulator adds `Oracle-Tags.CreatedBy/CreatedOn` as OCI's tag defaults do; they are the
/// service's and never show as a change (official provider #1283).
#[test]
fn bucket_service_added_defined_tags_never_diff() {
    let env = Env::new();
    env.init_with(&bucket(
        &env,
        "acc-tags",
        r#"  defined_tags = { "Operations.CostCenter" = "42" }"#,
    ));
    env.wd.step();
    let ns = env.namespace().to_string();
    let b = env.oci(async |c| c.get_bucket(&ns, "acc-tags").await.unwrap().value);
    let tags = b.defined_tags.unwrap_or_default();
    assert!(
        tags.get("Oracle-Tags")
            .is_some_and(|t| t.contains_key("CreatedBy") && t.contains_key("CreatedOn")),
        "the service's tags are on the bucket: {tags:?}"
    );
    assert_eq!(
        env.wd.resource_values(ADDR).unwrap()["defined_tags"],
        serde_json::json!({ "Operations.CostCenter": "42" })
    );
}
