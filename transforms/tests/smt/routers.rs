use ferroconnect_runtime::data::Value;
use ferroconnect_transforms::regex_router::RegexRouter;
use ferroconnect_transforms::timestamp_router::TimestampRouter;

use crate::common::*;

fn route(regex: &str, replacement: &str, topic: &str) -> String {
    let t = RegexRouter::new(&cfg(&[("regex", regex), ("replacement", replacement)])).unwrap();
    let mut r = value_record(None, Value::Null);
    r.topic = topic.to_string();
    apply(&t, r).topic
}

#[test]
fn regex_router_reference_vectors() {
    assert_eq!(route("foo", "bar", "foo"), "bar");
    assert_eq!(route("foo", "bar", "orig"), "orig");
    assert_eq!(route("(.*)", "$1", "orig"), "orig");
    assert_eq!(route("(.*)", "prefix-$1", "orig"), "prefix-orig");
    assert_eq!(route("(.*)", "$1-suffix", "orig"), "orig-suffix");
    assert_eq!(
        route(r"(.*)-(\d\d\d\d\d\d\d\d)", "$1", "index-20160117"),
        "index"
    );
}

#[test]
fn regex_router_java_replacement_details() {
    // `$1a` is group 1 then a literal `a`; `$12` falls back to `$1` + `2` with one group.
    assert_eq!(route("(.*)", "$1a", "x"), "xa");
    assert_eq!(route("(.*)", "$12", "x"), "x2");
    assert_eq!(route("(?<name>.*)", "${name}!", "x"), "x!");
    assert_eq!(route("(.*)", "\\$1", "x"), "$1");
    // Only whole-topic matches route.
    assert_eq!(route("foo", "bar", "foobar"), "foobar");
}

#[test]
fn regex_router_rejects_what_cannot_be_translated() {
    for (regex, why) in [
        ("(?=foo).*", "look-ahead"),
        ("(?<=a)b", "look-behind"),
        (r"(a)\1", "back-references"),
        ("a++", "possessive"),
        ("(?>a)", "atomic"),
        ("[", "Invalid regex"),
    ] {
        let r = RegexRouter::new(&cfg(&[("regex", regex), ("replacement", "x")]));
        assert_config_err(r, "configuration regex");
        let r = RegexRouter::new(&cfg(&[("regex", regex), ("replacement", "x")]));
        assert_config_err(r, why);
    }
    assert_config_err(
        RegexRouter::new(&cfg(&[("regex", "(.*)"), ("replacement", "$2")])),
        "Invalid value $2 for configuration replacement: No group 2",
    );
    assert_config_err(
        RegexRouter::new(&cfg(&[("regex", "x")])),
        "Missing required configuration \"replacement\"",
    );
}

#[test]
fn timestamp_router_defaults() {
    let t = TimestampRouter::new(&cfg(&[])).unwrap();
    let mut r = value_record(None, Value::Null);
    r.timestamp = Some(1_483_425_001_864);
    assert_eq!(apply(&t, r).topic, "test-20170103");
}

#[test]
fn timestamp_router_custom_format_and_missing_timestamp() {
    let t = TimestampRouter::new(&cfg(&[
        ("topic.format", "${timestamp}_${topic}"),
        ("timestamp.format", "yyyy-MM-dd'T'HH"),
    ]))
    .unwrap();
    let mut r = value_record(None, Value::Null);
    r.timestamp = Some(1_483_425_001_864);
    assert_eq!(apply(&t, r.clone()).topic, "2017-01-03T06_test");
    r.timestamp = None;
    assert_data_err(apply_err(&t, r), "Timestamp missing on record");
    assert_config_err(
        TimestampRouter::new(&cfg(&[("timestamp.format", "yyyyQQ")])),
        "Invalid value yyyyQQ for configuration timestamp.format: Illegal pattern character 'Q'",
    );
}
