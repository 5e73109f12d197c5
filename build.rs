// Embeds every rules/<id>.yaml in the binary, so the rule files are the one list of rules,
// and declares every src/checks/<name>.rs as a module, so the check files are the one list of
// checks: adding a rule is a rule file, a check file and fixtures.
use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=rules");
    println!("cargo:rerun-if-changed=src/checks");
    // Tests that read ../shared (the seed model, the corpus, the SARIF schema) are marked
    // ignored when it is absent, so that the skip shows in `cargo test`'s output.
    println!("cargo::rustc-check-cfg=cfg(onus_shared)");
    if Path::new("../shared/corpus").is_dir() {
        println!("cargo:rustc-cfg=onus_shared");
        println!("cargo:rerun-if-changed=../shared");
    }
    let mut names: Vec<String> = fs::read_dir("rules")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".yaml") && n != "responsibilities.yaml")
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from("pub const BUILTIN_RULES: &[(&str, &str)] = &[\n");
    for n in &names {
        out.push_str(&format!(
            "    ({n:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/rules/{n}\"))),\n"
        ));
    }
    out.push_str("];\n");
    write("builtin_rules.rs", &out);
    write("checks.rs", &checks());
}

/// `#[path] mod <file>;` for every check file, and the table of their `CHECKS`.
fn checks() -> String {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("src/checks");
    let mut stems: Vec<String> = fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter_map(|n| n.strip_suffix(".rs").map(str::to_string))
                .filter(|n| n != "mod")
                .collect()
        })
        .unwrap_or_default();
    stems.sort();
    let mut out = String::new();
    for s in &stems {
        let path = dir.join(format!("{s}.rs"));
        out.push_str(&format!(
            "#[path = {:?}]\nmod {s};\n",
            path.display().to_string()
        ));
    }
    out.push_str("/// The `CHECKS` table of every check file.\n");
    out.push_str("const CHECK_TABLES: &[&[(&str, Factory)]] = &[\n");
    for s in &stems {
        out.push_str(&format!("    {s}::CHECKS,\n"));
    }
    out.push_str("];\n");
    out
}

fn write(name: &str, text: &str) {
    let dest = Path::new(&env::var("OUT_DIR").unwrap_or_default()).join(name);
    if let Err(e) = fs::write(&dest, text) {
        panic!("cannot write {}: {e}", dest.display());
    }
}
