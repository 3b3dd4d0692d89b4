//! The Grove desktop app: a thin Tauri shell. Commands unpack arguments, call grove-core and
//! map errors (see `commands.rs`); everything else lives in the core.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

use grove_core::paths::Paths;
use grove_core::{ApiError, Grove};
use std::sync::Arc;
use tauri::{Emitter, Manager};
use tauri_plugin_window_state::StateFlags;

/// What every command reaches: Grove, or why it could not open (shown in the UI, not a crash).
pub struct AppState {
    grove: Result<Arc<Grove>, ApiError>,
    /// For emitting events from commands; set once the app is built.
    app: std::sync::OnceLock<tauri::AppHandle>,
    /// Cancel handles of running long operations, by the op id the UI chose.
    ops: std::sync::Mutex<std::collections::HashMap<String, grove_core::branch::Cancel>>,
    /// Open SQL editor tabs, by the tab id the UI chose.
    sql_tabs: std::sync::Mutex<std::collections::HashMap<String, commands::SqlTab>>,
}

impl AppState {
    pub fn grove(&self) -> Result<&Arc<Grove>, ApiError> {
        self.grove.as_ref().map_err(Clone::clone)
    }
}

/// Logs go to stderr and to grove.log in the data dir (private to the user, 0600), the file
/// through a background writer. Nothing logged carries a secret. The returned guard flushes
/// and closes the file when dropped: keep it until the app exits.
fn init_logging(paths: Option<&Paths>) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let (file_writer, guard, file_error) = match paths.map(Paths::open_log_file) {
        Some(Ok(f)) => {
            let (writer, guard) = tracing_appender::non_blocking(f);
            (Some(writer), Some(guard), None)
        }
        Some(Err(e)) => (None, None, Some(e)),
        None => (None, None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::EnvFilter::try_from_env("GROVE_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(std::io::stderr),
        )
        .with(file_writer.map(|w| {
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(w)
        }))
        .try_init();
    if let (Some(p), Some(e)) = (paths, file_error) {
        tracing::warn!("cannot open {}: {e}", p.log_file().display());
    }
    guard
}

fn main() {
    let paths = Paths::from_env();
    let mut log_guard = init_logging(paths.as_ref().ok());
    let grove = match paths {
        Ok(p) => tauri::async_runtime::block_on(Grove::open(p)).map(Arc::new),
        Err(e) => Err(e),
    };
    if let Err(e) = &grove {
        tracing::error!("cannot open Grove's local state: {}", e.message);
    }
    let state = AppState {
        grove,
        app: Default::default(),
        ops: Default::default(),
        sql_tabs: Default::default(),
    };

    let app = tauri::Builder::default()
        .manage(state)
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
                .build(),
        )
        .invoke_handler(commands::handler())
        .setup(|app| {
            let handle = app.handle().clone();
            let _ = app.state::<AppState>().app.set(handle.clone());
            // SIGTERM / Ctrl-C quit like closing the window, so the embedded server stops cleanly.
            #[cfg(unix)]
            {
                let quit = handle.clone();
                tauri::async_runtime::spawn(async move {
                    use tokio::signal::unix::{signal, SignalKind};
                    let (Ok(mut term), Ok(mut int)) = (
                        signal(SignalKind::terminate()),
                        signal(SignalKind::interrupt()),
                    ) else {
                        return;
                    };
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                    quit.exit(0);
                });
            }
            if let Ok(grove) = app.state::<AppState>().grove().cloned() {
                // The app's editor tabs are Grove's own sessions: operations the core starts
                // by itself (scheduled refreshes) close them on the branch first.
                let tabs = handle.clone();
                grove.on_release_sessions(Arc::new(move |server, branch| {
                    commands::release_sql_tabs_on(&tabs.state::<AppState>(), server, branch);
                }));
                // Forward every status change of the embedded server to the UI.
                let mut rx = grove.local.subscribe();
                let events = handle.clone();
                tauri::async_runtime::spawn(async move {
                    loop {
                        let status = rx.borrow_and_update().clone();
                        let _ = events.emit(commands::EVENT_LOCAL_STATUS, status);
                        if rx.changed().await.is_err() {
                            break;
                        }
                    }
                });
                // Start the embedded server in the background; the window opens at once.
                let local = grove.clone();
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = local.local.ensure_started().await {
                        tracing::error!("local PostgreSQL did not start: {}", e.message);
                    }
                });
                // Sources whose schedule is due are refreshed while the app is open: checked
                // every minute (a refresh records its outcome and next due time with the source).
                let scheduled = grove.clone();
                tauri::async_runtime::spawn(async move {
                    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
                    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    loop {
                        every.tick().await;
                        scheduled.refresh_due_everywhere().await;
                    }
                });
                // Housekeeping (expired branches, old snapshots) on every known server, hourly.
                tauri::async_runtime::spawn(async move {
                    loop {
                        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                        grove.housekeeping_everywhere().await;
                        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                    }
                });
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("error while building the Grove app");

    app.run(move |handle, event| {
        if let tauri::RunEvent::Exit = event {
            if let Ok(grove) = handle.state::<AppState>().grove() {
                if let Err(e) = tauri::async_runtime::block_on(grove.local.stop()) {
                    tracing::error!("local PostgreSQL did not stop cleanly: {}", e.message);
                }
            }
            // The event loop ends the process after this: write out the log file first.
            drop(log_guard.take());
        }
    });
}
