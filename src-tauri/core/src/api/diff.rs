//! Schema comparison of two databases.
use crate::conn::{self, ConnectionFields};
use crate::error::{ApiError, Result};
use crate::grove::Grove;
use crate::schema::{self, SchemaDiff};
use crate::server_ref::{is_connection_string, ServerRef};

/// One side of a comparison.
#[derive(Debug, Clone)]
pub enum DatabaseRef {
    /// A branch (database) of the request's server.
    Branch(String),
    /// What a user typed: a postgres:// URL or key=value string, a saved connection's name (its
    /// own database), or else a database of the request's server.
    Spec(String),
}

/// Compare `from` with `to`: every object's status and DDL, and the migration from → to.
#[derive(Debug, Clone)]
pub struct DiffSchemas {
    pub server: ServerRef,
    pub from: DatabaseRef,
    pub to: DatabaseRef,
}

impl Grove {
    pub async fn diff_schemas(&self, req: DiffSchemas) -> Result<SchemaDiff> {
        let (from, to) = tokio::try_join!(
            self.resolve_database(&req.server, &req.from, "FROM"),
            self.resolve_database(&req.server, &req.to, "TO")
        )?;
        schema::diff_databases((&from.0, from.1.as_deref()), (&to.0, to.1.as_deref())).await
    }

    /// Fields and password of one side; `which` names the side in errors.
    async fn resolve_database(
        &self,
        server: &ServerRef,
        db: &DatabaseRef,
        which: &str,
    ) -> Result<(ConnectionFields, Option<String>)> {
        let name = match db {
            DatabaseRef::Branch(name) => {
                let access = self.server(server).await?;
                return Ok((access.fields.with_database(name), access.password));
            }
            DatabaseRef::Spec(spec) if is_connection_string(spec) => {
                let p = conn::parse_connection_string(spec).map_err(|e| e.context(which))?;
                return Ok((p.fields, p.password));
            }
            DatabaseRef::Spec(name) => name,
        };
        if let Ok(saved) = self.find_connection(name).await {
            let password = self.password_of(&saved).await?;
            return Ok((saved.fields, password));
        }
        let access = self.server(server).await.map_err(|e| e.context(which))?;
        let engine = crate::branch::Branches::new(access.fields.clone(), access.password.clone());
        if !engine.databases().await?.iter().any(|d| &d.name == name) {
            return Err(ApiError::not_found(format!(
                "{which}: \"{name}\" is not a database on the server, a saved connection, or a postgres:// URL"
            )));
        }
        Ok((access.fields.with_database(name), access.password))
    }
}
