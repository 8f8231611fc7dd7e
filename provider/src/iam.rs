//! What the two IAM resources share: home-region routing of writes, per-tenancy serialisation,
//! the bounded retry of IAM's eventual consistency, and the plan-time facts (tenancy groups,
//! names planned in this run) behind the policy warnings. (Service-added tags: `crate::tags`.)
//!
//! Why each exists (official-provider.md §2.6, §2.7, §4):
//! * IAM writes are only accepted in the tenancy's home region (403 NotAllowed elsewhere, #296,
//!   #1596); users of the official provider must alias a second provider. We discover the home
//!   region (GetTenancy + ListRegionSubscriptions) once per process and send writes there, unless
//!   the identity endpoint was set explicitly, which we take as where the user wants calls to go.
//! * Parallel policy writes in one tenancy failed with 409/NoEtagMatch; the official provider
//!   added a per-tenancy mutex (8.17/8.18). Ours covers dynamic groups too.
//! * A policy naming a dynamic group created a moment earlier is refused with 400 "... does not
//!   exist" until IAM has propagated it (#785). That one case is retried for a bounded time.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oci_client::endpoints::Service;
use oci_client::services::identity::ListIamRequest;
use oci_client::{Client, Error};
use tfplugin::validators::{self, Validator};
use tfplugin::{AttributePath, Diagnostics};

use crate::diag::OrDiag;
use crate::provider::Oci;

/// How long the "does not exist" case is retried when `retry_duration_seconds` is not set.
pub const DEFAULT_PROPAGATION_BOUND: Duration = Duration::from_secs(120);

/// Names of the tenancy's groups and dynamic groups (lower-cased: IAM names are
/// case-insensitive), read once per provider process for plan-time warnings.
#[derive(Debug, Clone, Default)]
pub struct TenancyNames {
    pub groups: BTreeSet<String>,
    pub dynamic_groups: BTreeSet<String>,
}

/// Per-provider-process IAM state, shared by every IAM resource.
#[derive(Debug)]
pub struct Iam {
    home: tokio::sync::OnceCell<Client>,
    tenancy_names: tokio::sync::OnceCell<Option<TenancyNames>>,
    locks: Mutex<BTreeMap<String, Arc<tokio::sync::Mutex<()>>>>,
    planned_dynamic_groups: Mutex<BTreeSet<String>>,
    propagation_bound: Duration,
}

impl Iam {
    pub fn new(propagation_bound: Duration) -> Self {
        Self {
            home: Default::default(),
            tenancy_names: Default::default(),
            locks: Default::default(),
            planned_dynamic_groups: Default::default(),
            propagation_bound,
        }
    }

    pub fn propagation_bound(&self) -> Duration {
        self.propagation_bound
    }

    /// The client IAM writes go through: the tenancy's home region when the identity endpoint
    /// comes from the region template, else `client` itself.
    pub async fn home_client(&self, client: &Client) -> Result<Client, Error> {
        self.home
            .get_or_try_init(|| async {
                let config = client.config();
                let Some(tenancy) = config.tenancy_ocid.clone() else {
                    return Ok(client.clone());
                };
                if !config.templated.contains(&Service::Identity) {
                    return Ok(client.clone());
                }
                let key = client.get_tenancy(&tenancy).await?.value.home_region_key;
                let subs = client.list_region_subscriptions(&tenancy).await?.value;
                let home = subs
                    .iter()
                    .find(|s| s.is_home_region)
                    .or_else(|| {
                        subs.iter().find(|s| {
                            key.as_deref()
                                .is_some_and(|k| s.region_key.eq_ignore_ascii_case(k))
                        })
                    })
                    .map(|s| s.region_name.clone());
                let url = home.and_then(|h| config.endpoint_for_region(Service::Identity, &h));
                tracing::debug!(home_identity_endpoint = ?url.as_ref().map(|u| u.to_string()), "IAM home region");
                Ok(match url {
                    Some(url) => client.with_endpoint(Service::Identity, url),
                    None => client.clone(),
                })
            })
            .await
            .cloned()
    }

    /// Holds the tenancy's IAM write lock: one create/update/delete at a time per tenancy.
    pub async fn write_lock(&self, tenancy: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(locks.entry(tenancy.to_string()).or_default())
        };
        lock.lock_owned().await
    }

    /// Records a dynamic group this configuration plans to create, for the policy warnings.
    pub fn note_planned_dynamic_group(&self, name: &str) {
        self.planned_dynamic_groups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_ascii_lowercase());
    }

    pub fn is_planned_dynamic_group(&self, name: &str) -> bool {
        self.planned_dynamic_groups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&name.to_ascii_lowercase())
    }

    /// The tenancy's group and dynamic-group names; `None` when they cannot be read (then no
    /// warning is given: a warning must not be a guess).
    pub async fn tenancy_names(&self, client: &Client) -> Option<TenancyNames> {
        self.tenancy_names
            .get_or_init(|| async {
                let tenancy = client.config().tenancy_ocid.clone()?;
                let req = ListIamRequest {
                    compartment_id: tenancy,
                    ..Default::default()
                };
                let lower = |n: String| n.to_ascii_lowercase();
                let dynamic_groups = client.list_all_dynamic_groups(&req).await.ok()?;
                let groups = client.list_all_groups(&req).await.ok()?;
                Some(TenancyNames {
                    groups: groups.into_iter().map(|g| lower(g.name)).collect(),
                    dynamic_groups: dynamic_groups.into_iter().map(|g| lower(g.name)).collect(),
                })
            })
            .await
            .clone()
    }

    /// Runs `op` again while IAM answers that a name in the request does not exist yet, for at
    /// most the propagation bound. Returns the last error and how long was waited.
    pub async fn retry_propagation<T, F, Fut>(
        &self,
        client: &Client,
        mut op: F,
    ) -> Result<T, (Error, Duration)>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let clock = client.clock().clone();
        let start = clock.now();
        let mut delay = Duration::from_millis(200);
        loop {
            let err = match op().await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            let waited = clock.now().saturating_sub(start);
            if !is_propagation_error(&err) || waited >= self.propagation_bound {
                return Err((err, waited));
            }
            let sleep = delay.min(self.propagation_bound - waited);
            tracing::debug!(
                sleep_ms = u64::try_from(sleep.as_millis()).unwrap_or(u64::MAX),
                "IAM has not propagated a name yet; retrying"
            );
            clock.sleep(sleep).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }
}

/// IAM's eventual-consistency answer: 400 InvalidParameter "... does not exist ...".
pub fn is_propagation_error(e: &Error) -> bool {
    e.as_service().is_some_and(|s| {
        s.status == 400 && s.code == "InvalidParameter" && s.message.contains("does not exist")
    })
}

/// The tenancy OCID the provider authenticates with ("" when unknown, e.g. instance principals).
pub fn tenancy(oci: &Oci) -> String {
    oci.client.config().tenancy_ocid.clone().unwrap_or_default()
}

/// [`Iam::home_client`] with a diagnostic on failure.
pub async fn home_client(oci: &Oci, doing: &str, diags: &mut Diagnostics) -> Option<Client> {
    oci.iam
        .home_client(&oci.client)
        .await
        .or_diag(diags, "Home Region Lookup Error", doing)
}

/// The `name` validator of IAM resources.
pub fn iam_name() -> Arc<dyn Validator> {
    validators::custom("an IAM name", |value, path, diags| {
        if let Some(s) = value.as_str()
            && let Err(why) = check_iam_name(s)
        {
            diags.attribute_error(
                path.clone(),
                "Invalid IAM Name",
                format!("Attribute {path} {why}; got {s:?}."),
            );
        }
    })
}

/// The failure of an IAM create or update: "already exists" with the exact import command (the
/// existing object's OCID from `existing`), IAM's propagation delay outlasting the bound, or the
/// API error. `noun` is e.g. "policy", `type_name` the Terraform type.
pub struct WriteFailure<'a> {
    pub type_name: &'a str,
    pub noun: &'a str,
    pub name: &'a str,
    pub creating: bool,
    pub doing: &'a str,
    pub waited: Duration,
}

impl WriteFailure<'_> {
    pub fn report(&self, oci: &Oci, existing: Option<String>, e: &Error, diags: &mut Diagnostics) {
        let (noun, name) = (self.noun, self.name);
        if self.creating && e.status() == Some(409) {
            let id = existing.unwrap_or_else(|| format!("<{noun} OCID>"));
            diags.attribute_error(
                AttributePath::new("name"),
                format!("{} Already Exists", title(noun)),
                format!(
                    "A {noun} named {name:?} already exists in the tenancy ({noun} names are \
                     unique across the tenancy, ignoring case). Choose another name, or bring \
                     the existing {noun} under Terraform with:\n{}\n\nOriginal error: {e}",
                    crate::diag::import_instructions(self.type_name, &id)
                ),
            );
        } else if is_propagation_error(e) {
            diags.error(
                format!("{} Names Something That Does Not Exist", title(noun)),
                format!(
                    "While {}, OCI kept answering that a group, dynamic group or compartment \
                     it names does not exist, for {:.1} s (the bound is {} s; \
                     retry_duration_seconds changes it). Something created a moment ago can \
                     take a while to become visible to IAM; if it still is not after that, the \
                     name is wrong or it was never created.\n\nOriginal error: {e}",
                    self.doing,
                    self.waited.as_secs_f64(),
                    oci.iam.propagation_bound().as_secs()
                ),
            );
        } else {
            let op = if self.creating { "Create" } else { "Update" };
            crate::diag::api_error(diags, &format!("{op} {} Error", title(noun)), self.doing, e);
        }
    }
}

/// The OCID of the live IAM object called `name` (IAM names ignore case) among a list call's
/// results, given each item's `(name, id, lifecycle state)`, for the import hint.
pub fn live_id<T>(
    items: Vec<T>,
    name: &str,
    fields: impl Fn(T) -> (String, String, String),
) -> Option<String> {
    items
        .into_iter()
        .map(fields)
        .find(|(n, _, state)| n.eq_ignore_ascii_case(name) && state != "DELETED")
        .map(|(_, id, _)| id)
}

/// The list request for every IAM object of a kind in the tenancy.
pub fn in_tenancy(oci: &Oci) -> ListIamRequest {
    ListIamRequest {
        compartment_id: tenancy(oci),
        ..Default::default()
    }
}

fn title(noun: &str) -> String {
    noun.split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// IAM names (policies, dynamic groups): 1–100 characters, letters, digits and `._+@-`.
pub fn check_iam_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.chars().count() > 100 {
        return Err(format!(
            "is {} characters long; IAM names have at most 100",
            name.chars().count()
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._+@-".contains(*c)))
    {
        return Err(format!(
            "contains {bad:?}; IAM names may contain only letters, digits and . _ + @ - (no spaces)"
        ));
    }
    Ok(())
}

/// A parse error as diagnostic detail: where, what was expected, and the text with a caret.
pub fn parse_error_detail(what: &str, text: &str, e: &oci_policy::ParseError) -> String {
    let line_text = text.lines().nth(e.line.saturating_sub(1)).unwrap_or("");
    let shown: String = line_text.chars().take(200).collect();
    let caret = " ".repeat(e.column.saturating_sub(1).min(200));
    format!(
        "{what} at line {}, column {}: expected {}, found {}.\n\n  {shown}\n  {caret}^",
        e.line, e.column, e.expected, e.found
    )
}

/// A likely intended resource type for one no OCI resource has (`dataflowruns` → `dataflowrun`).
pub fn suggest_resource_type(t: &str) -> Option<String> {
    let lower = t.to_ascii_lowercase();
    [
        lower.strip_suffix('s').map(str::to_string),
        Some(lower.replace(['-', '_'], "")),
    ]
    .into_iter()
    .flatten()
    .find(|c| c != t && oci_policy::is_known_resource_type(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iam_names() {
        check_iam_name("lab-policy_1.x@y+z").unwrap();
        assert!(check_iam_name("has space").unwrap_err().contains("' '"));
        assert!(check_iam_name(&"a".repeat(101)).is_err());
        assert!(check_iam_name("").is_err());
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest_resource_type("dataflowruns").as_deref(),
            Some("dataflowrun")
        );
    }
}
