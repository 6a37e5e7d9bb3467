//! Schema and struct helpers (`SchemaUtil`): copying a struct schema's metadata, appending
//! fields, and reading struct fields with or without their defaults.

use ferroconnect_runtime::data::{Field, Schema, SchemaRef, SchemaType, Struct, Value};

/// A new, required struct schema with the name, version, doc and parameters of `src`
/// (`SchemaUtil.copySchemaBasics(src, SchemaBuilder.struct())`); no fields yet.
pub fn struct_like(src: &Schema) -> Schema {
    let mut out = Schema::new(SchemaType::Struct);
    out.name = src.name.clone();
    out.version = src.version;
    out.doc = src.doc.clone();
    out.parameters = src.parameters.clone();
    out
}

/// Appends a field to a struct schema under construction.
pub fn push_field(schema: &mut Schema, name: impl Into<String>, field_schema: SchemaRef) {
    let index = schema.fields.len();
    schema.fields.push(Field {
        name: name.into(),
        index,
        schema: field_schema,
    });
}

/// A struct field's value: with `replace_null_with_default`, a null falls back to the field
/// schema's default (`Struct.get`); otherwise the raw value (`getWithoutDefault`).
pub fn field_value<'a>(
    st: &'a Struct,
    field: &'a Field,
    replace_null_with_default: bool,
) -> &'a Value {
    let v = st.get_index(field.index);
    if replace_null_with_default && v.is_null() {
        if let Some(d) = &field.schema.default {
            return d;
        }
    }
    v
}

/// Takes a struct field's value out of an owned value vector, applying the default rule of
/// [`field_value`].
pub fn take_field_value(
    values: &mut [Value],
    field: &Field,
    replace_null_with_default: bool,
) -> Value {
    let v = std::mem::take(&mut values[field.index]);
    if replace_null_with_default && v.is_null() {
        if let Some(d) = &field.schema.default {
            return d.clone();
        }
    }
    v
}

/// Copies `schema` with a different optional flag, reusing the `Arc` when nothing changes.
pub fn with_optional(schema: &SchemaRef, optional: bool) -> SchemaRef {
    if schema.optional == optional {
        return schema.clone();
    }
    let mut s = (**schema).clone();
    s.optional = optional;
    s.into_ref()
}
