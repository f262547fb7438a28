//! A bundle of CSV tables in which one table is the fuzzer's bytes: the first byte picks
//! the table (its value modulo 6) and whether the bytes replace the file or follow the
//! rows of `tests/fixtures/clean` (bit 0x40, which keeps a valid header so that the bytes
//! reach the row builders). What reads cleanly then goes through every shipped profile's
//! rules, scoring, the findings files, summary.json and the workbook, and the first
//! profile's through the PDF report (its text laid out from the bundle's names). Any panic or
//! sanitizer report is a defect: bad input must end in a finding, a data problem or a
//! clear error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use trailcheck::calendar::Calendar;
use trailcheck::ingest::{read_bundle, Inputs};
use trailcheck::profile::Profile;
use trailcheck::report::pdf::{CjkFont, Templates};
use trailcheck::report::{findings, pdf, summary, xlsx, ReportView, RunMeta};
use trailcheck::rules::engine::{run, Judges};
use trailcheck::rules::RunCx;
use trailcheck::scoring::{score, Rubric};

const TABLES: [&str; 6] = [
    "案件登记.csv",
    "文书记录.csv",
    "送达记录.csv",
    "执法活动.csv",
    "音像记录索引.csv",
    "调阅复制记录.csv",
];

struct Fixed {
    dir: PathBuf,
    out: PathBuf,
    clean: Vec<Vec<u8>>,
    calendar: Calendar,
    profiles: Vec<Profile>,
    rubric: Rubric,
    font: CjkFont,
    templates: Templates,
}

fn fixed() -> &'static Fixed {
    static F: OnceLock<Fixed> = OnceLock::new();
    F.get_or_init(|| {
        let clean = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/clean");
        Fixed {
            dir: tempfile::tempdir().unwrap().keep(),
            out: tempfile::tempdir().unwrap().keep(),
            clean: TABLES
                .iter()
                .map(|t| std::fs::read(clean.join(t)).unwrap())
                .collect(),
            calendar: Calendar::shipped(),
            profiles: Profile::shipped(),
            rubric: Rubric::default_rubric(),
            font: CjkFont::find(None).expect("a CJK font (scripts/test installs one)"),
            templates: Templates::load(None).unwrap(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let f = fixed();
    let which = usize::from(sel % 6);
    for (i, t) in TABLES.iter().enumerate() {
        let bytes = match (i == which, sel & 0x40 != 0) {
            (false, _) => f.clean[i].clone(),
            (true, true) => [&f.clean[i][..], body].concat(),
            (true, false) => body.to_vec(),
        };
        std::fs::write(f.dir.join(t), bytes).unwrap();
    }
    let inputs = Inputs {
        bundle: Some(f.dir.clone()),
        ..Default::default()
    };
    let Ok(bundle) = read_bundle(&inputs) else {
        return;
    };
    let as_of = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let cx = RunCx {
        bundle: &bundle,
        calendar: &f.calendar,
        as_of,
        fixity: None,
    };
    let meta = RunMeta {
        version: String::new(),
        as_of,
        generated_at: String::new(),
        bureau: "司法局".into(),
        period: None,
        input: String::new(),
        media_root: None,
        seconds: 0.0,
    };
    for (i, p) in f.profiles.iter().enumerate() {
        let outcome = run(&cx, &Judges::single(p.clone()));
        let mut found = outcome.findings;
        let (scores, waived) = score(&bundle, &mut found, &[], &f.rubric);
        let calendar_missing: Vec<i32> = outcome.calendar_missing.iter().copied().collect();
        let view = ReportView {
            meta: &meta,
            bundle: &bundle,
            profiles: std::slice::from_ref(p),
            mapped: &[],
            findings: &found,
            waived: &waived,
            waivers: &[],
            scores: &scores,
            rubric: &f.rubric,
            not_evaluated: &outcome.not_evaluated,
            calendar_missing: &calendar_missing,
            tracking: None,
        };
        findings::write_csv(&view, &mut std::io::sink()).unwrap();
        findings::write_jsonl(&view, &mut std::io::sink()).unwrap();
        summary::write(&view, &mut std::io::sink()).unwrap();
        xlsx::write(&view, &f.out.join("report.xlsx"))
            .unwrap()
            .commit()
            .unwrap();
        if i == 0 {
            pdf::write(&view, &f.font, &f.templates, &f.out.join("report.pdf"))
                .unwrap()
                .commit()
                .unwrap();
        }
    }
});
