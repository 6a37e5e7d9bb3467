use ferroconnect_transforms::util::date_format::DateFormat;
use ferroconnect_transforms::util::java_regex::translate;

const TS: i64 = 1_483_425_001_864; // 2017-01-03T06:30:01.864Z, a Tuesday

#[test]
fn date_format_formats_the_supported_letters() {
    let cases = [
        ("yyyyMMdd", "20170103"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2017-01-03T06:30:01.864+0000"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2017-01-03T06:30:01.864Z"),
        ("yy/M/d h:mm a", "17/1/3 6:30 AM"),
        ("EEE, d MMM yyyy", "Tue, 3 Jan 2017"),
        ("EEEE MMMM", "Tuesday January"),
        ("HH 'o''clock' z", "06 o'clock UTC"),
        ("''yyyy''", "'2017'"),
        ("D", "3"),
    ];
    for (pattern, expected) in cases {
        assert_eq!(
            DateFormat::new(pattern).unwrap().format(TS),
            expected,
            "{pattern}"
        );
    }
}

#[test]
fn date_format_parses_what_it_formats() {
    for pattern in [
        "yyyyMMddHHmmssSSS",
        "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
        "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
        "EEE, d MMM yyyy hh:mm:ss.SSS a z",
        "yyyy MM dd HH mm ss SSS z",
    ] {
        let f = DateFormat::new(pattern).unwrap();
        assert_eq!(f.parse(&f.format(TS)), Some(TS), "{pattern}");
    }
}

#[test]
fn date_format_parse_offsets_leniency_and_failures() {
    let f = DateFormat::new("yyyy-MM-dd'T'HH:mm:ssZ").unwrap();
    assert_eq!(f.parse("1970-01-01T01:00:00+0100"), Some(0));
    let f = DateFormat::new("yyyy-MM-dd'T'HH:mm:ssXXX").unwrap();
    assert_eq!(f.parse("1970-01-01T00:00:00-01:30"), Some(5_400_000));
    let f = DateFormat::new("yyyy-MM-dd").unwrap();
    assert_eq!(f.parse("1970-13-01"), Some(365 * 86_400_000));
    assert_eq!(f.parse("1970-01-02 trailing"), Some(86_400_000));
    assert_eq!(f.parse("1970/01/02"), None);
    assert_eq!(f.parse("1970-01"), None);
}

#[test]
fn date_format_rejects_unknown_letters_and_open_quotes() {
    assert_eq!(
        DateFormat::new("bad-format").unwrap_err(),
        "Illegal pattern character 'b'"
    );
    assert!(DateFormat::new("yyyy G").unwrap_err().contains("'G'"));
    assert_eq!(DateFormat::new("yyyy'T").unwrap_err(), "Unterminated quote");
}

#[test]
fn java_regex_translation() {
    assert_eq!(translate(r"\Qa.b\E.c").unwrap(), r"a\.b.c");
    assert_eq!(translate(r"\u0041").unwrap(), r"\x{0041}");
    assert_eq!(translate(r"\p{Alpha}+").unwrap(), "[a-zA-Z]+");
    assert_eq!(translate(r"[\p{Digit}x]").unwrap(), "[0-9x]");
    assert_eq!(translate("a*?b+?(?:c)").unwrap(), "a*?b+?(?:c)");
    assert_eq!(translate("(?<g>x)").unwrap(), "(?<g>x)");
    assert!(translate("(?!x)").is_err());
    assert!(translate(r"\k<g>").is_err());
    assert!(translate("a?+").is_err());
    assert!(translate(r"x\Z").is_err());
}
