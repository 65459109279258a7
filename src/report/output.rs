//! Writing a run's output files whole: every file is first written beside its target under a
//! temporary name, and only when all of them are written are they renamed into place. A run that
//! fails, or a folder that cannot be written, leaves no half-written file behind.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::ReportError;
use super::manifest::{MANIFEST, Manifest};

/// An output folder that has been created (if needed) and proven writable.
#[derive(Debug, Clone)]
pub struct OutputDir {
    path: PathBuf,
    /// The run that will write here, and the manifest found before it.
    run: Option<(Manifest, Option<Manifest>)>,
    /// Whether the run adds to the folder's files (a shard among shards) rather than replacing.
    accumulate: bool,
}

impl OutputDir {
    /// Creates `path` (and its parents) if missing and checks that a file can be written there.
    ///
    /// Called before any work starts, so a bad `--out` fails fast and writes nothing.
    ///
    /// # Errors
    /// [`ReportError::Io`] naming the folder when it cannot be created or written.
    pub fn prepare(path: impl Into<PathBuf>) -> Result<Self, ReportError> {
        let path = path.into();
        let io = |action: &'static str, source: std::io::Error| ReportError::Io {
            action,
            path: path.clone(),
            source,
        };
        if path.exists() && !path.is_dir() {
            return Err(ReportError::NotADirectory { path });
        }
        fs::create_dir_all(&path).map_err(|e| io("create folder", e))?;
        let probe = path.join(".carbonsim-write-probe");
        fs::write(&probe, b"probe").map_err(|e| io("write to folder", e))?;
        fs::remove_file(&probe).map_err(|e| io("write to folder", e))?;
        Ok(OutputDir {
            path,
            run: None,
            accumulate: false,
        })
    }

    /// Claims the folder for `run`: refused when its manifest names another command or
    /// scenario, unless `force`. On [`commit`](Self::commit) the folder's `manifest.json` names
    /// the run and its files, and the files of the run it replaces that this one does not write
    /// are removed, so a folder never mixes two runs.
    ///
    /// # Errors
    /// [`ReportError::OtherRun`] naming the folder and the run found there; a manifest that
    /// cannot be read is an error too.
    pub fn claim(mut self, run: Manifest, force: bool) -> Result<Self, ReportError> {
        let found = Manifest::read(&self.path)?;
        if let Some(f) = &found
            && !force
            && !f.same_run(&run)
        {
            return Err(ReportError::OtherRun {
                path: self.path,
                found: format!("carbonsim {} of {}", f.command, f.scenario),
            });
        }
        self.run = Some((run, found));
        Ok(self)
    }

    /// Keeps the files of the run this one continues (same command and scenario), as shards of
    /// one study written to one folder do: the manifest lists both, nothing is removed.
    #[must_use]
    pub fn accumulating(mut self) -> Self {
        self.accumulate = true;
        self
    }

    /// The folder.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes every file of `set` into this folder, all or nothing.
    ///
    /// Returns the final paths in the order the files were added.
    ///
    /// # Errors
    /// [`ReportError::Io`] naming the file; any temporary file already written is removed and no
    /// target file is replaced.
    pub fn commit(&self, set: &OutputSet) -> Result<Vec<PathBuf>, ReportError> {
        let Some((run, found)) = &self.run else {
            return self.write_all(set);
        };
        let mut with_manifest = set.clone();
        let mut manifest = run.clone();
        let kept = found
            .iter()
            .filter(|f| self.accumulate && f.same_run(run))
            .flat_map(|f| f.files.iter().cloned());
        let new = set.names().map(str::to_owned).chain([MANIFEST.to_owned()]);
        for name in kept.chain(new) {
            if !manifest.files.contains(&name) {
                manifest.files.push(name);
            }
        }
        let json = serde_json::to_string_pretty(&manifest).map_err(|e| ReportError::Serialise {
            what: MANIFEST.into(),
            message: e.to_string(),
        })?;
        with_manifest.add(MANIFEST, json + "\n")?;
        let written = self.write_all(&with_manifest)?;
        // The replaced run's files that this one did not write.
        for stale in found.iter().flat_map(|f| &f.files) {
            if !manifest.files.contains(stale) && OutputSet::valid_name(stale) {
                let _ = fs::remove_file(self.path.join(stale));
            }
        }
        Ok(written)
    }

    fn write_all(&self, set: &OutputSet) -> Result<Vec<PathBuf>, ReportError> {
        let mut staged: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(set.files.len());
        let cleanup = |staged: &[(PathBuf, PathBuf)]| {
            for (tmp, _) in staged {
                // Best effort: the temporary name is ours, and a leftover one is harmless.
                let _ = fs::remove_file(tmp);
            }
        };
        for (name, bytes) in &set.files {
            let target = self.path.join(name);
            let tmp = self
                .path
                .join(format!(".{name}.tmp-{}", std::process::id()));
            let written = fs::File::create(&tmp).and_then(|mut f| {
                f.write_all(bytes)?;
                f.sync_all()
            });
            staged.push((tmp.clone(), target));
            if let Err(source) = written {
                cleanup(&staged);
                return Err(ReportError::Io {
                    action: "write file",
                    path: tmp,
                    source,
                });
            }
        }
        let mut done = Vec::with_capacity(staged.len());
        for (i, (tmp, target)) in staged.iter().enumerate() {
            if let Err(source) = fs::rename(tmp, target) {
                cleanup(&staged[i..]);
                return Err(ReportError::Io {
                    action: "rename file into place",
                    path: target.clone(),
                    source,
                });
            }
            done.push(target.clone());
        }
        Ok(done)
    }
}

/// The files of one run, held in memory until [`OutputDir::commit`] writes them together.
#[derive(Debug, Default, Clone)]
pub struct OutputSet {
    files: Vec<(String, Vec<u8>)>,
}

impl OutputSet {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file named `name` (a plain file name, no folders) with `bytes`.
    ///
    /// # Errors
    /// [`ReportError::BadFileName`] for an empty name, a name with a path separator, or a name
    /// already added.
    pub fn add(&mut self, name: &str, bytes: impl Into<Vec<u8>>) -> Result<(), ReportError> {
        if !Self::valid_name(name) || self.files.iter().any(|(n, _)| n == name) {
            return Err(ReportError::BadFileName {
                name: name.to_owned(),
            });
        }
        self.files.push((name.to_owned(), bytes.into()));
        Ok(())
    }

    /// A plain file name: not empty, not hidden, no folder separator.
    pub(crate) fn valid_name(name: &str) -> bool {
        !(name.is_empty() || name.starts_with('.') || name.contains(['/', '\\']))
    }

    /// The names added so far, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(n, _)| n.as_str())
    }

    /// The bytes of the file named `name`, if added.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("carbonsim-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn commit_writes_every_file_whole() {
        let dir = scratch("commit");
        let out = OutputDir::prepare(&dir).unwrap();
        let mut set = OutputSet::new();
        set.add("a.csv", "x,y\n1,2\n").unwrap();
        set.add("b.json", "{}").unwrap();
        let paths = out.commit(&set).unwrap();
        assert_eq!(paths.len(), 2);
        assert_eq!(fs::read_to_string(dir.join("a.csv")).unwrap(), "x,y\n1,2\n");
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_where_the_folder_should_be_is_refused() {
        let dir = scratch("notdir");
        fs::write(&dir, "I am a file").unwrap();
        let err = OutputDir::prepare(&dir).unwrap_err();
        assert!(matches!(err, ReportError::NotADirectory { .. }));
        assert!(err.to_string().contains(&dir.display().to_string()));
        fs::remove_file(&dir).unwrap();
    }

    #[test]
    fn bad_names_are_refused() {
        let mut set = OutputSet::new();
        assert!(set.add("", "x").is_err());
        assert!(set.add("../escape.csv", "x").is_err());
        assert!(set.add(".hidden", "x").is_err());
        set.add("ok.csv", "x").unwrap();
        assert!(
            matches!(set.add("ok.csv", "y"), Err(ReportError::BadFileName { name }) if name == "ok.csv")
        );
        assert_eq!(set.get("ok.csv"), Some(&b"x"[..]));
    }
}
