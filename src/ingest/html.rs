//! Tables that are not workbooks under a workbook's name. Many enforcement platforms
//! "export to Excel" by writing a web page (an HTML `<table>`) or Excel 2003's XML
//! spreadsheet under an `.xls` name; Excel and WPS open both, with a warning. Such a file
//! is read as what it is: each `<tr>` (or `<Row>`) one row, each `<td>`/`<th>` (or
//! `<Cell>`) one cell, `<br>` a line break inside its cell. The rows are handed to the CSV
//! reader as UTF-8 CSV, so header finding, row numbers and bad-cell reports are those of
//! any CSV file. A delimited text file under a workbook's name is read as CSV as it stands.
//!
//! A page is parsed whole (html5ever, through `scraper`, which takes the unclosed cells
//! and stray tags such pages have): these exports come from platforms that stop at
//! Excel 2003's 65,536 rows a file, megabytes, not the gigabytes a CSV export reaches.

use scraper::{ElementRef, Html, Node};

/// Bytes of a file's head looked at to tell what it holds.
const HEAD_BYTES: usize = 4096;

/// What a file under a workbook's extension holds, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// A zip (xlsx, xlsm, xlsb, ods) or a compound file (xls, et), or bytes that are not
    /// text: left to the workbook reader, which names what is wrong.
    Workbook,
    /// An HTML page or an XML spreadsheet.
    Markup,
    /// Delimited text (CSV, tab-separated).
    Text,
}

/// Tell what `head`, a file's first bytes, holds.
pub fn sniff(head: &[u8]) -> Content {
    let head = &head[..head.len().min(HEAD_BYTES)];
    if head.starts_with(b"PK\x03\x04") || head.starts_with(&super::reader::COMPOUND_FILE) {
        return Content::Workbook;
    }
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Content::Text;
    }
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    let body = &body[start.unwrap_or(body.len())..];
    let lower = body.to_ascii_lowercase();
    let has = |tag: &[u8]| lower.windows(tag.len()).any(|w| w == tag);
    if body.starts_with(b"<") && (has(b"<table") || has(b"<html") || has(b"<workbook")) {
        Content::Markup
    } else if !body.is_empty() && !body.contains(&0) && (has(b"\n") || has(b"\r")) {
        Content::Text
    } else {
        Content::Workbook
    }
}

/// The rows of the markup `bytes` as UTF-8 CSV: every row of every table, in document
/// order. The text's encoding is the one the page declares (`charset=`), else the one a
/// CSV file's bytes would be read in (UTF-8, GB18030, or both line by line).
pub fn to_csv(bytes: &[u8]) -> Vec<u8> {
    let text = decode(bytes);
    let doc = Html::parse_document(&text);
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for row in doc
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        if !matches!(row.value().name(), "tr" | "row") {
            continue;
        }
        let mut cells: Vec<String> = Vec::new();
        for cell in row.children().filter_map(ElementRef::wrap) {
            if !matches!(cell.value().name(), "td" | "th" | "cell") {
                continue;
            }
            // An XML spreadsheet skips empty cells and numbers the next one (`ss:Index`).
            let index = cell
                .value()
                .attrs()
                .find(|(k, _)| k.eq_ignore_ascii_case("ss:index"))
                .and_then(|(_, v)| v.trim().parse::<usize>().ok());
            if let Some(i) = index.filter(|&i| i > cells.len() + 1 && i <= 16_384) {
                cells.resize(i - 1, String::new());
            }
            let mut text = String::new();
            cell_text(cell, &mut text);
            cells.push(text.trim().to_string());
        }
        // Writing into memory does not fail.
        let _ = w.write_record(if cells.is_empty() {
            vec![String::new()]
        } else {
            cells
        });
    }
    w.into_inner().unwrap_or_default()
}

/// The text of a cell: its text nodes in order, `<br>` a line break, entities decoded
/// by the parser.
fn cell_text(el: ElementRef<'_>, out: &mut String) {
    for node in el.children() {
        match node.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) if e.name() == "br" => out.push('\n'),
            Node::Element(_) => {
                if let Some(child) = ElementRef::wrap(node) {
                    cell_text(child, out);
                }
            }
            _ => {}
        }
    }
}

/// The document's text: by its byte-order mark, then its declared charset, then as a CSV
/// file's bytes are (Chinese platforms' pages are often GBK and declare nothing).
fn decode(bytes: &[u8]) -> String {
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc.decode(bytes).0.into_owned();
    }
    let head = bytes[..bytes.len().min(HEAD_BYTES)].to_ascii_lowercase();
    let declared = head
        .windows(8)
        .position(|w| w == b"charset=" || w == b"encoding")
        .and_then(|at| {
            let rest = &head[at + 8..];
            let rest = rest.strip_prefix(b"=").unwrap_or(rest);
            let rest = &rest[rest
                .iter()
                .position(|b| !matches!(b, b'"' | b'\'' | b' '))?..];
            let end = rest
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')))
                .unwrap_or(rest.len());
            encoding_rs::Encoding::for_label(&rest[..end])
        });
    match declared {
        Some(enc) => enc.decode_without_bom_handling(bytes).0.into_owned(),
        None => super::csvfile::decode_detected(bytes).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_told_by_the_first_bytes() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Content::Workbook);
        assert_eq!(sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0]), Content::Workbook);
        assert_eq!(sniff(b"\xEF\xBB\xBF  <html><table>"), Content::Markup);
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?>\n<Workbook xmlns="),
            Content::Markup
        );
        assert_eq!(
            sniff("案号\t执法机关\r\nA\tB\r\n".as_bytes()),
            Content::Text
        );
        assert_eq!(sniff(&[0xFF, 0xFE, b'a', 0]), Content::Text);
        assert_eq!(sniff(b"\x00\x01binary\n"), Content::Workbook);
        assert_eq!(sniff(b""), Content::Workbook);
    }

    #[test]
    fn an_html_table_becomes_csv_rows() {
        let page = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head>\
            <body><table><tr><td colspan=3>某局案件登记</td></tr>\
            <tr><th>案号</th><th>当事人</th><th>承办人</th></tr>\
            <tr><td>罚〔2024〕1号</td><td>张&amp;三, 有限公司</td><td>李四<br>王五</td></tr>\
            <tr><td>罚〔2024〕2号<td><b>赵六</b><td></tr></table></body></html>";
        let (gbk, _, _) = encoding_rs::GBK.encode(page);
        let csv = String::from_utf8(to_csv(&gbk)).unwrap();
        assert_eq!(
            csv,
            "某局案件登记\n案号,当事人,承办人\n罚〔2024〕1号,\"张&三, 有限公司\",\"李四\n王五\"\n罚〔2024〕2号,赵六,\n"
        );
    }

    #[test]
    fn a_page_that_declares_no_charset_is_read_as_a_csv_file_would_be() {
        let page = "<table><tr><td>案号</td><td>当事人</td></tr></table>";
        for bytes in [
            page.as_bytes().to_vec(),
            encoding_rs::GBK.encode(page).0.to_vec(),
        ] {
            assert_eq!(String::from_utf8(to_csv(&bytes)).unwrap(), "案号,当事人\n");
        }
    }

    #[test]
    fn an_xml_spreadsheet_becomes_csv_rows() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
<Worksheet ss:Name="案件登记"><Table>
<Row><Cell><Data ss:Type="String">案号</Data></Cell><Cell><Data ss:Type="String">启动日期</Data></Cell><Cell><Data ss:Type="String">备注</Data></Cell></Row>
<Row><Cell><Data ss:Type="String">罚1</Data></Cell><Cell ss:Index="3"><Data ss:Type="String">无</Data></Cell></Row>
</Table></Worksheet></Workbook>"#;
        let csv = String::from_utf8(to_csv(xml.as_bytes())).unwrap();
        assert_eq!(csv, "案号,启动日期,备注\n罚1,,无\n");
    }
}
