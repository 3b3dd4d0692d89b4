//! Schema diff: read two databases' catalogs, report what differs object by object, and plan
//! the migration that turns FROM into TO, with hazards per statement.
//!
//! Entry points: [`introspect`] (one connected database → [`Catalog`]), [`introspect_parallel`]
//! (the same on two sessions sharing a snapshot), [`diff`] (two catalogs → [`SchemaDiff`]), and
//! [`introspect_database`] / [`diff_databases`] (connect, read both sides concurrently, diff).
//!
//! Reading is a fixed set of set-based queries (about twenty, pipelined; never one per object)
//! in one read-only repeatable-read snapshot, split over two sessions per database. Definitions
//! come from PostgreSQL's own printers (`pg_get_*def`, `pg_get_expr`, `format_type`) with an
//! empty `search_path`, except where the spelling is fully determined by the catalog and the
//! printer is the dominant cost: a plain index (`CREATE INDEX name ON table USING method (cols)`)
//! and a plain primary key / unique constraint (`PRIMARY KEY (cols)`) are spelled client-side,
//! character for character as `pg_get_indexdef` / `pg_get_constraintdef` would (tested against
//! them); anything else about them (expressions, predicates, operator classes, collations,
//! ordering, INCLUDE, options, tablespaces, deferrability) goes through the printer.
//!
//! Covered: schemas, extensions (version, schema), collations, enum / domain (with checks) /
//! composite / range types, sequences (AS type, start, increment, bounds, cache, cycle, OWNED
//! BY, unlogged), tables (columns with type, collation, default, NOT NULL, identity, generated
//! expression, storage, statistics target, compression; unlogged; storage parameters; row
//! level security enable/force; replica identity; CLUSTER ON), partitioned tables and
//! partitions (key, bounds, attach/detach), inheritance, constraints (primary key, unique,
//! foreign key with actions and deferrability, check, exclusion; NOT VALID → VALIDATE),
//! indexes (any method, partial, expression, INCLUDE, unique, per-column statistics), views
//! (options, column defaults), materialized views and their indexes, functions and procedures
//! (overloads by identity signature) and aggregates (spelled from `pg_aggregate`), triggers
//! (including constraint and INSTEAD OF triggers, enabled state), row security policies,
//! comments on all of these (and their columns and constraints), privileges (object and column
//! level; the owner's own privileges are compared as "owner", whoever that is on each side),
//! and default privileges (`ALTER DEFAULT PRIVILEGES`, per role, per schema or everywhere: set
//! before anything is created, so that what the migration creates starts from TO's defaults
//! for the role running it). Objects that belong to an extension are skipped.
//!
//! Not covered (not read, not compared):
//! - owners (`ALTER … OWNER TO`), roles, tablespaces, the database itself (its comment,
//!   settings), security labels;
//! - operators, operator classes and families, casts, conversions, text search
//!   objects, base types (`CREATE TYPE … (INPUT = …)`), shell types, languages, event
//!   triggers, foreign data wrappers, servers, user mappings and foreign tables, publications,
//!   subscriptions, extended statistics (`CREATE STATISTICS`), rules other than views', typed
//!   tables (`OF type`), table access methods other than the default;
//! - column order: a column that exists on both sides is never moved (that needs a rebuild of
//!   the table); a differing order alone is not reported as a change. Added columns are added
//!   in TO's order, so they land where TO has them when they come last there; otherwise the
//!   first `ADD COLUMN` carries a comment saying which order TO has and which one results;
//! - renames: a renamed object is reported and migrated as a drop and a create;
//! - function bodies are compared as text (whitespace differences count); dependencies hidden
//!   inside function bodies (other than `BEGIN ATOMIC` SQL bodies) are not known, so such
//!   functions are not ordered after what they use; the script starts with
//!   `SET check_function_bodies = false` when it creates functions, as pg_dump's output does;
//! - not-null constraint names (PostgreSQL 18 names them): NOT NULL is compared per column;
//! - across major versions, definitions PostgreSQL deparses (views, `BEGIN ATOMIC` bodies,
//!   defaults, checks) may print differently and then show as changed (and get replaced);
//!   privileges only one of the two servers knows (`MAINTAIN`, 17+) are ignored;
//! - a column whose type is a domain, composite or range type that must be recreated is
//!   dropped and re-added (data loss, flagged); only enums are converted in place. So is a
//!   column whose new type has no cast from the old one (by FROM's `pg_cast`; every type
//!   converts to and from the string types).
//!
//! Statements that PostgreSQL refuses inside a transaction are never generated (`CREATE INDEX
//! CONCURRENTLY` is suggested in the hazard instead). `ALTER TYPE … ADD VALUE` runs in a
//! transaction on PostgreSQL 12+, but the new value cannot be used before commit: when the
//! migration uses a value it adds, the additions come first, then a `COMMIT;` (flagged) and
//! `BEGIN;`, and the rest ends with its own `COMMIT;` (two transactions).
//!
//! An index or key created on a partitioned table attaches the matching index a partition
//! already has (PostgreSQL does so): that index is not dropped and built again. Expressions
//! PostgreSQL prints that would not parse back into the same expression (a `varchar IN (…)`
//! list) are respelled so that they do (`ddl::stable_reparse`).
//!
//! Modules: `model` (the catalog types), `introspect` (database → catalog), `migrate` (the
//! planner: catalogs → ordered statements), `statement` (what a migration is made of, shared
//! by the planner and the report), `diff` (the per-object report around the plan), `ddl`
//! (SQL spelling of objects), `blocking` (keeping CPU work off the async runtime), `subset`
//! (the part of two catalogs a migration touches, for dry runs).
mod blocking;
pub mod ddl;
pub mod diff;
pub mod introspect;
pub mod merge;
mod migrate;
pub mod model;
pub mod statement;
pub mod stored;
mod subset;
#[cfg(test)]
mod test_support;

pub(crate) use blocking::off_runtime;
pub use diff::{diff, DiffStatus, KindCount, ObjectDiff, ObjectKind, SchemaDiff};
pub use introspect::{introspect, introspect_parallel};
pub use model::Catalog;
pub use statement::{Hazard, HazardKind, MigrationStatement};
pub use subset::around_changes;

use crate::conn::{self, ConnectOptions, ConnectionFields};
use crate::error::Result;

/// Connects to one database and reads its catalog, on two sessions sharing a snapshot (one
/// when a second connection cannot be had).
pub async fn introspect_database(
    fields: &ConnectionFields,
    password: Option<&str>,
) -> Result<Catalog> {
    let opts = ConnectOptions {
        application_name: "grove schema diff".into(),
        ..Default::default()
    };
    let (first, second) = tokio::join!(
        conn::connect(fields, password, &opts),
        conn::connect(fields, password, &opts)
    );
    let first = first?;
    let result = match &second {
        Ok(second) => introspect_parallel(&first, second).await,
        Err(_) => introspect(&first).await,
    };
    result.map_err(|e| {
        e.context(format!(
            "{}@{}:{}/{}",
            fields.user, fields.host, fields.port, fields.database
        ))
    })
}

/// Reads both databases (concurrently) and compares them: FROM is what exists, TO what it
/// should become; the migration runs against FROM. The comparison runs on the blocking pool;
/// should it panic, the error says so.
pub async fn diff_databases(
    from: (&ConnectionFields, Option<&str>),
    to: (&ConnectionFields, Option<&str>),
) -> Result<SchemaDiff> {
    let (a, b) = tokio::try_join!(
        introspect_database(from.0, from.1),
        introspect_database(to.0, to.1)
    )?;
    blocking::off_runtime(move || {
        let d = diff(&a, &b);
        introspect::drop_later((a, b));
        d
    })
    .await
}
