//! The built-in rules: every rule file of `rules/` (embedded by the build script) with the
//! check it names from `checks`. Neither `rule` nor `checks` imports the other through here.

use crate::rule::{LoadError, Rule, load_rule};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// Every built-in rule, in id order.
pub fn builtin_rules() -> Result<Vec<Rule>, LoadError> {
    let mut rules = BUILTIN_RULES
        .iter()
        .map(|(file, text)| load_rule(&format!("rules/{file}"), text, crate::checks::factory))
        .collect::<Result<Vec<_>, _>>()?;
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(rules)
}
