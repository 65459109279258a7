//! Every sample scenario under `examples/scenarios/` parses, validates and hashes stably.

use std::path::Path;

use carbonsim::scenario::config::ScenarioConfig;

#[test]
fn sample_scenarios_parse_and_validate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    assert!(
        paths.len() >= 3,
        "sample scenarios missing in {}",
        dir.display()
    );
    let mut hashes = Vec::new();
    for path in &paths {
        let config =
            ScenarioConfig::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let again =
            ScenarioConfig::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(config.content_hash(), again.content_hash());
        let file_stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        assert_eq!(config.name, file_stem, "{}", path.display());
        hashes.push(config.content_hash());
    }
    hashes.sort();
    hashes.dedup();
    assert_eq!(hashes.len(), paths.len(), "two samples hash alike");
}
