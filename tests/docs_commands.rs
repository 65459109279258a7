//! The README and the docs say `--release` on every command that builds the crate (the tests,
//! the CLI and the examples then share one build; docs/design.md, "Build profiles and workspace
//! members"), and the peer comparison is a workspace member that plain commands leave alone.

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_documented_build_command_says_release() {
    let mut files = vec!["README.md".to_owned()];
    for dir in ["docs", "examples"] {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        for entry in std::fs::read_dir(&root).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let ext = path.extension().and_then(|e| e.to_str());
            if matches!(ext, Some("md" | "rs")) {
                files.push(format!("{dir}/{name}"));
            }
        }
    }
    let mut checked = 0;
    for file in &files {
        // Commands may wrap across lines: compare word by word.
        let words: Vec<String> = read(file)
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| "`(),.;:".contains(c)).to_owned())
            .collect();
        for (i, pair) in words.windows(2).enumerate() {
            if pair[0] == "cargo" && ["run", "test", "build"].contains(&pair[1].as_str()) {
                checked += 1;
                assert_eq!(
                    words.get(i + 2).map(String::as_str),
                    Some("--release"),
                    "{file}: `cargo {}` without --release",
                    pair[1]
                );
            }
        }
    }
    assert!(checked >= 10, "only {checked} commands found");
}

#[test]
fn the_peers_crate_is_a_member_but_not_a_default_member() {
    let manifest: toml::Value = toml::from_str(&read("Cargo.toml")).unwrap();
    let workspace = &manifest["workspace"];
    let list = |key: &str| -> Vec<String> {
        workspace[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    assert!(list("members").contains(&"benches/peers".to_owned()));
    assert_eq!(list("default-members"), ["."]);
}
