//! The command line: the replay writes every output whole; bad input gets a clear message, a
//! non-zero exit and no files.

use std::path::PathBuf;
use std::process::Command;

fn carbonsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_carbonsim"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("carbonsim-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn replay_writes_all_outputs_with_seed_and_version() {
    let dir = scratch("ok");
    let out = carbonsim()
        .args(["replay", "--seed", "7", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("exact days: 598/598 composite, 252/252 vintage"),
        "{stdout}"
    );
    assert!(stdout.contains("replayed 598 trading days in"), "{stdout}");
    for f in [
        "daily.csv",
        "vintages.csv",
        "totals.csv",
        "summary.json",
        "price.svg",
        "volume.svg",
        "summary.txt",
    ] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(
            text.contains('7') && text.contains(env!("CARGO_PKG_VERSION")),
            "{f} lacks seed or version"
        );
    }
    let daily = std::fs::read_to_string(dir.join("daily.csv")).unwrap();
    let header: Vec<&str> = daily.lines().next().unwrap().split(',').collect();
    let diff = header.iter().position(|h| *h == "difference").unwrap();
    assert!(
        daily
            .lines()
            .skip(1)
            .all(|l| l.split(',').nth(diff) == Some("0")),
        "every day exact"
    );
    assert_eq!(daily.lines().count(), 599);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["seed"], 7);
    assert_eq!(json["exact_days"], 598);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_fails_clearly_and_writes_nothing() {
    let dir = scratch("bad");
    let out = carbonsim()
        .args(["replay", "--from", "2020-01-01", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2020-01-01") && err.contains("2021-07-16"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(&dir).map_or(0, Iterator::count),
        0,
        "nothing written"
    );

    let out = carbonsim()
        .args(["replay", "--frm", "2021-08-01"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--frm"));

    let out = carbonsim()
        .args(["replay", "--to", "not-a-date"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not-a-date"));

    let file = scratch("file");
    std::fs::write(&file, "occupied").unwrap();
    let out = carbonsim()
        .args(["replay", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a folder"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "occupied");
    std::fs::remove_file(&file).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_explains_the_commands() {
    let out = carbonsim().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("replay") && text.contains("Replay the national carbon market"),
        "{text}"
    );
}
