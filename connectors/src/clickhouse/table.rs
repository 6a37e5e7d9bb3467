//! Target tables: their real columns (read with `DESCRIBE TABLE` and cached), and how a
//! record's fields map onto them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ferroconnect_runtime::data::SchemaRef;

use super::client::{quote_ident, ChClient, ChError};
use super::types::ChType;

/// How a column gets its value when the insert does not give one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultKind {
    /// No default expression: the type's zero value.
    None,
    /// `DEFAULT expr`.
    Default,
    /// `MATERIALIZED expr` (never inserted).
    Materialized,
    /// `ALIAS expr` (never inserted).
    Alias,
    /// `EPHEMERAL` (insert-only helper column).
    Ephemeral,
}

/// One column of a table.
#[derive(Debug, Clone)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Its type as the server names it (`Nullable(DateTime64(3, 'UTC'))`), for messages.
    pub type_name: String,
    /// Its type (Err: a type the sink cannot write, with the type name).
    pub ty: Result<ChType, String>,
    /// Its default kind.
    pub default: DefaultKind,
}

impl Column {
    /// True for columns an INSERT may name.
    pub fn insertable(&self) -> bool {
        matches!(
            self.default,
            DefaultKind::None | DefaultKind::Default | DefaultKind::Ephemeral
        )
    }
}

/// A table's columns.
#[derive(Debug)]
pub struct Table {
    /// `` `db`.`table` ``.
    pub qualified: String,
    /// The same, shared (block keys).
    pub key: Arc<str>,
    /// Columns in table order.
    pub columns: Vec<Column>,
    /// Layouts already worked out, by the identity of the record schema.
    pub layouts: parking_lot::Mutex<Vec<(SchemaRef, Arc<Layout>)>>,
    loaded: Instant,
}

/// What fills one inserted column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The struct field at this index.
    Field(usize),
    /// The Debezium `_version` column.
    Version,
    /// The Debezium `is_deleted` column.
    IsDeleted,
}

/// The columns an insert of records with one schema names, and the INSERT statement.
#[derive(Debug)]
pub struct Layout {
    /// A number unique within the task, to group records into blocks.
    pub id: usize,
    /// (column index, what fills it), in statement order.
    pub columns: Vec<(usize, Source)>,
    /// Per entry of `columns`: its `dateTimeFormats` pattern (index), if any.
    pub formats: Vec<Option<usize>>,
    /// True if a non-Nullable column may receive a null (needs RowBinaryWithDefaults).
    pub with_defaults: bool,
    /// `INSERT INTO t (c1, c2) FORMAT RowBinary[WithDefaults]`.
    pub sql: Arc<str>,
}

/// Unescapes a TabSeparated field.
fn unescape_tsv(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

impl Table {
    /// Reads a table's columns. A missing table is an error naming it.
    pub async fn describe(client: &ChClient, db: &str, table: &str) -> Result<Table, ChError> {
        let qualified = format!("{}.{}", quote_ident(db), quote_ident(table));
        let text = client
            .query_text(&format!("DESCRIBE TABLE {qualified}"))
            .await?;
        let mut columns = Vec::new();
        for line in text.lines().filter(|l| !l.is_empty()) {
            let f: Vec<String> = line.split('\t').map(unescape_tsv).collect();
            let name = f.first().cloned().unwrap_or_default();
            let type_name = f.get(1).cloned().unwrap_or_default();
            let default = match f.get(2).map(String::as_str).unwrap_or("") {
                "DEFAULT" => DefaultKind::Default,
                "MATERIALIZED" => DefaultKind::Materialized,
                "ALIAS" => DefaultKind::Alias,
                "EPHEMERAL" => DefaultKind::Ephemeral,
                _ => DefaultKind::None,
            };
            // Subcolumns of Nested appear as `n.a Array(T)`: they are plain columns here.
            let ty = ChType::parse(&type_name).map_err(|_| type_name.clone());
            columns.push(Column {
                name,
                type_name,
                ty,
                default,
            });
        }
        Ok(Table {
            key: qualified.as_str().into(),
            qualified,
            columns,
            layouts: parking_lot::Mutex::new(Vec::new()),
            loaded: Instant::now(),
        })
    }

    /// True once the cached columns are older than `refresh`.
    pub fn is_stale(&self, refresh: Option<Duration>) -> bool {
        refresh.is_some_and(|r| self.loaded.elapsed() >= r)
    }

    /// The layout for records whose row struct has `schema` (cached per schema `Arc`).
    /// Fields without a column are left out; columns without a field take their defaults.
    pub fn layout(
        &self,
        schema: &SchemaRef,
        debezium: bool,
        defaults_supported: bool,
        date_formats: &[(String, super::datetime::ColumnFormat)],
        next_id: &mut usize,
    ) -> Result<Arc<Layout>, String> {
        let mut cache = self.layouts.lock();
        if let Some((_, l)) = cache.iter().find(|(s, _)| Arc::ptr_eq(s, schema)) {
            return Ok(l.clone());
        }
        let mut columns = Vec::new();
        let mut with_defaults = false;
        for (ci, col) in self.columns.iter().enumerate() {
            if !col.insertable() {
                continue;
            }
            let source = match schema.field(&col.name) {
                Some(f) => {
                    if f.schema.optional && col.ty.as_ref().is_ok_and(|t| !t.is_nullable()) {
                        with_defaults = true;
                    }
                    Source::Field(f.index)
                }
                None if debezium && col.name == "_version" => Source::Version,
                None if debezium && col.name == "is_deleted" => Source::IsDeleted,
                None => continue,
            };
            if let Err(t) = &col.ty {
                return Err(format!(
                    "column {} of {} has type {t}, which this sink cannot write",
                    col.name, self.qualified
                ));
            }
            columns.push((ci, source));
        }
        if columns.is_empty() {
            return Err(format!(
                "no field of the record matches a column of {} (fields: {})",
                self.qualified,
                schema
                    .fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let with_defaults = with_defaults && defaults_supported;
        let names: Vec<String> = columns
            .iter()
            .map(|(ci, _)| quote_ident(&self.columns[*ci].name))
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}) FORMAT {}",
            self.qualified,
            names.join(", "),
            if with_defaults {
                "RowBinaryWithDefaults"
            } else {
                "RowBinary"
            }
        );
        *next_id += 1;
        let formats = columns
            .iter()
            .map(|(ci, _)| {
                date_formats
                    .iter()
                    .position(|(c, _)| *c == self.columns[*ci].name)
            })
            .collect();
        let layout = Arc::new(Layout {
            id: *next_id,
            columns,
            formats,
            with_defaults,
            sql: sql.into(),
        });
        cache.push((schema.clone(), layout.clone()));
        Ok(layout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_fields_unescape() {
        assert_eq!(
            unescape_tsv(r"DateTime64(3, \'UTC\')"),
            "DateTime64(3, 'UTC')"
        );
        assert_eq!(unescape_tsv(r"a\tb\\c"), "a\tb\\c");
    }
}
