//! The pipeline on arbitrary bytes: the first byte picks the endpoint (chat, responses,
//! completions, embeddings, moderations, unknown-but-inspected), the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openai_compliance_filter_fuzz::{policy, properties};

fuzz_target!(|data: &[u8]| {
    properties::check_bytes(policy(), data);
});
