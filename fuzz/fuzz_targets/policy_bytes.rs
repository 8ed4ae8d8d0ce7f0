//! Policy parsing and compilation on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openai_compliance_filter_fuzz::properties;

fuzz_target!(|data: &[u8]| {
    properties::check_policy(data, None);
});
