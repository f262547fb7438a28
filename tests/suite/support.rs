//! Fixture helpers: a compliant case file (tests/fixtures/clean) loaded into memory, small
//! edits that break exactly one duty, and a run of the library or the binary on the result.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use trailcheck::calendar::Calendar;
use trailcheck::ingest::{read_bundle, Inputs};
use trailcheck::profile::Profile;
use trailcheck::rules::engine::{self, Judges, Outcome};
use trailcheck::rules::{Finding, RunCx};

/// The folder of the clean fixture.
pub fn clean_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clean")
}

/// The five shipped profile ids.
pub const PROFILES: [&str; 5] = [
    "district-2018",
    "henan-2019",
    "pingluo-veterans",
    "jinpu-justice",
    "lingshou-approval",
];

/// Run `trailcheck audit ARGS --out OUT DATA`.
pub fn audit_run(args: &[&str], data: &Path, out: &Path) -> std::process::Output {
    bin()
        .arg("audit")
        .args(args)
        .arg("--out")
        .arg(out)
        .arg(data)
        .output()
        .unwrap()
}

/// Assert that a run exited 0, showing what it printed on stderr otherwise.
pub fn assert_ok(o: &std::process::Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The binary under test.
pub fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_trailcheck"))
}

/// A template folder in `dir` (`dir/tpl`) holding `report` as its report.tera and the
/// shipped remedies.toml.
pub fn template_folder(dir: &Path, report: &str) -> PathBuf {
    let t = dir.join("tpl");
    std::fs::create_dir_all(&t).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("report-templates");
    std::fs::copy(shipped.join("remedies.toml"), t.join("remedies.toml")).unwrap();
    std::fs::write(t.join("report.tera"), report).unwrap();
    t
}

/// A bundle held as tables of strings, written out as UTF-8 CSV on demand.
#[derive(Clone)]
pub struct Fx {
    pub tables: BTreeMap<String, (Vec<String>, Vec<Vec<String>>)>,
}

impl Fx {
    /// The compliant case file: no finding under any profile.
    pub fn clean() -> Fx {
        let mut tables = BTreeMap::new();
        for e in std::fs::read_dir(clean_dir()).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_path(&p)
                .unwrap();
            let mut rows: Vec<Vec<String>> = r
                .records()
                .map(|x| x.unwrap().iter().map(str::to_string).collect())
                .collect();
            let header = rows.remove(0);
            tables.insert(name, (header, rows));
        }
        Fx { tables }
    }

    fn col(&self, table: &str, col: &str) -> usize {
        let (h, _) = &self.tables[table];
        h.iter()
            .position(|c| c == col)
            .unwrap_or_else(|| panic!("{table} has no column {col}"))
    }

    /// Set `col` to `value` in the rows of `table` where `key_col == key`.
    pub fn set(
        &mut self,
        table: &str,
        key_col: &str,
        key: &str,
        col: &str,
        value: &str,
    ) -> &mut Fx {
        let (k, c) = (self.col(table, key_col), self.col(table, col));
        let rows = &mut self.tables.get_mut(table).unwrap().1;
        let mut hit = false;
        for r in rows.iter_mut().filter(|r| r[k] == key) {
            r[c] = value.to_string();
            hit = true;
        }
        assert!(hit, "no row of {table} with {key_col} = {key}");
        self
    }

    /// Set `col` in every row of `table`.
    pub fn set_all(&mut self, table: &str, col: &str, value: &str) -> &mut Fx {
        let c = self.col(table, col);
        for r in &mut self.tables.get_mut(table).unwrap().1 {
            r[c] = value.to_string();
        }
        self
    }

    /// Set a case column (there is one case).
    pub fn case(&mut self, col: &str, value: &str) -> &mut Fx {
        self.set_all("案件登记", col, value)
    }

    /// Set a column of the document with this 文书编号.
    pub fn doc(&mut self, doc_no: &str, col: &str, value: &str) -> &mut Fx {
        self.set("文书记录", "文书编号", doc_no, col, value)
    }

    /// Set a column of the activity with this 活动编号.
    pub fn act(&mut self, id: &str, col: &str, value: &str) -> &mut Fx {
        self.set("执法活动", "活动编号", id, col, value)
    }

    /// Set a column of the footage with this 文件编号.
    pub fn media(&mut self, id: &str, col: &str, value: &str) -> &mut Fx {
        self.set("音像记录索引", "文件编号", id, col, value)
    }

    /// Add a row; columns not named are blank; 案号 defaults to the fixture's case.
    pub fn add(&mut self, table: &str, cells: &[(&str, &str)]) -> &mut Fx {
        let (h, _) = &self.tables[table];
        let mut row = vec![String::new(); h.len()];
        if let Some(i) = h.iter().position(|c| c == "案号") {
            row[i] = "测罚〔2024〕1号".into();
        }
        for (c, v) in cells {
            row[self.col(table, c)] = v.to_string();
        }
        self.tables.get_mut(table).unwrap().1.push(row);
        self
    }

    /// Remove the rows where `col == value`.
    pub fn remove(&mut self, table: &str, col: &str, value: &str) -> &mut Fx {
        let c = self.col(table, col);
        self.tables
            .get_mut(table)
            .unwrap()
            .1
            .retain(|r| r[c] != value);
        self
    }

    /// Remove a column.
    pub fn drop_column(&mut self, table: &str, col: &str) -> &mut Fx {
        let c = self.col(table, col);
        let t = self.tables.get_mut(table).unwrap();
        t.0.remove(c);
        for r in &mut t.1 {
            r.remove(c);
        }
        self
    }

    /// Remove a table.
    pub fn drop_table(&mut self, table: &str) -> &mut Fx {
        self.tables.remove(table);
        self
    }

    /// Write the tables as UTF-8 CSV into `dir`.
    pub fn write(&self, dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        for (name, (h, rows)) in &self.tables {
            let mut w = csv::Writer::from_path(dir.join(format!("{name}.csv"))).unwrap();
            w.write_record(h).unwrap();
            for r in rows {
                w.write_record(r).unwrap();
            }
            w.flush().unwrap();
        }
    }

    /// Run the engine under a profile with the given as-of date.
    pub fn outcome_at(&self, profile: &str, as_of: &str) -> Outcome {
        let dir = tempfile::tempdir().unwrap();
        self.write(dir.path());
        let inputs = Inputs {
            bundle: Some(dir.path().to_path_buf()),
            ..Inputs::default()
        };
        let bundle = read_bundle(&inputs).unwrap();
        let cal = Calendar::shipped();
        let run = RunCx {
            bundle: &bundle,
            calendar: &cal,
            as_of: chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap(),
            fixity: None,
        };
        engine::run(&run, &Judges::single(Profile::load(profile).unwrap()))
    }

    /// Findings under a profile, as-of 2024-12-31.
    pub fn findings(&self, profile: &str) -> Vec<Finding> {
        self.outcome_at(profile, "2024-12-31").findings
    }

    /// Rule codes found under a profile.
    pub fn codes(&self, profile: &str) -> Vec<&'static str> {
        self.findings(profile).iter().map(|f| f.rule()).collect()
    }
}

/// Assert that exactly the given rule fires (once or more) and nothing else.
pub fn only(findings: &[Finding], code: &str) {
    let codes: Vec<&str> = findings.iter().map(|f| f.rule()).collect();
    assert!(
        !codes.is_empty() && codes.iter().all(|c| *c == code),
        "expected only {code}, got {findings:#?}"
    );
}

/// Columns that hold dates or times.
pub const DATE_COLUMNS: &[&str] = &[
    "启动日期",
    "立案审批时间",
    "决定日期",
    "终结日期",
    "归档日期",
    "制作时间",
    "审核时间",
    "批准时间",
    "送达时间",
    "开始时间",
    "结束时间",
    "返回单位时间",
    "入库时间",
    "时间",
];

/// How dates go into a workbook.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum DateCells {
    /// Real date cells with a date format.
    Dates,
    /// Plain serial numbers.
    Serials,
    /// Text.
    Text,
}

impl Fx {
    /// Write the bundle as one xlsx workbook, a sheet per table, with a title row above
    /// each header and a 合计 row under the data.
    pub fn write_workbook(&self, path: &Path, dates: DateCells) {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut wb = Workbook::new();
        let fmt = Format::new().set_num_format("yyyy-mm-dd hh:mm");
        for (name, (h, rows)) in &self.tables {
            let ws = wb.add_worksheet();
            ws.set_name(name).unwrap();
            ws.write_string(0, 0, format!("{name}（导出）")).unwrap();
            for (c, v) in h.iter().enumerate() {
                ws.write_string(1, c as u16, v).unwrap();
            }
            for (r, row) in rows.iter().enumerate() {
                let r = r as u32 + 2;
                for (c, v) in row.iter().enumerate() {
                    let c = c as u16;
                    if v.is_empty() {
                        continue;
                    }
                    let parsed = trailcheck::ingest::cells::parse_stamp_text(v);
                    match (
                        DATE_COLUMNS.contains(&h[c as usize].as_str()),
                        parsed,
                        dates,
                    ) {
                        (true, Some(s), DateCells::Dates) => {
                            let dt = ExcelDateTime::parse_from_str(
                                &s.at().format("%Y-%m-%d %H:%M:%S").to_string(),
                            )
                            .unwrap();
                            ws.write_datetime_with_format(r, c, &dt, &fmt).unwrap();
                        }
                        (true, Some(s), DateCells::Serials) => {
                            let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
                                .unwrap()
                                .and_hms_opt(0, 0, 0)
                                .unwrap();
                            let serial = (s.at() - base).num_seconds() as f64 / 86400.0;
                            ws.write_number(r, c, serial).unwrap();
                        }
                        _ => {
                            ws.write_string(r, c, v).unwrap();
                        }
                    }
                }
            }
            ws.write_string(rows.len() as u32 + 2, 1, "合计").unwrap();
        }
        wb.save(path).unwrap();
    }
}

impl Fx {
    /// Copy every row of the fixture's case under a new 案号 and 执法机关; 活动编号 and
    /// 文件编号 get the suffix `-{tag}` so they stay unique.
    pub fn clone_case(&mut self, case_no: &str, agency: &str, tag: &str) -> &mut Fx {
        for (name, (h, rows)) in self.tables.iter_mut() {
            let Some(k) = h.iter().position(|c| c == "案号") else {
                continue;
            };
            let ids: Vec<usize> = h
                .iter()
                .enumerate()
                .filter(|(_, c)| *c == "活动编号" || *c == "文件编号")
                .map(|(i, _)| i)
                .collect();
            let agency_col =
                (name == "案件登记").then(|| h.iter().position(|c| c == "执法机关").unwrap());
            let copies: Vec<Vec<String>> = rows
                .iter()
                .filter(|r| r[k] == "测罚〔2024〕1号")
                .map(|r| {
                    let mut r = r.clone();
                    r[k] = case_no.to_string();
                    for &i in &ids {
                        if !r[i].is_empty() {
                            r[i] = format!("{}-{tag}", r[i]);
                        }
                    }
                    if let Some(a) = agency_col {
                        r[a] = agency.to_string();
                    }
                    r
                })
                .collect();
            rows.extend(copies);
        }
        self
    }

    /// Set `col` in the rows of `table` matching all `keys`.
    pub fn set_where(
        &mut self,
        table: &str,
        keys: &[(&str, &str)],
        col: &str,
        value: &str,
    ) -> &mut Fx {
        let ks: Vec<(usize, String)> = keys
            .iter()
            .map(|(c, v)| (self.col(table, c), v.to_string()))
            .collect();
        let c = self.col(table, col);
        let mut hit = false;
        for r in &mut self.tables.get_mut(table).unwrap().1 {
            if ks.iter().all(|(i, v)| r[*i] == *v) {
                r[c] = value.to_string();
                hit = true;
            }
        }
        assert!(hit, "no row of {table} matches {keys:?}");
        self
    }
}

/// The text of the PDF at `p`, laid out as on its pages (pdftotext -layout).
pub fn pdf_text(p: &Path) -> String {
    let o = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(p)
        .arg("-")
        .output()
        .expect(
            "pdftotext is required for this test: run scripts/test, which installs poppler-utils",
        );
    assert!(o.status.success());
    String::from_utf8(o.stdout).unwrap()
}

/// [`pdf_text`] without white space, so that a sentence matches however its lines broke.
pub fn pdf_flat(p: &Path) -> String {
    pdf_text(p).split_whitespace().collect()
}
