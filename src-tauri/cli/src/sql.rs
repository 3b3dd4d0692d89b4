//! `grove sql BRANCH -c SQL | --file F [--format table|csv|json]`: runs SQL through the same
//! session code as the desktop editor and streams rows to stdout as they arrive. NOTICEs go to
//! stderr. Protected branches are read-only unless --allow-write. On error: exit 1 with the server's message, SQLSTATE and position on one line (a JSON
//! error object with --json).
use crate::{out, Output};
use clap::{Args, ValueEnum};
use grove_core::sql::format::{csv_record, json_kind, JsonKind, JsonRows};
use grove_core::sql::{ColumnInfo, RunEvent, RunOptions, SqlSession};
use grove_core::{ApiError, Grove, Result, ServerRef};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::PathBuf;

#[derive(Args)]
pub struct SqlArgs {
    /// The branch to run on (for now: a database on the selected server).
    pub branch: String,
    /// The SQL: one statement or a script of several.
    #[arg(short = 'c', long = "command", value_name = "SQL")]
    pub command: Option<String>,
    /// Read the SQL from a file ("-" for standard input).
    #[arg(short = 'f', long, value_name = "FILE", conflicts_with = "command")]
    pub file: Option<PathBuf>,
    /// How rows are printed (default: table; json with --json).
    #[arg(long, value_enum)]
    pub format: Option<SqlFormat>,
    /// Allow writes on a protected branch (its sessions are read-only otherwise).
    #[arg(long)]
    pub allow_write: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SqlFormat {
    /// Aligned columns, like psql.
    Table,
    /// RFC 4180 CSV with a header line per result.
    Csv,
    /// A JSON array of objects per result; `{"command": …}` for statements without rows.
    Json,
}

fn read_sql(args: &SqlArgs) -> Result<String> {
    match (&args.command, &args.file) {
        (Some(sql), _) => Ok(sql.clone()),
        (None, Some(path)) if path.as_os_str() == "-" => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            Ok(s)
        }
        (None, Some(path)) => std::fs::read_to_string(path)
            .map_err(|e| ApiError::invalid(format!("cannot read {}: {e}", path.display()))),
        (None, None) => Err(ApiError::invalid(
            "give the SQL with -c SQL or --file FILE (\"-\" for standard input)",
        )),
    }
}

/// Writes events to stdout in one of the formats.
struct Printer<W: Write> {
    out: W,
    format: SqlFormat,
    /// The statement whose rows are being printed.
    result: Option<u32>,
    columns: Vec<ColumnInfo>,
    /// Table: column widths, fixed by the header and the first page.
    widths: Option<Vec<usize>>,
    json: Option<JsonRows>,
    /// JSON: rows written in the current array.
    rows: u64,
    /// A table or CSV result ended: a blank line before what comes next.
    gap: bool,
    line: String,
}

fn display(v: Option<&str>) -> String {
    // psql shows NULL as nothing; line breaks would break the table's rows.
    v.unwrap_or("").replace('\r', "\\r").replace('\n', "\\n")
}

impl<W: Write> Printer<W> {
    fn start_result(&mut self) -> std::io::Result<()> {
        if std::mem::take(&mut self.gap) {
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn table_line(&mut self, cells: &[String], right: &[bool]) -> std::io::Result<()> {
        let widths = self.widths.as_deref().unwrap_or_default();
        self.line.clear();
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                self.line.push_str(" | ");
            } else {
                self.line.push(' ');
            }
            let pad = widths[i].saturating_sub(c.chars().count());
            if right[i] {
                self.line.extend(std::iter::repeat_n(' ', pad));
                self.line.push_str(c);
            } else {
                self.line.push_str(c);
                if i + 1 < cells.len() {
                    self.line.extend(std::iter::repeat_n(' ', pad));
                }
            }
        }
        self.line.push('\n');
        self.out.write_all(self.line.as_bytes())
    }

    /// Table: fixes the widths from the header and `first`, and prints the header.
    fn table_header(&mut self, first: &[Vec<Option<String>>]) -> std::io::Result<()> {
        let mut widths: Vec<usize> = self
            .columns
            .iter()
            .map(|c| c.name.chars().count())
            .collect();
        for row in first {
            for (w, v) in widths.iter_mut().zip(row) {
                *w = (*w).max(display(v.as_deref()).chars().count());
            }
        }
        self.widths = Some(widths.clone());
        let names: Vec<String> = self.columns.iter().map(|c| c.name.clone()).collect();
        // Headers are centred in psql; left-aligned reads as well and stays simple.
        self.table_line(&names, &vec![false; names.len()])?;
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(w + 2)).collect();
        writeln!(self.out, "{}", rule.join("+"))
    }

    fn event(&mut self, ev: &RunEvent) -> std::io::Result<()> {
        match ev {
            RunEvent::Columns { index, columns } => {
                self.columns = columns.clone();
                if self.result == Some(*index) {
                    // Type names arrived late: nothing printed depends on them.
                    return Ok(());
                }
                self.result = Some(*index);
                self.start_result()?;
                match self.format {
                    SqlFormat::Table => {}
                    SqlFormat::Csv => {
                        let mut s = String::new();
                        csv_record(&mut s, self.columns.iter().map(|c| Some(c.name.as_str())));
                        self.out.write_all(s.as_bytes())?;
                    }
                    SqlFormat::Json => {
                        self.json = Some(JsonRows::new(&self.columns));
                        self.rows = 0;
                    }
                }
            }
            RunEvent::Rows { rows, .. } => match self.format {
                SqlFormat::Table => {
                    if self.widths.is_none() {
                        self.table_header(rows)?;
                    }
                    let right: Vec<bool> = self
                        .columns
                        .iter()
                        .map(|c| json_kind(c.type_oid) == JsonKind::Number)
                        .collect();
                    for row in rows {
                        let cells: Vec<String> =
                            row.iter().map(|v| display(v.as_deref())).collect();
                        self.table_line(&cells, &right)?;
                    }
                }
                SqlFormat::Csv => {
                    let mut s = String::new();
                    for row in rows {
                        csv_record(&mut s, row.iter().map(|v| v.as_deref()));
                    }
                    self.out.write_all(s.as_bytes())?;
                }
                SqlFormat::Json => {
                    let mut s = String::new();
                    if let Some(w) = &self.json {
                        for row in rows {
                            s.push_str(if self.rows == 0 { "[\n" } else { ",\n" });
                            w.object(&mut s, row);
                            self.rows += 1;
                        }
                    }
                    self.out.write_all(s.as_bytes())?;
                }
            },
            RunEvent::StatementDone {
                tag, rows_affected, ..
            } => {
                let had_rows = self.result.is_some();
                match self.format {
                    SqlFormat::Table if had_rows => {
                        if self.widths.is_none() {
                            self.table_header(&[])?;
                        }
                        let n = rows_affected.unwrap_or(0.0) as u64;
                        writeln!(self.out, "({n} row{})", if n == 1 { "" } else { "s" })?;
                        self.gap = true;
                    }
                    SqlFormat::Table => {
                        self.start_result()?;
                        writeln!(self.out, "{tag}")?;
                    }
                    SqlFormat::Json => self.end_json(Some((tag, *rows_affected)))?,
                    SqlFormat::Csv => self.gap = had_rows,
                }
                self.result = None;
                self.columns.clear();
                self.widths = None;
                self.out.flush()?;
            }
            RunEvent::Notice { notice, .. } => {
                eprintln!("{}:  {}", notice.severity, notice.message);
                if let Some(d) = &notice.detail {
                    eprintln!("DETAIL:  {d}");
                }
                if let Some(h) = &notice.hint {
                    eprintln!("HINT:  {h}");
                }
            }
            RunEvent::Error { .. } => {
                // Close an array begun before the error, so stdout stays valid JSON.
                if self.format == SqlFormat::Json && self.json.is_some() {
                    self.end_json(None)?;
                }
                self.out.flush()?;
            }
            RunEvent::StatementStarted { .. } | RunEvent::Finished { .. } => {}
        }
        if matches!(ev, RunEvent::Rows { .. }) {
            self.out.flush()?;
        }
        Ok(())
    }

    /// JSON: ends the current result (an array, or a command object).
    fn end_json(&mut self, done: Option<(&String, Option<f64>)>) -> std::io::Result<()> {
        if self.json.take().is_some() {
            let end = if self.rows == 0 { "[]\n" } else { "\n]\n" };
            self.out.write_all(end.as_bytes())?;
        } else if let Some((tag, rows)) = done {
            let v = serde_json::json!({ "command": tag, "rows_affected": rows });
            writeln!(self.out, "{v}")?;
        }
        Ok(())
    }
}

pub async fn run(
    grove: &Grove,
    args: SqlArgs,
    server: &ServerRef,
    json_out: bool,
) -> Result<Output> {
    let sql = read_sql(&args)?;
    let format = args.format.unwrap_or(if json_out {
        SqlFormat::Json
    } else {
        SqlFormat::Table
    });
    let t = grove.sql_target(server, &args.branch).await?;
    let mut session = SqlSession::open(&t, Some(grove.store.clone())).await?;
    if args.allow_write && session.read_only() {
        session.unlock().await?;
    }
    let canceller = session.canceller();
    let on_ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = canceller.cancel().await;
        }
    });
    let mut printer = Printer {
        out: std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()),
        format,
        result: None,
        columns: Vec::new(),
        widths: None,
        json: None,
        rows: 0,
        gap: false,
        line: String::new(),
    };
    let opts = RunOptions {
        page_size: 1000,
        max_rows: None,
    };
    // A closed stdout (`grove sql … | head`) stops the query instead of reading it all.
    let mut write_error = None;
    let summary = session
        .run(&sql, &opts, |ev| match printer.event(&ev) {
            Ok(()) => true,
            Err(e) => {
                write_error.get_or_insert(e);
                false
            }
        })
        .await;
    on_ctrl_c.abort();
    let _ = printer.out.flush();
    drop(printer);
    match write_error {
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return out(Value::Null, ""),
        Some(e) => return Err(ApiError::from(e).context("writing the output")),
        None => {}
    }
    match summary.error {
        None => out(Value::Null, ""),
        Some(mut e) if !json_out => {
            let mut extra = Vec::new();
            if let Some(code) = &e.sqlstate {
                extra.push(format!("SQLSTATE {code}"));
            }
            if let Some(p) = e.position {
                extra.push(format!("position {p}"));
            }
            if let Some(d) = &e.detail {
                e.message = format!("{}: {d}", e.message);
            }
            if !extra.is_empty() {
                e.message = format!("{} ({})", e.message, extra.join(", "));
            }
            Err(e)
        }
        Some(e) => Err(e),
    }
}
