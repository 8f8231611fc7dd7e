//! `oci_identity_dynamic_group` against real terraform, the built provider and a real emulator.

use acceptance_tests::{Env, assert_attribute_error};
use oci_client::services::identity::{CreateDynamicGroupDetails, UpdateDynamicGroupDetails};

const ADDR: &str = "oci_identity_dynamic_group.g";

fn group(env: &Env, name: &str, rule: &str, extra: &str) -> String {
    format!(
        r#"
resource "oci_identity_dynamic_group" "g" {{
  compartment_id = "{tenancy}"
  name           = "{name}"
  description    = "Data Flow runs of the lab"
  matching_rule  = {rule}
{extra}
}}
"#,
        tenancy = env.tenancy(),
    )
}

const RULE: &str = r#""ALL {resource.type = 'dataflowrun', resource.compartment.id = 'ocid1.compartment.oc1..aaaalab'}""#;

fn stored_rule(env: &Env, name: &str) -> String {
    env.emulator.dump()["dynamic_groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name && g["lifecycleState"] != "DELETED")
        .unwrap_or_else(|| panic!("no dynamic group {name}"))["matchingRule"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn dynamic_group_lifecycle_create_update_replace_import_drift_delete_destroy() {
    let env = Env::new();
    env.init_with(&group(&env, "acc-dg", RULE, ""));

    let step = env.wd.step();
    assert_eq!(step.plan.actions(ADDR), ["create"]);
    let created = env.wd.resource_values(ADDR).unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("ocid1.dynamicgroup."), "{id}");
    assert_eq!(created["state"], "ACTIVE");
    // Imported, the rule is the service's spelling (same meaning; compared below by plan).
    env.wd.import_verify(ADDR, &id, &["matching_rule"]);

    // In place: description, rule and tags.
    env.write(&group(
        &env,
        "acc-dg",
        r#""ANY {resource.type = 'dataflowrun'}""#,
        r#"  freeform_tags = { lab = "dataflow" }"#,
    ));
    let step = env.wd.step();
    assert_eq!(step.plan.actions(ADDR), ["update"]);
    let updated = env.wd.resource_values(ADDR).unwrap();
    assert_eq!(updated["id"], id, "updated in place");
    assert_eq!(
        stored_rule(&env, "acc-dg"),
        "ANY {resource.type = 'dataflowrun'}"
    );

    // Out-of-band change → drift → apply puts the configuration back.
    env.oci(async |c| {
        let d = UpdateDynamicGroupDetails {
            description: Some("changed in the console".into()),
            ..Default::default()
        };
        c.update_dynamic_group(&id, &d, None).await.unwrap();
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
    let fixed = env.oci(async |c| c.get_dynamic_group(&id).await.unwrap().value);
    assert_eq!(
        fixed.description.as_deref(),
        Some("Data Flow runs of the lab")
    );

    // The name cannot change in place.
    env.write(&group(
        &env,
        "acc-dg-renamed",
        r#""ANY {resource.type = 'dataflowrun'}""#,
        r#"  freeform_tags = { lab = "dataflow" }"#,
    ));
    let step = env.wd.step();
    assert_eq!(step.plan.actions(ADDR), ["delete", "create"]);
    let renamed = env.wd.resource_values(ADDR).unwrap();
    assert_ne!(renamed["id"], id);
    let id = renamed["id"].as_str().unwrap().to_string();

    // Out-of-band delete → drift (delete) → re-created.
    env.oci(async |c| c.delete_dynamic_group(&id, None).await.unwrap());
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
fn dynamic_group_import_block_adopts_an_existing_group() {
    let env = Env::new();
    let tenancy = env.tenancy().to_string();
    let id = env.oci(async |c| {
        let d = CreateDynamicGroupDetails {
            compartment_id: tenancy,
            name: "acc-adopted".into(),
            matching_rule: "ALL {resource.type = 'dataflowrun', resource.compartment.id = 'ocid1.compartment.oc1..aaaalab'}".into(),
            description: "Data Flow runs of the lab".into(),
            ..Default::default()
        };
        c.create_dynamic_group(&d).await.unwrap().value.id
    });
    // Keywords in another case and the rule as an indented heredoc: still no change to make.
    let rule = "<<-EOT\n    all {\n      resource.type='dataflowrun',\n      resource.compartment.id = 'ocid1.compartment.oc1..aaaalab'\n    }\n  EOT";
    let config = format!(
        "{}\nimport {{\n  to = {ADDR}\n  id = \"{id}\"\n}}\n",
        group(&env, "acc-adopted", rule, "")
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
fn indented_heredoc_rule_replans_empty_and_reaches_oci_in_canonical_form() {
    let env = Env::new();
    let heredoc = "<<-EOT\n    ALL {\n      resource.type = 'dataflowrun',\n      resource.compartment.id = 'ocid1.compartment.oc1..aaaalab'\n    }\n  EOT";
    env.init_with(&group(&env, "acc-heredoc", heredoc, ""));
    env.wd.step();
    let stored = stored_rule(&env, "acc-heredoc");
    assert!(
        !stored.contains('\n') && !stored.contains("  "),
        "sent without the heredoc's layout: {stored:?}"
    );
    // Case and whitespace variants of the same rule plan nothing.
    for variant in [
        RULE,
        r#""all{resource.type='dataflowrun',resource.compartment.id='ocid1.compartment.oc1..aaaalab'}""#,
        r#""  All {  RESOURCE.TYPE = 'dataflowrun' ,   resource.compartment.id = 'ocid1.compartment.oc1..aaaalab' }  ""#,
    ] {
        env.write(&group(&env, "acc-heredoc", variant, ""));
        let plan = env.wd.plan();
        assert!(plan.is_empty(), "{variant}: {:?}", plan.effective_changes());
    }
    // A real change (ALL → ANY) is a change.
    env.write(&group(&env, "acc-heredoc", &RULE.replace("ALL", "ANY"), ""));
    assert_eq!(env.wd.plan().actions(ADDR), ["update"]);
}

#[test]
fn dynamic_group_outside_the_tenancy_is_refused_at_plan() {
    let env = Env::new();
    // A compartment OCID: refused by `terraform validate` already.
    let config = group(&env, "acc-where", RULE, "").replace(
        env.tenancy(),
        "ocid1.compartment.oc1..aaaaaaaalabcompartment",
    );
    env.init_with(&config);
    let out = env.wd.validate();
    assert_attribute_error(&out, "Wrong Kind of OCID", "compartment_id");
    // Another tenancy's OCID: known at plan time not to be ours.
    let config = group(&env, "acc-where", RULE, "")
        .replace(env.tenancy(), "ocid1.tenancy.oc1..aaaaaaaaanothertenancy");
    env.write(&config);
    let out = env.wd.run(&["plan", "-input=false", "-no-color"]);
    assert_attribute_error(&out, "Dynamic Groups Live in the Tenancy", "compartment_id");
    assert!(out.combined().contains(env.tenancy()), "names the tenancy");
    assert!(env.emulator.mutating_requests().is_empty());
}

#[test]
fn unknown_resource_type_in_a_rule_is_a_plan_warning() {
    let env = Env::new();
    env.init_with(&group(
        &env,
        "acc-typo",
        r#""ANY {resource.type = 'dataflowruns'}""#,
        "",
    ));
    let out = env.wd.run(&["plan", "-input=false", "-no-color"]);
    out.assert_success();
    let text = out.combined();
    assert!(text.contains("Warning: Unknown Resource Type"), "{text}");
    assert!(text.contains("Did you mean 'dataflowrun'?"), "{text}");
}

#[test]
fn taken_name_gives_the_exact_import_command() {
    let env = Env::new();
    let tenancy = env.tenancy().to_string();
    let id = env.oci(async |c| {
        let d = CreateDynamicGroupDetails {
            compartment_id: tenancy,
            name: "acc-taken".into(),
            matching_rule: "ANY {resource.type = 'dataflowrun'}".into(),
            description: "made by a colleague".into(),
            ..Default::default()
        };
        c.create_dynamic_group(&d).await.unwrap().value.id
    });
    env.init_with(&group(&env, "ACC-TAKEN", RULE, ""));
    let out = env.wd.try_apply();
    assert_attribute_error(&out, "Dynamic Group Already Exists", "name");
    let expected = format!("terraform import oci_identity_dynamic_group.<name> {id}");
    assert!(
        out.combined().contains(&expected),
        "{expected:?} in:\n{}",
        out.combined()
    );
}

#[test]
fn service_added_defined_tags_never_diff_and_ignore_defined_tags_is_honoured() {
    let env = Env::new();
    env.init_with(&group(
        &env,
        "acc-tags",
        RULE,
        r#"  defined_tags = { "Operations.CostCenter" = "42" }"#,
    ));
    env.wd.step();
    let id = env.wd.resource_values(ADDR).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let remote = env.oci(async |c| c.get_dynamic_group(&id).await.unwrap().value);
    let tags = remote.defined_tags.unwrap();
    assert!(
        tags["Oracle-Tags"].contains_key("CreatedBy")
            && tags["Oracle-Tags"].contains_key("CreatedOn"),
        "the emulator adds the service's tags: {tags:?}"
    );
    assert_eq!(
        env.wd.resource_values(ADDR).unwrap()["defined_tags"],
        serde_json::json!({ "Operations.CostCenter": "42" })
    );

    // A tag change keeps the service's tags.
    env.write(&group(
        &env,
        "acc-tags",
        RULE,
        r#"  defined_tags = { "Operations.CostCenter" = "43" }"#,
    ));
    env.wd.step();
    let remote = env.oci(async |c| c.get_dynamic_group(&id).await.unwrap().value);
    assert!(remote.defined_tags.unwrap()["Oracle-Tags"].contains_key("CreatedBy"));

    // Someone adds a tag the configuration does not manage, listed in ignore_defined_tags: no
    // drift and no planned removal.
    env.oci(async |c| {
        let mut tags = c
            .get_dynamic_group(&id)
            .await
            .unwrap()
            .value
            .defined_tags
            .unwrap();
        tags.entry("Operations".into())
            .or_default()
            .insert("Owner".into(), "someone".into());
        let d = UpdateDynamicGroupDetails {
            defined_tags: Some(tags),
            ..Default::default()
        };
        c.update_dynamic_group(&id, &d, None).await.unwrap();
    });
    let config = group(
        &env,
        "acc-tags",
        RULE,
        r#"  defined_tags = { "Operations.CostCenter" = "43" }"#,
    );
    let header =
        acceptance_tests::provider_block(env.emulator.endpoint(), &env.emulator.info.profile)
            .replace(
                "provider \"oci\" {",
                "provider \"oci\" {\n  ignore_defined_tags = [\"operations.owner\"]",
            );
    env.wd.write_config(&format!("{header}\n{config}"));
    assert!(env.wd.refresh_plan().drift().is_empty());
    assert!(env.wd.plan().is_empty());
}
