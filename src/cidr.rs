//! Source ranges that admit every address, shared by the Service and NetworkPolicy rules.

/// Does this source range admit every address?
pub fn is_anywhere(cidr: &str) -> bool {
    matches!(cidr.trim(), "0.0.0.0/0" | "::/0" | "0::0/0")
}
