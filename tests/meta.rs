//! Keeps the house honest: every rule file loads, cites a customer duty of the model,
//! has fixtures and examples that behave; the model matches the seed; generated docs are current.

mod common;

use common::{files_in, lint_text, model, root, rules};
use onus::cli::ListFormat;
use onus::docs;
use std::collections::HashSet;

#[test]
fn every_rule_file_is_valid_and_cites_a_customer_duty() {
    let mut seen = HashSet::new();
    let files: Vec<String> = std::fs::read_dir(root().join("rules"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") && n != "responsibilities.yaml")
        .collect();
    assert_eq!(files.len(), rules().len(), "every rules/*.yaml is embedded");
    for r in rules() {
        assert!(seen.insert(r.id.clone()), "duplicate id {}", r.id);
        assert_eq!(r.origin, format!("rules/{}.yaml", r.id), "id = file name");
        let a = model()
            .get(&r.responsibility)
            .unwrap_or_else(|| panic!("{}: unknown responsibility {}", r.id, r.responsibility));
        assert!(
            a.customer_holds(),
            "{}: cites a duty the customer does not hold",
            r.id
        );
        assert!(
            a.checkable,
            "{}: cites an activity marked not checkable",
            r.id
        );
        for (what, text) in [
            ("summary", &r.summary),
            ("rationale", &r.rationale),
            ("remediation", &r.remediation),
        ] {
            assert!(!text.trim().is_empty(), "{}: empty {what}", r.id);
        }
        for kind in ["good", "bad"] {
            let dir = root().join("fixtures").join(&r.id).join(kind);
            let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
            assert!(n > 0, "{}: no fixtures in {}", r.id, dir.display());
        }
    }
    for entry in std::fs::read_dir(root().join("fixtures"))
        .unwrap()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(seen.contains(&name), "fixtures/{name} belongs to no rule");
    }
}

#[test]
fn rule_examples_fail_and_pass_as_documented() {
    for r in rules() {
        let fail = r
            .example_fail
            .as_deref()
            .unwrap_or_else(|| panic!("{}: no fail example", r.id));
        let pass = r
            .example_pass
            .as_deref()
            .unwrap_or_else(|| panic!("{}: no pass example", r.id));
        let out = lint_text("example.yaml", fail, &r.id);
        assert!(
            out.findings.iter().any(|f| *f.rule == *r.id),
            "{}: the fail example is not flagged",
            r.id
        );
        let out = lint_text("example.yaml", pass, &r.id);
        let hits: Vec<_> = out
            .findings
            .iter()
            .filter(|f| *f.rule == *r.id)
            .map(|f| &f.message)
            .collect();
        assert!(
            hits.is_empty(),
            "{}: the pass example is flagged: {hits:?}",
            r.id
        );
    }
}

#[test]
fn rule_files_reject_mistakes_with_a_location() {
    let bad = "id: x\nseverity: fatal\nresponsibility: a/b\nsummary: s\nrationale: r\nremediation: m\ncheck: host-path-volume\n";
    let e = onus::rule::load_rule("x.yaml", bad, onus::checks::factory).unwrap_err();
    assert_eq!((e.line, e.column), (2, 11), "{e}");
    let unknown = "id: x\nseverity: error\nresponsibility: a/b\nsummary: s\nrationale: r\nremediation: m\ncheck: host-path-volume\nparams: {typo: 1}\n";
    let e = onus::rule::load_rule("x.yaml", unknown, onus::checks::factory).unwrap_err();
    assert!(e.message.contains("param `typo` is unknown"), "{e}");
    let no_check = "id: x\nseverity: error\nresponsibility: a/b\nsummary: s\nrationale: r\nremediation: m\ncheck: nope\n";
    let e = onus::rule::load_rule("x.yaml", no_check, onus::checks::factory).unwrap_err();
    assert_eq!(e.line, 7, "{e}");
}

/// The seed's tables, section by section: (section number, [(customer, provider)]).
fn seed_roles(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in text.lines() {
        if let Some(h) = line
            .strip_prefix("#### ")
            .or_else(|| line.strip_prefix("##### "))
        {
            let num = h
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_end_matches('.');
            out.push((num.to_string(), Vec::new()));
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() == 5
            && !cells[1].starts_with("**")
            && !cells[1].starts_with('-')
            && let Some((_, rows)) = out.last_mut()
        {
            rows.push((cells[2].to_string(), cells[3].to_string()));
        }
    }
    out.retain(|(_, rows)| !rows.is_empty());
    out
}

#[test]
#[cfg_attr(not(onus_shared), ignore = "../shared is absent")]
fn model_holds_every_activity_of_the_seed_with_its_roles() {
    let seed = root().join("../shared/seed/responsibility-model.md");
    let Ok(text) = std::fs::read_to_string(&seed) else {
        eprintln!("skipped: {} is absent", seed.display());
        return;
    };
    let sections = seed_roles(&text);
    let total: usize = sections.iter().map(|(_, r)| r.len()).sum();
    assert_eq!(
        model().activities.len(),
        total,
        "one activity per row of the seed"
    );
    for (num, rows) in sections {
        let ours: Vec<(String, String)> = model()
            .activities
            .iter()
            .filter(|a| a.section_number() == num)
            .map(|a| (a.customer.clone(), a.provider.clone()))
            .collect();
        assert_eq!(ours, rows, "roles of section {num}");
    }
}

/// Generated documentation stays in step with the metadata (`UPDATE_DOCS=1` rewrites it).
#[test]
fn generated_docs_are_current() {
    let table = docs::rules(rules(), ListFormat::Markdown);
    let mut all = String::from(
        "# onus rules\n\nGenerated from `rules/*.yaml` by `cargo test --test meta` \
         (`UPDATE_DOCS=1` rewrites it). Do not edit by hand.\n\n",
    );
    all.push_str(&table);
    all.push('\n');
    for r in rules() {
        all.push_str(&docs::explain(r, model(), ListFormat::Markdown));
    }
    let resp = format!(
        "# The responsibility model\n\nGenerated from `rules/responsibilities.yaml` and \
         `rules/*.yaml`. Do not edit by hand.\n\n{}",
        docs::responsibilities(model(), rules(), ListFormat::Markdown)
    );
    let readme_path = root().join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap_or_default();
    let (start, end) = ("<!-- rules:start -->\n", "<!-- rules:end -->");
    let new_readme = match (readme.find(start), readme.find(end)) {
        (Some(a), Some(b)) if a < b => {
            format!("{}{start}{table}{}", &readme[..a], &readme[b..])
        }
        _ => panic!("README.md has no rules:start/rules:end markers"),
    };
    let mut targets = vec![
        (root().join("docs/rules.md"), all),
        (root().join("docs/responsibilities.md"), resp),
        (readme_path, new_readme),
    ];
    // One page per rule: its explanation, then a failing and a passing fixture as tested.
    for r in rules() {
        let fixture = |kind: &str| {
            let dir = root().join("fixtures").join(&r.id).join(kind);
            let file = files_in(&dir)
                .into_iter()
                .find(|f| f.extension().is_some_and(|e| e == "yaml"))?;
            let text = std::fs::read_to_string(&file).ok()?;
            let name = file.strip_prefix(root()).ok()?.display().to_string();
            Some(format!("`{name}`:\n\n```yaml\n{}\n```\n", text.trim_end()))
        };
        let page = format!(
            "<!-- Generated from rules/{id}.yaml and fixtures/{id}/ by `UPDATE_DOCS=1 cargo test \
             --test meta`. Do not edit by hand. -->\n\n{}\n## From the fixtures\n\nFlagged \
             (lines marked `# expect: {id}`):\n\n{}\nNot flagged:\n\n{}",
            docs::explain(r, model(), ListFormat::Markdown),
            fixture("bad").unwrap_or_default(),
            fixture("good").unwrap_or_default(),
            id = r.id
        );
        targets.push((root().join("docs/rules").join(format!("{}.md", r.id)), page));
    }
    // No page of a rule that no longer exists.
    let pages = files_in(&root().join("docs/rules"));
    for page in pages {
        let id = page.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        assert!(
            rules().iter().any(|r| r.id == id),
            "{} documents no rule: remove it",
            page.display()
        );
    }
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    for (path, want) in targets {
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, want).unwrap();
            } else {
                panic!(
                    "{} is out of date: run `UPDATE_DOCS=1 cargo test --test meta`",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn readme_shows_the_workflow_and_hook_the_tests_run() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let workflow = std::fs::read_to_string(root().join(".github/workflows/onus.yml")).unwrap();
    assert!(
        readme.contains(&workflow),
        "README's action section must show .github/workflows/onus.yml as it is"
    );
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    assert!(hooks.contains("entry: onus check --context ."));
    assert!(readme.contains("`onus check --context .`"));
}

/// Every `<!-- file: PATH -->` block of the README shows PATH as it is, and the `onus
/// test-rules` output shown is what the pack gives.
#[test]
fn readme_shows_the_example_rule_pack_as_it_is() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut shown = 0;
    for (i, _) in readme.match_indices("<!-- file: ") {
        let rest = &readme[i + "<!-- file: ".len()..];
        let path = rest.split(" -->").next().unwrap();
        let block = rest
            .split("```yaml\n")
            .nth(1)
            .unwrap()
            .split("```")
            .next()
            .unwrap();
        let file = std::fs::read_to_string(root().join(path)).unwrap();
        assert_eq!(
            block, file,
            "README's block of {path} differs from the file"
        );
        shown += 1;
    }
    assert!(shown > 0, "README shows no rule file");
    let model = onus::model::Model::builtin().unwrap();
    let mut model = model;
    let mut rules = onus::registry::builtin_rules().unwrap();
    let dir = root().join("examples/policies");
    onus::registry::load_user(std::slice::from_ref(&dir), &mut model, &mut rules).unwrap();
    let own: Vec<_> = rules
        .iter()
        .filter(|r| std::path::Path::new(&r.origin).parent() == Some(dir.as_path()))
        .map(|r| onus::testing::test_rule(&dir, &root(), &rules, r))
        .collect();
    let report = onus::testing::report(std::path::Path::new("examples/policies"), &own);
    assert!(
        readme.contains(&format!("$ onus test-rules examples/policies\n{report}```")),
        "README's test-rules output is not what the pack gives:\n{report}"
    );
}
