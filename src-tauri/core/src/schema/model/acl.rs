//! A set of privileges, shared: most objects of a schema have the default ACL of their kind,
//! and a 10,000-table catalog would otherwise hold 10,000 copies of it.
use super::Privilege;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeSet;
use std::sync::Arc;

static EMPTY: BTreeSet<Privilege> = BTreeSet::new();

/// The effective privileges of an object (the default ACL spelled out when none is set).
/// Cloning shares the set; changing it copies it first when it is shared. Empty takes no
/// allocation (most columns).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Acl(Option<Arc<BTreeSet<Privilege>>>);

impl Acl {
    pub const fn new() -> Self {
        Acl(None)
    }

    fn make_mut(&mut self) -> &mut BTreeSet<Privilege> {
        Arc::make_mut(self.0.get_or_insert_with(Default::default))
    }

    pub fn insert(&mut self, p: Privilege) -> bool {
        self.make_mut().insert(p)
    }

    pub fn remove(&mut self, p: &Privilege) -> bool {
        let removed = self.contains(p) && self.make_mut().remove(p);
        self.none_when_empty();
        removed
    }

    pub fn retain(&mut self, keep: impl FnMut(&Privilege) -> bool) {
        if self.0.is_some() {
            self.make_mut().retain(keep);
        }
        self.none_when_empty();
    }

    /// Empty is `None` only, so that equality compares what is granted.
    fn none_when_empty(&mut self) {
        if self.0.as_ref().is_some_and(|s| s.is_empty()) {
            self.0 = None;
        }
    }
}

impl std::ops::Deref for Acl {
    type Target = BTreeSet<Privilege>;
    fn deref(&self) -> &BTreeSet<Privilege> {
        self.0.as_deref().unwrap_or(&EMPTY)
    }
}

impl FromIterator<Privilege> for Acl {
    fn from_iter<I: IntoIterator<Item = Privilege>>(iter: I) -> Self {
        Acl::from(iter.into_iter().collect::<BTreeSet<_>>())
    }
}

impl From<BTreeSet<Privilege>> for Acl {
    fn from(set: BTreeSet<Privilege>) -> Self {
        Acl((!set.is_empty()).then(|| Arc::new(set)))
    }
}

impl<'a> IntoIterator for &'a Acl {
    type Item = &'a Privilege;
    type IntoIter = std::collections::btree_set::Iter<'a, Privilege>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Stored as the set it is (merge bases saved before keep their format).
impl Serialize for Acl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Acl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        BTreeSet::deserialize(d).map(Acl::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::model::Grantee;

    fn select(grantee: Grantee) -> Privilege {
        Privilege {
            grantee,
            privilege: "SELECT".into(),
            grantable: false,
        }
    }

    #[test]
    fn clones_share_until_one_changes() {
        let a: Acl = [select(Grantee::Owner)].into_iter().collect();
        let mut b = a.clone();
        assert!(std::ptr::eq(&*a, &*b), "a clone shares the set");
        b.insert(select(Grantee::Public));
        assert_eq!(a.len(), 1, "the original is untouched");
        assert_eq!(b.len(), 2);
        b.retain(|p| p.grantee == Grantee::Public);
        assert_eq!(b.iter().collect::<Vec<_>>(), [&select(Grantee::Public)]);
        b.retain(|_| false);
        assert_eq!(b, Acl::new(), "emptied equals empty");
    }

    #[test]
    fn stored_as_a_plain_set() {
        let a: Acl = [select(Grantee::Role("alice".into()))]
            .into_iter()
            .collect();
        let set: BTreeSet<Privilege> = a.iter().cloned().collect();
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, serde_json::to_string(&set).unwrap());
        assert_eq!(serde_json::from_str::<Acl>(&json).unwrap(), a);
        assert_eq!(serde_json::from_str::<Acl>("[]").unwrap(), Acl::new());
    }
}
