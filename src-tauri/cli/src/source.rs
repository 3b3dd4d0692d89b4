//! `grove source …`: root branches on the selected server (--server / GROVE_SERVER, default
//! the embedded local server) kept in sync with a database elsewhere.
use crate::branch::{cli_context, progress_printer, BusyArgs};
use crate::{out, Output};
use clap::Subcommand;
use grove_core::api::{AddSource, BranchRef, RefreshSource};
use grove_core::copy::TableSelection;
use grove_core::source::{RefreshOutcome, SourceInfo};
use grove_core::{ApiError, ErrorCode, Grove, Result, ServerRef};

#[derive(Subcommand)]
pub enum SourceCmd {
    /// Create root branch ROOT as an online copy of a database elsewhere and link them.
    Add {
        root: String,
        /// A saved connection's name (grove server add) or a postgres:// URL without a password.
        #[arg(long)]
        from: String,
        /// The database to copy (default: the connection's or the URL's).
        #[arg(long)]
        database: Option<String>,
        /// Copy only these tables (TABLE or SCHEMA.TABLE; comma-separated or repeated).
        #[arg(long, value_delimiter = ',')]
        tables: Vec<String>,
        /// Leave these tables out.
        #[arg(long, value_delimiter = ',')]
        exclude_tables: Vec<String>,
        /// Create these tables without their rows.
        #[arg(long, value_delimiter = ',')]
        schema_only_tables: Vec<String>,
        /// Copy only the rows of TABLE for which CONDITION holds: 'TABLE:CONDITION'.
        #[arg(long = "where", value_name = "TABLE:CONDITION")]
        filters: Vec<String>,
        /// Refresh on a schedule: daily@02:00 (local time), hourly, 6h, 30m, …
        #[arg(long)]
        every: Option<String>,
    },
    /// Replace ROOT with a fresh copy of its source (the previous version can be brought
    /// back with `grove branch undo-reset ROOT`); --due: every source whose schedule is due.
    Refresh {
        #[arg(required_unless_present = "due", conflicts_with = "due")]
        root: Option<String>,
        #[arg(long)]
        due: bool,
        #[command(flatten)]
        busy: BusyArgs,
    },
    /// A root's source, its settings and its last and next refresh.
    Show { root: String },
    /// Every root linked to a source.
    List,
    /// Unlink ROOT from its source (the root branch stays).
    Remove { root: String },
}

/// 'TABLE:CONDITION' → (TABLE, CONDITION).
fn parse_filter(s: &str) -> Result<(String, String)> {
    match s.split_once(':') {
        Some((t, c)) if !t.trim().is_empty() && !c.trim().is_empty() => {
            Ok((t.trim().to_string(), c.trim().to_string()))
        }
        _ => Err(ApiError::invalid(format!(
            "--where takes 'TABLE:CONDITION', e.g. 'orders:created_at > now() - interval ''90 days''' (got \"{s}\")"
        ))),
    }
}

fn info_text(i: &SourceInfo) -> String {
    let sel = &i.spec.selection;
    let mut lines = vec![
        format!(
            "{} ← {} database \"{}\"",
            i.root, i.spec.from, i.spec.database
        ),
        format!(
            "schedule: {}",
            i.spec
                .schedule
                .map(|s| s.to_string())
                .unwrap_or_else(|| "none".into())
        ),
    ];
    for (what, list) in [
        ("tables", &sel.include),
        ("excluded", &sel.exclude),
        ("schema only", &sel.schema_only),
    ] {
        if !list.is_empty() {
            lines.push(format!("{what}: {}", list.join(", ")));
        }
    }
    for (t, c) in &sel.filters {
        lines.push(format!("where {t}: {c}"));
    }
    if let Some(r) = &i.last_refresh {
        let mut l = format!("last refresh: {} at {}", r.outcome, r.started_at);
        if let Some(ms) = r.duration_ms {
            l += &format!(", {:.1} s", ms as f64 / 1000.0);
        }
        if let (Some(rows), Some(size)) = (r.rows, r.size_bytes) {
            l += &format!(", {rows} rows, {:.1} MB", size as f64 / 1e6);
        }
        if let Some(e) = &r.error {
            l += &format!(": {e}");
        }
        lines.push(l);
    }
    if let Some(n) = &i.next_due_at {
        lines.push(format!("next refresh: {n}"));
    }
    lines.join("\n")
}

fn info_out(i: SourceInfo, verb: &str) -> Result<Output> {
    let text = match verb {
        "" => info_text(&i),
        _ => format!("{verb}\n{}", info_text(&i)),
    };
    out(serde_json::to_value(&i).expect("json"), text)
}

/// Prints what was refreshed; fails (exit 1) when any due refresh failed, for cron and CI.
fn due_out(done: Vec<RefreshOutcome>) -> Result<Output> {
    let failed: Vec<String> = done
        .iter()
        .filter_map(|o| Some(format!("{}: {}", o.root, o.error.as_ref()?.message)))
        .collect();
    if !failed.is_empty() {
        return Err(ApiError::new(
            ErrorCode::ServerError,
            format!(
                "{} of {} due refreshes failed: {}",
                failed.len(),
                done.len(),
                failed.join("; ")
            ),
        ));
    }
    let text = if done.is_empty() {
        "no source is due".to_string()
    } else {
        done.iter()
            .map(|o| format!("refreshed {}", o.root))
            .collect::<Vec<_>>()
            .join("\n")
    };
    out(serde_json::to_value(&done).expect("json"), text)
}

pub async fn run(
    grove: &Grove,
    cmd: SourceCmd,
    server: &ServerRef,
    json_out: bool,
) -> Result<Output> {
    let printer = progress_printer(json_out);
    let ctx = cli_context(&printer);
    let server = server.clone();
    let at = |name: String| BranchRef {
        server: server.clone(),
        name,
    };
    match cmd {
        SourceCmd::Add {
            root,
            from,
            database,
            tables,
            exclude_tables,
            schema_only_tables,
            filters,
            every,
        } => {
            let req = AddSource {
                server,
                root,
                from,
                database,
                selection: TableSelection {
                    include: tables,
                    exclude: exclude_tables,
                    schema_only: schema_only_tables,
                    filters: filters
                        .iter()
                        .map(|f| parse_filter(f))
                        .collect::<Result<_>>()?,
                },
                every,
            };
            info_out(grove.add_source(req, &ctx).await?, "added")
        }
        SourceCmd::Refresh { due: true, .. } => {
            due_out(grove.refresh_due_sources(&server, &ctx).await?)
        }
        SourceCmd::Refresh { root, busy, .. } => {
            let req = RefreshSource {
                server,
                root: root.unwrap_or_default(),
                on_busy: busy.on_busy(),
            };
            info_out(grove.refresh_source(req, &ctx).await?, "refreshed")
        }
        SourceCmd::Show { root } => info_out(grove.show_source(at(root)).await?, ""),
        SourceCmd::List => {
            let list = grove.list_sources(&server).await?;
            let text = list.iter().map(info_text).collect::<Vec<_>>().join("\n\n");
            out(serde_json::to_value(&list).expect("json"), text)
        }
        SourceCmd::Remove { root } => {
            let i = grove.remove_source(at(root)).await?;
            let text = format!("unlinked {} from its source (the branch stays)", i.root);
            out(serde_json::to_value(&i).expect("json"), text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_filter;

    #[test]
    fn filters_split_at_the_first_colon() {
        assert_eq!(
            parse_filter("orders: placed_at > '2024-01-01 10:00'").unwrap(),
            ("orders".into(), "placed_at > '2024-01-01 10:00'".into())
        );
        assert!(parse_filter("orders").is_err());
        assert!(parse_filter("orders:").is_err());
        assert!(parse_filter(":x").is_err());
    }
}
