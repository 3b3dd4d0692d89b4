//! Files and directories only their owner can read: Grove's data dir, local state, logs and the
//! embedded cluster's password hold query history and secrets.
use std::path::Path;

/// The mode of Grove's directories: only the owner may list or enter them.
pub(crate) const PRIVATE_DIR: u32 = 0o700;
/// The mode of Grove's files: only the owner may read or write them.
pub(crate) const PRIVATE_FILE: u32 = 0o600;

/// Creates `dir` 0700 (missing parents as usual). An existing directory is left as it is.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, PRIVATE_DIR);
    match builder.create(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        other => other,
    }
}

/// Opens `path` for writing, creating it 0600; `truncate` empties it, else writes append.
pub(crate) fn open_private(path: &Path, truncate: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true);
    if truncate {
        options.write(true).truncate(true);
    } else {
        options.append(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, PRIVATE_FILE);
    options.open(path)
}

/// Writes `contents` to a file only its owner can read (an existing file is made so too).
pub(crate) fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    open_private(path, true)?.write_all(contents.as_bytes())?;
    restrict(path, PRIVATE_FILE)
}

/// Sets the permission bits of `path` to `mode` if it exists with others; a missing path is
/// fine. No-op where there are no Unix modes.
pub(crate) fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) if !m.file_type().is_symlink() => m,
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if meta.permissions().mode() & 0o7777 != mode {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}
