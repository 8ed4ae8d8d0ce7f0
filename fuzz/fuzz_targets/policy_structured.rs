//! Policy parsing and compilation on plausible documents whose values hold a canary that no
//! error message may echo.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use openai_compliance_filter_fuzz::{gen, properties};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(doc) = gen::policy(&mut u) else {
        return;
    };
    if std::env::var_os("OCF_FUZZ_PRINT").is_some() {
        eprintln!("{}", String::from_utf8_lossy(&doc));
    }
    properties::check_policy(&doc, Some(gen::CANARY));
});
