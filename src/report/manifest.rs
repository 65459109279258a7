//! What an output folder holds: `manifest.json` names the command and scenario that wrote the
//! folder and its files, so that a folder never mixes two runs' files. A later run of the same
//! command and scenario replaces the files (and removes any the new run does not write); another
//! run is refused unless forced.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ReportError;

/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";

/// Who wrote a folder and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The carbonsim version that wrote it.
    pub carbonsim_version: String,
    /// `replay`, `run`, `montecarlo` or `merge`.
    pub command: String,
    /// The scenario's name (`replay` for the replay).
    pub scenario: String,
    /// The seed of a single run, or the first seed of a study.
    pub seed: u64,
    /// Every file the run wrote, the manifest included.
    #[serde(default)]
    pub files: Vec<String>,
}

impl Manifest {
    /// A manifest for `command` of `scenario` under `seed`, its files filled in on commit.
    #[must_use]
    pub fn new(command: &str, scenario: &str, seed: u64) -> Self {
        Manifest {
            carbonsim_version: env!("CARGO_PKG_VERSION").to_owned(),
            command: command.to_owned(),
            scenario: scenario.to_owned(),
            seed,
            files: Vec::new(),
        }
    }

    /// Whether `other` is a run of the same command and scenario (any seed or version).
    #[must_use]
    pub fn same_run(&self, other: &Manifest) -> bool {
        self.command == other.command && self.scenario == other.scenario
    }

    /// The manifest of the folder at `dir`, if it has one.
    ///
    /// # Errors
    /// [`ReportError::Io`] or [`ReportError::Serialise`] for a manifest that cannot be read.
    pub fn read(dir: &Path) -> Result<Option<Manifest>, ReportError> {
        let path = dir.join(MANIFEST);
        if !path.exists() {
            return Ok(None);
        }
        let text = fs::read_to_string(&path).map_err(|source| ReportError::Io {
            action: "read",
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| ReportError::Serialise {
                what: path.display().to_string(),
                message: e.to_string(),
            })
    }
}
