use ferroconnect_transforms::util::field_path::{parse_v2, FieldPath, FieldSyntaxVersion};

#[test]
fn v2_paths_split_into_the_reference_steps() {
    let cases: &[(&str, &[&str])] = &[
        ("foo.bar.baz", &["foo", "bar", "baz"]),
        ("foobarbaz", &["foobarbaz"]),
        ("foo`bar`baz", &["foo`bar`baz"]),
        ("`foo.bar.baz`", &["foo.bar.baz"]),
        ("foo.`bar.baz`", &["foo", "bar.baz"]),
        ("`foo.bar`.baz", &["foo.bar", "baz"]),
        ("foo.`bar`.baz", &["foo", "bar", "baz"]),
        ("foo.``bar.baz`", &["foo", "`bar.baz"]),
        ("foo.`ba`r.baz`", &["foo", "ba`r.baz"]),
        ("foo.ba`r.baz", &["foo", "ba`r", "baz"]),
        ("foo.``bar``.baz", &["foo", "`bar`", "baz"]),
        ("foo.`bar\\`.baz`", &["foo", "bar`.baz"]),
        ("..", &["", "", ""]),
        ("foo..", &["foo", "", ""]),
        (".bar.", &["", "bar", ""]),
        ("..baz", &["", "", "baz"]),
        ("", &[]),
    ];
    for (path, steps) in cases {
        let got = parse_v2(path).unwrap();
        assert_eq!(
            got,
            steps.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            "path {path:?}"
        );
    }
}

#[test]
fn v2_unclosed_backticks_are_rejected_with_their_position() {
    for (path, pos) in [
        ("`foo.bar.baz", 0),
        ("foo.`bar.baz", 4),
        ("foo.bar.`baz", 8),
    ] {
        let e = parse_v2(path).unwrap_err();
        assert_eq!(
            e,
            format!(
                "Incomplete backtick pair in path: [{path}], consider adding a backslash before backtick at position {pos} to escape it"
            )
        );
    }
}

#[test]
fn v1_is_always_one_step() {
    let p = FieldPath::parse("foo.`bar`.baz", FieldSyntaxVersion::V1, "field").unwrap();
    assert_eq!(p.steps(), &["foo.`bar`.baz".to_string()]);
}
