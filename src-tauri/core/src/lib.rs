//! Grove's domain core. No GUI dependencies: shared by the Tauri shell and the `grove` CLI.
pub mod branch;
pub mod conn;
pub mod error;
pub mod grove;
pub mod ident;
pub mod local_pg;
pub mod paths;
pub mod schema;
pub mod secrets;
pub mod sql;
pub mod store;

pub use error::{ApiError, ErrorCode, Result};
pub use grove::{ConnectionDraft, Grove, LocalServer, ServerAccess};
