//! Integration tests against real PostgreSQL 15 and 18 servers and the real OS keychain.
#[path = "../harness/mod.rs"]
pub mod harness;

mod branches;
mod busy_parent;
mod cli;
mod connections;
mod deploy;
mod deploy_conflicts;
mod disk_full;
mod local_server;
mod online_copy;
mod schema_diff;
mod schema_diff_breadth;
mod source_faults;
mod sources;
mod sql;
mod tls;
mod workflows;
