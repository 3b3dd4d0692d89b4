//! The nodes of the dependency graph as they are assembled, and the way back from a
//! `pg_depend` row's (catalog, oid, sub-id) to a node: an extension's members resolve to the
//! extension, a column to its column node, an object's internal parts (row types, constraint
//! indexes, view rules, …) to the object, as they are registered.
use super::PG_CLASS;
use crate::schema::model::ObjRef;
use std::collections::HashMap;

#[derive(Default)]
pub(super) struct Nodes {
    pub nodes: Vec<ObjRef>,
    /// (catalog, oid) → node.
    pub objects: HashMap<(u32, u32), u32>,
    /// (relation, attnum) → column node.
    pub columns: HashMap<(u32, i32), u32>,
    /// Extension members → the extension's node.
    pub ext_members: HashMap<(u32, u32), u32>,
}

impl Nodes {
    /// A new node; its number.
    pub fn add(&mut self, r: ObjRef) -> u32 {
        self.nodes.push(r);
        (self.nodes.len() - 1) as u32
    }

    /// `node` is what the catalog object (class, oid) resolves to.
    pub fn map(&mut self, class: u32, oid: u32, node: u32) {
        self.objects.insert((class, oid), node);
    }

    pub fn resolve(&self, class: u32, oid: u32, sub: i32) -> Option<u32> {
        if let Some(ext) = self.ext_members.get(&(class, oid)) {
            return Some(*ext);
        }
        if class == PG_CLASS && sub != 0 {
            if let Some(c) = self.columns.get(&(oid, sub)) {
                return Some(*c);
            }
        }
        self.objects.get(&(class, oid)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::super::PG_TYPE;
    use super::*;
    use crate::schema::model::QualName;

    #[test]
    fn resolves_columns_objects_and_extension_members() {
        let mut g = Nodes::default();
        let q = QualName::new("public", "t");
        let t = g.add(ObjRef::Table(q.clone()));
        let c = g.add(ObjRef::Column(q, "c".into()));
        let e = g.add(ObjRef::Extension("x".into()));
        assert_eq!((t, c, e), (0, 1, 2));
        g.map(PG_CLASS, 100, t);
        g.map(PG_TYPE, 101, t);
        g.columns.insert((100, 1), c);
        g.ext_members.insert((PG_CLASS, 200), e);
        assert_eq!(g.resolve(PG_CLASS, 100, 0), Some(t));
        assert_eq!(g.resolve(PG_CLASS, 100, 1), Some(c));
        // An unknown column of a known table: the table.
        assert_eq!(g.resolve(PG_CLASS, 100, 2), Some(t));
        assert_eq!(g.resolve(PG_TYPE, 101, 0), Some(t));
        assert_eq!(g.resolve(PG_CLASS, 200, 3), Some(e));
        assert_eq!(g.resolve(PG_CLASS, 300, 0), None);
    }
}
