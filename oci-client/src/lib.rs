//! Signed HTTP client for the parts of the OCI REST API that ocilab needs: Data Flow
//! (applications, runs, run logs), Object Storage (namespace, buckets, retention rules, objects,
//! multipart uploads) and IAM (dynamic groups, policies, compartments).
//!
//! This crate knows nothing about Terraform. The provider resolves a [`ClientConfig`] from its
//! arguments with [`ClientConfig::resolve`], builds a [`Client`] with [`Client::new`] and calls the
//! typed operations in [`services`]. Every operation returns [`Result`] with one [`Error`] type
//! whose predicates (`is_not_found`, `is_conflict`, `is_retryable`) are how callers branch.
//!
//! ```no_run
//! use std::time::Duration;
//! use oci_client::services::{lifecycle, objectstorage::{ObjectBody, PutObjectOptions}};
//! use oci_client::{Client, ClientConfig, Env, ProviderArgs, WaitSpec};
//!
//! # async fn demo() -> oci_client::Result<()> {
//! let args = ProviderArgs {
//!     config_file_profile: Some("EMULATOR".into()),
//!     endpoint: Some("http://127.0.0.1:40123".into()),
//!     ..Default::default()
//! };
//! let client = Client::new(ClientConfig::resolve(&args, &Env::from_process())?)?;
//! let ns = client.get_namespace(None).await?.into_inner();
//! if client.get_bucket_opt(&ns, "lab").await?.is_some() {
//!     // Streams the file; the body is not signed, so it is never read twice.
//!     let put = client
//!         .put_object(&ns, "lab", "in/sales.csv", ObjectBody::File("sales.csv".into()), &PutObjectOptions::default())
//!         .await?;
//!     println!("etag {:?}", put.etag());
//! }
//! let spec = WaitSpec::new(&lifecycle::RUN_TERMINAL, &[lifecycle::ACCEPTED, lifecycle::IN_PROGRESS], Duration::from_secs(1200));
//! let run = client.wait_for("run", &spec, || client.get_run_opt("ocid1.dataflowrun...")).await?;
//! # let _ = run;
//! # Ok(())
//! # }
//! ```
//!
//! Layout (one concern per module):
//! - [`config`]: `~/.oci/config` profiles, provider arguments, env fallbacks, endpoint overrides.
//! - [`endpoints`]: realms, regions and service host templates.
//! - [`auth`]: private-key loading ([`auth::key`]) and the draft-cavage signer ([`auth::signer`]).
//! - [`request`]: pure request descriptions and path/query encoding, no I/O.
//! - [`client`]: the send loop: signing each attempt, request ids, retry tokens, retries.
//! - [`retry`]: the retry policy and the injectable [`Clock`].
//! - [`paginate`]: following `opc-next-page` and `nextStartWith`.
//! - [`wait`]: polling a resource until its lifecycle state reaches a target.
//! - [`error`]: the crate's one error enum.
//! - [`services`]: wire models and `impl Client` blocks per OCI service.

pub mod auth;
pub mod client;
pub mod config;
pub mod endpoints;
pub mod error;
pub mod paginate;
pub mod request;
pub mod retry;
pub mod secret;
pub mod services;
pub mod tls;
pub mod wait;

pub use client::{BodyError, Client, Response, ResponseMeta};
pub use config::{AuthMode, ClientConfig, Env, ProviderArgs};
pub use endpoints::Service;
pub use error::{Error, Result, ServiceError};
pub use paginate::Page;
pub use retry::{Clock, RetryPolicy, SystemClock};
pub use secret::Secret;
pub use wait::{HasLifecycleState, WaitOutcome, WaitSpec};
