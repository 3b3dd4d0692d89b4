//! `grove diff FROM TO`: compares two databases' schemas. FROM and TO are postgres:// URLs (or
//! libpq key=value strings), saved connection names, or branch names on the `--server` server
//! (the embedded local one by default). Exit 0 whether or not they differ; 1 only on error.
use crate::{out, Output};
use clap::{Args, ValueEnum};
use grove_core::api::{DatabaseRef, DiffSchemas};
use grove_core::{Grove, Result, ServerRef};

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

pub async fn run(grove: &Grove, server: &ServerRef, args: DiffArgs) -> Result<Output> {
    let req = DiffSchemas {
        server: server.clone(),
        from: DatabaseRef::Spec(args.from),
        to: DatabaseRef::Spec(args.to),
    };
    let d = grove.diff_schemas(req).await?;
    let json = serde_json::to_value(&d).expect("json");
    let text = match args.format {
        Format::Sql if d.migration.is_empty() => "-- no differences".to_string(),
        Format::Sql => d.migration_sql().trim_end().to_string(),
        // Straight from the struct: fields in their declared order.
        Format::Json => serde_json::to_string_pretty(&d).expect("json"),
        Format::Summary => d.summary(),
    };
    out(json, text)
}
