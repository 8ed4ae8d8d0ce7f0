//! The reply restorer on arbitrary JSON bodies and SSE streams: no panic, the same output at
//! any chunking, valid stays valid, restoring then pseudonymising again gives the input back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openai_compliance_filter_fuzz::restore_properties;

fuzz_target!(|data: &[u8]| {
    restore_properties::check_restore(data);
});
