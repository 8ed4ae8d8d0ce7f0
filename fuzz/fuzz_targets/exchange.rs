//! The request state machine fed arbitrary header pairs (non-UTF-8 values, duplicates, case
//! variants) and body-size sequences, as a lying or odd host might deliver them.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use openai_compliance_filter_fuzz::{gen, properties};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(script) = gen::exchange(&mut u) else {
        return;
    };
    if std::env::var_os("OCF_FUZZ_PRINT").is_some() {
        eprintln!("{script:?}");
    }
    properties::check_exchange(&script);
});
