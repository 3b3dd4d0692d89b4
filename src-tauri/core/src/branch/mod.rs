//! Branches: databases on one server, arranged in a tree Grove keeps on that server (in its
//! `grove_catalog` database), so everyone pointing Grove at the server sees the same tree.
//!
//! A child is `CREATE DATABASE … TEMPLATE parent STRATEGY FILE_COPY` (copy-on-write with
//! PostgreSQL 18's `file_copy_method = clone`). CREATE/DROP DATABASE are not transactional but
//! `ALTER DATABASE … RENAME` is, so every change is built under a temporary name and then
//! published together with its catalog row in one transaction. Mutations on a server are
//! serialised by an advisory lock held for the whole operation; each operation first repairs
//! what a crashed one left behind (see `catalog::repair`).
mod catalog;
mod engine;
pub(crate) mod fault;
mod operations;
mod progress;
mod synced;
mod types;

pub use engine::Branches;
pub(crate) use engine::Locked;
pub use fault::FAULT_STEPS;
pub(crate) use progress::Op;
pub use progress::{no_progress, Cancel, CopyStats, OpProgress, Progress, ProgressFn, TableStats};
pub use types::*;

use std::time::Duration;

/// The database holding Grove's catalog on every server it manages.
pub const CATALOG_DB: &str = "grove_catalog";
/// Names Grove keeps for itself; branch names may not start with it.
pub const INTERNAL_PREFIX: &str = "grove_";
const TMP_PREFIX: &str = "grove_tmp_";
const SNAP_PREFIX: &str = "grove_snap_";
const RESERVED_NAMES: [&str; 4] = ["postgres", "template0", "template1", CATALOG_DB];
/// application_name of Grove's own sessions, which never count as blocking.
const INTERNAL_APP: &str = "grove-internal";
/// ("grove" + 1) Held (session level, in grove_catalog) for the whole of every mutating operation.
const OPERATION_LOCK: i64 = 0x0067_726f_7665_0001;
/// How long reset-undo and deleted snapshots are kept before housekeeping drops them.
pub const KEEP_SNAPSHOTS: Duration = Duration::from_secs(24 * 3600);
