//! The one place where `oci_client::Error` becomes a Terraform diagnostic, so every resource
//! words failures the same way (style.md §7.3): a title-case summary, then what we were doing,
//! OCI's code and message, the opc-request-id Oracle support asks for, what to do, and the
//! original error last.

use oci_client::Error;
use tfplugin::{AttributePath, Diagnostics};

/// What to tell the user to do, by error kind.
fn hint(err: &Error) -> &'static str {
    match (err.status(), err.code()) {
        (Some(401), _) => {
            "Check the provider's credentials (user_ocid, fingerprint, private key) and that the \
             machine's clock is correct."
        }
        (Some(403), _) | (Some(404), Some("NotAuthorizedOrNotFound")) => {
            "Check that the resource exists and that a policy grants your user access to it."
        }
        (Some(409), _) => {
            "Another change is in progress or the object already exists; re-run plan."
        }
        (Some(412), _) => {
            "The object changed since Terraform last read it; run `terraform plan` again to see \
             the change."
        }
        (Some(429), _) | (Some(500..=599), _) => {
            "OCI is busy or failing; retry later, or raise retry_duration_seconds."
        }
        _ if err.status().is_none() => "Check network access to the OCI endpoint.",
        _ => "Correct the configuration and re-run.",
    }
}

fn detail(doing: &str, err: &Error) -> String {
    let mut d = format!("While {doing}:\n");
    if let Some(svc) = err.as_service() {
        d.push_str(&format!(
            "OCI returned {} {}: {}\n",
            svc.status,
            svc.code,
            svc.message.trim()
        ));
    }
    if let Some(id) = err.opc_request_id() {
        d.push_str(&format!("opc-request-id: {id}\n"));
    }
    if let Some(svc) = err.as_service().filter(|s| s.attempts > 1) {
        d.push_str(&format!(
            "{} gave up after {} attempts over {:.1} s; the status and opc-request-id above are \
             the last attempt's (retry_duration_seconds sets how long to retry).\n",
            svc.operation,
            svc.attempts,
            svc.retried_for.as_secs_f64()
        ));
    }
    d.push_str(hint(err));
    d.push_str(&format!("\n\nOriginal error: {err}"));
    d
}

/// How to bring an existing object under Terraform, for "already exists" diagnostics: the
/// `terraform import` command and the equivalent `import` block. The provider is not told the
/// resource's address, so both say `<name>` for it. (The block also works where the command
/// cannot: `terraform import` evaluates the whole configuration, and fails when locals index
/// `for_each` instances that are not in state yet.)
pub fn import_instructions(type_name: &str, id: &str) -> String {
    format!(
        "  terraform import {type_name}.<name> {id}\nor, with an import block:\n  import {{\n    \
         to = {type_name}.<name>\n    id = \"{id}\"\n  }}"
    )
}

/// Records `err` as an error diagnostic: `summary` like "Create Bucket Error", `doing` like
/// "creating bucket \"x\" in namespace \"ns\"".
pub fn api_error(diags: &mut Diagnostics, summary: &str, doing: &str, err: &Error) {
    diags.error(summary, detail(doing, err));
}

/// Like [`api_error`], pointing at an attribute.
pub fn api_attribute_error(
    diags: &mut Diagnostics,
    path: AttributePath,
    summary: &str,
    doing: &str,
    err: &Error,
) {
    diags.attribute_error(path, summary, detail(doing, err));
}

/// `result.or_diag(diags, "Read Bucket Error", "reading bucket x")` → `Option<T>`.
pub trait OrDiag<T> {
    fn or_diag(self, diags: &mut Diagnostics, summary: &str, doing: &str) -> Option<T>;
}

impl<T> OrDiag<T> for Result<T, Error> {
    fn or_diag(self, diags: &mut Diagnostics, summary: &str, doing: &str) -> Option<T> {
        self.map_err(|e| api_error(diags, summary, doing, &e)).ok()
    }
}
