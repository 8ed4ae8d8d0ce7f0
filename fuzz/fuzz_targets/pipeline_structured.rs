//! The pipeline on structured chat/responses requests with sensitive values injected in
//! evasive forms (escapes, invisible characters, full-width digits, JSON in strings, numbers).
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use openai_compliance_filter_fuzz::{gen, policy, properties};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok((sel, body)) = gen::request(&mut u) else {
        return;
    };
    if std::env::var_os("OCF_FUZZ_PRINT").is_some() {
        eprintln!("{}", String::from_utf8_lossy(&body));
    }
    properties::check_body(policy(), &properties::endpoint(sel), &body, true);
});
