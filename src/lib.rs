//! trailcheck audits how administrative enforcement agencies keep their whole-process
//! records (行政执法全过程记录).
//!
//! The pipeline is visible in the module tree: [`ingest`] reads an export bundle into the
//! normalised [`model`]; [`rules`] turn it into findings under a [`profile`]; [`scoring`]
//! grades the case files; [`report`] writes the outputs.

pub mod audit;
pub mod calendar;
pub mod cli;
pub mod error;
pub mod fixity;
pub mod ingest;
pub mod model;
pub mod profile;
pub mod report;
pub mod rules;
pub mod sample;
pub mod scoring;
pub mod tracking;
pub mod window;
