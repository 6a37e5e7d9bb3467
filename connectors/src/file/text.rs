//! Java `String.valueOf` renderings of Connect values, as the JVM file sink writes them.

use ferroconnect_runtime::data::Value;

/// Renders a double like Java's `Double.toString` (`1.0`, `1.5E10`, `1.0E-4`, `NaN`).
pub fn java_double(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let abs = v.abs();
    if (1e-3..1e7).contains(&abs) {
        let s = format!("{v}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        // Shortest round-trip digits in scientific form, then Java's layout: d.dddE±n.
        let s = format!("{v:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.to_string()
        } else {
            format!("{mantissa}.0")
        };
        format!("{mantissa}E{exp}")
    }
}

/// Renders a value as Java's `String.valueOf(value)` would for the JVM's Connect types.
pub fn java_string(value: &Value, out: &mut String) {
    use std::fmt::Write;
    match value {
        Value::Null => out.push_str("null"),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int8(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Int16(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Int32(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Int64(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Float32(v) => out.push_str(&java_double(*v as f64)),
        Value::Float64(v) => out.push_str(&java_double(*v)),
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) => out.push_str(&String::from_utf8_lossy(b)),
        Value::Decimal(d) => {
            let _ = write!(out, "{d}");
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                java_string(item, out);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                java_string(k, out);
                out.push('=');
                java_string(v, out);
            }
            out.push('}');
        }
        Value::Struct(s) => {
            out.push_str("Struct{");
            let mut first = true;
            for (field, v) in s.schema().fields.iter().zip(s.values()) {
                if v.is_null() {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&field.name);
                out.push('=');
                java_string(v, out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferroconnect_runtime::data::{schemas, SchemaBuilder, Struct};

    #[test]
    fn doubles_render_like_java() {
        assert_eq!(java_double(1.0), "1.0");
        assert_eq!(java_double(1.5), "1.5");
        assert_eq!(java_double(1e10), "1.0E10");
        assert_eq!(java_double(1.25e-4), "1.25E-4");
        assert_eq!(java_double(0.001), "0.001");
        assert_eq!(java_double(-0.0), "-0.0");
    }

    #[test]
    fn structs_maps_and_lists_render_like_java() {
        let schema = SchemaBuilder::struct_()
            .field("id", schemas::int32())
            .field("name", schemas::optional_string())
            .field("note", schemas::optional_string())
            .build_ref();
        let mut s = Struct::new(schema);
        s.put("id", Value::Int32(7)).unwrap();
        s.put("name", Value::from("ann")).unwrap();
        let mut out = String::new();
        java_string(&Value::Struct(s), &mut out);
        assert_eq!(out, "Struct{id=7,name=ann}");

        let mut out = String::new();
        java_string(
            &Value::Map(vec![(
                Value::from("a"),
                Value::Array(vec![Value::Int64(1), Value::Null]),
            )]),
            &mut out,
        );
        assert_eq!(out, "{a=[1, null]}");
    }
}
