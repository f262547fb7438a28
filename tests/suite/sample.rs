//! Generated bundles: the findings equal the generator's ground truth exactly under every
//! profile, the shipped sample is what its documented command produces, and the same seed
//! gives the same bytes.

use crate::support::{bin, PROFILES};
use std::collections::BTreeSet;
use std::path::Path;
use trailcheck::sample::{generate, SampleEncoding, SampleFormat, SampleOptions};

type Key = (String, String, String);

/// Generator options at the default violation rate, cases starting in 2024.
fn options(
    cases: usize,
    seed: u64,
    format: SampleFormat,
    encoding: SampleEncoding,
) -> SampleOptions {
    SampleOptions {
        cases,
        seed,
        format,
        encoding,
        rate: 0.85,
        year: 2024,
    }
}

/// The engine's findings on a bundle under one profile, as of the generator's date.
fn engine_findings(
    b: &trailcheck::model::Bundle,
    profile: &str,
) -> Vec<trailcheck::rules::Finding> {
    let cal = trailcheck::calendar::Calendar::shipped();
    let run = trailcheck::rules::RunCx {
        bundle: b,
        calendar: &cal,
        as_of: trailcheck::sample::as_of(2024),
        fixity: None,
    };
    let judges = trailcheck::rules::engine::Judges::single(
        trailcheck::profile::Profile::load(profile).unwrap(),
    );
    trailcheck::rules::engine::run(&run, &judges).findings
}

fn ground_truth(dir: &Path, profile: &str) -> BTreeSet<Key> {
    let mut r = csv::Reader::from_path(dir.join("ground-truth.csv")).unwrap();
    r.records()
        .map(|x| x.unwrap())
        .filter(|x| &x[0] == profile)
        .map(|x| (x[1].to_string(), x[2].to_string(), x[3].to_string()))
        .collect()
}

fn found(bundle: &Path, profile: &str) -> BTreeSet<Key> {
    let inputs = trailcheck::ingest::Inputs {
        bundle: Some(bundle.to_path_buf()),
        ..Default::default()
    };
    let b = trailcheck::ingest::read_bundle(&inputs).unwrap();
    assert!(
        b.problems.is_empty(),
        "{:#?}",
        &b.problems[..b.problems.len().min(3)]
    );
    let keys: Vec<Key> = engine_findings(&b, profile)
        .iter()
        .map(|f| {
            (
                f.rule().to_string(),
                f.case_no(&b.cases).to_string(),
                f.subject().to_string(),
            )
        })
        .collect();
    let set: BTreeSet<Key> = keys.iter().cloned().collect();
    assert_eq!(set.len(), keys.len(), "finding identities are unique");
    set
}

fn check_exact(format: SampleFormat, encoding: SampleEncoding, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let o = options(600, seed, format, encoding);
    let stats = generate(&o, dir.path()).unwrap();
    assert!(
        stats.expected[0] * 2 >= o.cases,
        "at least one finding for every two cases: {:?}",
        stats.expected
    );
    let bundle = match format {
        SampleFormat::Csv => dir.path().to_path_buf(),
        SampleFormat::Xlsx => dir.path().join("sample.xlsx"),
    };
    for p in PROFILES {
        let want = ground_truth(dir.path(), p);
        let got = found(&bundle, p);
        let missed: Vec<_> = want.difference(&got).take(5).collect();
        let extra: Vec<_> = got.difference(&want).take(5).collect();
        assert!(
            missed.is_empty() && extra.is_empty(),
            "{p}: missed {missed:?} extra {extra:?}"
        );
        assert!(!want.is_empty());
    }
}

#[test]
fn findings_equal_ground_truth_gbk_csv() {
    check_exact(SampleFormat::Csv, SampleEncoding::Gbk, 5);
}

#[test]
fn findings_equal_ground_truth_utf8_csv() {
    check_exact(SampleFormat::Csv, SampleEncoding::Utf8, 6);
}

#[test]
fn findings_equal_ground_truth_xlsx() {
    check_exact(SampleFormat::Xlsx, SampleEncoding::Utf8, 7);
}

fn same_files(a: &Path, b: &Path) {
    let names = |d: &Path| -> BTreeSet<String> {
        std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect()
    };
    assert_eq!(names(a), names(b));
    for n in names(a) {
        assert!(
            std::fs::read(a.join(&n)).unwrap() == std::fs::read(b.join(&n)).unwrap(),
            "{n} differs"
        );
    }
}

#[test]
fn shipped_sample_is_what_its_command_produces() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for (sub, extra) in [
        ("district", &[][..]),
        ("district-xlsx", &["--format", "xlsx"][..]),
    ] {
        let out = dir.path().join(sub);
        let st = bin()
            .args(["sample", "--cases", "300", "--seed", "2024"])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(st.status.success());
        same_files(&root.join("sample-data").join(sub), &out);
    }
}

#[test]
fn same_seed_same_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let o = options(50, 9, SampleFormat::Xlsx, SampleEncoding::Gbk);
    generate(&o, a.path()).unwrap();
    generate(&o, b.path()).unwrap();
    same_files(a.path(), b.path());
    let c = tempfile::tempdir().unwrap();
    generate(&SampleOptions { seed: 10, ..o }, c.path()).unwrap();
    assert!(
        std::fs::read(a.path().join("sample.xlsx")).unwrap()
            != std::fs::read(c.path().join("sample.xlsx")).unwrap()
    );
}

#[test]
fn the_generator_does_not_use_the_rules() {
    let src = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sample.rs"))
        .unwrap();
    assert!(
        !src.contains("crate::rules") && !src.contains("scoring"),
        "the ground truth must come from the generator's own record"
    );
}

/// The engine orders findings by (执法机关, 案号, rule, subject) however the cases are held:
/// ingest holds them in that order, and a bundle held otherwise gives the same list.
#[test]
fn findings_are_in_report_order_whatever_the_case_order() {
    let dir = tempfile::tempdir().unwrap();
    let o = options(700, 3, SampleFormat::Csv, SampleEncoding::Utf8);
    generate(&o, dir.path()).unwrap();
    let inputs = trailcheck::ingest::Inputs {
        bundle: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let mut b = trailcheck::ingest::read_bundle(&inputs).unwrap();
    let listed = |b: &trailcheck::model::Bundle| -> Vec<(String, String, String, String)> {
        engine_findings(b, "district-2018")
            .iter()
            .map(|f| {
                (
                    f.agency(&b.cases).to_string(),
                    f.case_no(&b.cases).to_string(),
                    f.rule().to_string(),
                    f.subject().to_string(),
                )
            })
            .collect()
    };
    let ordered = listed(&b);
    assert!(ordered.len() > 350);
    // Hold the cases in reverse order, every row relinked, and index again.
    let n = b.cases.len() as u32;
    b.cases.reverse();
    let flip = |c: u32| n - 1 - c;
    b.documents.iter_mut().for_each(|r| r.case = flip(r.case));
    b.services.iter_mut().for_each(|r| r.case = flip(r.case));
    b.activities.iter_mut().for_each(|r| r.case = flip(r.case));
    b.access.iter_mut().for_each(|r| r.case = flip(r.case));
    b.media.iter_mut().for_each(|r| r.case = r.case.map(flip));
    b.index = trailcheck::model::index::Index::build(&mut b);
    assert_eq!(listed(&b), ordered);
}
