//! Tables: identifiers, discovery with Confluent's include/exclude rules, and the column
//! metadata (nullability, numeric precision, auto-increment) the source needs.

use std::collections::HashMap;

use ferroconnect_runtime::error::{ConnectError, ConnectResult};
use sqlx::postgres::PgConnection;
use sqlx::Row;

use super::config::SourceConfig;

/// A table: schema and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableId {
    /// Schema (namespace).
    pub schema: String,
    /// Table name.
    pub name: String,
}

impl TableId {
    /// `"schema"."name"`, quoted for SQL.
    pub fn quoted(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }
    /// `schema.name`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

/// Quotes an SQL identifier (`"a""b"`).
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// pg_class relkinds for Confluent's `table.types` values.
fn relkinds(types: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for t in types {
        let kinds: &[&str] = match t.trim().to_ascii_uppercase().as_str() {
            "TABLE" => &["r", "p"],
            "PARTITIONED TABLE" => &["p"],
            "VIEW" => &["v"],
            "MATERIALIZED VIEW" => &["m"],
            "FOREIGN TABLE" => &["f"],
            _ => &[],
        };
        out.extend(kinds.iter().map(|k| k.to_string()));
    }
    out
}

/// Lists the database's tables of `table.types` in `schema.pattern` (system schemas excluded).
pub async fn list_tables(
    conn: &mut PgConnection,
    cfg: &SourceConfig,
) -> ConnectResult<Vec<TableId>> {
    let rows = sqlx::query(
        "SELECT n.nspname::text, c.relname::text FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind::text = ANY($1) \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' \
           AND ($2 = '' OR n.nspname LIKE $2) \
         ORDER BY 1, 2",
    )
    .bind(relkinds(&cfg.table_types))
    .bind(cfg.schema_pattern.clone())
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| ConnectError::other(format!("Failed to list tables: {e}")))?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(TableId {
            schema: r
                .try_get(0)
                .map_err(|e| ConnectError::other(e.to_string()))?,
            name: r
                .try_get(1)
                .map_err(|e| ConnectError::other(e.to_string()))?,
        });
    }
    Ok(out)
}

/// Whether a list entry names a table: `name`, `schema.name` or `db.schema.name`.
fn entry_matches(entry: &str, db: &str, t: &TableId) -> bool {
    entry == t.name || entry == t.qualified() || entry == format!("{db}.{}", t.qualified())
}

fn regex_matches(res: &[regex::Regex], db: &str, t: &TableId) -> bool {
    let full = format!("{db}.{}", t.qualified());
    let qualified = t.qualified();
    res.iter()
        .any(|re| re.is_match(&full) || re.is_match(&qualified) || re.is_match(&t.name))
}

fn anchored(list: &[String]) -> ConnectResult<Vec<regex::Regex>> {
    list.iter()
        .map(|r| {
            regex::Regex::new(&format!("^(?:{r})$")).map_err(|e| {
                ConnectError::config(format!(
                    "Invalid regular expression '{r}' in table list: {e}"
                ))
            })
        })
        .collect()
}

/// Applies the whitelist/blacklist/include/exclude rules to the listed tables.
pub fn filter_tables(all: Vec<TableId>, cfg: &SourceConfig) -> ConnectResult<Vec<TableId>> {
    let db = cfg.conn.database.as_str();
    let include = anchored(&cfg.include)?;
    let exclude = anchored(&cfg.exclude)?;
    Ok(all
        .into_iter()
        .filter(|t| {
            if !cfg.whitelist.is_empty() || !include.is_empty() {
                cfg.whitelist.iter().any(|e| entry_matches(e, db, t))
                    || regex_matches(&include, db, t)
            } else {
                !cfg.blacklist.iter().any(|e| entry_matches(e, db, t))
                    && !regex_matches(&exclude, db, t)
            }
        })
        .collect())
}

/// Resolves `table.whitelist` entries to tables, failing with the entries that match none.
/// An unqualified name prefers the schema first on the search path.
pub async fn resolve_whitelist(
    conn: &mut PgConnection,
    cfg: &SourceConfig,
    entries: &[String],
) -> ConnectResult<Vec<TableId>> {
    let all = list_tables(conn, cfg).await?;
    let visible: Vec<String> = sqlx::query_scalar("SELECT unnest(current_schemas(false))::text")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| ConnectError::other(format!("Failed to read the search path: {e}")))?;
    let db = cfg.conn.database.as_str();
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for e in entries {
        let mut hits: Vec<&TableId> = all.iter().filter(|t| entry_matches(e, db, t)).collect();
        hits.sort_by_key(|t| {
            visible
                .iter()
                .position(|s| *s == t.schema)
                .unwrap_or(usize::MAX)
        });
        match hits.first() {
            Some(t) => out.push((*t).clone()),
            None => missing.push(e.clone()),
        }
    }
    if !missing.is_empty() {
        return Err(ConnectError::config(format!(
            "table.whitelist names table(s) not found in database '{}' (table.types {:?}): {}",
            cfg.conn.database,
            cfg.table_types,
            missing.join(", ")
        )));
    }
    Ok(out)
}

/// What the catalog says about one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnMeta {
    /// NOT NULL.
    pub not_null: bool,
    /// `atttypmod` (-1 if none).
    pub typmod: i32,
}

/// Catalog facts of table columns by (relation oid, attribute number).
pub async fn column_meta(
    conn: &mut PgConnection,
    relids: Vec<i64>,
) -> ConnectResult<HashMap<(i64, i16), ColumnMeta>> {
    if relids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query(
        "SELECT attrelid::int8, attnum, attnotnull, atttypmod FROM pg_catalog.pg_attribute \
         WHERE attrelid = ANY($1::int8[]::oid[]) AND attnum > 0 AND NOT attisdropped",
    )
    .bind(relids)
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| ConnectError::other(format!("Failed to read column metadata: {e}")))?;
    let mut out = HashMap::new();
    for r in rows {
        let get = |e: sqlx::Error| ConnectError::other(format!("Bad column metadata: {e}"));
        out.insert(
            (
                r.try_get::<i64, _>(0).map_err(get)?,
                r.try_get::<i16, _>(1).map_err(get)?,
            ),
            ColumnMeta {
                not_null: r.try_get(2).map_err(get)?,
                typmod: r.try_get(3).map_err(get)?,
            },
        );
    }
    Ok(out)
}

/// The table's auto-increment column (identity or `nextval` default), if exactly one.
pub async fn autoincrement_column(
    conn: &mut PgConnection,
    table: &TableId,
) -> ConnectResult<Option<String>> {
    let cols: Vec<String> = sqlx::query_scalar(
        "SELECT a.attname::text FROM pg_catalog.pg_attribute a \
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE a.attrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass \
           AND a.attnum > 0 AND NOT a.attisdropped \
           AND (a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false)) \
         ORDER BY a.attnum",
    )
    .bind(table.schema.clone())
    .bind(table.name.clone())
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| {
        ConnectError::other(format!(
            "Failed to find the auto-increment column of {}: {e}",
            table.qualified()
        ))
    })?;
    Ok(if cols.len() == 1 {
        cols.into_iter().next()
    } else {
        None
    })
}
