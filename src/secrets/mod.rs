//! What the credential rules share: secret-like names, stand-in values, known credential
//! formats and base64.

mod base64;
mod credential;
mod names;
mod values;

pub use base64::base64_decode;
pub use credential::find_credential;
pub use names::SecretNames;
pub use values::{has_url_password, is_literal_secret_value, is_placeholder, only_stand_ins};
