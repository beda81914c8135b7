//! Writing outputs so that a run that stops part way (an error, Ctrl-C,
//! `kill -9`, a full disk) never leaves a half-written output where a
//! finished one is expected.
//!
//! Everything is written in full under a temporary name beside its
//! destination (`<name>.neardup-tmp-<pid>`), then renamed into place: a
//! folder with `renameat2(RENAME_EXCHANGE)` where Linux has it, so that the
//! destination holds the old output or the new one at every instant.
//!
//! Each temporary name is claimed with an advisory lock held while its run
//! lives. A run that finds an unlocked temporary name beside its destination
//! knows the run that made it died, and removes it before it starts: a
//! second run after an interruption starts clean, and says so. A locked one
//! means another run is writing the same destination, which is refused.
//! The same goes for the work folders of temporary files ([`WorkDir`]).

use crate::error::{Error, Result};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

/// The report's file name in an output folder.
pub const JSON_FILE: &str = "report.json";
/// The report compressed (`--report-compress`).
pub const JSON_ZST_FILE: &str = "report.json.zst";
/// The interactive report written beside `report.json`.
pub const HTML_FILE: &str = "report.html";
/// The folder of the pages `report.html` loads, beside it.
pub const PAGES_FOLDER: &str = "report.pages";
/// The name of the summary in an output folder.
pub const SUMMARY_FILE: &str = "summary.json";
/// The side file's name in the output folder: what restore reads.
pub const SIDE_FILE: &str = "removed.jsonl.zst";
/// The folder of the rows a Parquet copy lacks, beside the side file.
pub const ROWS_FOLDER: &str = "removed-rows";
/// Where `--annotate` puts the decisions on text files.
pub const ANNOTATIONS_FILE: &str = "annotations.jsonl";

/// Names neardup writes at the top of an output folder: no input may take
/// one, and a folder read as input passes them over beside a side file.
pub const RESERVED: [&str; 8] = [
    JSON_FILE,
    JSON_ZST_FILE,
    HTML_FILE,
    PAGES_FOLDER,
    SUMMARY_FILE,
    SIDE_FILE,
    ROWS_FOLDER,
    ANNOTATIONS_FILE,
];

const TMP: &str = "tmp";
const OLD: &str = "old";

/// `path` with `.neardup-<tag>-<pid>` appended to its file name.
fn sibling(path: &Path, tag: &str) -> Result<PathBuf> {
    let mut name = file_name(path)?.to_os_string();
    name.push(format!(".neardup-{tag}-{}", std::process::id()));
    Ok(path.with_file_name(name))
}

fn file_name(path: &Path) -> Result<&std::ffi::OsStr> {
    path.file_name().ok_or_else(|| Error::Output {
        path: path.to_path_buf(),
        message: "not a file name".into(),
    })
}

/// `path` made absolute with symbolic links resolved, for a path that may not
/// exist yet (its parent must).
/// Refuses a path to write whose folder does not exist, saying so.
pub(crate) fn folder_exists(dest: &Path) -> Result<()> {
    let folder = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if folder.is_dir() {
        return Ok(());
    }
    Err(Error::Output {
        path: dest.to_path_buf(),
        message: format!(
            "cannot be written: the folder {} does not exist (neardup makes its output, not the folders above it)",
            folder.display()
        ),
    })
}

pub(crate) fn absolute(path: &Path) -> Result<PathBuf> {
    if let Ok(p) = fs::canonicalize(path) {
        return Ok(p);
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Ok(fs::canonicalize(parent)
        .map_err(|e| Error::io(parent, e))?
        .join(file_name(path)?))
}

/// A temporary path claimed by this process: an advisory lock on it, held
/// until the claim is dropped.
#[derive(Debug)]
struct Claim {
    _lock: fs::File,
}

impl Claim {
    /// Locks `path` (a file or a folder), or says who holds it.
    fn take(path: &Path) -> Result<Option<Claim>> {
        let file = fs::File::open(path).map_err(|e| Error::io(path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Claim { _lock: file })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(Error::io(path, e)),
        }
    }

    /// Locks `path`, which this process has just made.
    fn hold(path: &Path) -> Result<Claim> {
        Claim::take(path)?.ok_or_else(|| Error::Output {
            path: path.to_path_buf(),
            message: "held by another process".into(),
        })
    }
}

/// Removes what runs that died left beside `dest`: temporary names of
/// `dest` that no live run holds. Returns what it removed. A temporary name
/// held by a live run means another run is writing `dest`: an error.
pub fn sweep(dest: &Path) -> Result<Vec<PathBuf>> {
    folder_exists(dest)?;
    let dest = absolute(dest)?;
    let parent = dest.parent().unwrap_or(Path::new("/"));
    let mut prefix = file_name(&dest)?.to_os_string();
    prefix.push(".neardup-");
    let stale = stale_in(parent, &prefix, |name| {
        [TMP, OLD].iter().any(|tag| {
            name.strip_prefix(tag)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        })
    })?;
    if let Some(busy) = stale.busy {
        return Err(Error::Output {
            path: dest,
            message: format!(
                "another neardup run is writing here (its unfinished output is {}); wait for it to finish or stop it",
                busy.display()
            ),
        });
    }
    Ok(stale.removed)
}

/// What [`stale_in`] found.
struct Stale {
    removed: Vec<PathBuf>,
    /// One held by a live run.
    busy: Option<PathBuf>,
}

/// Removes the entries of `folder` named `prefix` + a suffix that `is_ours`
/// accepts and that no live run holds.
fn stale_in(folder: &Path, prefix: &OsString, is_ours: impl Fn(&str) -> bool) -> Result<Stale> {
    let mut stale = Stale {
        removed: Vec::new(),
        busy: None,
    };
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(stale),
        Err(e) => return Err(Error::io(folder, e)),
    };
    let prefix = prefix.as_encoded_bytes();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(folder, e))?;
        let name = entry.file_name();
        let ours = name
            .as_encoded_bytes()
            .strip_prefix(prefix)
            .and_then(|rest| std::str::from_utf8(rest).ok())
            .is_some_and(&is_ours);
        if !ours {
            continue;
        }
        let path = entry.path();
        match Claim::take(&path) {
            Ok(Some(_claim)) => {
                remove(&path).map_err(|e| Error::io(&path, e))?;
                stale.removed.push(path);
            }
            Ok(None) => stale.busy = Some(path),
            // Gone meanwhile, or not ours to open: leave it.
            Err(_) => {}
        }
    }
    stale.removed.sort();
    Ok(stale)
}

fn remove(path: &Path) -> std::io::Result<()> {
    if fs::symlink_metadata(path)?.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    }
}

/// An output built beside its destination, a folder or a file, under a
/// claimed temporary name; removed unless the run completed and
/// [`Staging::commit`] put it in place.
pub(crate) struct Staging {
    pub path: PathBuf,
    /// What died runs had left beside the destination, removed.
    pub swept: Vec<PathBuf>,
    /// A file, which never replaces a folder.
    file: bool,
    _claim: Claim,
    done: bool,
}

/// Refuses a file's destination that is a folder, a link to one, or a name
/// that ends with a slash.
pub(crate) fn refuse_folder(dest: &Path) -> Result<()> {
    let slash = dest.as_os_str().as_encoded_bytes().ends_with(b"/");
    if slash || dest.is_dir() {
        return Err(Error::Output {
            path: dest.to_path_buf(),
            message: "is a folder (or names one); give the path of a file, which neardup writes in its place, never a folder"
                .into(),
        });
    }
    Ok(())
}

impl Staging {
    /// A new, empty staging folder for the folder `out`.
    pub fn new(out: &Path) -> Result<Self> {
        Self::make(out, false, |path| fs::create_dir_all(path))
    }

    /// A new, empty temporary file for the file `dest`; write it at
    /// [`Staging::path`].
    /// A folder at `dest` (or a link to one, or a name that ends with a
    /// slash) is refused, never replaced.
    pub fn file(dest: &Path) -> Result<Self> {
        refuse_folder(dest)?;
        Self::make(dest, true, |path| fs::File::create(path).map(drop))
    }

    fn make(
        dest: &Path,
        file: bool,
        create: impl FnOnce(&Path) -> std::io::Result<()>,
    ) -> Result<Self> {
        let swept = sweep(dest)?;
        let path = sibling(&absolute(dest)?, TMP)?;
        create(&path).map_err(|e| Error::io(&path, e))?;
        let claim = Claim::hold(&path)?;
        Ok(Staging {
            path,
            swept,
            file,
            _claim: claim,
            done: false,
        })
    }

    /// Puts the finished output in place at `dest`, replacing what was there:
    /// a file by a rename, which replaces in one step; a folder, which a
    /// rename cannot replace, by an exchange.
    pub fn commit(mut self, dest: &Path) -> Result<()> {
        if self.file {
            // A folder made there while the run went on stays.
            refuse_folder(dest)?;
        }
        let dest = absolute(dest)?;
        if dest.is_dir() {
            match exchange(&self.path, &dest) {
                // The old output is now at the staging path, removed on drop.
                Ok(()) => return Ok(()),
                Err(e) if !unsupported(&e) => return Err(Error::io(&dest, e)),
                Err(_) => {}
            }
            // No atomic exchange here: two renames, the old output moved
            // aside first.
            let old = sibling(&dest, OLD)?;
            fs::rename(&dest, &old).map_err(|e| Error::io(&dest, e))?;
            fs::rename(&self.path, &dest).map_err(|e| Error::io(&dest, e))?;
            self.done = true;
            remove(&old).map_err(|e| Error::io(&old, e))?;
        } else {
            fs::rename(&self.path, &dest).map_err(|e| Error::io(&dest, e))?;
            self.done = true;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = remove(&self.path);
        }
    }
}

/// A run's folder of temporary files (spilled sorts, the store of
/// first-pass results), in `parent`, removed when dropped. Folders that died
/// runs left in `parent` are removed first ([`WorkDir::swept`]).
#[derive(Debug)]
pub struct WorkDir {
    path: PathBuf,
    /// Folders that dead runs had left, removed when this one was made.
    pub swept: Vec<PathBuf>,
    _claim: Claim,
}

/// Prefix of work folders' names.
const WORK_PREFIX: &str = ".neardup-work-";
/// Prefix of a work folder's name while it is made, before it is claimed:
/// never swept, so that another run's sweep cannot remove it in between.
const NEW_WORK_PREFIX: &str = ".neardup-new-";

impl WorkDir {
    /// A new work folder in `parent`, claimed by this process.
    pub fn new(parent: &Path) -> Result<Self> {
        // Only names that this code makes: the prefix, then tempfile's
        // random letters and digits.
        let stale = stale_in(parent, &OsString::from(WORK_PREFIX), |rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric())
        })?;
        // Made under a name no sweep takes, claimed, then renamed: the lock
        // stays with the folder.
        let made = tempfile::Builder::new()
            .prefix(NEW_WORK_PREFIX)
            .tempdir_in(parent)
            .map_err(|e| Error::io(parent, e))?;
        let claim = Claim::hold(made.path())?;
        let made = made.keep();
        let name = file_name(&made)?
            .to_string_lossy()
            .replacen(NEW_WORK_PREFIX, WORK_PREFIX, 1);
        let path = parent.join(name);
        fs::rename(&made, &path).map_err(|e| {
            let _ = fs::remove_dir_all(&made);
            Error::io(&path, e)
        })?;
        Ok(WorkDir {
            path,
            swept: stale.removed,
            _claim: claim,
        })
    }

    /// The folder's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Swaps two paths in one step (Linux's `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes());
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both are valid NUL-terminated paths that outlive the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Whether the system or file system lacks the atomic exchange.
fn unsupported(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::Unsupported
        || matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_died_runs_leftovers_are_swept_and_a_live_ones_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        // Left by runs that died: no lock held.
        let dead = dir.path().join("out.neardup-tmp-12345");
        fs::create_dir_all(dead.join("sub")).unwrap();
        fs::write(dir.path().join("out.neardup-old-7"), "x").unwrap();
        // Not ours.
        fs::write(dir.path().join("out.neardup-tmp-x"), "x").unwrap();
        fs::write(dir.path().join("other.neardup-tmp-1"), "x").unwrap();
        let swept = sweep(&out).unwrap();
        assert_eq!(swept.len(), 2, "{swept:?}");
        assert!(!dead.exists());
        assert!(dir.path().join("out.neardup-tmp-x").exists());
        assert!(dir.path().join("other.neardup-tmp-1").exists());

        // A live run's staging folder is refused, and left alone.
        let live = Staging::new(&out).unwrap();
        let e = Staging::new(&out).err().expect("busy");
        assert!(e.to_string().contains("another neardup run"), "{e}");
        assert!(live.path.exists());
        drop(live);
        assert!(sweep(&out).unwrap().is_empty());
    }

    #[test]
    fn commit_replaces_the_old_output_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("old.txt"), "old").unwrap();
        let staging = Staging::new(&out).unwrap();
        fs::write(staging.path.join("new.txt"), "new").unwrap();
        staging.commit(&out).unwrap();
        let names: Vec<_> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["new.txt"]);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "nothing left beside it"
        );
    }

    #[test]
    fn work_dirs_of_died_runs_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join(".neardup-work-abc123")).unwrap();
        fs::create_dir(dir.path().join(".neardup-work-")).unwrap();
        let live = WorkDir::new(dir.path()).unwrap();
        assert_eq!(live.swept, [dir.path().join(".neardup-work-abc123")]);
        let second = WorkDir::new(dir.path()).unwrap();
        assert!(second.swept.is_empty(), "a live run's folder stays");
        assert!(live.path().exists());
    }
}
