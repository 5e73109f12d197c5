//! One file per check. A check is code with typed params; a rule file instantiates it.
//! Each file names its checks in `pub const CHECKS`; the build script declares every file
//! of this directory as a module and gathers their tables, so a new check is one new file.

use crate::rule::Factory;

include!(concat!(env!("OUT_DIR"), "/checks.rs"));

/// Every check, by name.
pub fn all() -> impl Iterator<Item = &'static (&'static str, Factory)> {
    CHECK_TABLES.iter().flat_map(|t| t.iter())
}

pub fn factory(name: &str) -> Option<Factory> {
    all().find(|(n, _)| *n == name).map(|(_, f)| *f)
}
