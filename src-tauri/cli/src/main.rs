//! `grove`: Grove's command line. Same core as the desktop app; `--json` for scripts and CI.
//! Exit codes: 0 success, 1 failure (one-line error on stderr, or a JSON error with --json),
//! 2 bad usage, 3 conflicts (`grove deploy check`).
mod branch;
mod deploy;
mod diff;
mod source;
mod sql;

use clap::{Parser, Subcommand};
use grove_core::conn::{self, ConnectionFields};
use grove_core::local_pg::LocalPg;
use grove_core::paths::Paths;
use grove_core::{ApiError, ConnectionDraft, Grove, Result, ServerRef};
use serde_json::{json, Value};
use std::io::Read;

/// One malloc arena (glibc), not one per thread: memory freed on one thread is reused by the
/// next allocation on any other, which keeps the peak of a large schema diff down (10,000
/// tables: about a quarter less) at no measurable cost in time (the work is mostly one thread
/// at a time).
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[derive(Parser)]
#[command(
    name = "grove",
    version,
    about = "Git-like branches of PostgreSQL databases"
)]
struct Cli {
    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    json: bool,
    /// The server to work on: a postgres:// URL or a saved connection's name. Default: the
    /// embedded local server, started on demand.
    #[arg(long, global = true, env = "GROVE_SERVER")]
    server: Option<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// The embedded local PostgreSQL.
    Local {
        #[command(subcommand)]
        cmd: LocalCmd,
    },
    /// Saved server connections (passwords in the OS keychain).
    Server {
        #[command(subcommand)]
        cmd: ServerCmd,
    },
    /// Branches of the server's databases.
    Branch {
        #[command(subcommand)]
        cmd: branch::BranchCmd,
    },
    /// Root branches synced from a database elsewhere (--server: where the roots live).
    Source {
        #[command(subcommand)]
        cmd: source::SourceCmd,
    },
    /// Compare two databases' schemas; by default print the migration turning FROM into TO.
    Diff(diff::DiffArgs),
    /// Deploy requests: promote a branch's schema changes into its parent.
    Deploy {
        #[command(subcommand)]
        cmd: deploy::DeployCmd,
    },
    /// Run SQL on a branch; rows stream to stdout (table, csv or json).
    Sql(sql::SqlArgs),
}

#[derive(Subcommand)]
enum LocalCmd {
    /// Start it (initialising it the first time).
    Start,
    /// Stop it.
    Stop,
    /// Show whether it runs, its version, port and clone mode.
    Status,
}

#[derive(Subcommand)]
enum ServerCmd {
    /// Save a connection from a URI or key=value string. A password in the URI, or read with
    /// --password-stdin, goes to the OS keychain.
    Add {
        name: String,
        uri: String,
        #[arg(long)]
        password_stdin: bool,
        /// Save even if the server cannot be reached now.
        #[arg(long)]
        no_test: bool,
    },
    /// List saved connections.
    List,
    /// Remove a saved connection and its keychain entry.
    Remove { name: String },
    /// Connect and report the server version. NAME is a saved connection or a URI; without
    /// it, the --server one.
    Test { name: Option<String> },
}

fn main() {
    // Before the runtime's threads exist (a thread keeps the arena it first allocated in).
    one_malloc_arena();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(cli_main());
}

async fn cli_main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("GROVE_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let json_out = cli.json;
    match run(cli).await {
        Ok(out) => {
            // A closed pipe (`grove … | head`) is not an error worth a panic.
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            // Null: the command streamed its own output (`grove sql`, `grove diff`).
            let _ = if json_out && out.json.is_null() {
                Ok(())
            } else if json_out {
                writeln!(
                    stdout,
                    "{}",
                    serde_json::to_string_pretty(&out.json).expect("json")
                )
            } else if !out.text.is_empty() {
                writeln!(stdout, "{}", out.text)
            } else {
                Ok(())
            };
            if out.exit != 0 {
                drop(stdout);
                std::process::exit(out.exit);
            }
        }
        Err(e) => {
            if json_out {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({ "error": e })).expect("json")
                );
            } else {
                let mut line = format!("grove: {}", e.message.replace('\n', " "));
                if let Some(h) = &e.hint {
                    line.push_str(&format!(" (hint: {h})"));
                }
                eprintln!("{line}");
            }
            std::process::exit(1);
        }
    }
}

struct Output {
    json: Value,
    text: String,
    /// The exit code (0 unless a command reports a verdict through it).
    exit: i32,
}

fn out(json: Value, text: impl Into<String>) -> Result<Output> {
    Ok(Output {
        json,
        text: text.into(),
        exit: 0,
    })
}

/// A unit enum's name as it appears in JSON ("running", "clone"), for the text output.
fn label<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

fn describe(f: &ConnectionFields) -> String {
    format!("{}@{}:{}/{}", f.user, f.host, f.port, f.database)
}

async fn run(cli: Cli) -> Result<Output> {
    let grove = Grove::open(Paths::from_env()?).await?;
    let selected = ServerRef::parse(cli.server.as_deref());
    match cli.cmd {
        Cmd::Local { cmd } => local(&grove, cmd).await,
        Cmd::Server { cmd } => server(&grove, cmd, cli.server).await,
        Cmd::Branch { cmd } => branch::run(&grove, cmd, &selected, cli.json).await,
        Cmd::Source { cmd } => source::run(&grove, cmd, &selected, cli.json).await,
        Cmd::Diff(args) => diff::run(&grove, &selected, args, cli.json).await,
        Cmd::Deploy { cmd } => deploy::run(&grove, cmd, &selected, cli.json).await,
        Cmd::Sql(args) => sql::run(&grove, args, &selected, cli.json).await,
    }
}

async fn local(grove: &Grove, cmd: LocalCmd) -> Result<Output> {
    let opts = grove_core::local_pg::LocalPgOptions::new(grove.paths.local_pg_root.clone());
    match cmd {
        LocalCmd::Start => {
            let pg = grove.local.ensure_started().await?;
            let s = pg.status();
            out(
                serde_json::to_value(&s).expect("json"),
                format!(
                    "running: PostgreSQL {} on 127.0.0.1:{} ({} mode)",
                    pg.bins.version,
                    pg.port,
                    label(&s.clone_mode)
                ),
            )
        }
        LocalCmd::Stop => {
            let before = LocalPg::inspect(&opts).await;
            if before.state == grove_core::local_pg::LocalState::Running {
                // Adopts the running instance, then stops it.
                grove.local.ensure_started().await?;
                grove.local.stop().await?;
            }
            let s = LocalPg::inspect(&opts).await;
            out(serde_json::to_value(&s).expect("json"), "stopped")
        }
        LocalCmd::Status => {
            let s = LocalPg::inspect(&opts).await;
            let text = format!(
                "state: {}\nversion: {}\nport: {}\ndata dir: {}\nbinaries: {}\nclone mode: {} ({})",
                label(&s.state),
                s.version.as_deref().unwrap_or("-"),
                s.port.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
                s.data_dir,
                s.bin_dir.as_deref().unwrap_or("-"),
                label(&s.clone_mode),
                s.clone_detail
            );
            let text = match &s.error {
                Some(e) => format!("{text}\nerror: {}", e.message),
                None => text,
            };
            out(serde_json::to_value(&s).expect("json"), text)
        }
    }
}

async fn server(grove: &Grove, cmd: ServerCmd, selected: Option<String>) -> Result<Output> {
    match cmd {
        ServerCmd::Add {
            name,
            uri,
            password_stdin,
            no_test,
        } => {
            let parsed = conn::parse_connection_string(&uri)?;
            let mut password = parsed.password.clone();
            if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                password = Some(s.trim_end_matches(['\r', '\n']).to_string());
            }
            if !no_test {
                conn::test_connection(&parsed.fields, password.as_deref())
                    .await
                    .map_err(|e| e.with_hint("use --no-test to save it anyway"))?;
            }
            let saved = grove
                .save_connection(
                    None,
                    ConnectionDraft {
                        name,
                        fields: parsed.fields,
                        password,
                    },
                )
                .await?;
            let text = format!("saved {} ({})", saved.name, describe(&saved.fields));
            out(serde_json::to_value(&saved).expect("json"), text)
        }
        ServerCmd::List => {
            let list = grove.list_connections().await?;
            let text = list
                .iter()
                .map(|c| {
                    format!(
                        "{}\t{}\t{}",
                        c.name,
                        describe(&c.fields),
                        if c.has_password {
                            "password in keychain"
                        } else {
                            ""
                        }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out(serde_json::to_value(&list).expect("json"), text)
        }
        ServerCmd::Remove { name } => {
            let c = grove.find_connection(&name).await?;
            grove.remove_connection(&c.id).await?;
            out(json!({ "removed": c.name }), format!("removed {}", c.name))
        }
        ServerCmd::Test { name } => {
            let target = name.or(selected).ok_or_else(|| {
                ApiError::invalid("name a saved connection or URI, or pass --server")
            })?;
            let result = match ServerRef::parse(Some(&target)) {
                ServerRef::Url(url) => {
                    let p = conn::parse_connection_string(&url)?;
                    conn::test_connection(&p.fields, p.password.as_deref()).await?
                }
                _ => grove.test_saved_connection(&target).await?,
            };
            let text = format!(
                "ok: PostgreSQL {} ({} ms)",
                result.server_version, result.latency_ms
            );
            out(serde_json::to_value(&result).expect("json"), text)
        }
    }
}
