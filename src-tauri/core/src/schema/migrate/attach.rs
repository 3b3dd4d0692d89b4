//! Indexes and keys created on a partitioned table attach the matching index each partition
//! already has (PostgreSQL's `CREATE INDEX` and `ADD PRIMARY KEY`/`UNIQUE` on a partitioned
//! table look for one, as `ATTACH PARTITION` does) instead of building another. So an index
//! or key of a partition that TO only has as the partition's part of a new parent index or
//! key is not dropped: the parent's create takes it over.
use super::Planner;
use crate::schema::model::*;

/// An index definition after its name and table (`USING method (…) …`), and whether unique.
fn index_shape(def: &str) -> Option<(bool, &str)> {
    let unique = def.starts_with("CREATE UNIQUE INDEX ");
    def.find(" USING ").map(|i| (unique, &def[i..]))
}

impl<'a> Planner<'a> {
    /// Takes out of the drop set the indexes and keys of partitions that a new index or key
    /// of their parent (in TO) will attach: one per parent index and partition, the first by
    /// name, and only when the partition and what the index covers stay.
    pub(super) fn keep_attachable(&mut self) {
        let (f, t) = (self.from, self.to);
        let mut taken: Vec<(ObjRef, QualName)> = Vec::new();
        for u in 0..self.graph.node_count() {
            if !self.drop_set[u] || self.graph.in_to[u] {
                continue;
            }
            let node = self.graph.nodes[u];
            let (table, parent_node) = match node {
                ObjRef::Index(q) => {
                    let Some(i) = f.indexes.get(q) else { continue };
                    let Some(parent) = self.parent_of(&i.table) else {
                        continue;
                    };
                    let shape = index_shape(&i.definition);
                    let Some(p) = t.indexes.values().find(|pi| {
                        pi.table == parent
                            && shape.is_some()
                            && index_shape(&pi.definition) == shape
                            && self.creating(&ObjRef::Index(pi.name.clone()))
                    }) else {
                        continue;
                    };
                    (i.table.clone(), ObjRef::Index(p.name.clone()))
                }
                ObjRef::Constraint(q, c) => {
                    let Some(con) = f.tables.get(q).and_then(|ft| ft.constraints.get(c)) else {
                        continue;
                    };
                    let Some(parent) = self.parent_of(q) else {
                        continue;
                    };
                    let Some((name, _)) = t.tables[&parent].constraints.iter().find(|(n, pc)| {
                        matches!(con.kind.as_str(), "p" | "u")
                            && pc.kind == con.kind
                            && pc.definition == con.definition
                            && self.creating(&ObjRef::Constraint(parent.clone(), (*n).clone()))
                    }) else {
                        continue;
                    };
                    (q.clone(), ObjRef::Constraint(parent.clone(), name.clone()))
                }
                _ => continue,
            };
            if taken.contains(&(parent_node.clone(), table.clone())) || !self.stays(u) {
                continue;
            }
            taken.push((parent_node, table));
            self.drop_set[u] = false;
        }
    }

    /// The partitioned table that TO has `q` as a partition of, when `q` itself stays.
    fn parent_of(&self, q: &QualName) -> Option<QualName> {
        let (parent, _) = self.to.tables.get(q)?.partition_of.as_ref()?;
        (!self.dropping(&ObjRef::Table(q.clone()))).then(|| parent.clone())
    }

    /// Is nothing node `u` depends on in FROM dropped or retyped (its columns, its table)?
    fn stays(&self, u: usize) -> bool {
        self.graph.from_deps[u].iter().all(|(b, _)| {
            let b = *b as usize;
            !self.drop_set[b] && !self.retyped.contains(self.graph.nodes[b])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_shapes_leave_out_the_name_and_table() {
        let child =
            "CREATE INDEX m_2024_v_idx ON public.m_2024 USING btree (v) WHERE (v IS NOT NULL)";
        let parent = "CREATE INDEX m_v_idx ON ONLY public.m USING btree (v) WHERE (v IS NOT NULL)";
        assert_eq!(index_shape(child), index_shape(parent));
        assert_ne!(
            index_shape("CREATE UNIQUE INDEX a ON public.t USING btree (v)"),
            index_shape("CREATE INDEX a ON public.t USING btree (v)")
        );
        assert_ne!(
            index_shape("CREATE INDEX a ON public.t USING hash (v)"),
            index_shape("CREATE INDEX a ON public.t USING btree (v)")
        );
    }
}
