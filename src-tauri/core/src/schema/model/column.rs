//! A table's column in the catalog model. A 10,000-table catalog holds 100,000 of them per
//! side of a diff, and most set none of the rarer attributes: those live in a box of their
//! own ([`ColumnMore`]), absent when all are at their defaults. Stored catalogs keep the flat
//! shape ([`Flat`]), so bases saved before this split still read.
use super::{Acl, Identity, Name};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "Flat", into = "Flat")]
pub struct Column {
    pub name: Name,
    /// `format_type` output.
    pub type_name: Name,
    pub not_null: bool,
    pub default: Option<String>,
    pub is_local: bool,
    pub comment: Option<String>,
    /// Column privileges (only those granted on the column itself).
    pub acl: Acl,
    /// `None`: every attribute of [`ColumnMore`] at its default.
    more: Option<Box<ColumnMore>>,
}

/// What few columns set.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMore {
    /// Explicit collation when it differs from the type's.
    pub collation: Option<String>,
    pub identity: Option<Identity>,
    /// Generation expression (`GENERATED ALWAYS AS (…) STORED`).
    pub generated: Option<String>,
    /// `STORED` or `VIRTUAL` (18+).
    pub generated_kind: Option<String>,
    /// `p`, `e`, `m`, `x` when it differs from the type's default storage.
    pub storage: Option<String>,
    /// -1: the default statistics target.
    pub statistics: i32,
    /// `p` (pglz) or `l` (lz4) when set explicitly.
    pub compression: Option<String>,
    pub inherit_count: i32,
}

static DEFAULTS: ColumnMore = ColumnMore {
    collation: None,
    identity: None,
    generated: None,
    generated_kind: None,
    storage: None,
    statistics: -1,
    compression: None,
    inherit_count: 0,
};

impl Default for ColumnMore {
    fn default() -> Self {
        DEFAULTS.clone()
    }
}

impl Column {
    /// A local, nullable column without default or any other attribute.
    pub fn new(name: impl Into<Name>, type_name: impl Into<Name>) -> Column {
        Column {
            name: name.into(),
            type_name: type_name.into(),
            not_null: false,
            default: None,
            is_local: true,
            comment: None,
            acl: Acl::new(),
            more: None,
        }
    }

    pub fn more(&self) -> &ColumnMore {
        self.more.as_deref().unwrap_or(&DEFAULTS)
    }

    pub fn more_mut(&mut self) -> &mut ColumnMore {
        self.more.get_or_insert_with(Default::default)
    }

    /// Drops the box when everything in it is at its default.
    pub fn set_more(&mut self, more: ColumnMore) {
        self.more = (more != DEFAULTS).then(|| Box::new(more));
    }

    pub fn collation(&self) -> Option<&str> {
        self.more().collation.as_deref()
    }
    pub fn identity(&self) -> Option<&Identity> {
        self.more().identity.as_ref()
    }
    pub fn generated(&self) -> Option<&str> {
        self.more().generated.as_deref()
    }
    pub fn generated_kind(&self) -> Option<&str> {
        self.more().generated_kind.as_deref()
    }
    pub fn storage(&self) -> Option<&str> {
        self.more().storage.as_deref()
    }
    pub fn statistics(&self) -> i32 {
        self.more().statistics
    }
    pub fn compression(&self) -> Option<&str> {
        self.more().compression.as_deref()
    }
    pub fn inherit_count(&self) -> i32 {
        self.more().inherit_count
    }
}

impl PartialEq for Column {
    fn eq(&self, o: &Column) -> bool {
        self.name == o.name
            && self.type_name == o.type_name
            && self.not_null == o.not_null
            && self.default == o.default
            && self.is_local == o.is_local
            && self.comment == o.comment
            && self.acl == o.acl
            && self.more() == o.more()
    }
}

/// The stored shape of a column (as before the split).
#[derive(Serialize, Deserialize)]
pub struct Flat {
    name: Name,
    type_name: Name,
    collation: Option<String>,
    not_null: bool,
    default: Option<String>,
    identity: Option<Box<Identity>>,
    generated: Option<String>,
    generated_kind: Option<String>,
    storage: Option<String>,
    statistics: i32,
    compression: Option<String>,
    is_local: bool,
    inherit_count: i32,
    comment: Option<String>,
    acl: Acl,
}

impl From<Flat> for Column {
    fn from(f: Flat) -> Column {
        let mut c = Column {
            name: f.name,
            type_name: f.type_name,
            not_null: f.not_null,
            default: f.default,
            is_local: f.is_local,
            comment: f.comment,
            acl: f.acl,
            more: None,
        };
        c.set_more(ColumnMore {
            collation: f.collation,
            identity: f.identity.map(|i| *i),
            generated: f.generated,
            generated_kind: f.generated_kind,
            storage: f.storage,
            statistics: f.statistics,
            compression: f.compression,
            inherit_count: f.inherit_count,
        });
        c
    }
}

impl From<Column> for Flat {
    fn from(c: Column) -> Flat {
        let m = c.more.map(|m| *m).unwrap_or_default();
        Flat {
            name: c.name,
            type_name: c.type_name,
            collation: m.collation,
            not_null: c.not_null,
            default: c.default,
            identity: m.identity.map(Box::new),
            generated: m.generated,
            generated_kind: m.generated_kind,
            storage: m.storage,
            statistics: m.statistics,
            compression: m.compression,
            is_local: c.is_local,
            inherit_count: m.inherit_count,
            comment: c.comment,
            acl: c.acl,
        }
    }
}
