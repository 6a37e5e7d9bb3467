//! Per-record cost of each built-in SMT on a 10-field struct and on a 10-key schemaless map,
//! and of the MaskField + ReplaceField + InsertField chain. Criterion reports time per
//! iteration; each iteration transforms one record, so the figures are ns/record.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ferroconnect_runtime::config::ConfigMap;
use ferroconnect_runtime::data::{
    schemas, ConnectRecord, LogicalType, SchemaBuilder, SchemaRef, Struct, Value,
};
use ferroconnect_runtime::plugins::PluginRegistry;
use ferroconnect_runtime::transform::TransformChain;

/// A transform class suffix and its config pairs.
type Stage = (&'static str, &'static [(&'static str, &'static str)]);

const T: &str = "org.apache.kafka.connect.transforms.";
const TS_FORMAT: &str = "yyyy-MM-dd'T'HH:mm:ss.SSSZ";

fn schema() -> SchemaRef {
    SchemaBuilder::struct_()
        .name("bench")
        .field("f0", schemas::int32())
        .field("f1", schemas::int64())
        .field("f2", schemas::string())
        .field("f3", schemas::float64())
        .field("f4", schemas::boolean())
        .field("f5", schemas::optional_string())
        .field("f6", schemas::int32())
        .field("f7", LogicalType::Timestamp.builder().build_ref())
        .field("f8", schemas::string())
        .field("f9", schemas::string())
        .build_ref()
}

fn values() -> Vec<(&'static str, Value)> {
    vec![
        ("f0", Value::Int32(42)),
        ("f1", Value::Int64(1_700_000_000_000)),
        ("f2", Value::from("private details")),
        ("f3", Value::Float64(3.25)),
        ("f4", Value::Boolean(true)),
        ("f5", Value::from("card 4111 1111 1111 1111")),
        ("f6", Value::Int32(7)),
        ("f7", Value::Int64(1_483_425_001_864)),
        ("f8", Value::from("moscow")),
        ("f9", Value::from("wb-12345678")),
    ]
}

fn record(schema: Option<&SchemaRef>) -> ConnectRecord {
    let value = match schema {
        Some(s) => {
            let vals = values().into_iter().map(|(_, v)| v).collect();
            Value::Struct(Struct::from_values(s.clone(), vals).expect("struct"))
        }
        None => Value::Map(
            values()
                .into_iter()
                .map(|(k, v)| (Value::from(k), v))
                .collect(),
        ),
    };
    let mut r = ConnectRecord::new("orders-bench", schema.cloned(), value);
    r.kafka_partition = Some(3);
    r.timestamp = Some(1_483_425_001_864);
    r.headers
        .add("h1", Some(schemas::string()), Value::from("a"));
    r.headers
        .add("h2", Some(schemas::string()), Value::from("b"));
    r
}

fn chain(registry: &PluginRegistry, stages: &[Stage]) -> TransformChain {
    let mut cfg = ConfigMap::new();
    let aliases: Vec<String> = (0..stages.len()).map(|i| format!("t{i}")).collect();
    cfg.insert("transforms".into(), aliases.join(","));
    for (alias, (class, pairs)) in aliases.iter().zip(stages) {
        cfg.insert(format!("transforms.{alias}.type"), format!("{T}{class}"));
        for (k, v) in pairs.iter() {
            cfg.insert(format!("transforms.{alias}.{k}"), v.to_string());
        }
    }
    TransformChain::from_config(&cfg, registry).expect("chain config")
}

fn bench(c: &mut Criterion) {
    let mut registry = PluginRegistry::new();
    ferroconnect_transforms::register_builtin(&mut registry);
    let mask: &[(&str, &str)] = &[("fields", "f2,f5"), ("replacement", "CENSORED")];
    let replace: &[(&str, &str)] = &[("exclude", "f9"), ("renames", "f0:id")];
    let insert: &[(&str, &str)] = &[
        ("topic.field", "topic"),
        ("partition.field", "partition"),
        ("timestamp.field", "ingested_at"),
    ];
    let cases: Vec<(&str, Vec<Stage>)> = vec![
        (
            "Cast",
            vec![("Cast$Value", &[("spec", "f0:int64,f3:string")])],
        ),
        ("DropHeaders", vec![("DropHeaders", &[("headers", "h1")])]),
        (
            "ExtractField",
            vec![("ExtractField$Value", &[("field", "f2")])],
        ),
        ("Filter", vec![("Filter", &[])]),
        ("Flatten", vec![("Flatten$Value", &[])]),
        (
            "HeaderFrom",
            vec![(
                "HeaderFrom$Value",
                &[("fields", "f2"), ("headers", "h"), ("operation", "copy")],
            )],
        ),
        (
            "HoistField",
            vec![("HoistField$Value", &[("field", "wrapped")])],
        ),
        ("InsertField", vec![("InsertField$Value", insert)]),
        (
            "InsertHeader",
            vec![("InsertHeader", &[("header", "x"), ("value.literal", "1")])],
        ),
        ("MaskField", vec![("MaskField$Value", mask)]),
        (
            "RegexRouter",
            vec![(
                "RegexRouter",
                &[("regex", "(.*)-bench"), ("replacement", "$1")],
            )],
        ),
        ("ReplaceField", vec![("ReplaceField$Value", replace)]),
        (
            "SetSchemaMetadata",
            vec![("SetSchemaMetadata$Value", &[("schema.name", "renamed")])],
        ),
        (
            "TimestampConverter",
            vec![(
                "TimestampConverter$Value",
                &[
                    ("field", "f7"),
                    ("target.type", "string"),
                    ("format", TS_FORMAT),
                ],
            )],
        ),
        ("TimestampRouter", vec![("TimestampRouter", &[])]),
        ("ValueToKey", vec![("ValueToKey", &[("fields", "f0,f1")])]),
        (
            "Mask+Replace+Insert chain",
            vec![
                ("MaskField$Value", mask),
                ("ReplaceField$Value", replace),
                ("InsertField$Value", insert),
            ],
        ),
    ];
    let schema = schema();
    let mut group = c.benchmark_group("smt");
    for (name, stages) in &cases {
        let chain = chain(&registry, stages);
        for (kind, rec) in [("struct", record(Some(&schema))), ("map", record(None))] {
            if *name == "SetSchemaMetadata" && kind == "map" {
                continue; // needs a schema
            }
            group.bench_function(format!("{name}/{kind}"), |b| {
                b.iter_batched(
                    || rec.clone(),
                    |r| chain.apply(r).expect("transform"),
                    BatchSize::SmallInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
