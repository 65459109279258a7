//! Report outputs shared by every scenario: whole-file writing of an output folder, SVG charts
//! and plain-text tables. This layer knows nothing of markets; scenarios turn their results into
//! rows, series and tables and hand them here.

mod chart;
mod manifest;
mod output;
mod table;

use std::path::PathBuf;

use thiserror::Error;

pub use chart::{BarChart, LineChart, Panel, SeriesBand, TimeSeries, axis};
pub use manifest::{MANIFEST, Manifest};
pub use output::{OutputDir, OutputSet};
pub use table::{Align, TextTable, group_thousands};

/// A failure to produce or write a report.
#[derive(Debug, Error)]
pub enum ReportError {
    /// A file-system operation failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The output path exists and is not a folder.
    #[error("output path {path} exists and is not a folder")]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// An output file name that is empty, hidden, contains a separator or repeats.
    #[error("bad or repeated output file name {name:?}")]
    BadFileName {
        /// The name.
        name: String,
    },
    /// A chart could not be drawn.
    #[error("cannot draw chart {chart:?}: {message}")]
    Chart {
        /// The chart's title.
        chart: String,
        /// What went wrong.
        message: String,
    },
    /// The folder holds another run's files.
    #[error(
        "output folder {path} holds the files of `{found}`; choose another folder (--out) or pass --force to replace them"
    )]
    OtherRun {
        /// The folder.
        path: PathBuf,
        /// The command and scenario that wrote it.
        found: String,
    },
    /// Serialising a CSV or JSON output failed.
    #[error("cannot serialise {what}: {message}")]
    Serialise {
        /// Which output.
        what: String,
        /// What went wrong.
        message: String,
    },
}
