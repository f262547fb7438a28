//! The files a user hands trailcheck besides the export, as the fuzzer's bytes: the first
//! byte picks a profile (whose rules then run on `tests/fixtures/clean`), a rubric (which
//! then scores that bundle's findings), a holiday calendar, a column mapping, a waiver list,
//! a baseline run's findings.jsonl (tracked against the bundle's findings) or a trend's
//! summary.json. Each must end in a value or a clear error; any panic is a defect.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use trailcheck::calendar::Calendar;
use trailcheck::ingest::mapping::Mapping;
use trailcheck::ingest::{read_bundle, Inputs};
use trailcheck::model::Bundle;
use trailcheck::profile::Profile;
use trailcheck::rules::engine::{run, Judges};
use trailcheck::rules::{Finding, RunCx};
use trailcheck::scoring::{load_waivers, score, Rubric};

struct Fixed {
    dir: PathBuf,
    clean: PathBuf,
    henan: Profile,
    bundle: Bundle,
    calendar: Calendar,
    findings: Vec<Finding>,
}

fn fixed() -> &'static Fixed {
    static F: OnceLock<Fixed> = OnceLock::new();
    F.get_or_init(|| {
        let clean = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/clean");
        let bundle = read_bundle(&Inputs {
            bundle: Some(clean.clone()),
            ..Default::default()
        })
        .unwrap();
        let calendar = Calendar::shipped();
        let findings = run(
            &cx(&bundle, &calendar),
            &Judges::single(Profile::load("district-2018").unwrap()),
        )
        .findings;
        Fixed {
            dir: tempfile::tempdir().unwrap().keep(),
            clean,
            henan: Profile::load("henan-2019").unwrap(),
            bundle,
            calendar,
            findings,
        }
    })
}

fn cx<'a>(bundle: &'a Bundle, calendar: &'a Calendar) -> RunCx<'a> {
    RunCx {
        bundle,
        calendar,
        as_of: chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
        fixity: None,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let f = fixed();
    let text = String::from_utf8_lossy(body);
    match sel % 7 {
        0 => {
            if let Ok(p) = Profile::parse(&text, "fuzz.toml") {
                let _ = run(&cx(&f.bundle, &f.calendar), &Judges::single(p));
            }
        }
        1 => {
            if let Ok(r) = Rubric::parse(&text, "fuzz.toml") {
                let mut found = f.findings.clone();
                let _ = score(&f.bundle, &mut found, &[], &r);
            }
        }
        2 => {
            let mut c = Calendar::shipped();
            if c.add_json(&text, "fuzz.json").is_ok() {
                let _ = run(&cx(&f.bundle, &c), &Judges::single(f.henan.clone()));
            }
        }
        3 => {
            if let Ok(m) = Mapping::parse(&text, "fuzz.toml") {
                let _ = read_bundle(&Inputs {
                    bundle: Some(f.clean.clone()),
                    mapping: m,
                    ..Default::default()
                });
            }
        }
        4 => {
            let p = f.dir.join("waivers.csv");
            std::fs::write(&p, body).unwrap();
            if let Ok(w) = load_waivers(&p) {
                let mut found = f.findings.clone();
                let _ = score(&f.bundle, &mut found, &w, &Rubric::default_rubric());
            }
        }
        5 => {
            std::fs::write(f.dir.join("findings.jsonl"), body).unwrap();
            let mut found = f.findings.clone();
            let _ = trailcheck::tracking::track(&mut found, &f.dir, &f.bundle);
        }
        _ => {
            std::fs::write(f.dir.join("summary.json"), body).unwrap();
            if let Ok(t) = trailcheck::report::trend::load(std::slice::from_ref(&f.dir)) {
                let _ = t.table();
            }
        }
    }
});
