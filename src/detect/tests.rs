//! Unit tests of the detector set through its public API.
