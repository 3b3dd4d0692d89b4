//! What hangs on a table besides columns and constraints: triggers (on tables and views; a
//! constraint trigger's constraint resolves to the trigger) and row security policies.
use super::{Assembly, RelKind, PG_CONSTRAINT, PG_POLICY, PG_TRIGGER};
use crate::schema::model::*;
use tokio_postgres::Row;

impl Assembly {
    pub(super) fn triggers(&mut self, rows: &[Row]) {
        for r in rows {
            let relid: u32 = r.get(1);
            let Some((rel, _)) = self.rels.get(&relid) else {
                continue;
            };
            let name = self.names.get(r.get(2));
            let node = self.g.add(ObjRef::Trigger(rel.clone(), name.clone()));
            self.g.map(PG_TRIGGER, r.get(0), node);
            let con: u32 = r.get(5);
            if con != 0 {
                self.g.map(PG_CONSTRAINT, con, node);
            }
            self.cat.triggers.insert(
                (rel.clone(), name.clone()),
                Trigger {
                    table: rel.clone(),
                    name,
                    definition: r.get(3),
                    enabled: r.get(4),
                    comment: r.get(6),
                },
            );
        }
    }

    pub(super) fn policies(&mut self, rows: &[Row]) {
        for r in rows {
            let relid: u32 = r.get(1);
            let Some((table, RelKind::Table)) = self.rels.get(&relid) else {
                continue;
            };
            let name = self.names.get(r.get(2));
            let node = self.g.add(ObjRef::Policy(table.clone(), name.clone()));
            self.g.map(PG_POLICY, r.get(0), node);
            let cmd: &str = r.get(4);
            if let Some(t) = self.tables.get_mut(&relid) {
                t.policies.insert(
                    name.clone(),
                    Policy {
                        name,
                        permissive: r.get(3),
                        command: policy_command(cmd).into(),
                        roles: r.get(5),
                        using: r.get(6),
                        with_check: r.get(7),
                        comment: r.get(8),
                    },
                );
            }
        }
    }
}

/// The command a policy applies to, from `pg_policy.polcmd`.
fn policy_command(polcmd: &str) -> &'static str {
    match polcmd {
        "r" => "SELECT",
        "a" => "INSERT",
        "w" => "UPDATE",
        "d" => "DELETE",
        _ => "ALL",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_commands_are_named() {
        assert_eq!(policy_command("r"), "SELECT");
        assert_eq!(policy_command("w"), "UPDATE");
        assert_eq!(policy_command("*"), "ALL");
    }
}
