//! The evaluation workbook (report.xlsx).
