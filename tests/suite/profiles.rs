//! profiles tests.
