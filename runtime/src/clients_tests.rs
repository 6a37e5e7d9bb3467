use super::*;

fn worker(pairs: &[(&str, &str)]) -> WorkerConfig {
    let mut m = ConfigMap::new();
    m.insert("key.converter".into(), "StringConverter".into());
    m.insert("value.converter".into(), "StringConverter".into());
    m.insert("bootstrap.servers".into(), "b:9092".into());
    for (k, v) in pairs {
        m.insert(k.to_string(), v.to_string());
    }
    WorkerConfig::from_properties(m).unwrap()
}

fn cfg(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn producer_defaults_then_worker_then_overrides() {
    let w = worker(&[
        ("producer.linger.ms", "20"),
        ("producer.batch.size", "65536"),
    ]);
    let c = cfg(&[
        ("producer.override.linger.ms", "1000"),
        ("producer.override.buffer.memory", "33554432"),
        ("producer.override.max.request.size", "2000000"),
        ("producer.override.delivery.timeout.ms", "2147483647"),
        ("producer.override.compression.type", "none"),
        (
            "producer.override.key.serializer",
            "org.apache.kafka.common.serialization.ByteArraySerializer",
        ),
    ]);
    let s = build(
        ClientKind::Producer,
        &w,
        "src",
        Some(&c),
        "connector-producer-src-0",
    )
    .unwrap();
    let get = |k: &str| s.config.get(k).map(str::to_string);
    assert_eq!(get("bootstrap.servers").as_deref(), Some("b:9092"));
    assert_eq!(
        get("client.id").as_deref(),
        Some("connector-producer-src-0")
    );
    assert_eq!(get("acks").as_deref(), Some("all"));
    assert_eq!(get("linger.ms").as_deref(), Some("1000"));
    assert_eq!(get("batch.size").as_deref(), Some("65536"));
    assert_eq!(get("queue.buffering.max.kbytes").as_deref(), Some("32768"));
    assert_eq!(get("message.max.bytes").as_deref(), Some("2000000"));
    assert_eq!(get("message.timeout.ms").as_deref(), Some("0"));
    assert_eq!(get("partitioner").as_deref(), Some("murmur2_random"));
    assert_eq!(get("key.serializer"), None);
    check_native(&s).unwrap();
}

#[test]
fn idempotence_off_means_one_in_flight() {
    let w = worker(&[]);
    let s = build(
        ClientKind::Producer,
        &w,
        "x",
        Some(&cfg(&[("producer.override.enable.idempotence", "false")])),
        "id",
    )
    .unwrap();
    assert_eq!(
        s.config.get("max.in.flight.requests.per.connection"),
        Some("1")
    );
    let s = build(ClientKind::Producer, &w, "x", None, "id").unwrap();
    assert_eq!(
        s.config.get("max.in.flight.requests.per.connection"),
        Some("5")
    );
}

#[test]
fn consumer_defaults_and_max_poll_records() {
    let w = worker(&[
        ("consumer.max.poll.records", "100"),
        ("consumer.fetch.max.wait.ms", "50"),
    ]);
    let s = build(
        ClientKind::Consumer,
        &w,
        "snk",
        None,
        "connector-consumer-snk-0",
    )
    .unwrap();
    assert_eq!(s.config.get("group.id"), Some("connect-snk"));
    assert_eq!(s.config.get("enable.auto.commit"), Some("false"));
    assert_eq!(s.config.get("auto.offset.reset"), Some("earliest"));
    assert_eq!(s.config.get("fetch.wait.max.ms"), Some("50"));
    assert_eq!(s.max_poll_records, 100);
    assert_eq!(s.config.get("max.poll.records"), None);
    check_native(&s).unwrap();
    let s = build(
        ClientKind::Consumer,
        &w,
        "snk",
        Some(&cfg(&[(
            "consumer.override.partition.assignment.strategy",
            "org.apache.kafka.clients.consumer.RoundRobinAssignor",
        )])),
        "c",
    )
    .unwrap();
    assert_eq!(
        s.config.get("partition.assignment.strategy"),
        Some("roundrobin")
    );
}

#[test]
fn override_policies_are_enforced() {
    let c = cfg(&[("producer.override.linger.ms", "5")]);
    let none = worker(&[("connector.client.config.override.policy", "None")]);
    let err = build(ClientKind::Producer, &none, "x", Some(&c), "id")
        .unwrap_err()
        .to_string();
    assert!(err.contains("producer.override.linger.ms"), "{err}");
    assert!(err.contains("'None' policy"), "{err}");
    let principal = worker(&[("connector.client.config.override.policy", "Principal")]);
    assert!(build(ClientKind::Producer, &principal, "x", Some(&c), "id").is_err());
    let sp = cfg(&[("producer.override.security.protocol", "PLAINTEXT")]);
    assert!(build(ClientKind::Producer, &principal, "x", Some(&sp), "id").is_ok());
    let allow = worker(&[
        ("connector.client.config.override.policy", "Allowlist"),
        ("connector.client.config.override.allowlist", "linger.ms"),
    ]);
    assert!(build(ClientKind::Producer, &allow, "x", Some(&c), "id").is_ok());
    let bs = cfg(&[("producer.override.batch.size", "5")]);
    assert!(build(ClientKind::Producer, &allow, "x", Some(&bs), "id").is_err());
    // A consumer override does not affect the producer.
    let co = cfg(&[("consumer.override.max.poll.records", "7")]);
    assert!(build(ClientKind::Producer, &none, "x", Some(&co), "id").is_ok());
}

#[test]
fn validate_names_unknown_and_forbidden_keys() {
    let w = worker(&[]);
    let c = cfg(&[
        ("producer.override.linger.ms", "10"),
        ("producer.override.no.such.setting", "1"),
        ("consumer.override.max.poll.records", "0"),
        ("producer.override.compression.type", "brotli"),
        ("consumer.override.key.deserializer", "x"),
        ("topics", "t"),
    ]);
    let problems = validate_overrides(&w, &c);
    let keys: Vec<&str> = problems.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "producer.override.no.such.setting",
            "producer.override.compression.type",
            "consumer.override.max.poll.records"
        ],
        "{problems:?}"
    );
    assert!(problems[0].1.contains("no.such.setting"), "{problems:?}");
    let none = worker(&[("connector.client.config.override.policy", "None")]);
    let problems = validate_overrides(&none, &cfg(&[("admin.override.retries", "1")]));
    assert_eq!(problems.len(), 1);
    assert!(problems[0]
        .1
        .contains("'None' policy does not allow 'retries'"));
}

#[test]
fn java_keys_map_to_librdkafka() {
    let m = |k: &str, v: &str| map_java_key(ClientKind::Producer, k, v).unwrap();
    assert_eq!(
        m("retries", "3"),
        Mapped::Set(vec![("message.send.max.retries".into(), "3".into())])
    );
    assert_eq!(m("max.block.ms", "1"), Mapped::Dropped);
    assert_eq!(
        m("send.buffer.bytes", "-1"),
        Mapped::Set(vec![("socket.send.buffer.bytes".into(), "0".into())])
    );
    assert_eq!(
        m(
            "sasl.jaas.config",
            "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";"
        ),
        Mapped::Set(vec![
            ("sasl.username".into(), "u".into()),
            ("sasl.password".into(), "p".into())
        ])
    );
    assert!(map_java_key(ClientKind::Producer, "buffer.memory", "lots").is_err());
    assert_eq!(
        map_java_key(ClientKind::Consumer, "auto.offset.reset", "none").unwrap(),
        Mapped::Set(vec![("auto.offset.reset".into(), "error".into())])
    );
}
