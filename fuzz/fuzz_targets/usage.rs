//! Token usage from replies on arbitrary bytes: read as sent, through gzip and deflate (the
//! same usage), and as damaged compressed bodies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openai_compliance_filter_fuzz::properties;

fuzz_target!(|data: &[u8]| {
    properties::check_usage(data);
});
