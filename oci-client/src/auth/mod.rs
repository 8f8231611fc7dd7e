//! Credentials: loading RSA private keys ([`key`]) and signing requests ([`signer`]).

pub mod key;
pub mod signer;

pub use key::PrivateKey;
pub use signer::{BodySigning, KeyId, SignedHeaders, Signer, SigningInput};
