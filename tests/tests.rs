//! The integration suite: one test binary, modules by topic.

#[path = "suite/support.rs"]
mod support;

#[path = "suite/corpus.rs"]
mod corpus;
#[path = "suite/e2e.rs"]
mod e2e;
#[path = "suite/ingest.rs"]
mod ingest;
#[path = "suite/pdf.rs"]
mod pdf;
#[path = "suite/profiles.rs"]
mod profiles;
#[path = "suite/rules.rs"]
mod rules;
#[path = "suite/sample.rs"]
mod sample;
#[path = "suite/scan.rs"]
mod scan;
#[path = "suite/scoring.rs"]
mod scoring;
