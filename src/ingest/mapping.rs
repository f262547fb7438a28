//! Site mapping files (`--mapping mapping.toml`): site column names and value spellings
//! mapped onto the catalogue of INPUT.md.
//!
//! ```toml
//! [columns]            # for every table
//! "立案日期" = "启动日期"
//! [columns.media]      # for one table (Chinese or English table name)
//! "录像编号" = "media_id"
//! [values.doc_type]    # value aliases: doc_type, activity_kind, method, category,
//! "处罚决定书" = "行政处罚决定书"   # origin, procedure, status, access_kind, stage
//! ```

use super::columns::{normalise_header, spec};
use crate::error::{Error, Result};
use crate::model::vocab::normalise_value;
use crate::model::Table;
use std::collections::HashMap;

/// The value vocabularies a mapping file may extend.
pub const VALUE_FIELDS: &[&str] = &[
    "doc_type",
    "activity_kind",
    "method",
    "category",
    "origin",
    "procedure",
    "status",
    "access_kind",
    "stage",
];

/// A parsed mapping file.
#[derive(Debug, Default, Clone)]
pub struct Mapping {
    /// (table or None for all, normalised site header) → English column alias.
    columns: HashMap<(Option<Table>, String), &'static str>,
    /// (value field, normalised site value) → normalised catalogue value.
    values: HashMap<(&'static str, String), String>,
}

fn table_by_name(name: &str) -> Option<Table> {
    Table::ALL
        .into_iter()
        .find(|t| t.zh() == name || t.en() == name)
}

fn column_target(tables: &[Table], target: &str) -> Option<&'static str> {
    let n = normalise_header(target);
    tables.iter().find_map(|t| {
        spec(*t)
            .iter()
            .find(|c| c.en == n || normalise_header(c.zh) == n)
            .map(|c| c.en)
    })
}

impl Mapping {
    /// Parse mapping TOML text; `origin` names the file in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Mapping> {
        let bad = |m: String| Error::Config(format!("映射文件 {origin} 无效：{m}"));
        let doc: toml::Table = text
            .parse()
            .map_err(|e| bad(crate::error::toml_zh(&e, text)))?;
        let mut m = Mapping::default();
        for (key, val) in &doc {
            match key.as_str() {
                "columns" => {
                    let tbl = val
                        .as_table()
                        .ok_or_else(|| bad("[columns] 应为表".into()))?;
                    for (k, v) in tbl {
                        if let Some(sub) = v.as_table() {
                            let t = table_by_name(k)
                                .ok_or_else(|| bad(format!("未知的表名「{k}」")))?;
                            for (site, target) in sub {
                                let target = target
                                    .as_str()
                                    .ok_or_else(|| bad(format!("「{site}」的目标应为文字")))?;
                                let en = column_target(&[t], target).ok_or_else(|| {
                                    bad(format!("表「{}」没有列「{target}」", t.zh()))
                                })?;
                                m.columns.insert((Some(t), normalise_header(site)), en);
                            }
                        } else {
                            let target = v
                                .as_str()
                                .ok_or_else(|| bad(format!("「{k}」的目标应为文字")))?;
                            let en = column_target(&Table::ALL, target)
                                .ok_or_else(|| bad(format!("没有名为「{target}」的列")))?;
                            m.columns.insert((None, normalise_header(k)), en);
                        }
                    }
                }
                "values" => {
                    let tbl = val
                        .as_table()
                        .ok_or_else(|| bad("[values] 应为表".into()))?;
                    for (field, sub) in tbl {
                        let f = VALUE_FIELDS
                            .iter()
                            .find(|f| **f == field.as_str())
                            .ok_or_else(|| bad(format!("未知的取值类别「{field}」")))?;
                        let sub = sub
                            .as_table()
                            .ok_or_else(|| bad(format!("[values.{field}] 应为表")))?;
                        for (site, target) in sub {
                            let target = target
                                .as_str()
                                .ok_or_else(|| bad(format!("「{site}」的目标应为文字")))?;
                            m.values
                                .insert((*f, normalise_value(site)), normalise_value(target));
                        }
                    }
                }
                other => return Err(bad(format!("未知的节「{other}」"))),
            }
        }
        Ok(m)
    }

    /// Read and parse a mapping file.
    pub fn load(path: &std::path::Path) -> Result<Mapping> {
        let text = crate::error::read_config(path, "映射文件")?;
        Mapping::parse(&text, &path.display().to_string())
    }

    /// The column a site header maps to in `t`, if the mapping names it.
    pub fn column(&self, t: Table, normalised_header: &str) -> Option<&'static str> {
        self.columns
            .get(&(Some(t), normalised_header.to_string()))
            .or_else(|| self.columns.get(&(None, normalised_header.to_string())))
            .copied()
            .filter(|en| spec(t).iter().any(|c| c.en == *en))
    }

    /// The catalogue value a site value maps to, if the mapping names it.
    pub fn value<'a>(&'a self, field: &'static str, normalised: &str) -> Option<&'a str> {
        self.values
            .get(&(field, normalised.to_string()))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_columns_and_values() {
        let m = Mapping::parse(
            "[columns]\n\"立案日期\" = \"启动日期\"\n[columns.media]\n\"录像编号\" = \"media_id\"\n[values.doc_type]\n\"处罚决定书\" = \"行政处罚决定书\"\n",
            "m.toml",
        )
        .unwrap();
        assert_eq!(m.column(Table::Cases, "立案日期"), Some("opened_at"));
        assert_eq!(m.column(Table::Media, "录像编号"), Some("media_id"));
        assert_eq!(m.column(Table::Cases, "录像编号"), None);
        assert_eq!(m.value("doc_type", "处罚决定书"), Some("行政处罚决定书"));
    }

    #[test]
    fn rejects_unknown_targets() {
        let e = Mapping::parse("[columns]\n\"x\" = \"nope\"\n", "m.toml").unwrap_err();
        assert!(e.to_string().contains("nope"));
        assert_eq!(e.exit_code(), 4);
    }
}
