//! The live schema of a database for the editor's autocomplete: schemas, tables and views with
//! their columns, functions with their argument signatures. One catalog query, on a connection
//! of its own (so it never waits for, or takes a snapshot inside, an editor transaction).
use super::session::SqlSession;
use super::SqlTarget;
use crate::error::{ApiError, Result};
use serde::{Deserialize, Serialize};
use tokio_postgres::SimpleQueryMessage;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct DbSchema {
    /// Every schema, including pg_catalog and information_schema.
    pub schemas: Vec<String>,
    /// The schemas unqualified names resolve in, in order (`current_schemas(false)`).
    pub search_path: Vec<String>,
    pub relations: Vec<RelationInfo>,
    pub functions: Vec<FunctionInfo>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum RelationKind {
    Table,
    PartitionedTable,
    View,
    MaterializedView,
    ForeignTable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct RelationInfo {
    pub schema: String,
    pub name: String,
    pub kind: RelationKind,
    pub columns: Vec<ColumnDef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct ColumnDef {
    pub name: String,
    /// With its modifier: `character varying(20)`, `numeric(10,2)`.
    pub type_name: String,
    pub nullable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum FunctionKind {
    Function,
    Procedure,
    Aggregate,
    Window,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct FunctionInfo {
    pub schema: String,
    pub name: String,
    /// The argument list as in CREATE FUNCTION: `a integer, b text DEFAULT 'x'::text`.
    pub arguments: String,
    /// `integer`, `SETOF record`, `TABLE(id integer)`; None for procedures.
    pub result: Option<String>,
    pub kind: FunctionKind,
}

fn schema_query(include_system: bool) -> String {
    let user_only = if include_system {
        "true"
    } else {
        "n.nspname NOT IN ('pg_catalog', 'information_schema')"
    };
    format!(
        "SELECT json_build_object(
  'schemas', (SELECT coalesce(json_agg(nspname ORDER BY nspname), '[]'::json) FROM pg_namespace
              WHERE nspname !~ '^pg_(toast|temp_)'),
  'search_path', to_json(current_schemas(false)),
  'relations', (SELECT coalesce(json_agg(json_build_object(
        'schema', n.nspname,
        'name', c.relname,
        'kind', CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned_table'
                  WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view' ELSE 'foreign_table' END,
        'columns', (SELECT coalesce(json_agg(json_build_object(
                         'name', a.attname,
                         'type_name', format_type(a.atttypid, a.atttypmod),
                         'nullable', NOT a.attnotnull) ORDER BY a.attnum), '[]'::json)
                    FROM pg_attribute a
                    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
      ) ORDER BY n.nspname, c.relname), '[]'::json)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname !~ '^pg_(toast|temp_)' AND {user_only}),
  'functions', (SELECT coalesce(json_agg(json_build_object(
        'schema', n.nspname,
        'name', p.proname,
        'arguments', pg_get_function_arguments(p.oid),
        'result', pg_get_function_result(p.oid),
        'kind', CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
                  WHEN 'w' THEN 'window' ELSE 'function' END
      ) ORDER BY n.nspname, p.proname, p.oid), '[]'::json)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname !~ '^pg_(toast|temp_)' AND {user_only})
)::text"
    )
}

/// The schema of `target`'s database. Without `include_system`, relations and functions of
/// pg_catalog and information_schema are left out (thousands of built-in functions).
pub async fn load_schema(target: &SqlTarget, include_system: bool) -> Result<DbSchema> {
    let session = SqlSession::open(target, None).await?;
    let messages = session
        .client()
        .simple_query(&schema_query(include_system))
        .await?;
    let text = messages
        .iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(r) => r.get(0),
            _ => None,
        })
        .ok_or_else(|| ApiError::internal("the schema query returned no row"))?;
    serde_json::from_str(text)
        .map_err(|e| ApiError::internal(format!("unexpected schema query result: {e}")))
}
