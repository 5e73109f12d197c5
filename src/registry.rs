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

/// Is this one of onus's own rules (its text is a built-in rule file)? A team's rules have
/// no page in onus's docs.
pub fn is_builtin(rule: &Rule) -> bool {
    BUILTIN_RULES.iter().any(|(_, text)| *text == rule.text)
}

/// The file a team's duties are declared in, beside its rules.
pub const TEAM_MODEL: &str = "responsibilities.yaml";

/// Load a team's rules: every `*.yaml`/`*.yml` file directly in each directory is a rule
/// file (subdirectories hold fixtures), `responsibilities.yaml` adds duties to the model.
/// They join `rules` through the same loader as the built-in ones. Every mistake is
/// returned, located: a rule file that does not load, an id defined twice (naming both
/// files), a responsibility no model declares.
pub fn load_user(
    dirs: &[std::path::PathBuf],
    model: &mut crate::model::Model,
    rules: &mut Vec<Rule>,
) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    let mut added = Vec::new();
    for dir in dirs {
        let entries = match std::fs::read_dir(dir) {
            Ok(d) => d,
            Err(e) => {
                errors.push(format!("rules directory {}: {e}", dir.display()));
                continue;
            }
        };
        let mut files: Vec<std::path::PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        files.sort();
        for path in files {
            let origin = path.display().to_string();
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(format!("{origin}: {e}"));
                    continue;
                }
            };
            if path.file_name().is_some_and(|n| n == TEAM_MODEL) {
                if let Err(e) = model.extend(&text, &origin) {
                    errors.push(e);
                }
                continue;
            }
            // A manifest among the rules (the wrong directory given): said as such.
            if text.lines().any(|l| l.starts_with("apiVersion:"))
                && text.lines().any(|l| l.starts_with("kind:"))
                && !text.lines().any(|l| l.starts_with("check:"))
            {
                errors.push(format!(
                    "{origin}: a Kubernetes manifest, not a rule file (a rules directory holds <id>.yaml rule files)"
                ));
                continue;
            }
            match load_rule(&origin, &text, crate::checks::factory) {
                Ok(rule) => added.push(rule),
                Err(e) => errors.push(e.to_string()),
            }
        }
    }
    for rule in added {
        // Fixtures are found by id, findings and configuration name it: it is the file's name.
        let stem = std::path::Path::new(&rule.origin)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("");
        let well_formed = rule.id.starts_with(|c: char| c.is_ascii_lowercase())
            && rule
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !well_formed {
            errors.push(format!(
                "{}: rule id `{}`: lower-case letters, digits and `-` (`team-label`)",
                rule.located("id"),
                rule.id
            ));
            continue;
        }
        if rule.id != stem {
            errors.push(format!(
                "{}: rule id `{}` in a file named `{stem}`: name the file `{}.yaml`",
                rule.located("id"),
                rule.id,
                rule.id
            ));
            continue;
        }
        if let Some(other) = rules.iter().find(|r| r.id == rule.id) {
            errors.push(format!(
                "{}: rule id `{}` is already defined by {}",
                rule.located("id"),
                rule.id,
                other.origin
            ));
            continue;
        }
        if model.get(&rule.responsibility).is_none() {
            let ids: Vec<&str> = model.activities.iter().map(|a| a.id.as_str()).collect();
            let near = crate::suppress::nearest(&rule.responsibility, &ids)
                .map(|n| format!("did you mean `{n}`? "))
                .unwrap_or_default();
            errors.push(format!(
                "{}: no responsibility `{}` in the model ({near}`onus responsibilities` lists them; \
                 declare a duty of your own in {TEAM_MODEL} beside your rules)",
                rule.located("responsibility"),
                rule.responsibility
            ));
            continue;
        }
        rules.push(rule);
    }
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
