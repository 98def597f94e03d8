//! What a crash leaves in the data directory, and sweeping it: uploads spooled to `tmp/` (the
//! villager's original, EXIF GPS included) by a process killed mid-request, and the `.tmp*`
//! files of atomic writes ([`crate::private::write_atomic`]) beside blobs in `blobs/ab/` and
//! beside the signing key. A file counts as left behind when it has not been modified for a
//! while: several instances may share a data directory, and another one's upload in progress
//! is written to (so modified) as it arrives and read through its open handle afterwards, so
//! removing it once it has gone quiet breaks nothing.

use std::io::ErrorKind;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::private::TEMP_PREFIX;

/// The directory under the data directory where uploads are spooled.
pub const UPLOADS_DIR: &str = "tmp";
/// The blob store's directory under the data directory.
pub const BLOBS_DIR: &str = "blobs";

/// What a sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Files removed.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// Removes what a crash left under `data_dir` and has not been modified for `quiet` (as of
/// `now`): every file in `tmp/`, and the `.tmp*` files in `blobs/*/` and in `data_dir` itself.
/// Missing directories are fine; a file that vanishes meanwhile is skipped.
pub fn sweep(data_dir: &Path, quiet: Duration, now: SystemTime) -> std::io::Result<Swept> {
    let mut swept = Swept::default();
    let all = |_: &str| true;
    let temp = |name: &str| name.starts_with(TEMP_PREFIX);
    sweep_dir(&data_dir.join(UPLOADS_DIR), &all, quiet, now, &mut swept)?;
    sweep_dir(data_dir, &temp, quiet, now, &mut swept)?;
    let blobs = data_dir.join(BLOBS_DIR);
    for entry in read_dir(&blobs)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sweep_dir(&entry.path(), &temp, quiet, now, &mut swept)?;
        }
    }
    Ok(swept)
}

/// The entries of `dir`, none when it does not exist.
fn read_dir(dir: &Path) -> std::io::Result<Vec<std::io::Result<std::fs::DirEntry>>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => Ok(entries.collect()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

fn sweep_dir(
    dir: &Path,
    matches: &dyn Fn(&str) -> bool,
    quiet: Duration,
    now: SystemTime,
    swept: &mut Swept,
) -> std::io::Result<()> {
    for entry in read_dir(dir)? {
        let entry = entry?;
        if !matches(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        // A modification time in the future (clock changes) counts as fresh.
        let idle = now.duration_since(meta.modified()?).unwrap_or_default();
        if !meta.is_file() || idle < quiet {
            continue;
        }
        match std::fs::remove_file(entry.path()) {
            Ok(()) => {
                swept.files += 1;
                swept.bytes += meta.len();
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plant(path: &Path, idle: Duration) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"left behind").unwrap();
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - idle).unwrap();
    }

    #[test]
    fn quiet_leftovers_go_and_everything_else_stays() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        let hour = Duration::from_secs(3600);
        let second = Duration::from_secs(1);
        let gone = [
            "tmp/.tmpUpl0ad",
            "tmp/anything",
            "blobs/ab/.tmpB10b",
            ".tmpKey",
        ];
        let kept = [
            "tmp/.tmpFresh",
            "blobs/ab/.tmpFresh",
            "blobs/ab/ab12",
            "jwt-secret",
            "cunxiang.db",
        ];
        for p in gone {
            plant(&data.join(p), hour);
        }
        for p in &kept[..2] {
            plant(&data.join(p), second);
        }
        for p in &kept[2..] {
            plant(&data.join(p), hour);
        }
        let swept = sweep(data, Duration::from_secs(600), SystemTime::now()).unwrap();
        assert_eq!(swept.files, gone.len());
        assert_eq!(swept.bytes, 11 * gone.len() as u64);
        for p in gone {
            assert!(!data.join(p).exists(), "{p} should be gone");
        }
        for p in kept {
            assert!(data.join(p).exists(), "{p} should stay");
        }
        // Nothing to sweep, or no data directory at all, is no error.
        assert_eq!(
            sweep(data, hour, SystemTime::now()).unwrap(),
            Swept::default()
        );
        let missing = data.join("nowhere");
        assert_eq!(
            sweep(&missing, hour, SystemTime::now()).unwrap(),
            Swept::default()
        );
    }
}
