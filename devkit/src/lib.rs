//! Dev-only tools of openai-compliance-filter, kept out of the shipped library: [`corpus`],
//! the seeded generator of labelled text that the quality tests, the unit tests' random inputs
//! and the core benchmark (`src/bin/bench_core.rs`, `make bench-core`) draw from.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod corpus;
