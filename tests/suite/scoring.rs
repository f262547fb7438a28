//! scoring tests.
