//! The sink's row model: Connect values → typed SQL parameters, and the multi-row
//! INSERT / UPSERT / UPDATE / DELETE statements built over them.

use ferroconnect_runtime::data::{Decimal, LogicalType, Schema, SchemaType, Value};
use sqlx::postgres::PgArguments;
use sqlx::Arguments;

use super::table::quote_ident;

/// How a column's values are sent: the parameter type and the SQL expression around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// Any integer, as int8.
    Int,
    /// Any float, as float8.
    Float,
    /// bool.
    Bool,
    /// text.
    Text,
    /// bytea.
    Bytes,
    /// Decimal, as its plain text.
    Numeric,
    /// Timestamp, as epoch microseconds.
    TsMicros,
    /// Date, as epoch days.
    Date,
    /// Time, as milliseconds since midnight.
    TimeMillis,
}

impl ParamKind {
    /// The kind for a Connect schema; `None` for arrays, maps and structs.
    pub fn of(schema: &Schema) -> Option<ParamKind> {
        if let Some(l) = schema.logical() {
            return Some(match l {
                LogicalType::Decimal { .. } => ParamKind::Numeric,
                LogicalType::Date => ParamKind::Date,
                LogicalType::Time => ParamKind::TimeMillis,
                LogicalType::Timestamp => ParamKind::TsMicros,
            });
        }
        Some(match schema.schema_type {
            SchemaType::Int8 | SchemaType::Int16 | SchemaType::Int32 | SchemaType::Int64 => {
                ParamKind::Int
            }
            SchemaType::Float32 | SchemaType::Float64 => ParamKind::Float,
            SchemaType::Boolean => ParamKind::Bool,
            SchemaType::String => ParamKind::Text,
            SchemaType::Bytes => ParamKind::Bytes,
            _ => return None,
        })
    }

    /// The SQL expression of parameter `$n` as a value of this kind.
    pub fn expr(self, n: usize) -> String {
        match self {
            ParamKind::Int => format!("${n}::int8"),
            ParamKind::Float => format!("${n}::float8"),
            ParamKind::Bool => format!("${n}::bool"),
            ParamKind::Text => format!("${n}::text"),
            ParamKind::Bytes => format!("${n}::bytea"),
            ParamKind::Numeric => format!("${n}::numeric"),
            ParamKind::TsMicros => {
                format!("(TIMESTAMPTZ 'epoch' + ${n}::int8 * INTERVAL '1 microsecond')")
            }
            ParamKind::Date => format!("(DATE '1970-01-01' + ${n}::int4)"),
            ParamKind::TimeMillis => {
                format!("(TIME '00:00' + ${n}::int8 * INTERVAL '1 millisecond')")
            }
        }
    }

    /// The column type `auto.create` uses for a schema.
    pub fn create_type(schema: &Schema) -> Option<&'static str> {
        if let Some(l) = schema.logical() {
            return Some(match l {
                LogicalType::Decimal { .. } => "numeric",
                LogicalType::Date => "date",
                LogicalType::Time => "time",
                LogicalType::Timestamp => "timestamp",
            });
        }
        Some(match schema.schema_type {
            SchemaType::Int8 | SchemaType::Int16 => "smallint",
            SchemaType::Int32 => "integer",
            SchemaType::Int64 => "bigint",
            SchemaType::Float32 => "real",
            SchemaType::Float64 => "double precision",
            SchemaType::Boolean => "boolean",
            SchemaType::String => "text",
            SchemaType::Bytes => "bytea",
            _ => return None,
        })
    }
}

/// One parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// int8 (or null).
    Int(Option<i64>),
    /// float8.
    Float(Option<f64>),
    /// bool.
    Bool(Option<bool>),
    /// text (also numeric text).
    Text(Option<String>),
    /// bytea.
    Bytes(Option<Vec<u8>>),
    /// int4 (dates).
    Int4(Option<i32>),
}

impl Param {
    /// Converts a value of a column of `kind` (schema `schema`) to a parameter.
    pub fn from_value(kind: ParamKind, schema: &Schema, v: &Value) -> Result<Param, String> {
        if v.is_null() {
            return Ok(match kind {
                ParamKind::Int | ParamKind::TsMicros | ParamKind::TimeMillis => Param::Int(None),
                ParamKind::Float => Param::Float(None),
                ParamKind::Bool => Param::Bool(None),
                ParamKind::Text | ParamKind::Numeric => Param::Text(None),
                ParamKind::Bytes => Param::Bytes(None),
                ParamKind::Date => Param::Int4(None),
            });
        }
        let bad = || {
            format!(
                "value {v:?} does not match its schema type {}",
                schema.schema_type
            )
        };
        Ok(match kind {
            ParamKind::Int => Param::Int(Some(v.as_i64().ok_or_else(bad)?)),
            ParamKind::Float => Param::Float(Some(match v {
                Value::Float32(f) => *f as f64,
                Value::Float64(f) => *f,
                _ => return Err(bad()),
            })),
            ParamKind::Bool => match v {
                Value::Boolean(b) => Param::Bool(Some(*b)),
                _ => return Err(bad()),
            },
            ParamKind::Text => Param::Text(Some(v.as_str().ok_or_else(bad)?.to_string())),
            ParamKind::Bytes => match v {
                Value::Bytes(b) => Param::Bytes(Some(b.clone())),
                _ => return Err(bad()),
            },
            ParamKind::Numeric => Param::Text(Some(match v {
                Value::Decimal(d) => d.to_string(),
                Value::Bytes(b) => {
                    let scale = match schema.logical() {
                        Some(LogicalType::Decimal { scale }) => scale,
                        _ => 0,
                    };
                    Decimal::from_bytes(b, scale)
                        .map_err(|e| e.to_string())?
                        .to_string()
                }
                _ => return Err(bad()),
            })),
            ParamKind::TsMicros => {
                Param::Int(Some(v.as_i64().ok_or_else(bad)?.saturating_mul(1000)))
            }
            ParamKind::TimeMillis => Param::Int(Some(v.as_i64().ok_or_else(bad)?)),
            ParamKind::Date => Param::Int4(Some(
                i32::try_from(v.as_i64().ok_or_else(bad)?).map_err(|_| bad())?,
            )),
        })
    }

    /// Appends the parameter to statement arguments.
    pub fn add_to(&self, args: &mut PgArguments) -> Result<(), String> {
        let r = match self {
            Param::Int(v) => args.add(*v),
            Param::Float(v) => args.add(*v),
            Param::Bool(v) => args.add(*v),
            Param::Text(v) => args.add(v.as_deref()),
            Param::Bytes(v) => args.add(v.as_deref()),
            Param::Int4(v) => args.add(*v),
        };
        r.map_err(|e| e.to_string())
    }
}

/// A column written by the sink: name, how its values are sent, its type in the table.
#[derive(Debug, Clone)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Parameter kind.
    pub kind: ParamKind,
    /// The table column's SQL type (`format_type`).
    pub sql_type: String,
}

impl Column {
    fn value_expr(&self, n: usize) -> String {
        format!("CAST({} AS {})", self.kind.expr(n), self.sql_type)
    }
}

/// `INSERT INTO t (cols) VALUES (...), (...)` for `rows` rows, with `ON CONFLICT` for upserts.
pub fn insert_sql(
    table: &str,
    cols: &[Column],
    pk: &[String],
    rows: usize,
    upsert: bool,
) -> String {
    let names: Vec<String> = cols.iter().map(|c| quote_ident(&c.name)).collect();
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", names.join(","));
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&c.value_expr(n));
            n += 1;
        }
        sql.push(')');
    }
    if upsert {
        let keys: Vec<String> = pk.iter().map(|k| quote_ident(k)).collect();
        let sets: Vec<String> = cols
            .iter()
            .filter(|c| !pk.contains(&c.name))
            .map(|c| format!("{0}=EXCLUDED.{0}", quote_ident(&c.name)))
            .collect();
        if sets.is_empty() {
            sql.push_str(&format!(" ON CONFLICT ({}) DO NOTHING", keys.join(",")));
        } else {
            sql.push_str(&format!(
                " ON CONFLICT ({}) DO UPDATE SET {}",
                keys.join(","),
                sets.join(",")
            ));
        }
    }
    sql
}

/// `UPDATE t SET non-pk = … WHERE pk = …` for one row (parameters in column order).
pub fn update_sql(table: &str, cols: &[Column], pk: &[String]) -> String {
    let mut sets = Vec::new();
    let mut conds = Vec::new();
    for (i, c) in cols.iter().enumerate() {
        let e = format!("{}={}", quote_ident(&c.name), c.value_expr(i + 1));
        if pk.contains(&c.name) {
            conds.push(e);
        } else {
            sets.push(e);
        }
    }
    format!(
        "UPDATE {table} SET {} WHERE {}",
        sets.join(","),
        conds.join(" AND ")
    )
}

/// `DELETE FROM t WHERE (pk) IN ((…), …)` for `rows` keys.
pub fn delete_sql(table: &str, pk_cols: &[Column], rows: usize) -> String {
    let names: Vec<String> = pk_cols.iter().map(|c| quote_ident(&c.name)).collect();
    let mut tuples = Vec::with_capacity(rows);
    let mut n = 1;
    for _ in 0..rows {
        let mut t = Vec::with_capacity(pk_cols.len());
        for c in pk_cols {
            t.push(c.value_expr(n));
            n += 1;
        }
        tuples.push(format!("({})", t.join(",")));
    }
    format!(
        "DELETE FROM {table} WHERE ({}) IN ({})",
        names.join(","),
        tuples.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, kind: ParamKind, t: &str) -> Column {
        Column {
            name: name.into(),
            kind,
            sql_type: t.into(),
        }
    }

    #[test]
    fn upsert_statement_shape() {
        let cols = [
            col("id", ParamKind::Int, "integer"),
            col("n", ParamKind::Text, "text"),
        ];
        let sql = insert_sql("\"t\"", &cols, &["id".into()], 2, true);
        assert_eq!(
            sql,
            "INSERT INTO \"t\" (\"id\",\"n\") VALUES (CAST($1::int8 AS integer),CAST($2::text AS text)),\
             (CAST($3::int8 AS integer),CAST($4::text AS text)) ON CONFLICT (\"id\") DO UPDATE SET \"n\"=EXCLUDED.\"n\""
        );
        let sql = delete_sql("\"t\"", &cols[..1], 2);
        assert!(
            sql.ends_with("IN ((CAST($1::int8 AS integer)),(CAST($2::int8 AS integer)))"),
            "{sql}"
        );
        let sql = update_sql("\"t\"", &cols, &["id".into()]);
        assert_eq!(
            sql,
            "UPDATE \"t\" SET \"n\"=CAST($2::text AS text) WHERE \"id\"=CAST($1::int8 AS integer)"
        );
    }
}
