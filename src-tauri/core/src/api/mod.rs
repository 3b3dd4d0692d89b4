//! The entry points the desktop app and the CLI share: one request struct per operation and
//! one `Grove` method taking it. The Tauri shell and the CLI only unpack their arguments into
//! these requests and render the results.
mod branches;
mod deploy;
mod diff;
mod sources;
mod sql;

pub use branches::*;
pub use deploy::*;
pub use diff::*;
pub use sources::*;

use crate::branch::{no_progress, Cancel, ProgressFn};

/// How a long operation runs: who runs it (recorded as the creator of new branches), where its
/// progress goes, and the handle that cancels it.
pub struct OpContext<'a> {
    pub client: &'a str,
    pub progress: ProgressFn<'a>,
    pub cancel: Cancel,
}

impl OpContext<'static> {
    /// No progress reports, never cancelled.
    pub fn quiet(client: &'static str) -> Self {
        OpContext {
            client,
            progress: no_progress(),
            cancel: Cancel::new(),
        }
    }
}
