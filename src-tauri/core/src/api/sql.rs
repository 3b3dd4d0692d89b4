//! Where an editor tab or `grove sql` runs.
use crate::error::Result;
use crate::grove::Grove;
use crate::server_ref::ServerRef;
use crate::sql::SqlTarget;

impl Grove {
    /// Where SQL on `branch` (a database of `server`) runs; protected branches open read-only.
    pub async fn sql_target(&self, server: &ServerRef, branch: &str) -> Result<SqlTarget> {
        let access = self.server(server).await?;
        let engine = crate::branch::Branches::new(access.fields.clone(), access.password.clone());
        let protected = match engine.list().await {
            Ok(list) => list.iter().any(|b| b.name == branch && b.protected),
            Err(e) => {
                tracing::warn!(
                    "cannot read the branch tree ({}); opening {branch} writable",
                    e.message
                );
                false
            }
        };
        Ok(SqlTarget {
            fields: access.fields.with_database(branch),
            password: access.password,
            server_id: access.id,
            branch: branch.to_string(),
            protected,
        })
    }
}
