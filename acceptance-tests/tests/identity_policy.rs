//! `oci_identity_policy` against real terraform, the built provider and a real emulator: the
//! lifecycle, the service's statement rewriting, plan-time validation, home-region routing,
//! IAM's propagation delay, parallel writes and state written by Oracle's provider.

use acceptance_tests::{Env, TfOutput, assert_attribute_error, provider_block};
use oci_client::services::identity::{
    CreateDynamicGroupDetails, CreatePolicyDetails, UpdatePolicyDetails,
};

const ADDR: &str = "oci_identity_policy.p";

/// HCL for a list of strings (escaped for a quoted HCL string).
fn hcl_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| serde_json::to_string(s).unwrap().replace("${", "$${"))
        .collect();
    format!("[\n    {},\n  ]", quoted.join(",\n    "))
}

fn policy(env: &Env, name: &str, statements: &[&str], extra: &str) -> String {
    format!(
        r#"
resource "oci_identity_policy" "p" {{
  compartment_id = "{tenancy}"
  name           = "{name}"
  description    = "Lab access"
  statements     = {statements}
{extra}
}}
"#,
        tenancy = env.tenancy(),
        statements = hcl_list(statements),
    )
}

fn stored_statements(env: &Env, name: &str) -> Vec<String> {
    env.emulator.dump()["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name && p["lifecycleState"] != "DELETED")
        .unwrap_or_else(|| panic!("no policy {name}"))["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

const STATEMENTS: [&str; 3] = [
    "Allow group Administrators to manage buckets in compartment LabData",
    "Allow any-user to read objects in tenancy where target.bucket.name='lab-input'",
    "Allow group Administrators to {OBJECT_READ, OBJECT_CREATE} in compartment LabData",
];

#[test]
fn policy_lifecycle_create_update_replace_import_drift_delete_destroy() {
    let env = Env::new();
    env.emulator.create_compartment("LabData");
    env.init_with(&policy(&env, "acc-policy", &STATEMENTS, ""));

    let step = env.wd.step();
    assert_eq!(step.plan.actions(ADDR), ["create"]);
    let created = env.wd.resource_values(ADDR).unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("ocid1.policy."), "{id}");
    assert_eq!(created["state"], "ACTIVE");
    assert_eq!(
        created["statements"][0], STATEMENTS[0],
        "state keeps the configured text"
    );
    for attr in ["ETag", "lastUpdateETag", "policyHash"] {
        assert!(
            created[attr].as_str().is_some_and(|s| !s.is_empty()),
            "{attr}"
        );
    }
    // Imported, statements are the service's spelling (same meaning; the import-block test
    // shows such a state plans nothing).
    env.wd.import_verify(ADDR, &id, &["statements"]);

    // In place: description, one statement, version date, tags.
    let mut changed = STATEMENTS;
    changed[1] = "Allow any-user to read objects in tenancy where target.bucket.name='lab-output'";
    let text = policy(
        &env,
        "acc-policy",
        &changed,
        "  version_date  = \"2018-08-23\"\n  freeform_tags = { lab = \"dataflow\" }",
    )
    .replace("Lab access", "Lab access, v2");
    env.write(&text);
    let step = env.wd.step();
    assert_eq!(step.plan.actions(ADDR), ["update"]);
    let updated = env.wd.resource_values(ADDR).unwrap();
    assert_eq!(updated["id"], id, "updated in place");
    assert_eq!(updated["version_date"], "2018-08-23");
    assert!(stored_statements(&env, "acc-policy")[1].contains("lab-output"));

    // Out-of-band change → drift → apply puts the configuration back.
    env.oci(async |c| {
        let d = UpdatePolicyDetails {
            statements: Some(vec![
                "Allow any-user to manage all-resources in tenancy".into(),
            ]),
            ..Default::default()
        };
        c.update_policy(&id, &d, None).await.unwrap();
    });
    let drift = env.wd.refresh_plan().drift();
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert_eq!(drift[0].actions, ["update"]);
    let fix = env.wd.plan();
    assert_eq!(fix.actions(ADDR), ["update"]);
    env.wd
        .run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_success();
    assert!(env.wd.plan().is_empty());
    assert_eq!(stored_statements(&env, "acc-policy").len(), 3);

    // The name cannot change in place.
    env.write(&text.replace("acc-policy", "acc-policy-renamed"));
    let step = env.wd.step();
    assert_eq!(step.plan.actions(ADDR), ["delete", "create"]);
    let id = env.wd.resource_values(ADDR).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Out-of-band delete → drift (delete) → re-created.
    env.oci(async |c| c.delete_policy(&id, None).await.unwrap());
    let drift = env.wd.refresh_plan().drift();
    assert_eq!(
        drift.iter().map(|d| d.actions.clone()).collect::<Vec<_>>(),
        [["delete"]]
    );
    assert_eq!(env.wd.plan().actions(ADDR), ["create"]);
    env.wd
        .run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_success();
    assert!(env.wd.plan().is_empty());

    env.wd.destroy();
    env.assert_nothing_left();
}

#[test]
fn policy_import_block_adopts_an_existing_policy_written_differently() {
    let env = Env::new();
    env.emulator.create_compartment("LabData");
    let tenancy = env.tenancy().to_string();
    let id = env.oci(async |c| {
        let d = CreatePolicyDetails {
            compartment_id: tenancy,
            name: "acc-adopted".into(),
            statements: STATEMENTS.iter().map(|s| s.to_string()).collect(),
            description: "Lab access".into(),
            ..Default::default()
        };
        c.create_policy(&d).await.unwrap().value.id
    });
    let variants = [
        "ALLOW GROUP Administrators TO MANAGE BUCKETS IN COMPARTMENT labdata",
        "allow any-user\n   to read objects in tenancy\n   where target.bucket.name = 'lab-input'",
        "Allow group Administrators to {OBJECT_READ,OBJECT_CREATE} in compartment 'LabData'",
    ];
    let config = format!(
        "{}\nimport {{\n  to = {ADDR}\n  id = \"{id}\"\n}}\n",
        policy(&env, "acc-adopted", &variants, "")
    );
    env.init_with(&config);
    let plan = env.wd.plan();
    assert_eq!(plan.actions(ADDR), ["no-op"], "import only");
    assert!(plan.json["resource_changes"][0]["change"]["importing"].is_object());
    env.wd
        .run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_success();
    assert!(env.wd.plan().is_empty());
}

#[test]
fn rewritten_statements_replan_empty_and_one_word_is_exactly_one_element() {
    let env = Env::new();
    env.emulator.create_compartment("LabData");
    env.init_with(&policy(&env, "acc-rewrite", &STATEMENTS, ""));
    env.wd.step();
    let stored = stored_statements(&env, "acc-rewrite");
    assert_ne!(
        stored,
        STATEMENTS.to_vec(),
        "the emulator rewrites statements as the service does"
    );
    assert!(stored[0].ends_with("in compartment labdata"), "{stored:?}");

    // The service's own text, and case/whitespace variants of it, plan nothing.
    let variants_of_stored: Vec<String> = stored
        .iter()
        .map(|s| {
            format!(
                "  {}  ",
                s.to_uppercase()
                    .replace("ADMINISTRATORS", "Administrators")
                    .replace("'LAB-INPUT'", "'lab-input'")
                    .replace(' ', "\n   ")
            )
        })
        .collect();
    for config in [
        stored.clone(),
        variants_of_stored,
        STATEMENTS.iter().map(|s| s.replace(' ', "   ")).collect(),
    ] {
        let refs: Vec<&str> = config.iter().map(String::as_str).collect();
        env.write(&policy(&env, "acc-rewrite", &refs, ""));
        let plan = env.wd.plan();
        assert!(
            plan.is_empty(),
            "{config:?}: {:?}",
            plan.effective_changes()
        );
    }

    // One word changed in statement 1: exactly that element differs in the plan.
    let mut one_word = STATEMENTS;
    one_word[1] =
        "Allow any-user to manage objects in tenancy where target.bucket.name='lab-input'";
    env.write(&policy(&env, "acc-rewrite", &one_word, ""));
    let plan = env.wd.plan();
    assert_eq!(plan.actions(ADDR), ["update"]);
    let change = plan.json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == ADDR)
        .unwrap()["change"]
        .clone();
    let (before, after) = (
        change["before"]["statements"].as_array().unwrap().clone(),
        change["after"]["statements"].as_array().unwrap().clone(),
    );
    let differing: Vec<usize> = (0..3).filter(|&i| before[i] != after[i]).collect();
    assert_eq!(differing, [1], "before {before:?}\nafter {after:?}");
    assert_eq!(after[1], one_word[1]);
}

/// Statements the grammar refuses. Each is checked against the parser for its position.
const BAD_STATEMENTS: &[&str] = &[
    "Allow group Administrators to fly buckets in tenancy",
    "Allow group Administrators to read buckets",
    "Allow group Administrators read buckets in tenancy",
    "Permit group Administrators to read buckets in tenancy",
    "Allow group Administrators to read buckets in compartment",
    "Allow group Administrators to read buckets in tenancy where",
    "Allow group Administrators to read buckets in tenancy where target.bucket.name",
    "Allow group Administrators to read buckets in tenancy where target.bucket.name = 'x",
    "Allow group Administrators to read buckets in tenancy where any {target.bucket.name = 'x'",
    "Allow group Administrators to {OBJECT_READ in tenancy",
    "Allow group Administrators to {} in tenancy",
    "Allow dynamic-group to read buckets in tenancy",
    "Allow group Administrators, to read buckets in tenancy",
    "Allow group Administrators to read in tenancy",
    "Allow group Administrators to read buckets in compartment id",
    "Allow group Administrators to read buckets in tenancy extra words",
    "",
    "Allow",
    "Allow group Administrators to read buckets in tenancy where all {}",
    "Allow group Administrators to read buckets in tenancy where target.bucket.name == 'x'",
    "Allow group Administrators\n  to read buckets\n  in tenancy where",
    "Allow to read buckets in tenancy",
    "Allow group Administrators to read buckets in tenancy where any {a = 'x',}",
];

/// Matching rules the grammar refuses.
const BAD_RULES: &[&str] = &[
    "ALL {resource.type = 'dataflowrun'",
    "ALL {}",
    "ANY {resource.type 'dataflowrun'}",
    "ALL {resource.type = 'dataflowrun',}",
    "SOME {resource.type = 'dataflowrun'}",
    "ALL {resource.type = 'dataflowrun' resource.id = 'x'}",
    "",
    "ALL {resource.type = 'dataflowrun'} extra",
    "ALL {resource.type = 'dataflowrun}",
    "ANY {\n  resource.type = 'dataflowrun',\n  resource.compartment.id =\n}",
];

fn deep(n: usize) -> String {
    format!(
        "Allow group Administrators to read buckets in tenancy where {}a = 'x'{}",
        "any {".repeat(n),
        "}".repeat(n)
    )
}

#[test]
fn malformed_statements_and_rules_are_refused_at_validate_with_index_and_position() {
    let env = Env::new();
    let deep_statement = deep(40);
    let mut statements: Vec<&str> = BAD_STATEMENTS.to_vec();
    statements.push(&deep_statement);
    let mut config = policy(&env, "acc-bad", &statements, "");
    for (i, rule) in BAD_RULES.iter().enumerate() {
        config.push_str(&format!(
            "\nresource \"oci_identity_dynamic_group\" \"bad{i}\" {{\n  compartment_id = \"{}\"\n  name = \"acc-bad-{i}\"\n  description = \"\"\n  matching_rule = {}\n}}\n",
            env.tenancy(),
            serde_json::to_string(rule).unwrap()
        ));
    }
    env.init_with(&config);
    assert!(statements.len() + BAD_RULES.len() >= 30);

    let out = env.wd.validate();
    assert!(!out.success(), "{}", out.combined());
    let text = out.combined();
    let blocks: Vec<&str> = text.split("Error: ").skip(1).collect();
    for (i, s) in statements.iter().enumerate() {
        let e = oci_policy::parse_statement(s).expect_err(s);
        let expected = format!(
            "Statement {i} (statements[{i}]) at line {}, column {}",
            e.line, e.column
        );
        assert!(
            blocks
                .iter()
                .any(|b| b.starts_with("Invalid Policy Statement") && b.contains(&expected)),
            "{s:?}: no error with {expected:?} in:\n{text}"
        );
    }
    for (i, rule) in BAD_RULES.iter().enumerate() {
        let e = oci_policy::parse_matching_rule(rule).expect_err(rule);
        let expected = format!("The matching rule at line {}, column {}", e.line, e.column);
        assert!(
            blocks.iter().any(|b| b.starts_with("Invalid Matching Rule")
                && b.contains(&expected)
                && b.contains(&format!("bad{i}"))),
            "{rule:?}: no error with {expected:?} for bad{i} in:\n{text}"
        );
    }
    assert_statement_error(&out, "Invalid Policy Statement");
    assert_attribute_error(&out, "Invalid Matching Rule", "matching_rule");

    let plan = env.wd.run(&["plan", "-input=false", "-no-color"]);
    assert!(!plan.success());
    assert!(plan.combined().contains("Invalid Policy Statement"));
    let identity: Vec<_> = env
        .emulator
        .requests()
        .into_iter()
        .filter(|r| r.service.as_deref() == Some("identity"))
        .collect();
    assert!(identity.is_empty(), "nothing reached IAM: {identity:?}");
}

#[test]
fn statements_from_other_resources_are_checked_at_plan_and_unknown_names_warn() {
    let env = Env::new();
    let body = format!(
        r#"
resource "oci_identity_dynamic_group" "g" {{
  compartment_id = "{t}"
  name           = "acc-planned"
  description    = ""
  matching_rule  = "ANY {{resource.type = 'dataflowrun'}}"
}}
{}"#,
        policy(
            &env,
            "acc-warn",
            &[
                "Allow dynamic-group acc-nowhere to read buckets in tenancy",
                "Allow group NoSuchGroup to read buckets in tenancy",
            ],
            "",
        )
        .replace(
            "statements     = [",
            "statements     = [\n    \"Allow dynamic-group ${oci_identity_dynamic_group.g.name} to read objects in tenancy\",",
        ),
        t = env.tenancy()
    );
    env.init_with(&body);
    let out = env.wd.run(&["plan", "-input=false", "-no-color"]);
    out.assert_success();
    let text = out.combined();
    assert!(text.contains("Warning: Unknown Dynamic Group"), "{text}");
    assert!(text.contains("\"acc-nowhere\""), "{text}");
    assert!(text.contains("Warning: Unknown Group"), "{text}");
    assert!(text.contains("\"NoSuchGroup\""), "{text}");
    assert!(
        text.split("Warning: ")
            .skip(1)
            .all(|w| !w.contains("\"acc-planned\"")),
        "a group this configuration creates is not unknown:\n{text}"
    );

    // A malformed statement built from another resource's name: refused at plan, not validate.
    let broken = body.replace(
        "${oci_identity_dynamic_group.g.name} to read objects",
        "${oci_identity_dynamic_group.g.name} to read",
    );
    env.write(&broken);
    assert!(env.wd.validate().success(), "unknown at validate time");
    let out = env.wd.run(&["plan", "-input=false", "-no-color"]);
    assert_statement_error(&out, "Invalid Policy Statement");
    assert!(env.emulator.mutating_requests().is_empty());
}

/// Asserts an error `summary` that Terraform located in `statements` (the attribute's line or
/// one of its elements' lines), not at the resource as a whole.
#[track_caller]
fn assert_statement_error(out: &TfOutput, summary: &str) {
    assert!(!out.success(), "{}", out.combined());
    let text = out.combined();
    let block = text
        .split("Error: ")
        .skip(1)
        .find(|b| b.starts_with(summary))
        .unwrap_or_else(|| panic!("no error {summary:?} in:\n{text}"));
    let pointed = block.lines().any(|l| {
        l.trim_start_matches(['│', ' '])
            .split_once(':')
            .is_some_and(|(n, rest)| {
                let rest = rest.trim_start();
                n.trim().parse::<u32>().is_ok()
                    && (rest.starts_with("statements") || rest.starts_with('"'))
            })
    });
    assert!(
        pointed,
        "error {summary:?} does not point into statements:\n{block}"
    );
}

/// The provider block for `region`, with no endpoint: OCI's per-region host names, connected to
/// the emulator (`OCI_CONNECT_TO`).
fn regional_provider(env: &mut Env, region: &str, extra: &str) -> String {
    let addr = env
        .emulator
        .endpoint()
        .trim_start_matches("http://")
        .to_string();
    env.wd.set_env("OCI_CONNECT_TO", &addr);
    format!(
        "terraform {{\n  required_providers {{\n    oci = {{ source = \"ocilab/oci\" }}\n  }}\n}}\n\nprovider \"oci\" {{\n  config_file_profile = \"{}\"\n  region              = \"{region}\"\n{extra}}}\n",
        env.emulator.info.profile
    )
}

fn lab_iam(env: &Env) -> String {
    format!(
        r#"
resource "oci_identity_dynamic_group" "g" {{
  compartment_id = "{t}"
  name           = "acc-runs"
  description    = "Data Flow runs"
  matching_rule  = "ALL {{resource.type = 'dataflowrun', resource.compartment.id = '{t}'}}"
}}

resource "oci_identity_policy" "p" {{
  compartment_id = "{t}"
  name           = "acc-runs-access"
  description    = "Data Flow runs read and write the lab buckets"
  statements = [
    "Allow dynamic-group ${{oci_identity_dynamic_group.g.name}} to read buckets in tenancy",
    "Allow dynamic-group ${{oci_identity_dynamic_group.g.name}} to manage objects in tenancy",
  ]
}}
"#,
        t = env.tenancy()
    )
}

#[test]
fn iam_writes_go_to_the_home_region_whatever_the_provider_region() {
    let mut env = Env::new();
    assert_eq!(env.emulator.info.region, "us-ashburn-1", "the home region");
    // The IAM example as users copy it (a dynamic group and a policy naming it).
    let example = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/resources/oci_identity_policy/resource.tf"),
    )
    .unwrap();
    let tenancy = env.tenancy().to_string();
    env.wd.set_env("TF_VAR_tenancy_ocid", &tenancy);
    env.wd.set_env("TF_VAR_compartment_ocid", &tenancy);
    let header = regional_provider(&mut env, "us-phoenix-1", "");
    env.wd.write_config(&format!("{header}\n{example}"));
    env.wd.init();
    env.wd.step();

    let log = env.emulator.requests();
    let writes: Vec<_> = log
        .iter()
        .filter(|r| r.service.as_deref() == Some("identity") && r.is_mutating())
        .collect();
    assert_eq!(writes.len(), 2, "{writes:?}");
    for w in &writes {
        assert_eq!(w.region.as_deref(), Some("us-ashburn-1"), "{w:?}");
        assert_eq!(w.status, Some(200), "{w:?}");
    }
    assert!(
        log.iter()
            .any(|r| r.operation.as_deref() == Some("GetPolicy")
                && r.region.as_deref() == Some("us-phoenix-1")),
        "reads stay in the configured region: {log:?}"
    );
    assert!(log.iter().all(|r| r.status != Some(403)), "{log:?}");

    // What the official provider would have done: write in the provider's region, refused.
    let endpoint = env
        .emulator
        .endpoint()
        .trim_start_matches("http://")
        .to_string();
    let args = oci_client::ProviderArgs {
        config_file_profile: Some(env.emulator.info.profile.clone()),
        region: Some("us-phoenix-1".into()),
        ..Default::default()
    };
    let cfg_env = oci_client::Env::from_map([
        (
            "OCI_CONFIG_FILE",
            env.emulator.info.config_file.display().to_string(),
        ),
        ("OCI_CONNECT_TO", endpoint),
    ]);
    let phoenix =
        oci_client::Client::new(oci_client::ClientConfig::resolve(&args, &cfg_env).unwrap())
            .unwrap();
    let tenancy = env.tenancy().to_string();
    let err = env.block_on(async move {
        let d = CreatePolicyDetails {
            compartment_id: tenancy,
            name: "acc-elsewhere".into(),
            statements: vec!["Allow group Administrators to read buckets in tenancy".into()],
            description: String::new(),
            ..Default::default()
        };
        phoenix.create_policy(&d).await.unwrap_err()
    });
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.code(), Some("NotAllowed"));
    assert!(
        err.to_string().contains("Please go to your home region"),
        "{err}"
    );

    env.wd.destroy();
    env.assert_nothing_left();
}

#[test]
fn a_dynamic_group_not_yet_propagated_is_waited_for_within_the_bound() {
    let env = Env::new();
    env.emulator
        .set_iam(serde_json::json!({ "propagation_delay_ms": 1500 }));
    env.init_with(&lab_iam(&env));
    env.wd.step();
    let creates: Vec<Option<u16>> = env
        .emulator
        .requests()
        .iter()
        .filter(|r| r.operation.as_deref() == Some("CreatePolicy"))
        .map(|r| r.status)
        .collect();
    assert!(
        creates.len() >= 2 && creates[..creates.len() - 1].iter().all(|s| *s == Some(400)),
        "refused while propagating, then accepted: {creates:?}"
    );
    assert_eq!(creates.last(), Some(&Some(200)));
    env.wd.destroy();

    // Longer than the bound: a clear error after the bound, not an endless loop.
    env.emulator
        .set_iam(serde_json::json!({ "propagation_delay_ms": 600_000 }));
    let header = provider_block(env.emulator.endpoint(), &env.emulator.info.profile).replace(
        "provider \"oci\" {",
        "provider \"oci\" {\n  retry_duration_seconds = 2",
    );
    env.wd.write_config(&format!("{header}\n{}", lab_iam(&env)));
    let out = env.wd.try_apply();
    assert!(!out.success());
    // Terraform wraps long lines; compare with single spaces.
    let text = acceptance_tests::one_line(&out);
    assert!(
        text.contains("Policy Names Something That Does Not Exist"),
        "{text}"
    );
    assert!(text.contains("the bound is 2 s"), "{text}");
    let waited: f64 = text
        .split("does not exist, for ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("how long was waited:\n{text}"));
    assert!(waited <= 2.5, "waited {waited} s with a 2 s bound");
    env.emulator
        .set_iam(serde_json::json!({ "propagation_delay_ms": 0 }));
    env.wd.destroy();
    env.assert_nothing_left();
}

#[test]
fn twenty_policies_with_parallelism_ten_never_conflict() {
    let env = Env::new();
    // The emulator refuses an IAM write that overlaps another in the same tenancy (as the
    // service's NoEtagMatch); each write takes 50 ms, so unserialised writes would collide.
    env.emulator.set_iam(serde_json::json!({ "write_ms": 50 }));
    env.init_with(&format!(
        r#"
resource "oci_identity_policy" "many" {{
  count          = 20
  compartment_id = "{t}"
  name           = "acc-many-${{count.index}}"
  description    = "policy ${{count.index}}"
  statements     = ["Allow group Administrators to read buckets in tenancy"]
}}
"#,
        t = env.tenancy()
    ));
    env.wd
        .run(&[
            "apply",
            "-input=false",
            "-no-color",
            "-auto-approve",
            "-parallelism=10",
        ])
        .assert_success();
    let log = env.emulator.requests();
    let created = log
        .iter()
        .filter(|r| r.operation.as_deref() == Some("CreatePolicy") && r.status == Some(200))
        .count();
    assert_eq!(created, 20);
    assert!(log.iter().all(|r| r.status != Some(409)), "{log:?}");
    env.wd
        .run(&[
            "destroy",
            "-input=false",
            "-no-color",
            "-auto-approve",
            "-parallelism=10",
        ])
        .assert_success();
    assert!(
        env.emulator
            .requests()
            .iter()
            .all(|r| r.status != Some(409))
    );
    env.assert_nothing_left();
}

#[test]
fn state_written_by_oracles_provider_plans_empty_after_replace_provider() {
    let env = Env::new();
    let tenancy = env.tenancy().to_string();
    let statements =
        vec!["Allow dynamic-group acc-legacy-runs to read buckets in tenancy".to_string()];
    let (dg, pol) = env.oci(async |c| {
        let dg = c
            .create_dynamic_group(&CreateDynamicGroupDetails {
                compartment_id: tenancy.clone(),
                name: "acc-legacy-runs".into(),
                matching_rule: "ANY {resource.type = 'dataflowrun'}".into(),
                description: "legacy".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .value;
        let pol = c
            .create_policy(&CreatePolicyDetails {
                compartment_id: tenancy.clone(),
                name: "acc-legacy".into(),
                statements: statements.clone(),
                description: "legacy".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let etag = pol.etag().unwrap_or_default().to_string();
        (
            c.get_dynamic_group(&dg.id).await.unwrap().value,
            (c.get_policy(&pol.value.id).await.unwrap().value, etag),
        )
    });
    let (pol, etag) = pol;
    let fixture = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/oracle-identity.tfstate"),
    )
    .unwrap();
    let tags = |t: &Option<oci_client::services::DefinedTags>| {
        t.as_ref().unwrap()["Oracle-Tags"]["CreatedOn"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let state = fixture
        .replace("{tenancy}", &tenancy)
        .replace("{dg_id}", &dg.id)
        .replace("{dg_created_on}", &tags(&dg.defined_tags))
        .replace("{policy_id}", &pol.id)
        .replace("{policy_created_on}", &tags(&pol.defined_tags))
        .replace("{policy_statement}", &pol.statements[0])
        .replace("{etag}", &etag);
    // The user's configuration, written with different spacing and case than the service's.
    // `init` runs before the state exists, as it would have for the user long ago with
    // Oracle's provider (our mirror does not serve oracle/oci).
    env.init_with(&format!(
        r#"
resource "oci_identity_dynamic_group" "runs" {{
  compartment_id = "{tenancy}"
  name           = "acc-legacy-runs"
  description    = "legacy"
  matching_rule  = "any {{ resource.type = 'dataflowrun' }}"
}}

resource "oci_identity_policy" "runs" {{
  compartment_id = "{tenancy}"
  name           = "acc-legacy"
  description    = "legacy"
  statements     = ["allow dynamic-group acc-legacy-runs to READ buckets in tenancy"]
}}
"#
    ));
    env.wd.write_file("terraform.tfstate", &state);
    env.wd
        .run(&[
            "state",
            "replace-provider",
            "-auto-approve",
            "registry.terraform.io/oracle/oci",
            "registry.terraform.io/ocilab/oci",
        ])
        .assert_success();
    let out = env
        .wd
        .run(&["plan", "-input=false", "-no-color", "-detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "plan not empty:\n{}",
        out.combined()
    );
}

#[test]
fn taken_policy_name_gives_the_exact_import_command() {
    let env = Env::new();
    let tenancy = env.tenancy().to_string();
    let id = env.oci(async |c| {
        let d = CreatePolicyDetails {
            compartment_id: tenancy,
            name: "acc-taken".into(),
            statements: vec!["Allow group Administrators to read buckets in tenancy".into()],
            description: "made by a colleague".into(),
            ..Default::default()
        };
        c.create_policy(&d).await.unwrap().value.id
    });
    env.init_with(&policy(
        &env,
        "acc-taken",
        &["Allow group Administrators to manage buckets in tenancy"],
        "",
    ));
    let out = env.wd.try_apply();
    assert_attribute_error(&out, "Policy Already Exists", "name");
    let expected = format!("terraform import oci_identity_policy.<name> {id}");
    assert!(
        out.combined().contains(&expected),
        "{expected:?} in:\n{}",
        out.combined()
    );
}
