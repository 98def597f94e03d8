//! Files only their owner may read: the data directory, the SQLite database and its WAL hold
//! password hashes, webhook secrets and phone numbers, the blob store villagers' photos.
//! Directories are made 0700 and database files 0600; a directory or database left readable by
//! others (an older version made them 0755/0644) is tightened at start-up. Files the server
//! writes whole (blobs, the generated signing key) are written atomically ([`write_atomic`]):
//! a crash leaves either the old state or the new file, never an empty or partial one at the
//! final name, only a `.tmp*` file beside it that [`crate::leftovers`] sweeps.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Mode bits for group and others.
const OTHERS: u32 = 0o077;
/// The sticky bit: a shared directory such as `/tmp`, never tightened.
const STICKY: u32 = 0o1000;

/// Creates `dir` and any missing parents as 0700 (an existing one is left as it is).
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// Creates `dir` as [`create_dir`] does, and takes group's and others' access away from it
/// if it has any (unless it is a shared, sticky directory).
pub fn own_dir(dir: &Path) -> std::io::Result<()> {
    create_dir(dir)?;
    let mode = std::fs::metadata(dir)?.permissions().mode();
    if mode & OTHERS != 0 && mode & STICKY == 0 {
        std::fs::set_permissions(dir, Permissions::from_mode(mode & !OTHERS & 0o7777))?;
    }
    Ok(())
}

/// How the temporary files of [`write_atomic`] are named (`.tmp` and random letters, beside
/// their final name): what [`crate::leftovers`] looks for.
pub const TEMP_PREFIX: &str = ".tmp";

/// Writes a file so that no reader, and no crash, ever sees it partial at `path`: `write`
/// fills a temporary file (0600, named [`TEMP_PREFIX`]…) in the same directory, which is
/// flushed to disk, renamed to `path`, and the directory flushed so that the rename survives
/// a power cut too. With `replace` false an existing `path` is kept and the call fails with
/// [`ErrorKind::AlreadyExists`] (two processes creating the same file: the first one wins).
/// On any failure the temporary file is removed.
pub fn write_atomic_with(
    path: &Path,
    replace: bool,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .permissions(Permissions::from_mode(0o600))
        .tempfile_in(dir)?;
    write(tmp.as_file_mut())?;
    tmp.as_file_mut().flush()?;
    tmp.as_file().sync_all()?;
    if replace {
        tmp.persist(path).map_err(|e| e.error)?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| e.error)?;
    }
    File::open(dir)?.sync_all()
}

/// [`write_atomic_with`] for bytes at hand.
pub fn write_atomic(path: &Path, bytes: &[u8], replace: bool) -> std::io::Result<()> {
    write_atomic_with(path, replace, |file| file.write_all(bytes))
}

/// Makes sure a SQLite database file and its `-wal` and `-shm` files are 0600: creates the
/// database file so (SQLite gives the others the database's mode), and tightens any that
/// exist with wider modes.
pub fn own_database(path: &Path) -> std::io::Result<()> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let file = Path::new(&file);
        match std::fs::metadata(file) {
            Ok(m) if m.permissions().mode() & OTHERS != 0 => {
                std::fs::set_permissions(file, Permissions::from_mode(0o600))?;
            }
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn directories_and_databases_become_owner_only() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let open = root.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, Permissions::from_mode(0o755)).unwrap();
        own_dir(&open).unwrap();
        assert_eq!(mode(&open), 0o700);
        let db = open.join("cx.db");
        own_database(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
        let wal = open.join("cx.db-wal");
        std::fs::write(&wal, b"").unwrap();
        std::fs::set_permissions(&wal, Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&db, Permissions::from_mode(0o644)).unwrap();
        own_database(&db).unwrap();
        assert_eq!((mode(&db), mode(&wal)), (0o600, 0o600));
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn an_atomic_write_is_never_seen_partial_at_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key");
        // While the bytes are being written (where a crash would stop it), nothing is at the
        // final name; only a temporary file beside it.
        let failed = write_atomic_with(&key, false, |file| {
            file.write_all(b"half a ke")?;
            assert!(
                !key.exists(),
                "the final name appeared before the write finished"
            );
            let temps = names(dir.path());
            assert!(
                temps.len() == 1 && temps[0].starts_with(TEMP_PREFIX),
                "{temps:?}"
            );
            Err(std::io::Error::other("killed"))
        });
        assert!(failed.is_err());
        assert!(
            names(dir.path()).is_empty(),
            "a failed write leaves nothing"
        );

        write_atomic(&key, b"first", false).unwrap();
        assert_eq!(std::fs::read(&key).unwrap(), b"first");
        assert_eq!(mode(&key), 0o600);
        let kept = write_atomic(&key, b"second", false).unwrap_err();
        assert_eq!(kept.kind(), ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&key).unwrap(), b"first");
        write_atomic(&key, b"second", true).unwrap();
        assert_eq!(std::fs::read(&key).unwrap(), b"second");
        assert_eq!(names(dir.path()), ["key"]);
    }
}
