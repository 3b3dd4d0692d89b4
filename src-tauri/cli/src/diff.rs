//! `grove diff FROM TO`: compares two databases' schemas. FROM and TO are postgres:// URLs (or
//! libpq key=value strings), saved connection names, or branch names on the `--server` server
//! (the embedded local one by default). Exit 0 whether or not they differ; 1 only on error.
use crate::{out, Output};
use clap::{Args, ValueEnum};
use grove_core::api::{DatabaseRef, DiffSchemas};
use grove_core::{Grove, Result, ServerRef};
use serde_json::Value;
use std::io::Write;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// The migration that turns FROM into TO, hazards as `-- hazard:` comments.
    Sql,
    /// The whole comparison: every object with its status and DDL, counts, migration.
    Json,
    /// Counts per kind and one line per changed object.
    Summary,
}

#[derive(Args)]
pub struct DiffArgs {
    /// The database as it is: a branch name (on --server), a postgres:// URL, or a saved
    /// connection's name.
    pub from: String,
    /// The database as it should become (same forms as FROM).
    pub to: String,
    #[arg(long, value_enum, default_value = "sql")]
    pub format: Format,
}

/// Prints the comparison itself: the JSON goes straight from the struct to stdout (with
/// `--json` too), never held whole as a JSON tree or a string (tens of MB at 10,000 tables).
pub async fn run(grove: &Grove, server: &ServerRef, args: DiffArgs, json: bool) -> Result<Output> {
    let req = DiffSchemas {
        server: server.clone(),
        from: DatabaseRef::Spec(args.from),
        to: DatabaseRef::Spec(args.to),
    };
    let d = grove.diff_schemas(req).await?;
    let text = match args.format {
        _ if json => None,
        Format::Json => None,
        Format::Sql if d.migration.is_empty() => Some("-- no differences".to_string()),
        Format::Sql => Some(d.migration_sql().trim_end().to_string()),
        Format::Summary => Some(d.summary()),
    };
    let Some(text) = text else {
        // Fields in their declared order. A closed pipe (`grove diff … | head`) is no error.
        let mut w = std::io::BufWriter::new(std::io::stdout().lock());
        let _ = serde_json::to_writer_pretty(&mut w, &d)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(w))
            .and_then(|_| w.flush());
        return out(Value::Null, "");
    };
    out(Value::Null, text)
}
