//! Reading a region tree from CSV (`code,name,parent_code,level`; `level` may be left out and
//! is then inferred from the code). Problems are reported with their line numbers.

use cunxiang_core::region_import::{ImportProblem, RegionRecord};

/// Parses the whole file. Every malformed line is reported; a file with any problem yields
/// no records.
pub fn parse(text: &str) -> Result<Vec<RegionRecord>, Vec<ImportProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header_problem = |message: String| vec![ImportProblem { line: 1, message }];
    let headers = reader
        .headers()
        .map_err(|e| header_problem(e.to_string()))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(code), Some(name), Some(parent)) =
        (column("code"), column("name"), column("parent_code"))
    else {
        return Err(header_problem(format!(
            "header must name the columns code, name, parent_code (and optionally level), found {:?}",
            headers.iter().collect::<Vec<_>>().join(",")
        )));
    };
    let level = column("level");
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for result in reader.records() {
        match result {
            Ok(row) => {
                let line = row.position().map_or(0, |p| p.line());
                let field = |i: usize| row.get(i).unwrap_or("").to_owned();
                records.push(RegionRecord {
                    line,
                    code: field(code),
                    name: field(name),
                    parent_code: field(parent),
                    level: level.map(field).unwrap_or_default(),
                });
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!("expected {expected_len} fields, found {len}")
                    }
                    csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
                    _ => e.to_string(),
                };
                problems.push(ImportProblem { line, message });
            }
        }
    }
    if problems.is_empty() {
        Ok(records)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_their_line_numbers() {
        let text = "\u{feff}code,name,parent_code,level\n360603,余江区,,county\n360603102, 潢溪镇 ,360603,\n";
        let rows = parse(text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].name, "潢溪镇");
        assert_eq!(rows[1].level, "");
    }

    #[test]
    fn ragged_lines_and_bad_headers_are_reported() {
        let text = "code,name,parent_code\n360603,余江区,\n360603102,潢溪镇\n";
        let problems = parse(text).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3);
        assert!(
            problems[0].message.contains("expected 3 fields"),
            "{}",
            problems[0]
        );
        let problems = parse("id,title\n1,x\n").unwrap_err();
        assert_eq!(problems[0].line, 1);
    }
}
