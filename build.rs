// Embeds every rules/<id>.yaml in the binary, so the rule files are the one list of rules.
use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=rules");
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
    let dest = Path::new(&env::var("OUT_DIR").unwrap_or_default()).join("builtin_rules.rs");
    if let Err(e) = fs::write(&dest, out) {
        panic!("cannot write {}: {e}", dest.display());
    }
}
