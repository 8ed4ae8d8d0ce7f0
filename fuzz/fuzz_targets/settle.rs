//! Settling long strings: chat requests whose messages are long prose (or a long delimited
//! table) with values, context words and glue inserted at chosen places. A rewrite must hold
//! nothing a fresh pass would redact, however the replacements cut runs, move context or mend
//! a table's rows.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use openai_compliance_filter_fuzz::{gen, policy, properties};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(body) = gen::long_request(&mut u) else {
        return;
    };
    if std::env::var_os("OCF_FUZZ_PRINT").is_some() {
        eprintln!("{}", String::from_utf8_lossy(&body));
    }
    properties::check_body(policy(), &properties::endpoint(0), &body, true);
});
