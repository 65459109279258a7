//! The certificate tables of `docs/model.md` are what the documented commands write: each run's
//! `certificates.md` is the page's block, character for character, and the page's sentence on
//! CCER buying quotes the run's yearly CCER volumes.

use std::path::{Path, PathBuf};

mod common;
use common::{carbonsim, marked_block, succeeds};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Runs `scenario` with `sets` into a fresh folder and returns the folder.
fn run(name: &str, scenario: &str, sets: &[&str]) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&out);
    let mut cmd = carbonsim();
    cmd.current_dir(ROOT)
        .args(["run", scenario, "--quiet", "--out"]);
    cmd.arg(&out);
    for s in sets {
        cmd.args(["--set", s]);
    }
    succeeds(&mut cmd);
    out
}

fn model_md() -> String {
    std::fs::read_to_string(Path::new(ROOT).join("docs/model.md")).unwrap()
}

/// Tonnes of CCER traded in each calendar year, from the run's `daily.csv`.
fn ccer_by_year(dir: &Path) -> std::collections::BTreeMap<String, u64> {
    let csv = std::fs::read_to_string(dir.join("daily.csv")).unwrap();
    let mut years = std::collections::BTreeMap::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[1] == "CCER" {
            let t: u64 = f[3].parse::<u64>().unwrap() + f[5].parse::<u64>().unwrap();
            *years.entry(f[0][..4].to_string()).or_insert(0) += t;
        }
    }
    years
}

#[test]
fn the_2021_2023_certificate_table_is_the_runs() {
    let dir = run(
        "certificates_2021_2023",
        "examples/scenarios/agent_based_2021_2023.toml",
        &["submarkets.gec=true"],
    );
    let written = std::fs::read_to_string(dir.join("certificates.md")).unwrap();
    let page = model_md();
    assert_eq!(marked_block(&page, "certificates-2021-2023"), written);
    let ccer = ccer_by_year(&dir);
    let quoted = format!(
        "They buy {:.1} Mt in 2021 and {:.1} Mt in 2022",
        ccer["2021"] as f64 / 1e6,
        ccer["2022"] as f64 / 1e6
    );
    let one_line = page.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        one_line.contains(&quoted),
        "docs/model.md should say {quoted:?}"
    );
    // The legacy stock (50 Mt) is nearly all sold by the end of 2022.
    assert!(ccer["2021"] + ccer["2022"] >= 49_000_000, "{ccer:?}");
}

#[test]
fn the_2021_2026_certificate_table_is_the_runs() {
    let dir = run(
        "certificates_2021_2026",
        "examples/scenarios/agent_based_2021_2026.toml",
        &[],
    );
    let written = std::fs::read_to_string(dir.join("certificates.md")).unwrap();
    assert_eq!(marked_block(&model_md(), "certificates-2021-2026"), written);
}
