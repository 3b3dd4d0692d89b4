//! `grove branch …`: the branch tree of the selected server (--server / GROVE_SERVER, default
//! the embedded local server).
use crate::{out, Output};
use clap::Subcommand;
use grove_core::api::{
    BranchRef, BranchUrl, CreateBranch, DeleteBranch, ExpireBranch, ImportDatabase, OpContext,
    RebaseBranch, RenameBranch, ResetBranch, SetProtected,
};
use grove_core::branch::{Branch, Cancel, DeleteOutcome, HousekeepingReport, OnBusy, Progress};
use grove_core::source::SourceInfo;
use grove_core::{Grove, Result, ServerRef};
use serde_json::json;
use std::io::IsTerminal;
use std::time::Duration;

#[derive(Subcommand)]
pub enum BranchCmd {
    /// The branch tree (a database dropped outside Grove shows as missing).
    List,
    /// Create NAME as a copy of PARENT.
    Create {
        name: String,
        #[arg(long)]
        parent: String,
        /// Same schema, no rows, sequences restarted.
        #[arg(long)]
        schema_only: bool,
        /// Copy PARENT online: slower, but its sessions are not interrupted.
        #[arg(long)]
        online: bool,
        #[command(flatten)]
        busy: BusyArgs,
    },
    /// Replace NAME with a fresh copy of its parent (undo with undo-reset).
    Reset {
        name: String,
        /// Copy the parent online: slower, but its sessions are not interrupted.
        #[arg(long)]
        online: bool,
        #[command(flatten)]
        busy: BusyArgs,
    },
    /// Rebuild NAME from its parent as it is now, with NAME's own schema changes replayed
    /// (refused on conflicts; NAME's rows are replaced by the parent's; undo with undo-reset).
    Rebase {
        name: String,
        /// Copy the parent online: slower, but its sessions are not interrupted.
        #[arg(long)]
        online: bool,
        #[command(flatten)]
        busy: BusyArgs,
    },
    /// Bring back NAME as it was before its latest reset (or rebase).
    UndoReset {
        name: String,
        #[command(flatten)]
        busy: BusyArgs,
    },
    /// Delete NAME (restorable until housekeeping drops it; a root is only untracked).
    Delete {
        name: String,
        /// Also delete its child branches.
        #[arg(long)]
        recursive: bool,
        #[command(flatten)]
        busy: BusyArgs,
    },
    /// Bring back a deleted branch.
    Restore { name: String },
    /// Rename a branch and its database.
    Rename {
        old: String,
        new: String,
        #[command(flatten)]
        busy: BusyArgs,
    },
    /// Protect NAME from reset, delete, rename and expiry.
    Protect { name: String },
    /// Remove the protection.
    Unprotect { name: String },
    /// Let housekeeping delete NAME after a while.
    Expire {
        name: String,
        /// e.g. 30m, 2h, 3d, 1w.
        #[arg(long = "in", value_parser = parse_duration, required_unless_present = "never")]
        after: Option<Duration>,
        /// Clear the expiry.
        #[arg(long, conflicts_with = "after")]
        never: bool,
    },
    /// Print a postgres:// URL for NAME.
    Url {
        name: String,
        #[arg(long)]
        with_password: bool,
    },
    /// Track an existing database as a root branch (renamed to --name if given).
    Import {
        database: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// Delete expired branches, drop old snapshots, clean up after interrupted operations.
    Housekeeping,
    /// Snapshots kept for undo-reset and restore.
    Snapshots,
    /// Sessions that would block copying or renaming NAME.
    Sessions { name: String },
}

#[derive(clap::Args)]
pub struct BusyArgs {
    /// Terminate other sessions on the databases involved (not on protected branches).
    #[arg(long)]
    terminate: bool,
    /// Terminate them even on protected branches.
    #[arg(long)]
    force: bool,
}

impl BusyArgs {
    pub(crate) fn on_busy(&self) -> OnBusy {
        match (self.force, self.terminate) {
            (true, _) => OnBusy::Force,
            (false, true) => OnBusy::Terminate,
            _ => OnBusy::Fail,
        }
    }
}

/// "90s", "30m", "2h", "3d", "1w", "1h 30m" (humantime's syntax without months and years,
/// whose length varies).
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| format!("\"{s}\" is not a duration like 30m, 2h or 3d ({e})"))?;
    let units = s.split(|c: char| !c.is_ascii_alphabetic());
    if units
        .into_iter()
        .any(|u| matches!(u, "y" | "year" | "years" | "M" | "month" | "months"))
    {
        return Err(format!("unknown unit in \"{s}\" (use s, m, h, d or w)"));
    }
    Ok(d)
}

/// On a terminal, phases go to stderr so a long copy does not look frozen.
pub(crate) fn progress_printer(json: bool) -> impl Fn(Progress) + Send + Sync {
    let show = !json && std::io::stderr().is_terminal();
    move |p: Progress| {
        if show {
            let size = p
                .bytes_total
                .map(|b| format!(", {:.1} MB", b as f64 / 1e6))
                .unwrap_or_default();
            eprint!(
                "\r\x1b[K{}: {} ({:.1} s{size})",
                p.op,
                p.phase,
                p.elapsed_ms as f64 / 1000.0
            );
            if p.phase == "done" {
                eprintln!();
            }
        }
    }
}

fn flags(b: &Branch) -> String {
    let mut f = Vec::new();
    if b.is_root {
        f.push("root".to_string());
    }
    if b.schema_only {
        f.push("schema only".into());
    }
    if b.protected {
        f.push("protected".into());
    }
    if let Some(e) = &b.expires_at {
        f.push(format!("expires {e}"));
    }
    if b.missing {
        f.push("MISSING".into());
    }
    if f.is_empty() {
        String::new()
    } else {
        format!("  [{}]", f.join(", "))
    }
}

/// Indented tree: roots (and branches whose parent is gone) first, children under them.
/// Synced roots show their source's last refresh and the next one.
fn tree_text(list: &[Branch], sources: &[SourceInfo]) -> String {
    let synced = |b: &Branch| {
        let Some(s) = sources.iter().find(|s| s.root == b.name) else {
            return String::new();
        };
        let mut t = format!("  ← {}", s.spec.from);
        if let Some(r) = &s.last_refresh {
            t += &format!(", last refresh {} {}", r.outcome, r.started_at);
        }
        if let Some(n) = &s.next_due_at {
            t += &format!(", next {n}");
        }
        t
    };
    fn walk(
        list: &[Branch],
        synced: &dyn Fn(&Branch) -> String,
        parent: Option<&str>,
        depth: usize,
        out: &mut Vec<String>,
    ) {
        for b in list.iter().filter(|b| b.parent_id.as_deref() == parent) {
            let line = format!("{}{}{}{}", "  ".repeat(depth), b.name, flags(b), synced(b));
            out.push(line);
            walk(list, synced, Some(&b.id), depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(list, &synced, None, 0, &mut out);
    out.join("\n")
}

async fn set_protected(
    grove: &Grove,
    server: ServerRef,
    name: String,
    protected: bool,
) -> Result<Output> {
    let req = SetProtected {
        server,
        name,
        protected,
    };
    let verb = if protected {
        "protected"
    } else {
        "unprotected"
    };
    branch_out(grove.set_branch_protected(req).await?, verb)
}

/// One line per thing housekeeping did.
fn housekeeping_text(r: &HousekeepingReport) -> String {
    let mut lines = Vec::new();
    lines.extend(
        r.expired_deleted
            .iter()
            .map(|n| format!("deleted expired branch {n}")),
    );
    lines.extend(
        r.expired_kept
            .iter()
            .map(|n| format!("kept expired branch {n}")),
    );
    lines.extend(
        r.snapshots_dropped
            .iter()
            .map(|n| format!("dropped snapshot {n}")),
    );
    lines.extend(r.repaired.iter().cloned());
    if lines.is_empty() {
        lines.push("nothing to do".into());
    }
    lines.join("\n")
}

fn delete_text(o: &DeleteOutcome) -> String {
    let mut lines: Vec<String> = o.deleted.iter().map(|n| format!("deleted {n}")).collect();
    lines.extend(
        o.untracked
            .iter()
            .map(|n| format!("untracked {n} (its database is kept)")),
    );
    lines.join("\n")
}

async fn snapshots(grove: &Grove, server: &ServerRef) -> Result<Output> {
    let list = grove.list_snapshots(server).await?;
    let text = list
        .iter()
        .map(|s| {
            format!(
                "{}\t{:?}\t{}\tkept until {}",
                s.branch_name, s.kind, s.db_name, s.keep_until
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    out(serde_json::to_value(&list).expect("json"), text)
}

fn branch_out(b: Branch, verb: &str) -> Result<Output> {
    let text = format!("{verb} {}{}", b.name, flags(&b));
    out(serde_json::to_value(&b).expect("json"), text)
}

/// The context of a CLI operation: progress to `printer`, cancelled by Ctrl-C.
pub(crate) fn cli_context(printer: &(dyn Fn(Progress) + Send + Sync)) -> OpContext<'_> {
    OpContext {
        client: "grove-cli",
        progress: printer,
        cancel: cancel_on_ctrl_c(),
    }
}

/// A cancellation handle that Ctrl-C cancels.
fn cancel_on_ctrl_c() -> Cancel {
    let cancel = Cancel::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    cancel
}

pub async fn run(
    grove: &Grove,
    cmd: BranchCmd,
    server: &ServerRef,
    json_out: bool,
) -> Result<Output> {
    let printer = progress_printer(json_out);
    let ctx = cli_context(&printer);
    let server = server.clone();
    let at = |name: &str| BranchRef {
        server: server.clone(),
        name: name.to_string(),
    };
    match cmd {
        BranchCmd::List => {
            let list = grove.list_branches(&server).await?;
            // A tree without sources (or an older catalog) still lists.
            let sources = grove.list_sources(&server).await.unwrap_or_default();
            let text = tree_text(&list, &sources);
            out(serde_json::to_value(&list).expect("json"), text)
        }
        BranchCmd::Create {
            name,
            parent,
            schema_only,
            online,
            busy,
        } => {
            let req = CreateBranch {
                server,
                name,
                parent,
                schema_only,
                on_busy: busy.on_busy(),
                online,
            };
            branch_out(grove.create_branch(req, &ctx).await?, "created")
        }
        BranchCmd::Reset { name, online, busy } => {
            let req = ResetBranch {
                server,
                name,
                on_busy: busy.on_busy(),
                online,
            };
            branch_out(grove.reset_branch(req, &ctx).await?, "reset")
        }
        BranchCmd::Rebase { name, online, busy } => {
            let req = RebaseBranch {
                server,
                name,
                on_busy: busy.on_busy(),
                online,
            };
            branch_out(grove.rebase_branch(req, &ctx).await?, "rebased")
        }
        BranchCmd::UndoReset { name, busy } => {
            let req = ResetBranch {
                server,
                name,
                on_busy: busy.on_busy(),
                online: false,
            };
            branch_out(grove.undo_reset(req, &ctx).await?, "undid the reset of")
        }
        BranchCmd::Delete {
            name,
            recursive,
            busy,
        } => {
            let req = DeleteBranch {
                server,
                name,
                recursive,
                on_busy: busy.on_busy(),
            };
            let o = grove.delete_branch(req, &ctx).await?;
            out(serde_json::to_value(&o).expect("json"), delete_text(&o))
        }
        BranchCmd::Restore { name } => {
            branch_out(grove.restore_branch(at(&name), &ctx).await?, "restored")
        }
        BranchCmd::Rename { old, new, busy } => {
            let req = RenameBranch {
                server,
                name: old,
                new_name: new,
                on_busy: busy.on_busy(),
            };
            branch_out(grove.rename_branch(req, &ctx).await?, "renamed to")
        }
        BranchCmd::Protect { name } => set_protected(grove, server, name, true).await,
        BranchCmd::Unprotect { name } => set_protected(grove, server, name, false).await,
        BranchCmd::Expire { name, after, never } => {
            let after = if never { None } else { after };
            let req = ExpireBranch {
                server,
                name,
                after,
            };
            branch_out(grove.expire_branch(req).await?, "updated")
        }
        BranchCmd::Url {
            name,
            with_password,
        } => {
            let req = BranchUrl {
                server,
                name: name.clone(),
                with_password,
            };
            let url = grove.branch_url(req).await?;
            out(json!({ "name": name, "url": url }), url)
        }
        BranchCmd::Import { database, name } => {
            let req = ImportDatabase {
                server,
                database,
                name,
            };
            branch_out(grove.import_database(req, &ctx).await?, "imported")
        }
        BranchCmd::Housekeeping => {
            let r = grove.housekeeping(&server, &ctx).await?;
            out(
                serde_json::to_value(&r).expect("json"),
                housekeeping_text(&r),
            )
        }
        BranchCmd::Snapshots => snapshots(grove, &server).await,
        BranchCmd::Sessions { name } => {
            let list = grove.blocking_sessions(&at(&name)).await?;
            let text = list
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n");
            out(serde_json::to_value(&list).expect("json"), text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("3d"), Ok(Duration::from_secs(3 * 86400)));
        assert!(parse_duration("3").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("2y").is_err());
    }
}
