//! Provider-defined functions (protocol 6.5+, Terraform 1.8+): `provider::<provider>::<name>(…)`
//! in any expression.
//!
//! Terraform 1.11 learns a provider's functions from `GetProviderSchema` (it never calls
//! `GetFunctions`, which is served too for other clients) and calls them with `CallFunction`,
//! during validate, plan and apply alike. So a function must be pure: the same arguments always
//! give the same result, with no I/O and no provider configuration (it may be called before the
//! provider is configured).
//!
//! Argument values arrive decoded with each parameter's declared type. Unless a parameter allows
//! it, Terraform itself rejects a null argument and skips the call (assuming an unknown result)
//! when an argument is unknown, so [`Function::call`] sees only known, non-null values for them.

use crate::cty::{Type, Val};

/// One provider-defined function.
pub trait Function: Send + Sync + 'static {
    /// The function's name, the part after `provider::<provider>::`.
    fn name(&self) -> &'static str;

    /// Parameters, result type and documentation.
    fn signature(&self) -> Signature;

    /// Computes the result. An error names the argument at fault where there is one
    /// ([`FunctionError::argument`]), so Terraform points at it in the configuration.
    fn call(&self, args: &[Val]) -> Result<Val, FunctionError>;
}

/// What a function takes and returns, and how it is documented.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// One line, shown by editors and the registry.
    pub summary: String,
    /// Markdown, for the generated documentation.
    pub description: String,
    /// Positional parameters, in order.
    pub parameters: Vec<Parameter>,
    /// The result's type.
    pub returns: Type,
}

/// One positional parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Display name (in errors and documentation).
    pub name: String,
    /// Markdown.
    pub description: String,
    /// Type constraint; Terraform converts the argument to it before the call.
    pub ty: Type,
    /// Whether a null argument reaches the function (otherwise Terraform refuses it).
    pub allow_null: bool,
}

impl Parameter {
    /// A parameter that must be a known, non-null value of `ty`.
    pub fn new(name: &str, ty: Type, description: &str) -> Parameter {
        Parameter {
            name: name.to_string(),
            description: description.to_string(),
            ty,
            allow_null: false,
        }
    }
}

/// Why a call failed; Terraform shows `text` as the error of the function call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError {
    /// What is wrong, in a sentence a user can act on.
    pub text: String,
    /// The 0-based position of the argument at fault, when one is.
    pub argument: Option<usize>,
}

impl FunctionError {
    /// An error that is not about one argument.
    pub fn new(text: impl Into<String>) -> FunctionError {
        FunctionError {
            text: text.into(),
            argument: None,
        }
    }

    /// An error about argument `index` (0-based).
    pub fn argument(index: usize, text: impl Into<String>) -> FunctionError {
        FunctionError {
            text: text.into(),
            argument: Some(index),
        }
    }
}

impl std::fmt::Display for FunctionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.argument {
            Some(i) => write!(f, "argument {}: {}", i + 1, self.text),
            None => f.write_str(&self.text),
        }
    }
}

impl std::error::Error for FunctionError {}
