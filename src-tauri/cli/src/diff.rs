//! `grove diff FROM TO`: compares two databases' schemas. FROM and TO are postgres:// URLs (or
//! libpq key=value strings), saved connection names, or branch names on the `--server` server
//! (the embedded local one by default). Exit 0 whether or not they differ; 1 only on error.
use crate::{out, Output};
use clap::{Args, ValueEnum};
use grove_core::conn::{self, ConnectionFields};
use grove_core::schema;
use grove_core::{ApiError, Grove, Result};

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

/// A database given on the command line: fields and password.
async fn resolve(
    grove: &Grove,
    server: Option<&str>,
    what: &str,
    which: &str,
) -> Result<(ConnectionFields, Option<String>)> {
    if what.contains("://") || what.contains('=') {
        let p = conn::parse_connection_string(what).map_err(|e| e.context(which))?;
        return Ok((p.fields, p.password));
    }
    if let Ok(saved) = grove.find_connection(what).await {
        let password = grove.password_of(&saved).await?;
        return Ok((saved.fields, password));
    }
    // A branch (database) of the selected server.
    let access = grove.server(server).await.map_err(|e| e.context(which))?;
    let branches =
        grove_core::branch::Branches::new(access.fields.clone(), access.password.clone());
    if !branches.databases().await?.iter().any(|d| d.name == what) {
        return Err(ApiError::not_found(format!(
            "{which}: \"{what}\" is not a database on the server, a saved connection, or a postgres:// URL"
        )));
    }
    Ok((access.fields.with_database(what), access.password))
}

pub async fn run(grove: &Grove, server: Option<&str>, args: DiffArgs) -> Result<Output> {
    let (from, to) = tokio::try_join!(
        resolve(grove, server, &args.from, "FROM"),
        resolve(grove, server, &args.to, "TO")
    )?;
    let d = schema::diff_databases((&from.0, from.1.as_deref()), (&to.0, to.1.as_deref())).await?;
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
