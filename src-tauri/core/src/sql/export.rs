//! Exporting a query's full result to a file, streamed from the server on a connection of its
//! own (so a long export does not hold up the editor tab, and the grid's row cap does not apply).
//! The file is written next to its destination and renamed into place when complete.
//!
//! CSV is PostgreSQL's own `COPY (query) TO STDOUT WITH (FORMAT csv, HEADER)`; JSON (an array
//! of objects) and NDJSON (an object per line) are written row by row, see `format.rs`.
use super::format::JsonRows;
use super::session::SqlSession;
use super::split;
use super::{RunEvent, RunOptions, SqlTarget};
use crate::error::{ApiError, ErrorCode, Result};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum ExportFormat {
    Csv,
    /// A JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct ExportSummary {
    pub path: String,
    pub rows: f64,
    pub bytes: f64,
    pub duration_ms: f64,
}

const COPY_PREFIX: &str = "COPY (\n";

fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

fn io_err(path: &Path, e: std::io::Error) -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        format!("cannot write {}: {e}", path.display()),
    )
}

/// Writes the result of `sql` (exactly one statement) to `path`. `progress` is called with the
/// bytes written so far, every megabyte or so; it returns false to cancel the export.
pub async fn export_query<F>(
    target: &SqlTarget,
    sql: &str,
    format: ExportFormat,
    path: &Path,
    mut progress: F,
) -> Result<ExportSummary>
where
    F: FnMut(f64) -> bool + Send,
{
    let started = Instant::now();
    let statements = split::split_statements(sql);
    let [st] = statements.as_slice() else {
        return Err(ApiError::invalid(format!(
            "an export needs exactly one statement, not {}",
            statements.len()
        )));
    };
    if let Some(msg) = split::unsupported(&st.sql) {
        return Err(ApiError::invalid(msg));
    }
    let mut session = SqlSession::open(target, None).await?;
    let part = part_path(path);
    let file = std::fs::File::create(&part).map_err(|e| io_err(&part, e))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let result = match format {
        ExportFormat::Csv => copy_csv(&mut session, st, &mut out, &part, &mut progress).await,
        ExportFormat::Json | ExportFormat::Ndjson => {
            write_json(&mut session, st, format, &mut out, &part, &mut progress).await
        }
    };
    let result = result.and_then(|(rows, bytes)| {
        out.flush().map_err(|e| io_err(&part, e))?;
        drop(out);
        std::fs::rename(&part, path).map_err(|e| io_err(path, e))?;
        Ok((rows, bytes))
    });
    match result {
        Ok((rows, bytes)) => Ok(ExportSummary {
            path: path.display().to_string(),
            rows,
            bytes,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            Err(e)
        }
    }
}

async fn copy_csv<F: FnMut(f64) -> bool + Send>(
    session: &mut SqlSession,
    st: &split::ScriptStatement,
    out: &mut impl Write,
    part: &Path,
    progress: &mut F,
) -> Result<(f64, f64)> {
    let copy = format!(
        "{COPY_PREFIX}{}\n) TO STDOUT WITH (FORMAT csv, HEADER)",
        st.sql
    );
    // Positions in the COPY text map back to the statement.
    let map = |e: tokio_postgres::Error| {
        let pos = e.as_db_error().and_then(|db| match db.position() {
            Some(tokio_postgres::error::ErrorPosition::Original(p)) => Some(*p),
            _ => None,
        });
        let mut err = ApiError::from(e);
        let prefix = COPY_PREFIX.chars().count() as u32;
        err.position = pos
            .filter(|p| *p > prefix && *p <= prefix + st.char_len)
            .map(|p| st.script_position(p - prefix));
        err
    };
    let stream = session
        .client()
        .copy_out(copy.as_str())
        .await
        .map_err(map)?;
    let mut stream = std::pin::pin!(stream);
    let mut bytes = 0u64;
    let mut reported = 0u64;
    let mut cancelled = false;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(map)?;
        if cancelled {
            continue;
        }
        out.write_all(&chunk).map_err(|e| io_err(part, e))?;
        bytes += chunk.len() as u64;
        if bytes - reported >= 1 << 20 {
            reported = bytes;
            if !progress(bytes as f64) {
                cancelled = true;
                session.canceller().cancel().await?;
            }
        }
    }
    if cancelled {
        return Err(ApiError::new(ErrorCode::Cancelled, "export cancelled"));
    }
    let rows = session
        .wait_for_tag("COPY")
        .await
        .and_then(|t| super::tag_row_count(&t))
        .unwrap_or(0);
    Ok((rows as f64, bytes as f64))
}

async fn write_json<F: FnMut(f64) -> bool + Send>(
    session: &mut SqlSession,
    st: &split::ScriptStatement,
    format: ExportFormat,
    out: &mut (impl Write + Send),
    part: &Path,
    progress: &mut F,
) -> Result<(f64, f64)> {
    let array = format == ExportFormat::Json;
    let mut writer: Option<JsonRows> = None;
    let mut rows = 0u64;
    let mut bytes = 0u64;
    let mut reported = 0u64;
    let mut io_error = None;
    let mut line = String::new();
    let opts = RunOptions {
        page_size: 1000,
        max_rows: None,
    };
    let summary = session
        .run(&st.sql, &opts, |ev| {
            match ev {
                RunEvent::Columns { columns, .. } => writer = Some(JsonRows::new(&columns)),
                RunEvent::Rows { rows: page, .. } => {
                    let Some(w) = &writer else { return true };
                    line.clear();
                    for row in &page {
                        if array {
                            line.push_str(if rows == 0 { "[\n" } else { ",\n" });
                        }
                        w.object(&mut line, row);
                        if !array {
                            line.push('\n');
                        }
                        rows += 1;
                    }
                    if let Err(e) = out.write_all(line.as_bytes()) {
                        io_error = Some(e);
                        return false;
                    }
                    bytes += line.len() as u64;
                    if bytes - reported >= 1 << 20 {
                        reported = bytes;
                        return progress(bytes as f64);
                    }
                }
                _ => {}
            }
            true
        })
        .await;
    if let Some(e) = io_error {
        return Err(io_err(part, e));
    }
    if let Some(mut e) = summary.error {
        if e.code == ErrorCode::Cancelled {
            e = ApiError::new(ErrorCode::Cancelled, "export cancelled");
        }
        return Err(e);
    }
    if array {
        let end = if rows == 0 { "[]\n" } else { "\n]\n" };
        out.write_all(end.as_bytes()).map_err(|e| io_err(part, e))?;
        bytes += end.len() as u64;
    }
    Ok((rows as f64, bytes as f64))
}
