//! `grove branch …`: the branch tree of the selected server (--server / GROVE_SERVER, default
//! the embedded local server).
use crate::{out, Output};
use clap::Subcommand;
use grove_core::branch::{Branch, Branches, Cancel, OnBusy, Progress};
use grove_core::{Grove, Result};
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
        #[command(flatten)]
        busy: BusyArgs,
    },
    /// Replace NAME with a fresh copy of its parent (undo with undo-reset).
    Reset {
        name: String,
        #[command(flatten)]
        busy: BusyArgs,
    },
    /// Bring back NAME as it was before its latest reset.
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
    fn on_busy(&self) -> OnBusy {
        match (self.force, self.terminate) {
            (true, _) => OnBusy::Force,
            (false, true) => OnBusy::Terminate,
            _ => OnBusy::Fail,
        }
    }
}

/// "90s", "30m", "2h", "3d", "1w".
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("\"{s}\" is not a duration like 30m, 2h or 3d"))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        "w" => 7 * 86400,
        _ => return Err(format!("unknown unit in \"{s}\" (use s, m, h, d or w)")),
    };
    Ok(Duration::from_secs(n.saturating_mul(secs)))
}

/// On a terminal, phases go to stderr so a long copy does not look frozen.
fn progress_printer(json: bool) -> impl Fn(Progress) + Send + Sync {
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
fn tree_text(list: &[Branch]) -> String {
    fn walk(list: &[Branch], parent: Option<&str>, depth: usize, out: &mut Vec<String>) {
        for b in list.iter().filter(|b| b.parent_id.as_deref() == parent) {
            out.push(format!("{}{}{}", "  ".repeat(depth), b.name, flags(b)));
            walk(list, Some(&b.id), depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(list, None, 0, &mut out);
    out.join("\n")
}

fn branch_out(b: Branch, verb: &str) -> Result<Output> {
    let text = format!("{verb} {}{}", b.name, flags(&b));
    out(serde_json::to_value(&b).expect("json"), text)
}

pub async fn run(
    grove: &Grove,
    cmd: BranchCmd,
    server: Option<&str>,
    json_out: bool,
) -> Result<Output> {
    let cancel = Cancel::new();
    let on_ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let br: Branches = grove
        .branches(server)
        .await?
        .with_client("grove-cli")
        .with_cancel(cancel);
    let printer = progress_printer(json_out);
    let progress = &printer;
    match cmd {
        BranchCmd::List => {
            let list = br.list().await?;
            let text = tree_text(&list);
            out(serde_json::to_value(&list).expect("json"), text)
        }
        BranchCmd::Create {
            name,
            parent,
            schema_only,
            busy,
        } => branch_out(
            br.create(&name, &parent, schema_only, busy.on_busy(), progress)
                .await?,
            "created",
        ),
        BranchCmd::Reset { name, busy } => {
            branch_out(br.reset(&name, busy.on_busy(), progress).await?, "reset")
        }
        BranchCmd::UndoReset { name, busy } => branch_out(
            br.undo_reset(&name, busy.on_busy(), progress).await?,
            "undid the reset of",
        ),
        BranchCmd::Delete {
            name,
            recursive,
            busy,
        } => {
            let o = br
                .delete(&name, recursive, busy.on_busy(), progress)
                .await?;
            let mut lines: Vec<String> = o.deleted.iter().map(|n| format!("deleted {n}")).collect();
            lines.extend(
                o.untracked
                    .iter()
                    .map(|n| format!("untracked {n} (its database is kept)")),
            );
            out(serde_json::to_value(&o).expect("json"), lines.join("\n"))
        }
        BranchCmd::Restore { name } => branch_out(br.restore(&name, progress).await?, "restored"),
        BranchCmd::Rename { old, new, busy } => branch_out(
            br.rename(&old, &new, busy.on_busy(), progress).await?,
            "renamed to",
        ),
        BranchCmd::Protect { name } => {
            branch_out(br.set_protected(&name, true).await?, "protected")
        }
        BranchCmd::Unprotect { name } => {
            branch_out(br.set_protected(&name, false).await?, "unprotected")
        }
        BranchCmd::Expire { name, after, never } => {
            let after = if never { None } else { after };
            branch_out(br.expire(&name, after).await?, "updated")
        }
        BranchCmd::Url {
            name,
            with_password,
        } => {
            let url = br.url(&name, with_password).await?;
            out(json!({ "name": name, "url": url }), url)
        }
        BranchCmd::Import { database, name } => branch_out(
            br.import(&database, name.as_deref(), progress).await?,
            "imported",
        ),
        BranchCmd::Housekeeping => {
            let r = br.housekeeping(progress).await?;
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
            out(serde_json::to_value(&r).expect("json"), lines.join("\n"))
        }
        BranchCmd::Snapshots => {
            let list = br.snapshots().await?;
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
        BranchCmd::Sessions { name } => {
            let list = br.blocking_sessions(&name).await?;
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
