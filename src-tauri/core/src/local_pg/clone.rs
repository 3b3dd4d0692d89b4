//! The copy-on-write probe that decides `file_copy_method = clone`.
use super::types::CloneMode;
use std::path::Path;

/// Tries a reflink (FICLONE on Linux, clonefile on macOS) between two files in `dir`.
pub fn probe_reflink(dir: &Path) -> std::result::Result<(), String> {
    let a = dir.join(".grove-reflink-probe-a");
    let b = dir.join(".grove-reflink-probe-b");
    let _ = std::fs::remove_file(&b);
    std::fs::write(&a, vec![7u8; 64 * 1024]).map_err(|e| e.to_string())?;
    let result = reflink(&a, &b);
    let _ = std::fs::remove_file(&a);
    let _ = std::fs::remove_file(&b);
    result
}

/// PostgreSQL's `file_copy_method = clone` exists on Linux and macOS only, so the probe does
/// too.
#[cfg(any(target_os = "linux", target_os = "macos"))]
fn reflink(a: &Path, b: &Path) -> std::result::Result<(), String> {
    reflink_copy::reflink(a, b).map_err(|e| e.to_string())
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn reflink(_a: &Path, _b: &Path) -> std::result::Result<(), String> {
    Err("reflink probe not implemented on this platform".into())
}

/// The clone mode a server of `major` uses on `data_dir`, and why, for the UI.
pub(super) fn detect(major: u32, data_dir: &Path) -> (CloneMode, String) {
    match (major >= 18, probe_reflink(data_dir)) {
        (true, Ok(())) => (CloneMode::Clone, "copy-on-write filesystem; file_copy_method = clone".to_string()),
        (true, Err(e)) => (CloneMode::Copy, format!("the data directory's filesystem cannot clone files ({e}); branches are full copies")),
        (false, Ok(())) => (
            CloneMode::Copy,
            format!("PostgreSQL {major} has no file_copy_method (needs 18+); branches are full copies"),
        ),
        (false, Err(_)) => (
            CloneMode::Copy,
            format!("PostgreSQL {major} copies files (cloning needs 18+ on a copy-on-write filesystem); branches are full copies"),
        ),
    }
}
