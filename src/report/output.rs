//! Every file lockout writes goes through this module, which keeps three promises:
//!
//! 1. **Nothing of the user's is lost.** A results directory lockout writes holds
//!    [`MARKER_FILE`], the list of the files it wrote there. An existing `--out` directory is
//!    replaced only when everything in it is on that list (or it is empty); a regular file, a
//!    symbolic link or a directory holding anything else is refused with [`OutputError`], before
//!    anything is simulated, naming the first foreign files.
//! 2. **Old results or new ones, never a mix.** A run writes into a hidden staging directory
//!    beside the target, `.NAME.lockout-tmp-PID-NANOS`, and swaps it with the target in one
//!    `renameat2(RENAME_EXCHANGE)` (two renames where the file system cannot exchange). Single
//!    files (figures, the page redrawn by `lockout plot`) are written to a temporary name and
//!    renamed.
//! 3. **No debris.** Each staging directory has a lock file beside it (its name plus `.lock`),
//!    locked for as long as its run lives. A failed run removes its staging directory; an
//!    interrupted one (SIGINT, SIGTERM, SIGHUP) removes it in the signal handler and exits with
//!    128 + the signal number; one killed outright leaves it, and the next run writing into the
//!    same parent directory removes every staging directory whose lock is free. A live run's
//!    staging directory is never touched.
//!
//! Builds with debug assertions (the test profile) honour `LOCKOUT_FAIL_IO_AT=k`: the k-th file
//! operation of the process (creating or writing a file, a rename) fails, so tests can show that
//! a failure at any point leaves the old results intact and nothing behind.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Name of the list of files lockout wrote into a results directory (one relative path per
/// line, `/`-separated, after a comment line).
pub const MARKER_FILE: &str = ".lockout-files";

const MARKER_HEADER: &str =
    "# Written by lockout: the files of this directory that lockout wrote and may replace.";

/// The infix of staging directory names; their lock files add [`LOCK_SUFFIX`].
const STAGING_INFIX: &str = ".lockout-tmp-";
const LOCK_SUFFIX: &str = ".lock";

/// How many foreign files an error names before it says "and N more".
const NAMED_FOREIGN_FILES: usize = 5;

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The target exists and is not a directory.
    #[error(
        "refusing to write into {}: it is a file, not a directory; give --out a directory path",
        path.display()
    )]
    NotADirectory {
        /// The target.
        path: PathBuf,
    },
    /// The target is a symbolic link (replacing it would replace the link, not the results).
    #[error(
        "refusing to write into {}: it is a symbolic link; give --out the directory it points to",
        path.display()
    )]
    SymbolicLink {
        /// The target.
        path: PathBuf,
    },
    /// The target holds files lockout did not write.
    #[error(
        "refusing to replace {}: it holds files lockout did not write ({}{}); lockout replaces only a \
         results directory it wrote itself (one listing its files in {MARKER_FILE}). Choose another \
         --out, or move those files away first",
        path.display(),
        first.join(", "),
        if *more > 0 { format!(" and {more} more") } else { String::new() }
    )]
    Foreign {
        /// The target.
        path: PathBuf,
        /// The first few foreign entries, relative to the target.
        first: Vec<String>,
        /// How many more there are.
        more: usize,
    },
    /// A new file's path is taken (`lockout new` never overwrites).
    #[error(
        "refusing to write {}: it already exists; choose another path, or move it away first",
        path.display()
    )]
    Exists {
        /// The path.
        path: PathBuf,
    },
    /// A file operation failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done ("create", "write", "rename", ...).
        action: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl OutputError {
    /// True when the error is the user's choice of output (exit code 2), not a failure of the
    /// file system (exit code 1).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, OutputError::Io { .. })
    }
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> OutputError {
    let path = path.to_path_buf();
    move |source| OutputError::Io {
        action,
        path,
        source,
    }
}

/// Test-only fault injection (builds with debug assertions): `LOCKOUT_FAIL_IO_AT=k` fails the
/// k-th file operation of the process.
fn injected_fault(action: &'static str, path: &Path) -> Result<(), OutputError> {
    #[cfg(debug_assertions)]
    {
        use std::sync::OnceLock;
        use std::sync::atomic::{AtomicU64, Ordering};
        static FAIL_AT: OnceLock<Option<u64>> = OnceLock::new();
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let at = *FAIL_AT.get_or_init(|| {
            std::env::var("LOCKOUT_FAIL_IO_AT")
                .ok()
                .and_then(|v| v.parse().ok())
        });
        if let Some(at) = at
            && COUNT.fetch_add(1, Ordering::SeqCst) + 1 == at
        {
            return Err(io_err(action, path)(std::io::Error::other(
                "injected fault (LOCKOUT_FAIL_IO_AT)",
            )));
        }
    }
    let _ = (action, path);
    Ok(())
}

/// Creates (or truncates) the file at `path` for buffered writing.
pub fn create(path: &Path) -> Result<BufWriter<File>, OutputError> {
    injected_fault("create", path)?;
    File::create(path)
        .map(BufWriter::new)
        .map_err(io_err("create", path))
}

/// Writes `bytes` to `path` (inside a staging directory: not atomic on its own).
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    injected_fault("write", path)?;
    std::fs::write(path, bytes).map_err(io_err("write", path))
}

/// Creates the directory `path` and its parents.
pub fn create_dir_all(path: &Path) -> Result<(), OutputError> {
    injected_fault("create directory", path)?;
    std::fs::create_dir_all(path).map_err(io_err("create directory", path))
}

fn rename(from: &Path, to: &Path) -> Result<(), OutputError> {
    injected_fault("rename", to)?;
    std::fs::rename(from, to).map_err(|source| OutputError::Io {
        action: "rename",
        path: to.to_path_buf(),
        source: std::io::Error::new(source.kind(), format!("from {}: {source}", from.display())),
    })
}

/// A temporary name beside `path`, unique to this process and call, with the same extension
/// (plotters chooses the image format by extension).
fn temporary_beside(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let extension = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{stem}{STAGING_INFIX}{}{extension}",
        unique_suffix()
    ))
}

/// Whether `name` is a temporary file or directory of lockout's own (possibly left by a killed
/// run): never the user's, so it neither blocks nor survives a replacement.
fn is_lockout_temporary(name: &str) -> bool {
    name.starts_with('.') && name.contains(STAGING_INFIX)
}

fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}-{nanos}-{}",
        std::process::id(),
        CALLS.fetch_add(1, Ordering::Relaxed)
    )
}

/// Writes one file atomically: `fill` writes the content to the temporary path it is given,
/// which is then renamed to `path`. On any error the temporary file is removed and `path` is
/// untouched.
pub fn write_atomically<E>(path: &Path, fill: impl FnOnce(&Path) -> Result<(), E>) -> Result<(), E>
where
    E: From<OutputError>,
{
    let tmp = temporary_beside(path);
    let result = injected_fault("write", &tmp)
        .map_err(E::from)
        .and_then(|()| fill(&tmp))
        .and_then(|()| rename(&tmp, path).map_err(E::from));
    if result.is_err() {
        std::fs::remove_file(&tmp).ok();
    }
    result
}

/// The files listed in `dir`'s marker (empty when it has none).
fn listed_files(dir: &Path) -> Result<BTreeSet<String>, OutputError> {
    let path = dir.join(MARKER_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(e) => Err(io_err("read", &path)(e)),
    }
}

/// Every file below `dir` (symbolic links count as files and are not followed), as sorted
/// `/`-separated relative paths, and every directory that holds no file.
fn entries_below(dir: &Path) -> Result<(Vec<String>, Vec<String>), OutputError> {
    fn walk(
        root: &Path,
        rel: &str,
        files: &mut Vec<String>,
        empty_dirs: &mut Vec<String>,
    ) -> Result<(), OutputError> {
        let here = if rel.is_empty() {
            root.to_path_buf()
        } else {
            root.join(rel)
        };
        let mut any = false;
        for entry in std::fs::read_dir(&here).map_err(io_err("read directory", &here))? {
            let entry = entry.map_err(io_err("read directory", &here))?;
            any = true;
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let kind = entry
                .file_type()
                .map_err(io_err("inspect", &entry.path()))?;
            if kind.is_dir() {
                walk(root, &child, files, empty_dirs)?;
            } else {
                files.push(child);
            }
        }
        if !any && !rel.is_empty() {
            empty_dirs.push(format!("{rel}/"));
        }
        Ok(())
    }
    let (mut files, mut empty_dirs) = (Vec::new(), Vec::new());
    walk(dir, "", &mut files, &mut empty_dirs)?;
    files.sort();
    empty_dirs.sort();
    Ok((files, empty_dirs))
}

/// The entries of the existing directory `dir` that lockout did not write: everything not on
/// its marker's list (empty directories are harmless).
fn foreign_entries(dir: &Path) -> Result<Vec<String>, OutputError> {
    let listed = listed_files(dir)?;
    let (files, _) = entries_below(dir)?;
    Ok(files
        .into_iter()
        .filter(|f| f != MARKER_FILE && !listed.contains(f))
        .filter(|f| !is_lockout_temporary(f.rsplit('/').next().unwrap_or(f)))
        .collect())
}

/// Checks that lockout may replace `target`: it does not exist, or it is a directory whose every
/// file lockout wrote.
pub fn check_replaceable(target: &Path) -> Result<(), OutputError> {
    let meta = match std::fs::symlink_metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err("inspect", target)(e)),
    };
    if meta.file_type().is_symlink() {
        return Err(OutputError::SymbolicLink {
            path: target.to_path_buf(),
        });
    }
    if !meta.is_dir() {
        return Err(OutputError::NotADirectory {
            path: target.to_path_buf(),
        });
    }
    refuse_foreign(target, foreign_entries(target)?)
}

/// `Ok` when `foreign` (entries of `dir` lockout did not write) is empty, else the error that
/// names the first of them.
fn refuse_foreign(dir: &Path, foreign: Vec<String>) -> Result<(), OutputError> {
    if foreign.is_empty() {
        return Ok(());
    }
    Err(OutputError::Foreign {
        path: dir.to_path_buf(),
        more: foreign.len().saturating_sub(NAMED_FOREIGN_FILES),
        first: foreign.into_iter().take(NAMED_FOREIGN_FILES).collect(),
    })
}

/// Checks that lockout may write the files `names` into the existing results directory `dir`
/// (as `lockout plot` does): each either does not exist or is on the marker's list.
pub fn check_may_write(dir: &Path, names: &[String]) -> Result<(), OutputError> {
    let listed = listed_files(dir)?;
    let foreign: Vec<String> = names
        .iter()
        .filter(|n| !listed.contains(*n) && std::fs::symlink_metadata(dir.join(n)).is_ok())
        .cloned()
        .collect();
    refuse_foreign(dir, foreign)
}

/// Adds `files` (paths inside `dir`) to `dir`'s marker, rewriting it atomically.
pub fn record_written(dir: &Path, files: &[PathBuf]) -> Result<(), OutputError> {
    let mut listed = listed_files(dir)?;
    for f in files {
        if let Ok(rel) = f.strip_prefix(dir) {
            listed.insert(relative_name(rel));
        }
    }
    let path = dir.join(MARKER_FILE);
    write_atomically(&path, |tmp| write(tmp, marker_text(&listed).as_bytes()))
}

fn relative_name(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn marker_text(files: &BTreeSet<String>) -> String {
    let mut text = String::from(MARKER_HEADER);
    text.push('\n');
    for f in files {
        text.push_str(f);
        text.push('\n');
    }
    text
}

/// Staging directories of this process, removed by the signal handler.
static LIVE_STAGING: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());

/// Installs the handler of SIGINT, SIGTERM and SIGHUP: it removes this process's staging
/// directories and exits with 128 + the signal number (130 for SIGINT). Call once, early.
pub fn install_interrupt_cleanup() -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("lockout-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Holding the registry's lock also waits for a swap in progress to finish.
                let live = LIVE_STAGING.lock().unwrap_or_else(|e| e.into_inner());
                for (staging, lock) in live.iter() {
                    std::fs::remove_dir_all(staging).ok();
                    std::fs::remove_file(lock).ok();
                }
                eprintln!("lockout: interrupted; nothing was written");
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

/// A results directory being written: files go into [`StagedDir::path`], and
/// [`StagedDir::commit`] puts them in place of the target in one step. Dropped without a
/// commit, it removes what it wrote.
pub struct StagedDir {
    target: PathBuf,
    staging: PathBuf,
    lock_path: PathBuf,
    /// Held (locked) for as long as the staging directory may be in use.
    lock: Option<File>,
    committed: bool,
}

impl StagedDir {
    /// Checks that `target` may be replaced (see [`check_replaceable`]), removes the staging
    /// directories that dead runs left beside it, and creates this run's. Call it before
    /// simulating, so an unusable output is refused before any work is done.
    pub fn create(target: &Path) -> Result<StagedDir, OutputError> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| n != "." && n != "..")
            .ok_or_else(|| OutputError::NotADirectory {
                path: target.to_path_buf(),
            })?;
        check_replaceable(target)?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        create_dir_all(&parent)?;
        remove_dead_staging(&parent);
        let mut attempts = 0;
        let (staging, lock_path, lock) = loop {
            attempts += 1;
            let staging = parent.join(format!(".{name}{STAGING_INFIX}{}", unique_suffix()));
            let lock_path = PathBuf::from(format!("{}{LOCK_SUFFIX}", staging.display()));
            injected_fault("create", &lock_path)?;
            let lock = File::options()
                .write(true)
                .create_new(true)
                .open(&lock_path)
                .map_err(io_err("create", &lock_path))?;
            lock.lock().map_err(io_err("lock", &lock_path))?;
            // Another run's clean-up may have taken the lock file as dead and removed it before
            // this one locked it (it removes only files it holds locked): then the lock guards
            // nothing on disk, and a fresh name is tried.
            if is_same_file(&lock, &lock_path) {
                break (staging, lock_path, lock);
            }
            if attempts == 8 {
                let gone = std::io::Error::other("removed by another run as soon as created");
                return Err(io_err("lock", &lock_path)(gone));
            }
        };
        let mut live = LIVE_STAGING.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = injected_fault("create directory", &staging)
            .and_then(|()| std::fs::create_dir(&staging).map_err(io_err("create", &staging)))
        {
            drop(lock);
            std::fs::remove_file(&lock_path).ok();
            return Err(e);
        }
        live.push((staging.clone(), lock_path.clone()));
        Ok(StagedDir {
            target: target.to_path_buf(),
            staging,
            lock_path,
            lock: Some(lock),
            committed: false,
        })
    }

    /// Where to write the files.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The directory the results will replace.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Lists the written files in the marker and puts the staged directory in place of the
    /// target. Returns the target's path.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let (files, _) = entries_below(&self.staging)?;
        let files: BTreeSet<String> = files.into_iter().filter(|f| f != MARKER_FILE).collect();
        write(
            &self.staging.join(MARKER_FILE),
            marker_text(&files).as_bytes(),
        )?;
        let live = LIVE_STAGING.lock().unwrap_or_else(|e| e.into_inner());
        let kept = self.swap_into_place()?;
        self.committed = true;
        drop(live);
        if let Some(kept) = kept {
            eprintln!(
                "warning: files appeared in {} while it was being replaced; lockout kept them in {}",
                self.target.display(),
                kept.display()
            );
        }
        Ok(self.target.clone())
    }

    /// Swaps the staging directory into place. Returns where files that appeared in the old
    /// target after it was checked were kept, if any did.
    fn swap_into_place(&self) -> Result<Option<PathBuf>, OutputError> {
        loop {
            check_replaceable(&self.target)?;
            if std::fs::symlink_metadata(&self.target).is_err() {
                injected_fault("rename", &self.target)?;
                match std::fs::rename(&self.staging, &self.target) {
                    Ok(()) => return Ok(None),
                    // Another run put its results there meanwhile: replace them instead.
                    Err(_) if self.target.is_dir() => continue,
                    Err(e) => return Err(io_err("create", &self.target)(e)),
                }
            }
            injected_fault("rename", &self.target)?;
            match rustix::fs::renameat_with(
                rustix::fs::CWD,
                &self.staging,
                rustix::fs::CWD,
                &self.target,
                rustix::fs::RenameFlags::EXCHANGE,
            ) {
                Ok(()) => {}
                Err(e) if e == rustix::io::Errno::NOENT => continue,
                Err(e)
                    if e == rustix::io::Errno::INVAL
                        || e == rustix::io::Errno::NOSYS
                        || e == rustix::io::Errno::OPNOTSUPP =>
                {
                    // No atomic exchange on this file system: move the old results aside under
                    // this run's lock, then put the new ones in place.
                    let aside = PathBuf::from(format!("{}-old", self.staging.display()));
                    rename(&self.target, &aside)?;
                    if let Err(e) = rename(&self.staging, &self.target) {
                        rename(&aside, &self.target).ok();
                        return Err(e);
                    }
                    return Ok(remove_old_results(&aside, &self.target));
                }
                Err(e) => {
                    return Err(io_err("replace", &self.target)(std::io::Error::from(e)));
                }
            }
            // The old results are now at the staging path.
            return Ok(remove_old_results(&self.staging, &self.target));
        }
    }
}

/// Removes replaced results: the files their marker lists, the marker, then the directories
/// left empty. Anything else (a file that appeared after the check) is kept, and the directory
/// holding it is renamed to a visible name beside `target`, which is returned.
fn remove_old_results(old: &Path, target: &Path) -> Option<PathBuf> {
    let listed = listed_files(old).unwrap_or_default();
    for f in &listed {
        std::fs::remove_file(old.join(f)).ok();
    }
    std::fs::remove_file(old.join(MARKER_FILE)).ok();
    let (files, empty_dirs) = entries_below(old).unwrap_or_default();
    let files: Vec<String> = files
        .into_iter()
        .filter(|f| {
            let temporary = is_lockout_temporary(f.rsplit('/').next().unwrap_or(f));
            !(temporary && std::fs::remove_file(old.join(f)).is_ok())
        })
        .collect();
    if files.is_empty() {
        for d in empty_dirs.iter().rev() {
            std::fs::remove_dir(old.join(d)).ok();
        }
        if std::fs::remove_dir_all(old).is_ok() {
            return None;
        }
    }
    let kept = PathBuf::from(format!("{}.kept-{}", target.display(), unique_suffix()));
    std::fs::rename(old, &kept).ok().map(|()| kept)
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        let mut live = LIVE_STAGING.lock().unwrap_or_else(|e| e.into_inner());
        if !self.committed {
            std::fs::remove_dir_all(&self.staging).ok();
        }
        live.retain(|(s, _)| s != &self.staging);
        drop(live);
        // Remove the lock file while holding the lock, so no cleaner can take a free lock
        // for a directory that still exists.
        std::fs::remove_file(&self.lock_path).ok();
        self.lock.take();
    }
}

/// Removes the staging directories (and their lock files) in `parent` whose runs are dead: the
/// lock file is not locked, or missing. Best effort: what cannot be removed stays for the next
/// run.
fn remove_dead_staging(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let names: BTreeSet<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_lockout_temporary(n))
        .collect();
    for name in &names {
        if name.ends_with(LOCK_SUFFIX) {
            continue;
        }
        // A staging directory, or the old results a non-exchanging swap moved aside (`-old`).
        let stem = name.strip_suffix("-old").unwrap_or(name);
        let lock_path = parent.join(format!("{stem}{LOCK_SUFFIX}"));
        if lock_is_live(&lock_path) {
            continue;
        }
        let path = parent.join(name);
        if name.ends_with("-old") {
            // The run died between its two renames: if its target is missing, restore it.
            if let Some(target) = target_of(stem)
                && std::fs::symlink_metadata(parent.join(&target)).is_err()
                && std::fs::rename(&path, parent.join(&target)).is_ok()
            {
                continue;
            }
        }
        if path.is_dir() {
            std::fs::remove_dir_all(&path).ok();
        }
    }
    for name in names.iter().filter(|n| n.ends_with(LOCK_SUFFIX)) {
        let lock_path = parent.join(name);
        let stem = name.strip_suffix(LOCK_SUFFIX).unwrap_or(name);
        if !parent.join(stem).exists()
            && !parent.join(format!("{stem}-old")).exists()
            && let Some(held) = take_dead_lock(&lock_path)
        {
            // Removed while held, so a run that creates it and is waiting for its lock finds it
            // gone once it has the lock (`StagedDir::create` then tries a fresh name).
            std::fs::remove_file(&lock_path).ok();
            drop(held);
        }
    }
}

/// The lock file at `path`, locked by this process, if no run holds it.
fn take_dead_lock(path: &Path) -> Option<File> {
    let file = File::options().write(true).open(path).ok()?;
    file.try_lock().ok()?;
    Some(file)
}

/// Whether the open `file` is what `path` names now (the same inode on the same device).
fn is_same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

/// The target name of a staging directory name `.NAME.lockout-tmp-...`.
fn target_of(staging_name: &str) -> Option<String> {
    let rest = staging_name.strip_prefix('.')?;
    let end = rest.rfind(STAGING_INFIX)?;
    Some(rest[..end].to_owned())
}

/// Whether a live run holds the lock file at `path`.
fn lock_is_live(path: &Path) -> bool {
    let Ok(file) = File::options().write(true).open(path) else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => false,
        Err(std::fs::TryLockError::WouldBlock) => true,
        // Cannot tell: assume alive, never remove a live run's files.
        Err(std::fs::TryLockError::Error(_)) => true,
    }
}

/// Writes a new file: `bytes` go to a temporary file beside `path`, which is then linked to
/// `path` only if nothing is there (an atomic no-clobber step), so an existing file, even one
/// created meanwhile, is never overwritten and a failure never leaves a partial file.
pub fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(OutputError::Exists {
            path: path.to_path_buf(),
        });
    }
    let tmp = temporary_beside(path);
    let result = injected_fault("write", &tmp)
        .and_then(|()| {
            let mut f = create(&tmp)?;
            f.write_all(bytes).map_err(io_err("write", path))?;
            f.flush().map_err(io_err("write", path))?;
            f.get_ref().sync_all().map_err(io_err("write", path))
        })
        .and_then(|()| {
            injected_fault("link", path)?;
            std::fs::hard_link(&tmp, path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    OutputError::Exists {
                        path: path.to_path_buf(),
                    }
                } else {
                    io_err("create", path)(e)
                }
            })
        });
    std::fs::remove_file(&tmp).ok();
    result
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    write_atomically(path, |tmp| {
        let mut f = create(tmp)?;
        f.write_all(bytes).map_err(io_err("write", path))?;
        f.flush().map_err(io_err("write", path))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn a_new_target_is_created_and_listed() {
        let d = tmp();
        let target = d.path().join("out");
        let staged = StagedDir::create(&target).unwrap();
        write(&staged.path().join("a.csv"), b"x\n").unwrap();
        create_dir_all(&staged.path().join("ord")).unwrap();
        write(&staged.path().join("ord/b.csv"), b"y\n").unwrap();
        staged.commit().unwrap();
        let marker = std::fs::read_to_string(target.join(MARKER_FILE)).unwrap();
        assert_eq!(marker, format!("{MARKER_HEADER}\na.csv\nord/b.csv\n"));
        // Nothing but the target is left in the parent.
        let names: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn lockouts_own_results_are_replaced_whole() {
        let d = tmp();
        let target = d.path().join("out");
        let staged = StagedDir::create(&target).unwrap();
        write(&staged.path().join("old.csv"), b"old\n").unwrap();
        staged.commit().unwrap();
        let staged = StagedDir::create(&target).unwrap();
        write(&staged.path().join("new.csv"), b"new\n").unwrap();
        staged.commit().unwrap();
        assert!(!target.join("old.csv").exists());
        assert_eq!(std::fs::read(target.join("new.csv")).unwrap(), b"new\n");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn foreign_files_refuse_the_target_and_are_named() {
        let d = tmp();
        let target = d.path().join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("notes.txt"), "mine").unwrap();
        let err = StagedDir::create(&target).err().unwrap();
        assert!(err.is_bad_input());
        assert!(err.to_string().contains("notes.txt"), "{err}");
        assert_eq!(std::fs::read(target.join("notes.txt")).unwrap(), b"mine");
        // A regular file and a symbolic link are refused too.
        let file = d.path().join("file");
        std::fs::write(&file, "x").unwrap();
        assert!(matches!(
            StagedDir::create(&file),
            Err(OutputError::NotADirectory { .. })
        ));
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(matches!(
            StagedDir::create(&link),
            Err(OutputError::SymbolicLink { .. })
        ));
    }

    #[test]
    fn a_file_added_to_lockouts_results_makes_them_foreign() {
        let d = tmp();
        let target = d.path().join("out");
        let staged = StagedDir::create(&target).unwrap();
        write(&staged.path().join("a.csv"), b"x\n").unwrap();
        staged.commit().unwrap();
        std::fs::write(target.join("b.txt"), "mine").unwrap();
        let err = StagedDir::create(&target).err().unwrap();
        assert!(err.to_string().contains("b.txt"), "{err}");
    }

    #[test]
    fn an_uncommitted_run_leaves_nothing() {
        let d = tmp();
        let target = d.path().join("out");
        {
            let staged = StagedDir::create(&target).unwrap();
            write(&staged.path().join("a.csv"), b"x\n").unwrap();
        }
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
    }

    #[test]
    fn dead_staging_is_removed_and_live_staging_is_kept() {
        let d = tmp();
        // A dead run's leftovers: a staging directory with an unlocked lock file, and one whose
        // lock file is missing.
        let dead = d.path().join(format!(".out{STAGING_INFIX}1-2-3"));
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(dead.join("summary.csv"), "x").unwrap();
        std::fs::write(format!("{}{LOCK_SUFFIX}", dead.display()), "").unwrap();
        let orphan = d.path().join(format!(".other{STAGING_INFIX}4-5-6"));
        std::fs::create_dir(&orphan).unwrap();
        // A live run's staging directory, locked by a StagedDir of this process.
        let live = StagedDir::create(&d.path().join("live")).unwrap();
        let live_path = live.path().to_path_buf();
        let staged = StagedDir::create(&d.path().join("out")).unwrap();
        assert!(!dead.exists());
        assert!(!Path::new(&format!("{}{LOCK_SUFFIX}", dead.display())).exists());
        assert!(!orphan.exists());
        assert!(
            live_path.exists(),
            "a live run's staging directory was removed"
        );
        drop(staged);
        drop(live);
    }

    #[test]
    fn a_dead_non_exchanging_swap_is_restored() {
        let d = tmp();
        let aside = d.path().join(format!(".out{STAGING_INFIX}7-8-9-old"));
        std::fs::create_dir(&aside).unwrap();
        std::fs::write(aside.join("summary.csv"), "old").unwrap();
        remove_dead_staging(d.path());
        assert_eq!(
            std::fs::read(d.path().join("out/summary.csv")).unwrap(),
            b"old"
        );
    }

    #[test]
    fn atomic_writes_leave_the_old_file_on_failure() {
        let d = tmp();
        let path = d.path().join("figure.png");
        std::fs::write(&path, "old").unwrap();
        let r: Result<(), OutputError> = write_atomically(&path, |tmp| {
            write(tmp, b"partial")?;
            Err(io_err("write", tmp)(std::io::Error::other("disk full")))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn plot_may_write_only_listed_or_absent_files() {
        let d = tmp();
        std::fs::write(d.path().join("report.html"), "mine").unwrap();
        let names = ["report.html".to_string(), "a.png".to_string()];
        assert!(check_may_write(d.path(), &names).is_err());
        record_written(d.path(), &[d.path().join("report.html")]).unwrap();
        check_may_write(d.path(), &names).unwrap();
    }
}
