//! Files only their owner may read: the data directory, the SQLite database and its WAL hold
//! password hashes, webhook secrets and phone numbers, the blob store villagers' photos.
//! Directories are made 0700 and database files 0600; a directory or database left readable by
//! others (an older version made them 0755/0644) is tightened at start-up.

use std::fs::{DirBuilder, OpenOptions, Permissions};
use std::io::ErrorKind;
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
}
