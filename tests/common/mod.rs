//! Helpers shared by the tests that drive the `carbonsim` binary. Each test crate uses only some
//! of them, so unused ones are allowed here.
#![allow(dead_code)]

use std::process::{Command, Output};

/// The binary under test.
pub fn carbonsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_carbonsim"))
}

/// Runs `cmd`, which must succeed (its error output is shown if not).
pub fn succeeds(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `cmd`, which must fail; returns its error output.
pub fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}
