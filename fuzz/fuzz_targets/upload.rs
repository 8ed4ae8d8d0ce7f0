//! File uploads on arbitrary bytes: the body of a `POST /v1/files` with a fixed boundary
//! (multipart parsing, JSONL lines, batch-line rules, splicing).
#![no_main]

use libfuzzer_sys::fuzz_target;
use openai_compliance_filter_fuzz::{policy, properties};

fuzz_target!(|data: &[u8]| {
    properties::check_upload(policy(), data);
});
