//! The IPC surface. Each command is declared once in `api!`, which defines the Tauri command
//! and the TypeScript wrapper generated into `ui/src/bindings/commands.ts`.
use crate::AppState;
use grove_core::conn::{ParsedUri, TestResult};
use grove_core::local_pg::LocalStatus;
use grove_core::store::SavedConnection;
use grove_core::{ApiError, ConnectionDraft};
use tauri::State;

/// Emitted with a `LocalStatus` whenever the embedded server's state changes.
pub const EVENT_LOCAL_STATUS: &str = "local-status";

macro_rules! api {
    ($( $(#[doc = $doc:literal])* fn $name:ident($st:ident $(, $arg:ident : $ty:ty)*) -> $ret:ty $body:block )*) => {
        $(
            $(#[doc = $doc])*
            #[tauri::command]
            pub async fn $name($st: State<'_, AppState> $(, $arg: $ty)*) -> Result<$ret, ApiError> $body
        )*

        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }

        /// (command name, doc, [(argument, TS type)], TS return type)
        #[cfg(test)]
        pub fn signatures() -> Vec<(&'static str, String, Vec<(&'static str, String)>, String)> {
            let cfg = ts_rs::Config::default();
            vec![$(
                (
                    stringify!($name),
                    [$($doc),*].iter().map(|d| d.trim()).collect::<Vec<_>>().join(" "),
                    vec![$((stringify!($arg), <$ty as ts_rs::TS>::name(&cfg))),*],
                    <$ret as ts_rs::TS>::name(&cfg),
                )
            ),*]
        }
    };
}

api! {
    /// The embedded local server's status (notices a server that died).
    fn local_status(state) -> LocalStatus {
        Ok(state.grove()?.local.status().await)
    }
    /// Starts the embedded local server (initialising it the first time).
    fn local_start(state) -> LocalStatus {
        let grove = state.grove()?;
        grove.local.ensure_started().await?;
        Ok(grove.local.status().await)
    }
    /// Stops the embedded local server.
    fn local_stop(state) -> LocalStatus {
        let grove = state.grove()?;
        grove.local.stop().await?;
        Ok(grove.local.status().await)
    }
    /// Saved connections, by name.
    fn list_connections(state) -> Vec<SavedConnection> {
        state.grove()?.list_connections().await
    }
    /// Parses a postgres:// URI or key=value string into fields (and its password, if any).
    fn parse_connection_uri(state, uri: String) -> ParsedUri {
        state.grove()?.parse_connection_uri(&uri)
    }
    /// A connection from DATABASE_URL or PG* variables (with ~/.pgpass), or null.
    fn import_env_connection(state) -> Option<ParsedUri> {
        state.grove()?.import_env_connection()
    }
    /// Tests a draft; with an id and a null password, uses the stored password.
    fn test_connection(state, draft: ConnectionDraft, id: Option<String>) -> TestResult {
        state.grove()?.test_connection(&draft, id.as_deref()).await
    }
    /// Saves a new connection (id null) or updates one; the password goes to the OS keychain.
    fn save_connection(state, id: Option<String>, draft: ConnectionDraft) -> SavedConnection {
        state.grove()?.save_connection(id.as_deref(), draft).await
    }
    /// Removes a saved connection and its keychain entry.
    fn remove_connection(state, id: String) -> () {
        state.grove()?.remove_connection(&id).await
    }
    /// Tests a saved connection with its stored password.
    fn test_saved_connection(state, id: String) -> TestResult {
        state.grove()?.test_saved_connection(&id).await
    }
}

#[cfg(test)]
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in name.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The TypeScript module for `ui/src/bindings/commands.ts`.
#[cfg(test)]
pub fn typescript() -> String {
    let sigs = signatures();
    let mut types = std::collections::BTreeSet::new();
    let mut collect = |ts: &str| {
        for word in ts.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
            if word.starts_with(|c: char| c.is_ascii_uppercase()) && word != "Array" {
                types.insert(word.to_string());
            }
        }
    };
    for (_, _, args, ret) in &sigs {
        args.iter().for_each(|(_, t)| collect(t));
        collect(ret);
    }
    let mut out =
        String::from("// Generated from src-tauri/src/commands.rs by `cargo test`. Do not edit.\n");
    out.push_str("import { invoke } from \"@tauri-apps/api/core\";\n");
    for t in &types {
        out.push_str(&format!("import type {{ {t} }} from \"./{t}\";\n"));
    }
    out.push_str("\nexport const commands = {\n");
    for (name, doc, args, ret) in &sigs {
        let params = args
            .iter()
            .map(|(a, t)| format!("{}: {t}", camel(a)))
            .collect::<Vec<_>>()
            .join(", ");
        let payload = if args.is_empty() {
            String::new()
        } else {
            format!(
                ", {{ {} }}",
                args.iter()
                    .map(|(a, _)| camel(a))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        if !doc.is_empty() {
            out.push_str(&format!("  /** {doc} */\n"));
        }
        out.push_str(&format!(
            "  {}: ({params}) => invoke<{ret}>(\"{name}\"{payload}),\n",
            camel(name)
        ));
    }
    out.push_str("};\n\nexport const events = {\n");
    out.push_str(&format!(
        "  /** payload: LocalStatus */\n  localStatus: \"{EVENT_LOCAL_STATUS}\",\n"
    ));
    out.push_str("} as const;\n");
    out
}

#[cfg(test)]
mod tests {
    /// Writes the committed bindings; `make check-bindings` fails when this changes them.
    #[test]
    fn export_commands_ts() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/bindings/commands.ts");
        std::fs::write(&path, super::typescript()).expect("write commands.ts");
    }

    #[test]
    fn every_command_is_exported() {
        let ts = super::typescript();
        for (name, ..) in super::signatures() {
            assert!(
                ts.contains(&format!("\"{name}\"")),
                "{name} missing from commands.ts"
            );
        }
        assert!(ts.contains("saveConnection: (id: string | null, draft: ConnectionDraft) => invoke<SavedConnection>(\"save_connection\", { id, draft })"));
    }
}
