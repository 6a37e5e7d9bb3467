//! JsonConverter throughput on a 10-field struct: serialize with schemas on and off,
//! deserialize with schemas on (cached schema) and off.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferroconnect_runtime::config::ConfigMap;
use ferroconnect_runtime::converter::{Converter, JsonConverter};
use ferroconnect_runtime::data::{
    schemas, Decimal, LogicalType, SchemaBuilder, SchemaRef, Struct, Value,
};

fn schema() -> SchemaRef {
    SchemaBuilder::struct_()
        .name("com.example.Customer")
        .field("id", schemas::int64())
        .field("first_name", schemas::string())
        .field("last_name", schemas::string())
        .field("email", schemas::optional_string())
        .field("age", schemas::int32())
        .field("score", schemas::float64())
        .field("active", schemas::boolean())
        .field(
            "balance",
            LogicalType::Decimal { scale: 2 }.builder().build_ref(),
        )
        .field("updated_at", LogicalType::Timestamp.builder().build_ref())
        .field("note", schemas::optional_string())
        .build_ref()
}

fn record(schema: &SchemaRef) -> Value {
    Value::Struct(
        Struct::from_values(
            schema.clone(),
            vec![
                Value::Int64(1_234_567),
                "Ivan".into(),
                "Petrov".into(),
                "ivan.petrov@example.com".into(),
                Value::Int32(42),
                Value::Float64(1234.5678),
                Value::Boolean(true),
                Value::Decimal(Decimal::new(1_999_950, 2)),
                Value::Int64(1_705_312_800_000),
                Value::Null,
            ],
        )
        .expect("record fits its schema"),
    )
}

fn converter(schemas_enable: bool) -> JsonConverter {
    let mut settings = ConfigMap::new();
    settings.insert("schemas.enable".into(), schemas_enable.to_string());
    JsonConverter::from_settings(&settings).expect("valid settings")
}

fn bench_json(c: &mut Criterion) {
    let schema = schema();
    let value = record(&schema);
    let mut group = c.benchmark_group("json_10_field_struct");
    group.throughput(Throughput::Elements(1));
    for enabled in [true, false] {
        let conv = converter(enabled);
        let label = if enabled { "schemas_on" } else { "schemas_off" };
        group.bench_function(format!("serialize_{label}"), |b| {
            b.iter(|| {
                conv.from_connect_data("t", Some(black_box(&schema)), black_box(&value))
                    .expect("serializes")
            })
        });
        let mut buf = Vec::with_capacity(1024);
        group.bench_function(format!("serialize_into_reused_buffer_{label}"), |b| {
            b.iter(|| {
                buf.clear();
                conv.write_connect_data(&mut buf, Some(black_box(&schema)), black_box(&value))
                    .expect("serializes");
                buf.len()
            })
        });
        let bytes = conv
            .from_connect_data("t", Some(&schema), &value)
            .expect("serializes")
            .expect("not null");
        group.bench_function(format!("deserialize_{label}"), |b| {
            b.iter(|| {
                conv.to_connect_data("t", Some(black_box(&bytes)))
                    .expect("deserializes")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_json);
criterion_main!(benches);
