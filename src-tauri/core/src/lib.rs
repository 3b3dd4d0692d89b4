//! Grove's domain core. No GUI dependencies: shared by the Tauri shell and the `grove` CLI.
pub mod api;
pub mod branch;
pub mod conn;
pub mod copy;
pub mod deploy;
pub mod error;
pub mod grove;
pub mod ident;
pub mod local_pg;
pub mod paths;
pub mod private_fs;
pub mod schema;
pub mod secrets;
pub mod server_ref;
pub mod source;
pub mod sql;
pub mod store;

pub use error::{ApiError, ErrorCode, Result};
pub use grove::{ConnectionDraft, Grove, LocalServer, ServerAccess};
pub use server_ref::ServerRef;
