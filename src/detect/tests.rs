//! Unit tests of the detector set through its public API: table-driven positives and hard
//! negatives, evasion views, JSON numbers, config errors, and random input never panicking.

use super::{DetectorSet, Finding, Scratch};
use crate::document::detectors::RawDetectors;
use ocf_devkit::corpus::{self, Rng};

fn set(json: &str) -> DetectorSet {
    let cfg: RawDetectors = serde_json::from_str(json).unwrap();
    DetectorSet::compile(&cfg).unwrap()
}

fn found(set: &DetectorSet, text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    set.scan(text, &mut Scratch::default(), &mut out);
    out.iter()
        .map(|f: &Finding| {
            (
                set.rule(f.rule).unwrap().id.to_string(),
                text[f.start..f.end].to_string(),
            )
        })
        .collect()
}

#[test]
fn positives_table() {
    let s = set("{}");
    let cases: &[(&str, &str, &str)] = &[
        (
            "mail me: jane.doe@example.co.uk.",
            "email",
            "jane.doe@example.co.uk",
        ),
        ("call (415) 555-2671 now", "phone_number", "(415) 555-2671"),
        ("ring +44 20 7946 0958", "phone_number", "+44 20 7946 0958"),
        ("Ruf an: 030 12345678", "phone_number", "030 12345678"),
        ("appelle 06 12 34 56 78", "phone_number", "06 12 34 56 78"),
        (
            "card 4111-1111-1111-1111 ok",
            "payment_card",
            "4111-1111-1111-1111",
        ),
        (
            "amex 3782 822463 10005",
            "payment_card",
            "3782 822463 10005",
        ),
        (
            "IBAN DE89 3704 0044 0532 0130 00",
            "iban",
            "DE89 3704 0044 0532 0130 00",
        ),
        ("ssn 536-22-5921", "us_ssn", "536-22-5921"),
        ("my SSN: 536225921", "us_ssn", "536225921"),
        ("host 192.168.10.4 down", "ip_address", "192.168.10.4"),
        (
            "v6 2001:db8::8a2e:370:7334 up",
            "ip_address",
            "2001:db8::8a2e:370:7334",
        ),
        ("DOB: 1985-03-12", "date_of_birth", "1985-03-12"),
        ("am 12. März 1985 geboren", "date_of_birth", "12. März 1985"),
        ("née le 3 août 1990", "date_of_birth", "3 août 1990"),
        ("NINO AB 12 34 56 C", "uk_nino", "AB 12 34 56 C"),
        ("BSN 111222333", "nl_bsn", "111222333"),
        ("DNI 12345678Z", "es_dni", "12345678Z"),
        (
            "CF RSSMRA85T10A562S",
            "it_codice_fiscale",
            "RSSMRA85T10A562S",
        ),
        ("PESEL 44051401359", "pl_pesel", "44051401359"),
        (
            "NIR 2 55 08 14 168 025 38",
            "fr_nir",
            "2 55 08 14 168 025 38",
        ),
        ("Steuer-ID 86095742719", "de_steuer_id", "86095742719"),
        ("Aadhaar 2341 2341 2346", "in_aadhaar", "2341 2341 2346"),
        (
            "key sk-proj-abc123def456ghi789jkl012mno345",
            "openai_api_key",
            "sk-proj-abc123def456ghi789jkl012mno345",
        ),
        (
            "AKIAIOSFODNN7EXAMPLE",
            "aws_access_key_id",
            "AKIAIOSFODNN7EXAMPLE",
        ),
        (
            "ghp_1234567890abcdefghijABCDEFGHIJ123456",
            "github_token",
            "ghp_1234567890abcdefghijABCDEFGHIJ123456",
        ),
        (
            "postgres://app:S3cr3t!x@db.example.com/x",
            "url_credentials",
            "app:S3cr3t!x",
        ),
        (
            "password = \"Zx9!kQ2#vL7m\"",
            "generic_secret",
            "Zx9!kQ2#vL7m",
        ),
    ];
    for (text, rule, value) in cases {
        let got = found(&s, text);
        assert!(
            got.iter().any(|(r, v)| r == rule && v == value),
            "{text:?}: want {rule} {value:?}, got {got:?}"
        );
    }
}

#[test]
fn hard_negatives_table() {
    let s = set("{}");
    let cases: &[&str] = &[
        "id 123e4567-e89b-12d3-a456-426614174000",
        "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
        "at 2024-06-10T12:34:56Z and 12:30:45",
        "meeting 15/01/2024 or 2024-01-15",
        "upgrade to version 1.2.3.4 or v10.0.19041.1",
        "ISBN 978-3-16-148410-0 and 0-306-40615-2",
        "declined 4111 1111 1111 1112",
        "order #123456789 and order number 7734201956",
        "model gpt-4o-2024-08-06 and claude-3-5-sonnet-20241022",
        "12 * 34 = 408 and 1234 + 5678 = 6912",
        "ping @maria or admin@localhost",
        "the password must be long; token count: 4096",
        "stubborn 1985",
        "std::vector<int> a; b::c",
        "password = %(db_password)s and password: %{DB_PASSWORD}",
        "secret = %{env:DB_PASS} and password=%DB-PASSWORD%",
        "postgres://u:%(db-pass)s@db.local/x",
    ];
    for text in cases {
        let got = found(&s, text);
        assert!(got.is_empty(), "{text:?}: {got:?}");
    }
}

#[test]
fn evasions_map_back_to_the_original_span() {
    let s = set("{}");
    let cases: &[(&str, &str, &str)] = &[
        (
            "card ４１１１ １１１１ １１１１ １１１１!",
            "payment_card",
            "４１１１ １１１１ １１１１ １１１１",
        ),
        (
            "card 4111\u{200B}1111\u{00AD}11111111 end",
            "payment_card",
            "4111\u{200B}1111\u{00AD}11111111",
        ),
        ("ssn ٥٣٦-٢٢-٥٩٢١.", "us_ssn", "٥٣٦-٢٢-٥٩٢١"),
        (
            "key sk-\u{200D}proj-abc123def456ghi789jkl012mno345 x",
            "openai_api_key",
            "sk-\u{200D}proj-abc123def456ghi789jkl012mno345",
        ),
        (
            "mail ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ now",
            "email",
            "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        ),
        ("ip 10.\u{202E}0.0.7 é", "ip_address", "10.\u{202E}0.0.7"),
    ];
    for (text, rule, value) in cases {
        let got = found(&s, text);
        assert!(
            got.iter().any(|(r, v)| r == rule && v == value),
            "{text:?}: want {rule} {value:?}, got {got:?}"
        );
    }
}

/// The layouts of issue #19's misses: each text gives exactly these findings.
#[test]
fn digit_group_layouts() {
    let s = set("{}");
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "cards 4242 4242 4242 4242 5555 5555 5555 4444 and more",
            &[
                ("payment_card", "4242 4242 4242 4242"),
                ("payment_card", "5555 5555 5555 4444"),
            ],
        ),
        (
            "4242424242424242 378282246310005",
            &[
                ("payment_card", "4242424242424242"),
                ("payment_card", "378282246310005"),
            ],
        ),
        (
            "(card 4242 4242 4242 4242)",
            &[("payment_card", "4242 4242 4242 4242")],
        ),
        (
            "1042,Jane Doe,4242424242424242,12/27",
            &[("payment_card", "4242424242424242")],
        ),
        (
            "Call (020) 7946 0018 today",
            &[("phone_number", "(020) 7946 0018")],
        ),
        (
            "Ruf an: (030) 12345678",
            &[("phone_number", "(030) 12345678")],
        ),
        ("(11) 91234-5678", &[("phone_number", "(11) 91234-5678")]),
        ("03(1234)5678", &[("phone_number", "03(1234)5678")]),
        ("1 (415) 555-0132", &[("phone_number", "1 (415) 555-0132")]),
        ("0031 20 123 4567", &[("phone_number", "0031 20 123 4567")]),
        (
            "Customer (SSN 536-22-8351) called",
            &[("us_ssn", "536-22-8351")],
        ),
        ("SSN (536-22-8351)", &[("us_ssn", "536-22-8351")]),
        ("SSN#536228351", &[("us_ssn", "536228351")]),
        ("(SSN:536228351)", &[("us_ssn", "536228351")]),
        ("(2341 2341 2346)", &[("in_aadhaar", "2341 2341 2346")]),
        ("nino ab123456c", &[("uk_nino", "ab123456c")]),
        ("NI AB 123456 C", &[("uk_nino", "AB 123456 C")]),
        ("NIE X-1234567-L", &[("es_dni", "X-1234567-L")]),
        ("NIE X1234567-L", &[("es_dni", "X1234567-L")]),
        ("dni 12345678z", &[("es_dni", "12345678z")]),
        ("DNI 12.345.678-Z", &[("es_dni", "12.345.678-Z")]),
        (
            "cf rssmra85t10a562s",
            &[("it_codice_fiscale", "rssmra85t10a562s")],
        ),
        (
            "IBAN DE89-3704-0044-0532-0130-00",
            &[("iban", "DE89-3704-0044-0532-0130-00")],
        ),
        (
            "Oman OM810180000001299123456",
            &[("iban", "OM810180000001299123456")],
        ),
        ("net 192.0.2.0/24 ok", &[("ip_address", "192.0.2.0/24")]),
        ("via fe80::1%eth0.", &[("ip_address", "fe80::1%eth0")]),
        ("block 2001:db8::/32", &[("ip_address", "2001:db8::/32")]),
        // An IBAN that fails its check is not picked apart into a phone or a card number.
        ("IBAN BE72 0961 2345 6769 bounced", &[]),
        ("IBAN PL62 4111 1111 1111 1111 0000 0000 bounced", &[]),
        ("Call ID 5555-5555-5555 closed", &[]),
        ("ZIP codes 94103 94107 94110", &[]),
    ];
    for (text, want) in cases {
        let got = found(&s, text);
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(r, v)| (r.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want, "{text:?}");
    }
}

/// Encoded forms are found for every kind of rule, and the finding covers the whole encoded
/// value, through the normalised view too.
#[test]
fn encoded_forms_map_back_to_the_whole_token() {
    let s = set(r#"{"keywords":[{"id":"acme","terms":["Project Falcon"]}]}"#);
    let ghp = "ghp_1234567890abcdefghijABCDEFGHIJ123456";
    let b64 = |v: &str| {
        // RFC 4648 §4, written out here so the test does not share the decoder.
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in v.as_bytes().chunks(3) {
            let n = c.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b)) << (8 * (3 - c.len()));
            for k in 0..4 {
                out.push(if k <= c.len() {
                    char::from(A[((n >> (18 - 6 * k)) & 63) as usize])
                } else {
                    '='
                });
            }
        }
        out
    };
    let key_b64 = b64(&format!("token {ghp}"));
    let kw_b64 = b64("about Project Falcon");
    let cases: Vec<(String, Vec<(&str, String)>)> = vec![
        (
            "mailto:jane%40example.com?subject=hi".into(),
            vec![("email", "jane%40example.com".into())],
        ),
        (
            "x\u{200B}y: jane&#64;example&#46;com".into(),
            vec![("email", "jane&#64;example&#46;com".into())],
        ),
        (
            "ａ tel=%2B1%20415%20555%200132".into(),
            vec![("phone_number", "%2B1%20415%20555%200132".into())],
        ),
        (
            format!("echo {key_b64} | base64 -d"),
            vec![("github_token", key_b64.clone())],
        ),
        (format!("note {kw_b64}"), vec![("acme", kw_b64.clone())]),
        (
            "q=Project%20Falcon".into(),
            vec![("acme", "Project%20Falcon".into())],
        ),
        // Nothing encoded holds a value.
        (
            "100%25 done, Tom &amp; Jerry, SGVsbG8sIHdvcmxkIQ==".into(),
            vec![],
        ),
    ];
    for (text, want) in &cases {
        let got = found(&s, text);
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(r, v)| (r.to_string(), v.clone()))
            .collect();
        assert_eq!(&got, &want, "{text:?}");
    }
}

#[test]
fn json_numbers() {
    let s = set("{}");
    let id = |raw: &str, key: Option<&str>| {
        let mut out = Vec::new();
        s.scan_number(raw, key, &mut out);
        out.iter()
            .map(|f| {
                assert_eq!((f.start, f.end), (0, raw.len()));
                s.rule(f.rule).unwrap().id.to_string()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(id("4111111111111111", None), ["payment_card"]);
    assert_eq!(id("536225921", Some("ssn")), ["us_ssn"]);
    assert!(id("536225921", Some("count")).is_empty());
    assert_eq!(id("4155552671", Some("phone")), ["phone_number"]);
    assert_eq!(id("44051401359", Some("pesel")), ["pl_pesel"]);
    assert_eq!(id("234123412346", Some("aadhaar_no")), ["in_aadhaar"]);
    assert!(id("1E400", Some("ssn")).is_empty());
    assert!(id("-0.0", None).is_empty());
    assert!(id("4111111111111112", None).is_empty());
}

#[test]
fn customer_keywords_and_patterns() {
    let s = set(
        r#"{"keywords":[{"id":"codenames","category":"secret_project","terms":["Project Falcon","Müller","acme-x"]}],
            "patterns":[{"id":"emp","regex":"EMP-[0-9]{6}\\b"},{"id":"ticket","regex":"[A-Z]{3}-[0-9]{5}"}]}"#,
    );
    let got = found(
        &s,
        "PROJECT FALCON and project falconry, Herr Müller, ACME-X, emp-123456 EMP-654321 ABC-12345",
    );
    let want = [
        ("codenames", "PROJECT FALCON"),
        ("codenames", "Müller"),
        ("codenames", "ACME-X"),
        ("emp", "EMP-654321"),
        ("ticket", "ABC-12345"),
    ];
    for (r, v) in want {
        assert!(got.iter().any(|g| g.0 == r && g.1 == v), "{r} {v}: {got:?}");
    }
    assert!(!got.iter().any(|g| g.1.contains("falconry")), "{got:?}");
    assert!(!got.iter().any(|g| g.1 == "emp-123456"), "{got:?}");
    let meta = s.rules().iter().find(|r| &*r.id == "codenames").unwrap();
    assert_eq!(&*meta.category, "secret_project");
}

#[test]
fn minimal_rule_ids_stay() {
    let s = set("{}");
    for id in ["email", "payment_card", "openai_api_key"] {
        assert!(s.rules().iter().any(|r| &*r.id == id), "{id}");
    }
    let provider_keys = s
        .rules()
        .iter()
        .filter(|r| &*r.category == "credential")
        .count();
    assert!(provider_keys >= 64, "{provider_keys}");
}

#[test]
fn disabled_rules_and_categories() {
    let s = set(r#"{"disabled":["email","government_id"]}"#);
    assert!(!s
        .rules()
        .iter()
        .any(|r| &*r.id == "email" || &*r.category == "government_id"));
    assert!(found(&s, "a@b.example.com ssn 536-22-5921").is_empty());
}

#[test]
fn config_errors_name_the_path_never_the_value() {
    let cases: &[(&str, &str)] = &[
        (r#"{"disabled":["s3cr3t"]}"#, "detectors.disabled[0]"),
        (
            r#"{"keywords":[{"id":"a","terms":["x"]},{"id":"a","terms":["y"]}]}"#,
            "detectors.keywords[1].id",
        ),
        (
            r#"{"keywords":[{"id":"email","terms":["x"]}]}"#,
            "detectors.keywords[0].id",
        ),
        (
            r#"{"keywords":[{"id":"Bad-Id","terms":["x"]}]}"#,
            "detectors.keywords[0].id",
        ),
        (
            r#"{"keywords":[{"id":"k","terms":[]}]}"#,
            "detectors.keywords[0].terms",
        ),
        (
            r#"{"keywords":[{"id":"k","terms":["ok","  "]}]}"#,
            "detectors.keywords[0].terms[1]",
        ),
        (
            r#"{"patterns":[{"id":"a","regex":"a+"},{"id":"b","regex":"b+"},{"id":"c","regex":"(s3cr3t"}]}"#,
            "detectors.patterns[2].regex",
        ),
        (
            r#"{"patterns":[{"id":"e","regex":"x*"}]}"#,
            "detectors.patterns[0].regex",
        ),
        (
            r#"{"patterns":[{"id":"p","regex":"p+"}],"keywords":[{"id":"p","terms":["x"]}]}"#,
            "detectors.patterns[0].id",
        ),
    ];
    for (json, path) in cases {
        let cfg: RawDetectors = serde_json::from_str(json).unwrap();
        let e = DetectorSet::compile(&cfg).unwrap_err();
        assert_eq!(e.path(), *path, "{json}: {e}");
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
    }
}

#[test]
fn hundred_thousand_keywords_compile_and_match() {
    let mut r = Rng::new(3);
    let terms: Vec<String> = (0..100_000)
        .map(|i| format!("term{i}x{}", r.below(1000)))
        .collect();
    let cfg = RawDetectors {
        keywords: vec![crate::document::detectors::RawKeywordList {
            id: "many".into(),
            category: None,
            terms: terms.clone(),
            action: None,
        }],
        ..RawDetectors::default()
    };
    let s = DetectorSet::compile(&cfg).unwrap();
    let text = format!(
        "we discussed {} and {} today",
        terms[42],
        terms[99_999].to_uppercase()
    );
    let got = found(&s, &text);
    assert_eq!(got.iter().filter(|g| g.0 == "many").count(), 2, "{got:?}");
}

#[test]
fn random_input_never_panics_and_spans_are_char_boundaries() {
    let s = set(
        r#"{"keywords":[{"id":"k","terms":["é", "ab cd", "x1"]}],"patterns":[{"id":"p","regex":"(?i)ab[^z]{0,300}"}]}"#,
    );
    let mut r = Rng::new(99);
    let alphabet: Vec<&str> = vec![
        "a",
        "Z",
        "0",
        "9",
        " ",
        "-",
        ".",
        "@",
        ":",
        "/",
        "+",
        "(",
        ")",
        "_",
        "=",
        "\"",
        "\n",
        "sk-",
        "eyJ",
        "AKIA",
        "-----BEGIN ",
        "://",
        "password=",
        "DOB ",
        "geboren",
        "é",
        "\u{200B}",
        "４",
        "١",
        "\u{FEFF}",
        "💳",
        "Q~",
        ":AA",
        "ab",
        "%",
        "%40",
        "%2B",
        "%25",
        "%C3%A9",
        "&",
        "&#64;",
        "&#x",
        "&nbsp;",
        ";",
        "4242",
        "amFuZUBleGFtcGxlLmNvbQ",
        "NDI0MiA0MjQy",
    ];
    let mut scratch = Scratch::default();
    let mut out = Vec::new();
    for _ in 0..3000 {
        let n = r.below(80);
        let text: String = (0..n).map(|_| *r.pick(&alphabet)).collect();
        out.clear();
        s.scan(&text, &mut scratch, &mut out);
        for f in &out {
            assert!(f.start < f.end && f.end <= text.len(), "{text:?} {f:?}");
            assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        }
        // Random bytes as a lossy string.
        let bytes: Vec<u8> = (0..r.below(64)).map(|_| r.next_u64() as u8).collect();
        let lossy = String::from_utf8_lossy(&bytes);
        out.clear();
        s.scan(&lossy, &mut scratch, &mut out);
        for f in &out {
            assert!(lossy.is_char_boundary(f.start) && lossy.is_char_boundary(f.end));
        }
        s.scan_number(&text, Some(&text), &mut out);
    }
}

#[test]
fn a_context_word_before_a_placeholder_introduced_that_value() {
    // What the pipeline's second round sees: the value the context word introduced is a
    // placeholder now; the next date or number must not borrow the word.
    let s = set("{}");
    let cases = [
        "DOB: [DOB]. The meeting is on 09/06/2022 at 8:16.",
        "arrives 2026-04-26. Er ist am [DOB] geboren.",
        "Er ist am [DOB] geboren. The meeting is on 12/08/2024 at 11:00.",
        "Er ist am [DOB] geboren, Termin 12.08.2024.",
        "Sie ist 1990 geboren. Termin am 12.08.2024.",
        "SSN [SSN] and order 536228351",
        "phone: [PHONE], ticket 0301234567",
    ];
    for text in cases {
        assert_eq!(found(&s, text), vec![], "{text}");
    }
    // Only a placeholder of the same rule cuts the context: client text in brackets does not.
    for (text, rule) in [
        ("SSN: [OK] 536228351", "us_ssn"),
        ("DOB: [OK] 1947-03-25", "date_of_birth"),
        ("born [NB] 1947-03-25", "date_of_birth"),
        ("SSN [PHONE] 536228351", "us_ssn"),
    ] {
        assert_eq!(
            found(&s, text).first().map(|f| f.0.as_str()),
            Some(rule),
            "{text}"
        );
    }
    // Without a placeholder in between, the word still counts.
    assert_eq!(found(&s, "DOB: 1947-03-25.")[0].0, "date_of_birth");
    assert_eq!(found(&s, "geboren am 12.08.1985")[0].1, "12.08.1985");
    // A placeholder in another clause closed nothing; abbreviations end with a period.
    for (text, value) in [
        ("DOB: [DOB], geboren am 12.03.1985", "12.03.1985"),
        (
            "am [DOB] geboren, sein Bruder wurde geboren am 03.04.1990.",
            "03.04.1990",
        ),
        ("D.O.B. 12/03/1985", "12/03/1985"),
        (
            "Patient: John Smith, D.O.B. 03/12/1985, MRN 12345",
            "03/12/1985",
        ),
        ("DOB. 1985-03-12", "1985-03-12"),
        ("Date of birth. 12/03/1985", "12/03/1985"),
    ] {
        assert!(
            found(&s, text).contains(&("date_of_birth".to_string(), value.to_string())),
            "{text}: {:?}",
            found(&s, text)
        );
    }
    assert_eq!(
        found(&s, "Er ist am 1. Mai 1944 geboren. Termin 12/08/2024."),
        vec![("date_of_birth".to_string(), "1. Mai 1944".to_string())]
    );
    assert_eq!(found(&s, "SSN 536228351")[0].0, "us_ssn");
}

/// The keyword findings of `s` on `text`, as the matched text.
fn keyword_hits(s: &DetectorSet, text: &str) -> Vec<String> {
    let mut v: Vec<String> = found(s, text)
        .into_iter()
        .filter(|g| g.0 == "k")
        .map(|g| g.1)
        .collect();
    v.sort();
    v
}

#[test]
fn keyword_word_fingerprint_edges() {
    let s = set(
        r#"{"keywords":[{"id":"k","terms":["alpha","a","x1","2fa","_under","Müller","Ärger",
            "abcdefgh","abcdefghi","abcdefghijklmnop","abcdefghijklmnopqrstuvwxyz",
            "Project Falcon","ab-x1","zz"]}]}"#,
    );
    let cases: &[(&str, &[&str])] = &[
        // Start and end of the text (the end inside the last, partial eight bytes).
        ("alpha", &["alpha"]),
        ("alpha beta alpha", &["alpha", "alpha"]),
        ("ALPHA!", &["ALPHA"]),
        // Case folding.
        ("AlPhA and aLpHa", &["AlPhA", "aLpHa"]),
        // Glued to a letter, a digit or `_`: no match.
        ("alphas xalpha alpha1 alpha_ _alpha", &[]),
        // Next to punctuation: a match.
        ("(alpha) \"alpha\", alpha.alpha-alpha", &["alpha"; 5]),
        // One-letter term: only as a whole word.
        ("is a test; abc, A.", &["A", "a"]),
        // Digits, `_`, words starting with a digit.
        ("see x1 now x12 1x1 x1", &["x1", "x1"]),
        ("2fa on, 2FA off, 22fa, 2fab", &["2FA", "2fa"]),
        ("_under __under _under_ _UNDER", &["_UNDER", "_under"]),
        // UTF-8: non-ASCII bytes are word bytes and compare exactly.
        ("Herr Müller, Müllers, MÜLLER", &["Müller"]),
        ("Ärger! Ärgernis", &["Ärger"]),
        // Eight, nine, sixteen and more bytes.
        (
            "abcdefgh abcdefghi abcdefghij ABCDEFGHIJKLMNOP abcdefghijklmnopq",
            &["ABCDEFGHIJKLMNOP", "abcdefgh", "abcdefghi"],
        ),
        (
            "x abcdefghijklmnopqrstuvwxyz, abcdefghijklmnopqrstuvwxyzz",
            &["abcdefghijklmnopqrstuvwxyz"],
        ),
        // Multi-word terms: separators exact, the last word whole.
        (
            "PROJECT FALCON; Project Falconry; Project  Falcon; project falcon",
            &["PROJECT FALCON", "project falcon"],
        ),
        // ("x1" is a term too, and a whole word after `-`.)
        ("ab-x1 ab-x12 ab-x1-", &["ab-x1", "ab-x1", "x1", "x1"]),
        // A word holding digits after letters goes through the exact path.
        ("zz9 zz 9zz zz_", &["zz"]),
    ];
    for (text, want) in cases {
        let mut want: Vec<String> = want.iter().map(|w| w.to_string()).collect();
        want.sort();
        assert_eq!(keyword_hits(&s, text), want, "{text:?}");
    }
}

#[test]
fn random_term_lists_match_the_reference() {
    // Random lists (letters of both cases, digits, `_`, non-ASCII, inner spaces and hyphens;
    // first words of 1 to 20 bytes) on random text built from the same pieces, so that terms
    // occur whole, glued and split across chunk boundaries.
    let pieces = [
        "a", "b", "c", "A", "B", "C", "7", "_", "é", "ß", " ", " ", " ", "-", ".", ",", "\n", "ab",
        "abc", "bca", "ABC", "abcabcab", "cabcabca",
    ];
    let mut r = Rng::new(11);
    for round in 0..300 {
        let mut terms: Vec<String> = Vec::new();
        for _ in 0..r.range(1, 6) {
            let mut t = String::new();
            let words = if r.chance(0.3) { 2 } else { 1 };
            for w in 0..words {
                if w > 0 {
                    t.push_str(if r.chance(0.5) { " " } else { "-" });
                }
                let n = r.range(1, 20);
                while t.len() < n || t.ends_with([' ', '-']) {
                    let p = *r.pick(&pieces);
                    if !matches!(p, " " | "-" | "." | "," | "\n") {
                        t.push_str(p);
                    }
                }
            }
            // (A list holds a term once, whatever its case.)
            if !terms.iter().any(|u| u.eq_ignore_ascii_case(&t)) {
                terms.push(t);
            }
        }
        let list: Vec<String> = terms.iter().map(|t| format!("{t:?}")).collect();
        let s = set(&format!(
            r#"{{"keywords":[{{"id":"k","terms":[{}]}}]}}"#,
            list.join(",")
        ));
        let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
        for _ in 0..40 {
            let mut text = String::new();
            for _ in 0..r.below(30) {
                if r.chance(0.15) {
                    text.push_str(r.pick::<&str>(&refs));
                } else {
                    text.push_str(r.pick::<&str>(&pieces));
                }
            }
            assert_eq!(
                keyword_hits(&s, &text),
                keyword_reference(&text, &refs),
                "round {round}: terms {terms:?}, text {text:?}"
            );
        }
    }
}

#[test]
fn long_words_are_read_once() {
    // One long word made of many runs of sixteen letters or more, glued by `_`, a digit or a
    // non-ASCII letter: the keyword scan reads it once, not once per run (which was
    // quadratic). Letters-only and mixed term lists.
    for terms in [r#"["meeting"]"#, r#"["x_1", "meeting"]"#] {
        let s = set(&format!(r#"{{"keywords":[{{"id":"k","terms":{terms}}}]}}"#));
        for sep in ["_", "1", "é"] {
            let text = format!("{}{sep}", "a".repeat(16)).repeat(2000);
            super::pass::ANY_WORD_BYTES.with(|n| n.set(0));
            assert!(keyword_hits(&s, &text).is_empty());
            let read = super::pass::ANY_WORD_BYTES.with(|n| n.get());
            assert!(
                read <= 2 * text.len(),
                "{terms} {sep:?}: {read} bytes read for {}",
                text.len()
            );
        }
    }
}

#[test]
fn keywords_of_every_length_at_every_alignment() {
    // A one-word term of each length from 1 to 20 letters, at each offset in a 64-byte block
    // of the pass and past it: found whole (in any case, before punctuation, at the end of the text), not as
    // part of a longer word (letters, a digit, `_` or a non-ASCII byte before or after it).
    let letters = "abcdefghijklmnopqrst";
    for n in 1..=letters.len() {
        let term = &letters[..n];
        let s = set(&format!(
            r#"{{"keywords":[{{"id":"k","terms":["{term}"]}}]}}"#
        ));
        let upper = term.to_ascii_uppercase();
        for offset in 0..80 {
            let pad = " ".repeat(offset);
            let text = format!(
                "{pad}{term} {term}x x{term} {term}1 1{term} {term}_ é{term} {term}é {upper}. {term}"
            );
            let mut want = vec![term.to_string(), upper.clone(), term.to_string()];
            want.sort();
            assert_eq!(keyword_hits(&s, &text), want, "{text:?}");
        }
    }
}

#[test]
fn letter_initial_anchors_after_any_run_of_short_words() {
    // A pass probes the word starts of each 64-byte block in a loop. A key that starts with
    // letters is found at every offset in a block, as the first, second, third or later word
    // start of it.
    let s = set("{}");
    let key = "AKIAIOSFODNN7EXAMPLE";
    for offset in 0..80 {
        for words in 0..6 {
            let text = format!("{}{}{key} ok", " ".repeat(offset), "a ".repeat(words));
            assert_eq!(
                found(&s, &text),
                [("aws_access_key_id".to_string(), key.to_string())],
                "{text:?}"
            );
        }
    }
}

/// Keyword matches by definition: case-insensitive (ASCII) equality at a word start, with no
/// word byte after the end.
fn keyword_reference(text: &str, terms: &[&str]) -> Vec<String> {
    let t = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let mut v = Vec::new();
    for ws in 0..t.len() {
        if ws > 0 && word(t[ws - 1]) {
            continue;
        }
        for term in terms {
            let end = ws + term.len();
            if end <= t.len()
                && t[ws..end].eq_ignore_ascii_case(term.as_bytes())
                && !t.get(end).is_some_and(|&b| word(b))
            {
                v.push(text[ws..end].to_string());
            }
        }
    }
    v.sort();
    v
}

#[test]
fn keywords_match_the_reference_on_random_text() {
    // Mixed lists, and lists whose first words are all letters (the pass then hands no word
    // holding a digit, `_` or non-ASCII byte to the filter) or none are.
    let lists: &[&[&str]] = &[
        &[
            "ab",
            "a",
            "x1",
            "1b",
            "_a",
            "ab ab",
            "ab-x1",
            "abcdefgh",
            "abcdefghijklmnop",
            "b_1",
            "bé",
        ],
        &[
            "ab",
            "a",
            "ab ab",
            "ab-x1",
            "abcdefgh",
            "abcdefghijklmnop",
            "ijklmnopq",
        ],
        &["x1", "1b", "_a", "b_1", "bé", "é"],
    ];
    let alphabet = [
        "a", "b", "A", "B", "x", "1", "_", " ", " ", ".", "-", ",", "ab", "AB", "abcdefgh",
        "ijklmnop", "IJKLMNOP", "\n", "é", "É",
    ];
    for (k, terms) in lists.iter().enumerate() {
        let list: Vec<String> = terms.iter().map(|t| format!("{t:?}")).collect();
        let s = set(&format!(
            r#"{{"keywords":[{{"id":"k","terms":[{}]}}]}}"#,
            list.join(",")
        ));
        let mut r = Rng::new(7 + k as u64);
        for _ in 0..4000 {
            let n = r.below(40);
            let text: String = (0..n).map(|_| *r.pick(&alphabet)).collect();
            assert_eq!(
                keyword_hits(&s, &text),
                keyword_reference(&text, terms),
                "list {k}: {text:?}"
            );
        }
    }
}

#[test]
fn keyword_lists_leave_builtin_findings_unchanged() {
    // The pass finds words differently with keywords (every word start goes to the filter);
    // the built-in rules must not notice.
    let plain = set("{}");
    let with = set(r#"{"keywords":[{"id":"k","terms":["meeting","zz top","x1","_a"]}]}"#);
    let builtin = |s: &DetectorSet, text: &str| -> Vec<Finding> {
        let mut out = Vec::new();
        s.scan(text, &mut Scratch::default(), &mut out);
        out.retain(|f| &*s.rule(f.rule).unwrap().id != "k");
        out.sort();
        out
    };
    let mut texts: Vec<String> = corpus::generate(0xC0FFEE, 3000, false)
        .into_iter()
        .map(|s| s.text)
        .collect();
    texts.push(corpus::chat_text(5, 1 << 18));
    for text in &texts {
        assert_eq!(builtin(&plain, text), builtin(&with, text), "{text:?}");
    }
}

#[test]
fn credential_miss_classes_of_issue_19_are_found() {
    // One case per class the issue lists (values made up to each provider's format).
    let s = set("{}");
    let aws_secret = "wJalrXUtnFEMIK7MDENGbPxRfiCY9xq2Lm4ZtB+8";
    let cases: Vec<(String, &str, String)> = vec![
        (format!("AWS_SECRET_ACCESS_KEY={aws_secret}"), "aws_secret_access_key", aws_secret.into()),
        (format!("./deploy.sh --aws-secret-access-key {aws_secret} --region eu-west-1"), "aws_secret_access_key", aws_secret.into()),
        (format!("- name: AWS_SECRET_ACCESS_KEY\n  value: {aws_secret}"), "aws_secret_access_key", aws_secret.into()),
        ("DB_PASSWORD=q8Lz2VxK7mPw4NcT9bRf".into(), "generic_secret", "q8Lz2VxK7mPw4NcT9bRf".into()),
        ("password: Xk9#mP;2qL(z8v!R".into(), "generic_secret", "Xk9#mP;2qL(z8v!R".into()),
        ("<key>Password</key>\n<string>Hq7vX2kP9mLz4Rt8</string>".into(), "generic_secret", "Hq7vX2kP9mLz4Rt8".into()),
        ("<name>javax.jdo.option.ConnectionPassword</name>\n  <value>Hq7vX2kP9mLz4Rt8</value>".into(), "generic_secret", "Hq7vX2kP9mLz4Rt8".into()),
        ("db_pass = 'Hq7vX2kP9mLz4Rt8'".into(), "generic_secret", "Hq7vX2kP9mLz4Rt8".into()),
        ("creds: Hq7vX2kP9mLz4Rt8".into(), "generic_secret", "Hq7vX2kP9mLz4Rt8".into()),
        ("user_auth: \"Hq7vX2kP9mLz4Rt8\"".into(), "generic_secret", "Hq7vX2kP9mLz4Rt8".into()),
        ("keytool -list -storepass Hq7vX2kP9mLz4Rt8".into(), "generic_secret", "Hq7vX2kP9mLz4Rt8".into()),
        (
            "sntrys_eyJpYXQiOjE3MTQ2NDE2MDAsInVybCI6Imh0dHBzOi8vc2VudHJ5LmlvIn0=_Qm9vZ2llV29vZ2llQm9vZ2llV29vZ2llQm9vZ2llV28".into(),
            "sentry_token",
            "sntrys_eyJpYXQiOjE3MTQ2NDE2MDAsInVybCI6Imh0dHBzOi8vc2VudHJ5LmlvIn0=_Qm9vZ2llV29vZ2llQm9vZ2llV29vZ2llQm9vZ2llV28".into(),
        ),
        (
            "https://discord.com/api/webhooks/1234567890123456789/aB3-dE_fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE1fG3hI5jK7lM9nO1pQ3rS5tU7vW9xY1zA3".into(),
            "discord_webhook",
            "discord.com/api/webhooks/1234567890123456789/aB3-dE_fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE1fG3hI5jK7lM9nO1pQ3rS5tU7vW9xY1zA3".into(),
        ),
        (
            "AZURE_STORAGE_KEY=n0G9W8uw8de9puyHB9d3xvE/pg3mKBxfeN4/YYsakj8DuzdoRy7q3sRjKMPMEiOennEgIQD43wE1xjf1+yrfKg==".into(),
            "azure_storage_key",
            "n0G9W8uw8de9puyHB9d3xvE/pg3mKBxfeN4/YYsakj8DuzdoRy7q3sRjKMPMEiOennEgIQD43wE1xjf1+yrfKg==".into(),
        ),
        ("NEW_RELIC_BROWSER_KEY=NRJS-0a1b2c3d4e5f6a7b8c9".into(), "newrelic_key", "NRJS-0a1b2c3d4e5f6a7b8c9".into()),
        ("vault login s.Xk9mPq2Lz8vRt4Yw7Nb3Cd6F".into(), "vault_token", "s.Xk9mPq2Lz8vRt4Yw7Nb3Cd6F".into()),
        ("//registry.npmjs.org/:_authToken=0f8c2b4e-7d1a-4c3b-9e5f-6a2d8b0c4e1f".into(), "npm_token", "0f8c2b4e-7d1a-4c3b-9e5f-6a2d8b0c4e1f".into()),
    ];
    for (text, rule, value) in &cases {
        let got = found(&s, text);
        assert!(
            got.iter().any(|(r, v)| r == rule && v == value),
            "{text:?}: want {rule} {value:?}, got {got:?}"
        );
    }
    // Prefix formats added from the providers' documentation.
    let body40 = "Ab3dE5fG7hJ9kL1mN3pQ5rS7tV9wX1yZ3bC5dF7g";
    for (key, rule) in [
        (format!("cfut_{body40}0a1b2c3d"), "cloudflare_api_key"),
        (format!("fm2_{body40}{body40}{body40}+/=="), "flyio_token"),
        (
            format!("rdme_{}", "x7k2q9m4z8p1w3".repeat(5)),
            "readme_api_key",
        ),
        (format!("dckr_pat_{}", &body40[..27]), "docker_hub_token"),
        (
            format!("ATATT3xFfGF0{}=0A1B2C3D", "Ab3dE5fG7hJ9kL1-_x".repeat(10)),
            "atlassian_api_token",
        ),
    ] {
        let text = format!("token: {key} end");
        let got = found(&s, &text);
        assert!(
            got.iter().any(|(r, v)| r == rule && *v == key),
            "{text:?}: {got:?}"
        );
    }
}

#[test]
fn code_placeholders_and_lookalikes_are_not_credentials() {
    let s = set("{}");
    for text in [
        "implementation 'io.jsonwebtoken:jjwt-api:0.12.6'",
        "implementation(\"com.auth0:java-jwt:4.4.0\")",
        "publicToken = \"public-sandbox-3f1c9a7e-58d2-4b1e-9f3a-0c6d2e8b7a41\"",
        "See docs/sk-deployment-runbook-2023-q4.md and sk-notification-service-v2-config.yaml",
        "password: ENC[AES256_GCM,data:Zm9vYmFyYmF6,iv:cXV4cXV1eA==,tag:Y29yZ2U=,type:str]",
        "token: ACCESS_TOKEN",
        "API_KEY=insert_key_here",
        "OPENAI_API_KEY=sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "api_key: <your-api-key>",
        "password: changeme",
        "API_KEY=${API_KEY}",
        "token = os.environ['GITHUB_TOKEN']",
        "const key = process.env.STRIPE_KEY;",
        "secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY!,",
        "token: ${{ secrets.GITHUB_TOKEN }}",
        "password = var.db_password",
        "secret := getenv(\"APP_SECRET\")",
        "password: vault:secret/data/app#db_password",
        "DB_PASSWORD=op://Production/Postgres/password",
        "token: ApiToken!",
        "Ok(Secret::new(fs::read_to_string(&self.password_file)?))",
        "docker build --secret id=gh_token,src=token.txt .",
        "password_encryption = scram-sha-256",
        "\"STRIPE_SECRET_KEY\": \"@stripe-secret-key\"",
        "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
        "DATABASE_URL=postgresql://postgres:postgres@localhost:5432/test",
        "password: arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-Xy12Ab",
        "ANTHROPIC_API_KEY=sk-ant-api03-...",
        "OPENAI_API_KEY=sk-...Ab3d",
        "mapboxgl.accessToken = 'pk.eyJ1IjoiYWNtZSIsImEiOiJjbHg5a2VxZ3AwMDAwMmtxcjZ3ZXh5bm1zIn0.Xk9mP2qLz8vR4tYw1QeA';",
    ] {
        let got = found(&s, text);
        assert!(got.is_empty(), "{text:?}: {got:?}");
    }
}

#[test]
fn a_credential_inside_url_credentials_is_reported_as_itself() {
    let s = set("{}");
    let tok = "ghp_Ab3dE5fG7hJ9kL1mN3pQ5rS7tV9wX1yZ3bC5";
    let text = format!("git clone https://x-access-token:{tok}@github.com/acme/app.git");
    let got = found(&s, &text);
    assert!(
        got.iter().any(|(r, v)| r == "github_token" && v == tok),
        "{got:?}"
    );
    assert!(got.iter().any(|(r, _)| r == "url_credentials"), "{got:?}");
}

#[test]
fn signed_urls_are_one_finding_of_their_own() {
    let s = set("{}");
    let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAQ3EGUMZ7XKW2LPRB%2F20240501%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240501T101112Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
    let text = format!("see https://b.s3.amazonaws.com/a.png?{query} now");
    assert_eq!(
        found(&s, &text),
        vec![("signed_url".to_string(), query.to_string())]
    );
    let sas = "sp=r&se=2024-05-01T18:00:00Z&sv=2022-11-02&sr=b&sig=AbCd%2BEf%3D";
    let text = format!("https://x.blob.core.windows.net/c/f.png?{sas}");
    assert_eq!(
        found(&s, &text),
        vec![("signed_url".to_string(), sas.to_string())]
    );
    // Without it, the access key id inside is a credential again.
    let off = set(r#"{"disabled":["signed_url"]}"#);
    let text = format!("see https://b.s3.amazonaws.com/a.png?{query} now");
    assert!(found(&off, &text)
        .iter()
        .any(|(r, _)| r == "aws_access_key_id"));
    // A `sig=` that is no SAS, a plain object URL: nothing.
    assert!(found(&s, "https://example.com/verify?sig=ok&user=3").is_empty());
    assert!(found(&s, "https://b.s3.amazonaws.com/a.png").is_empty());
}

#[test]
fn a_password_given_in_prose_in_other_languages_is_found() {
    let s = set("{}");
    for (text, want) in [
        ("Das Passwort lautet Xk9#mP2qLz8v", "Xk9#mP2qLz8v"),
        ("Le mot de passe est Xk9#mP2qLz8v.", "Xk9#mP2qLz8v"),
        ("La contraseña es Xk9#mP2qLz8v", "Xk9#mP2qLz8v"),
        ("A senha é Xk9#mP2qLz8v", "Xk9#mP2qLz8v"),
        ("Мой пароль: Xk9#mP2qLz8v", "Xk9#mP2qLz8v"),
        // Capitalised and upper-case words with letters beyond ASCII.
        ("Şifre: Xk9#mP2qLz8v", "Xk9#mP2qLz8v"),
        ("ŞIFRE: Xk9#mP2qLz8v", "Xk9#mP2qLz8v"),
        ("ПАРОЛЬ: Xk9#mP2qLz8v", "Xk9#mP2qLz8v"),
        ("Пароль это Xk9#mP2qLz8v", "Xk9#mP2qLz8v"),
        ("HASŁO: Xk9#mP2qLz8v", "Xk9#mP2qLz8v"),
        ("LÖSENORD: Xk9#mP2qLz8v", "Xk9#mP2qLz8v"),
        ("Lösenord: Xk9#mP2qLz8v", "Xk9#mP2qLz8v"),
        ("CONTRASEÑA: Xk9#mP2qLz8v", "Xk9#mP2qLz8v"),
        ("パスワードは Xk9#mP2qLz8v です", "Xk9#mP2qLz8v"),
        ("Mera password Xk9#mP2qLz8v hai", "Xk9#mP2qLz8v"),
    ] {
        let got = found(&s, text);
        assert!(
            got.iter().any(|(r, v)| r == "generic_secret" && v == want),
            "{text:?}: {got:?}"
        );
    }
    for text in [
        "'password' => ['required', Password::min(12)->mixedCase()->numbers()]",
        "password reset link sent to Xk9#mP2qLz8v",
        "Das Passwort lautet Sommer2024",
        "passwords Xk9#mP2qLz8v",
    ] {
        let got = found(&s, text);
        assert!(got.is_empty(), "{text:?}: {got:?}");
    }
}
