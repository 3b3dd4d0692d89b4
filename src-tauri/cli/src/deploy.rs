//! `grove deploy …`: deploy requests on the selected server.
use crate::branch::{cli_context, parse_duration, progress_printer};
use crate::{out, Output};
use clap::Subcommand;
use grove_core::api::{CheckDeploy, CreateDeploy, DeployRef, RunDeploy, SetRevertWindow};
use grove_core::deploy::{ApplyOptions, DeployCheck, DeployRequest};
use grove_core::schema::{DiffStatus, ObjectDiff};
use grove_core::{Grove, Result, ServerRef};
use std::time::Duration;

#[derive(Subcommand)]
pub enum DeployCmd {
    /// Open a request to deploy CHILD's schema changes into its parent (or --into); prints
    /// its id.
    Create {
        child: String,
        #[arg(long)]
        into: Option<String>,
    },
    /// The server's requests, newest first.
    List,
    /// One request: status, latest check, the script as applied.
    Show { id: i64 },
    /// Check a request three ways (and dry-run it). Exit 0: clean, 3: conflicts or a failed
    /// dry run, 1: error.
    Check {
        id: i64,
        /// Skip the dry run.
        #[arg(long)]
        no_dry_run: bool,
    },
    /// Apply a request to its parent.
    Apply {
        id: i64,
        #[command(flatten)]
        run: RunArgs,
        /// The parent's name, required when it is protected.
        #[arg(long)]
        confirm: Option<String>,
        /// Apply without a dry run first.
        #[arg(long)]
        skip_dry_run: bool,
    },
    /// Undo an applied request (within the server's revert window): the parent's schema as
    /// before, dropped data back, rows written since kept.
    Revert {
        id: i64,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Close an open request without applying it.
    Close { id: i64 },
    /// Show, or set, how long an applied request can be reverted on this server (e.g. 30m,
    /// 2h).
    RevertWindow {
        #[arg(value_parser = parse_duration)]
        window: Option<Duration>,
    },
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// Give up on a statement that waits longer than this for a lock.
    #[arg(long, value_parser = parse_duration, default_value = "5s")]
    lock_timeout: Duration,
    /// Give up on a statement that runs longer than this.
    #[arg(long, value_parser = parse_duration, default_value = "10m")]
    statement_timeout: Duration,
}

pub async fn run(
    grove: &Grove,
    cmd: DeployCmd,
    server: &ServerRef,
    json_out: bool,
) -> Result<Output> {
    let printer = progress_printer(json_out);
    let ctx = cli_context(&printer);
    let server = server.clone();
    let options = |run: RunArgs, confirm, skip_dry_run| ApplyOptions {
        lock_timeout: run.lock_timeout,
        statement_timeout: run.statement_timeout,
        confirm,
        skip_dry_run,
    };
    match cmd {
        DeployCmd::Create { child, into } => {
            let c = grove
                .create_deploy(
                    CreateDeploy {
                        server,
                        child,
                        into,
                    },
                    &ctx,
                )
                .await?;
            let text = format!("{}\n{}", c.request.id, check_text(&c));
            out(json(&c), text)
        }
        DeployCmd::List => {
            let list = grove.list_deploys(&server).await?;
            let text = list.iter().map(request_line).collect::<Vec<_>>().join("\n");
            out(json(&list), text)
        }
        DeployCmd::Show { id } => {
            let r = grove.get_deploy(DeployRef { server, id }).await?;
            out(json(&r), show_text(&r))
        }
        DeployCmd::Check { id, no_dry_run } => {
            let req = CheckDeploy {
                server,
                id,
                dry_run: !no_dry_run,
            };
            let c = grove.check_deploy(req, &ctx).await?;
            let mut o = out(json(&c), check_text(&c))?;
            let failed = c.dry_run.as_ref().is_some_and(|d| !d.ok);
            if !c.conflicts.is_empty() || failed {
                o.exit = 3;
            }
            Ok(o)
        }
        DeployCmd::Apply {
            id,
            run,
            confirm,
            skip_dry_run,
        } => {
            let req = RunDeploy {
                server,
                id,
                options: options(run, confirm, skip_dry_run),
            };
            let r = grove.apply_deploy(req, &ctx).await?;
            out(json(&r), format!("applied: {}", request_line(&r)))
        }
        DeployCmd::Revert { id, run } => {
            let req = RunDeploy {
                server,
                id,
                options: options(run, None, false),
            };
            let r = grove.revert_deploy(req, &ctx).await?;
            out(json(&r), format!("reverted: {}", request_line(&r)))
        }
        DeployCmd::Close { id } => {
            let r = grove.close_deploy(DeployRef { server, id }, &ctx).await?;
            out(json(&r), format!("closed: {}", request_line(&r)))
        }
        DeployCmd::RevertWindow { window } => {
            let w = match window {
                Some(window) => {
                    grove
                        .set_revert_window(SetRevertWindow { server, window })
                        .await?
                }
                None => grove.revert_window(&server).await?,
            };
            let text = format!("revert window: {}", humantime::format_duration(w));
            out(
                serde_json::json!({ "revert_window_secs": w.as_secs() }),
                text,
            )
        }
    }
}

fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).expect("json")
}

fn request_line(r: &DeployRequest) -> String {
    format!(
        "#{}\t{} → {}\t{}\t{}\t{}",
        r.id,
        r.child,
        r.parent,
        r.status.as_str(),
        r.author,
        r.created_at
    )
}

fn show_text(r: &DeployRequest) -> String {
    let mut lines = vec![request_line(r)];
    if let Some(c) = &r.last_check {
        lines.push(format!(
            "last check {}: {} conflict(s), {} statement(s), {} hazard(s){}{}",
            c.checked_at,
            c.conflicts,
            c.statements,
            c.hazards,
            if c.two_way {
                ", two-way (no merge base)"
            } else {
                ""
            },
            match c.dry_run_ok {
                Some(true) => ", dry run ok",
                Some(false) => ", dry run FAILED",
                None => "",
            }
        ));
    }
    if let (Some(by), Some(at)) = (&r.applied_by, &r.applied_at) {
        lines.push(format!("applied by {by} at {at}"));
    }
    if let Some(until) = r.revert_until.as_ref().filter(|_| r.revertible) {
        lines.push(format!("revertible until {until}"));
    }
    if let (Some(by), Some(at)) = (&r.reverted_by, &r.reverted_at) {
        lines.push(format!("reverted by {by} at {at}"));
    }
    if let Some(e) = &r.error {
        lines.push(format!("note: {e}"));
    }
    if let Some(script) = &r.script {
        lines.push(String::new());
        lines.extend(script.iter().map(|s| s.sql.clone()));
    }
    lines.join("\n")
}

fn changes(title: &str, list: &[ObjectDiff], lines: &mut Vec<String>) {
    if list.is_empty() {
        return;
    }
    lines.push(format!("{title}:"));
    for o in list {
        let mark = match o.status {
            DiffStatus::Added => "+",
            DiffStatus::Removed => "-",
            _ => "~",
        };
        lines.push(format!("  {mark} {} {}", o.kind.as_str(), o.identity));
    }
}

fn check_text(c: &DeployCheck) -> String {
    let r = &c.request;
    let mut lines = vec![format!(
        "deploy request #{}: {} → {} ({})",
        r.id,
        r.child,
        r.parent,
        r.status.as_str()
    )];
    if c.two_way {
        lines.push(format!(
            "two-way check: no merge base is stored for \"{}\" (made before Grove kept them); every difference counts as its change and conflicts cannot be seen",
            r.child
        ));
    }
    changes("the child changed", &c.child_changes, &mut lines);
    changes("the parent changed since", &c.parent_changes, &mut lines);
    if c.conflicts.is_empty() {
        lines.push("no conflicts".into());
    } else {
        lines.push(format!("{} conflict(s):", c.conflicts.len()));
        lines.extend(c.conflicts.iter().map(|k| format!("  ! {}", k.message)));
    }
    let hazards: usize = c.result.migration.iter().map(|s| s.hazards.len()).sum();
    lines.push(format!(
        "script: {} statement(s), {hazards} hazard(s)",
        c.result.migration.len()
    ));
    if !c.result.migration.is_empty() {
        lines.push(c.result.migration_sql().trim_end().to_string());
    }
    if let Some(d) = &c.dry_run {
        let verdict = if d.ok {
            "ok".to_string()
        } else if let Some(i) = d.failed_statement {
            format!(
                "FAILED at statement {}: {}",
                i + 1,
                d.error.clone().unwrap_or_default()
            )
        } else {
            format!(
                "FAILED: {} object(s) differ from what was expected",
                d.leftover.len()
            )
        };
        lines.push(format!(
            "dry run ({}, {} ms): {verdict}",
            d.copy, d.duration_ms
        ));
    }
    lines.push(format!("checked in {} ms", c.duration_ms));
    lines.join("\n")
}
