//! `trailcheck trend`: several runs' summary.json (twelve monthly scans, say) side by side,
//! per agency and per rule, as a table and as an xlsx with line charts.

use super::xlsx::WriteText;
use crate::error::{Error, Result};
use rust_xlsxwriter::{Chart, ChartType, Format, Workbook};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Lines a trend chart draws at most (the sheet lists every row).
const CHART_LINES: usize = 12;

/// The sheet rows (1-based, after the header) of the `n` entries of `rows` with the most
/// findings over all runs, in sheet order.
fn largest(rows: &BTreeMap<String, Vec<u64>>, n: usize) -> Vec<u32> {
    let mut by_total: Vec<(u64, u32)> = (1..)
        .zip(rows.values())
        .map(|(r, v)| (v.iter().sum(), r))
        .collect();
    by_total.sort_by_key(|&(total, r)| (std::cmp::Reverse(total), r));
    let mut shown: Vec<u32> = by_total.into_iter().take(n).map(|(_, r)| r).collect();
    shown.sort_unstable();
    shown
}

/// Counts of several runs.
#[derive(Debug, Default)]
pub struct Trend {
    /// Column labels, one per run (its 评查期间, else its as-of date).
    pub periods: Vec<String>,
    /// Agency → counts per run.
    pub agencies: BTreeMap<String, Vec<u64>>,
    /// Rule (its code and title, `A01 逾期未归档`) → counts per run.
    pub rules: BTreeMap<String, Vec<u64>>,
}

/// Read the summaries of `dirs`, in the order given.
pub fn load(dirs: &[std::path::PathBuf]) -> Result<Trend> {
    let mut t = Trend::default();
    let mut runs = Vec::new();
    for d in dirs {
        let p = d.join("summary.json");
        let text = std::fs::read_to_string(&p).map_err(|e| {
            Error::Input(format!(
                "无法读取 {}：{}",
                p.display(),
                crate::error::io_zh(&e)
            ))
        })?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            Error::Input(format!(
                "{} 不是有效的 summary.json：{}",
                p.display(),
                crate::error::json_zh(&e, 1)
            ))
        })?;
        let label = v["meta"]["period"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v["meta"]["as_of"].as_str().unwrap_or("?").to_string());
        t.periods.push(label);
        runs.push(v);
    }
    let keys = |field: &str| -> BTreeSet<String> {
        runs.iter()
            .flat_map(|r| {
                r[field]
                    .as_object()
                    .map(|o| o.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
            })
            .collect()
    };
    for (field, target) in [("by_agency", &mut t.agencies), ("by_rule", &mut t.rules)] {
        for k in keys(field) {
            let label = match crate::rules::registry::find(&k) {
                Some(rule) if field == "by_rule" => format!("{k} {}", rule.title),
                _ => k.clone(),
            };
            target.insert(
                label,
                runs.iter()
                    .map(|r| r[field][&k].as_u64().unwrap_or(0))
                    .collect(),
            );
        }
    }
    Ok(t)
}

impl Trend {
    /// A plain-text table for the terminal.
    pub fn table(&self) -> String {
        let mut out = String::new();
        for (title, rows) in [("按执法单位", &self.agencies), ("按规则", &self.rules)] {
            out.push_str(&format!("{title}\t{}\n", self.periods.join("\t")));
            for (k, v) in rows {
                let cells: Vec<String> = v.iter().map(u64::to_string).collect();
                out.push_str(&format!("{k}\t{}\n", cells.join("\t")));
            }
            out.push('\n');
        }
        out
    }

    /// Write the trend workbook: one sheet per view, each with a line chart.
    pub fn write_xlsx(&self, path: &Path) -> Result<()> {
        let err = crate::error::xlsx_output(path);
        let mut wb = Workbook::new();
        let head = Format::new().set_bold().set_background_color("D9E1F2");
        for (name, rows) in [("按执法单位", &self.agencies), ("按规则", &self.rules)] {
            let ws = wb.add_worksheet();
            ws.set_name(name).map_err(err)?;
            ws.text_with_format(0, 0, name, &head).map_err(err)?;
            ws.set_column_width(0, 24).map_err(err)?;
            for (c, p) in self.periods.iter().enumerate() {
                ws.text_with_format(0, c as u16 + 1, p, &head)
                    .map_err(err)?;
            }
            for (r, (k, v)) in rows.iter().enumerate() {
                ws.text(r as u32 + 1, 0, k).map_err(err)?;
                for (c, n) in v.iter().enumerate() {
                    ws.write_number(r as u32 + 1, c as u16 + 1, *n as f64)
                        .map_err(err)?;
                }
            }
            ws.set_freeze_panes(1, 1).map_err(err)?;
            if !rows.is_empty() && !self.periods.is_empty() {
                let mut chart = Chart::new(ChartType::Line);
                let shown = largest(rows, CHART_LINES);
                chart.title().set_name(&if shown.len() < rows.len() {
                    format!("问题数变化（{name}，总数最多的 {} 项）", shown.len())
                } else {
                    format!("问题数变化（{name}）")
                });
                let n = self.periods.len() as u16;
                for r in shown {
                    chart
                        .add_series()
                        .set_name((name, r + 1, 0))
                        .set_categories((name, 0, 1, 0, n))
                        .set_values((name, r + 1, 1, r + 1, n));
                }
                chart.set_width(720).set_height(360);
                ws.insert_chart(rows.len() as u32 + 3, 0, &chart)
                    .map_err(err)?;
            }
        }
        super::write_atomic(path, |w| {
            wb.save_to_writer(w).map_err(crate::error::xlsx_io)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_draws_the_rows_with_the_most_findings_in_sheet_order() {
        let rows: BTreeMap<String, Vec<u64>> = [
            ("A01", vec![1, 1]),
            ("D02", vec![5, 0]),
            ("I01", vec![0, 0]),
            ("V01", vec![3, 4]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(largest(&rows, 2), [2, 4]);
        assert_eq!(largest(&rows, 12), [1, 2, 3, 4]);
    }
}
