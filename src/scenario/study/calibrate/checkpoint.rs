//! The calibration's checkpoint: a JSON-lines file appended after every evaluation, so that a
//! killed calibration resumes where it stopped and ends with the identical result.
//!
//! Line 1 names the calibration (its hash, of the scenario, the parameter box, the seeds and the
//! weights), line 2 holds the targets once the first evaluation has found them, and every
//! further line one evaluated point: its parameter values (as written into the scenario), its
//! objective and the simulated statistics. A resumed search replays the same deterministic
//! sequence of points and takes each value already in the file instead of running it. A last
//! line cut short by the kill is dropped; a file of another calibration is refused.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::CalibrateError;
use super::objective::Target;

/// The checkpoint's file name in the output folder.
pub const CHECKPOINT: &str = "checkpoint.jsonl";

/// Line 1: which calibration the file belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// The calibration's hash.
    pub calibration: String,
    /// The scenario's name.
    pub scenario: String,
    /// The parameter boxes, `PATH=lo:hi`.
    pub parameters: Vec<String>,
}

/// One evaluated point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// The parameter values as written into the scenario, in the parameters' order.
    pub values: Vec<String>,
    /// `D` there.
    pub objective: f64,
    /// The mean of each target statistic over the seeds, in the targets' order.
    pub simulated: Vec<f64>,
}

/// What a checkpoint holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contents {
    /// The targets, once known.
    pub targets: Option<Vec<Target>>,
    /// The evaluated points, in the order they were first evaluated.
    pub evaluations: Vec<Evaluation>,
}

/// An open checkpoint file. Nothing is written until the first line is appended (the targets,
/// known after the first evaluation's runs), so a calibration refused then (a weight of no
/// target) leaves no file.
#[derive(Debug)]
pub struct Checkpoint {
    path: PathBuf,
    file: Option<File>,
    /// The text the file starts with: the header and what was read back.
    start: String,
}

fn io(path: &Path, e: impl std::fmt::Display) -> CalibrateError {
    CalibrateError::Checkpoint {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn line(path: &Path, value: &impl Serialize) -> Result<String, CalibrateError> {
    serde_json::to_string(value)
        .map(|s| s + "\n")
        .map_err(|e| io(path, e))
}

/// The whole file's text for `header` and `contents`: what [`Checkpoint::open`] writes and what
/// the outputs keep.
///
/// # Errors
/// A serialisation failure.
pub fn text(path: &Path, header: &Header, contents: &Contents) -> Result<String, CalibrateError> {
    let mut out = line(path, header)?;
    if let Some(t) = &contents.targets {
        out.push_str(&line(path, t)?);
        for e in &contents.evaluations {
            out.push_str(&line(path, e)?);
        }
    }
    Ok(out)
}

impl Checkpoint {
    /// Opens the checkpoint at `path` for `header`: with `resume`, reads what an earlier run of
    /// the same calibration wrote (none if there is no file); otherwise starts it afresh.
    ///
    /// # Errors
    /// [`CalibrateError::OtherCheckpoint`] for a file of another calibration,
    /// [`CalibrateError::Checkpoint`] for one that cannot be read or written.
    pub fn open(
        path: &Path,
        header: &Header,
        resume: bool,
    ) -> Result<(Self, Contents), CalibrateError> {
        let contents = if resume && path.exists() {
            read(path, header)?
        } else {
            Contents::default()
        };
        let start = text(path, header, &contents)?;
        let path = path.to_owned();
        Ok((
            Checkpoint {
                path,
                file: None,
                start,
            },
            contents,
        ))
    }

    /// Appends the targets line.
    ///
    /// # Errors
    /// [`CalibrateError::Checkpoint`] when the file cannot be written.
    pub fn targets(&mut self, targets: &[Target]) -> Result<(), CalibrateError> {
        let l = line(&self.path, &targets)?;
        self.write(&l)
    }

    /// Appends one evaluation.
    ///
    /// # Errors
    /// [`CalibrateError::Checkpoint`] when the file cannot be written.
    pub fn append(&mut self, e: &Evaluation) -> Result<(), CalibrateError> {
        let l = line(&self.path, e)?;
        self.write(&l)
    }

    fn write(&mut self, l: &str) -> Result<(), CalibrateError> {
        let path = &self.path;
        if self.file.is_none() {
            // Written whole first (dropping a cut-short last line), then appended to.
            let tmp = path.with_extension("jsonl.tmp");
            fs::write(&tmp, &self.start).map_err(|e| io(path, e))?;
            fs::rename(&tmp, path).map_err(|e| io(path, e))?;
            let f = OpenOptions::new().append(true).open(path);
            self.file = Some(f.map_err(|e| io(path, e))?);
        }
        let Some(file) = self.file.as_mut() else {
            return Err(io(path, "not open"));
        };
        file.write_all(l.as_bytes())
            .and_then(|()| file.flush())
            .map_err(|e| io(path, e))
    }
}

/// Reads a checkpoint of the calibration `header` names.
fn read(path: &Path, header: &Header) -> Result<Contents, CalibrateError> {
    let text = fs::read_to_string(path).map_err(|e| io(path, e))?;
    let lines: Vec<&str> = text.lines().collect();
    let found: Header = lines
        .first()
        .and_then(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| io(path, "line 1 is not a calibration checkpoint header"))?;
    if found.calibration != header.calibration {
        return Err(CalibrateError::OtherCheckpoint {
            path: path.display().to_string(),
            expected: header.calibration.clone(),
            found: found.calibration,
        });
    }
    let mut lines = lines;
    // A last line without its newline was cut short by a kill: its point runs again.
    if !text.ends_with('\n') {
        lines.pop();
    }
    let mut contents = Contents::default();
    for (i, l) in lines.iter().enumerate().skip(1) {
        let bad = |e: serde_json::Error| io(path, format!("line {}: {e}", i + 1));
        if i == 1 {
            contents.targets = Some(serde_json::from_str(l).map_err(bad)?);
        } else {
            contents
                .evaluations
                .push(serde_json::from_str(l).map_err(bad)?);
        }
    }
    Ok(contents)
}
