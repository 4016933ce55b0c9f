//! The common changes made from a form rather than in the YAML: each one replaces a
//! single value at its path (`roles/senior_rep/tiers/result/kpis/cac/weight`) in
//! whichever file holds it, and nothing around it, so comments, order and layout stay
//! as the admin left them.

use crate::kpi::source_map::SourceMap;
use std::collections::BTreeMap;

/// Paths in forms join their keys with `/`, which no id may hold.
pub const SEPARATOR: char = '/';

/// What a form field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A weight, a target, a grade's lower bound, a bonus coefficient.
    Number,
    /// A formula.
    Text,
}

/// One change a form asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub path: String,
    pub value: String,
    pub kind: ValueKind,
}

/// The files of a draft, each indexed once, to read and change values by path.
#[derive(Debug)]
pub struct Located<'a> {
    files: Vec<(&'a str, &'a str, SourceMap)>,
}

impl<'a> Located<'a> {
    pub fn new(files: &'a BTreeMap<String, String>) -> Located<'a> {
        Located {
            files: files
                .iter()
                .map(|(name, text)| (name.as_str(), text.as_str(), SourceMap::index(text)))
                .collect(),
        }
    }

    /// The file and bytes holding the scalar at `path`.
    fn find(&self, path: &str) -> Option<(&'a str, std::ops::Range<usize>)> {
        let keys: Vec<&str> = path.split(SEPARATOR).collect();
        self.files
            .iter()
            .find_map(|(name, text, map)| map.scalar_bytes(text, &keys).map(|range| (*name, range)))
    }

    /// The value at `path` as the file writes it, quotes taken off.
    pub fn value(&self, path: &str) -> Option<String> {
        let (name, range) = self.find(path)?;
        let text = self.files.iter().find(|(n, _, _)| *n == name)?.1;
        Some(unquote(&text[range]))
    }
}

fn unquote(scalar: &str) -> String {
    if scalar.len() >= 2 && scalar.starts_with('"') && scalar.ends_with('"') {
        return scalar[1..scalar.len() - 1].replace("\\\"", "\"").replace("\\\\", "\\");
    }
    if scalar.len() >= 2 && scalar.starts_with('\'') && scalar.ends_with('\'') {
        return scalar[1..scalar.len() - 1].replace("''", "'");
    }
    scalar.to_owned()
}

/// `text` as a YAML scalar: plain when YAML would read it back the same, else quoted.
fn scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text.trim() == text
        && !text.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c))
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.contains(['\n', '\t'])
        && !text.ends_with(':');
    if plain {
        text.to_owned()
    } else {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// A draft's files with a form's edits made, and what changed
/// (`role-senior-rep.yaml: roles/…/weight 15 → 20`).
#[derive(Debug)]
pub struct Applied {
    pub files: BTreeMap<String, String>,
    pub changed: Vec<String>,
}

/// `files` with `edits` made: only the values that differ are written. Every edit
/// that cannot be made is refused, each saying why, and then none is made.
pub fn apply(files: &BTreeMap<String, String>, edits: &[Edit]) -> Result<Applied, Vec<String>> {
    let located = Located::new(files);
    let mut problems = Vec::new();
    let mut by_file: BTreeMap<&str, Vec<(std::ops::Range<usize>, String)>> = BTreeMap::new();
    let mut changed = Vec::new();
    for edit in edits {
        let value = edit.value.trim();
        let Some((file, range)) = located.find(&edit.path) else {
            problems.push(format!("{}: no file sets this value; change it in the YAML", edit.path));
            continue;
        };
        let written = match edit.kind {
            ValueKind::Number => match value.parse::<f64>() {
                Ok(n) if n.is_finite() => value.to_owned(),
                _ => {
                    problems.push(format!("{}: `{value}` is not a number", edit.path));
                    continue;
                }
            },
            ValueKind::Text if value.is_empty() => {
                problems.push(format!("{}: a formula cannot be empty", edit.path));
                continue;
            }
            ValueKind::Text => scalar(value),
        };
        let before = unquote(&files[file][range.clone()]);
        if before == value {
            continue;
        }
        changed.push(format!("{file}: {} {before} → {value}", edit.path));
        by_file.entry(file).or_default().push((range, written));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut result = files.clone();
    for (file, mut replacements) in by_file {
        // From the end back, so each range still points where it did.
        replacements.sort_by_key(|r| std::cmp::Reverse(r.0.start));
        let text = result.get_mut(file).expect("a file of the draft");
        for (range, written) in replacements {
            text.replace_range(range, &written);
        }
    }
    Ok(Applied { files: result, changed })
}

/// A KPI new to the catalogue, over its metrics, scored linearly; the form's answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewKpi {
    pub id: String,
    pub name_en: String,
    pub name_zh: String,
    pub tier: String,
    pub unit: String,
    pub direction: String,
    pub formula: String,
    pub floor: String,
    pub cap: String,
}

/// Where KPIs made from the form are written: a file of their own, so the shipped
/// files stay as they were.
pub const NEW_KPIS_FILE: &str = "kpis-added.yaml";

/// `files` with `kpi` added to the catalogue (in `NEW_KPIS_FILE`), or why not. The
/// definitions' own checks (a formula over unknown metrics, a duplicate id) come after,
/// on the draft as a whole, at their line and column.
pub fn add_kpi(files: &BTreeMap<String, String>, kpi: &NewKpi) -> Result<Applied, Vec<String>> {
    let mut problems = Vec::new();
    if let Err(e) = crate::kpi::id::check_variable(&kpi.id) {
        problems.push(format!("new KPI: its id: {e}"));
    }
    for (what, value, allowed) in [
        ("tier", &kpi.tier, &["base", "process", "result"][..]),
        (
            "unit",
            &kpi.unit,
            &["percent", "currency", "count", "days", "hours", "score", "ratio"][..],
        ),
        ("direction", &kpi.direction, &["higher", "lower", "closest"][..]),
    ] {
        if !allowed.contains(&value.as_str()) {
            problems.push(format!(
                "new KPI: the {what} `{value}` is none of {}",
                allowed.join(", ")
            ));
        }
    }
    for (what, value) in [("name", &kpi.name_en), ("formula", &kpi.formula)] {
        if value.trim().is_empty() {
            problems.push(format!("new KPI: a {what} is required"));
        }
    }
    for (what, value) in [("floor", &kpi.floor), ("cap", &kpi.cap)] {
        if !value.trim().parse::<f64>().is_ok_and(f64::is_finite) {
            problems.push(format!("new KPI: the {what} `{value}` is not a number"));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let zh = if kpi.name_zh.trim().is_empty() {
        kpi.name_en.trim()
    } else {
        kpi.name_zh.trim()
    };
    let entry = format!(
        "  {id}:\n    name: {{ en: {en}, zh: {zh} }}\n    tier: {tier}\n    unit: {unit}\n    direction: {direction}\n    formula: {formula}\n    scoring: {{ linear: {{ floor: {floor}, cap: {cap} }} }}\n",
        id = kpi.id,
        en = scalar(kpi.name_en.trim()),
        zh = scalar(zh),
        tier = kpi.tier,
        unit = kpi.unit,
        direction = kpi.direction,
        formula = scalar(kpi.formula.trim()),
        floor = kpi.floor.trim(),
        cap = kpi.cap.trim(),
    );
    let mut result = files.clone();
    let text = result
        .entry(NEW_KPIS_FILE.to_owned())
        .or_insert_with(|| "# KPIs added from the browser's form.\nkpis:\n".to_owned());
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&entry);
    Ok(Applied {
        files: result,
        changed: vec![format!("{NEW_KPIS_FILE}: KPI {} added to the catalogue", kpi.id)],
    })
}

/// A KPI taken off a role's tier, or put on it with its weight and target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardChange {
    Remove {
        role: String,
        tier: String,
        kpi: String,
    },
    Add {
        role: String,
        tier: String,
        kpi: String,
        weight: String,
        target: String,
    },
}

impl CardChange {
    fn tier_path(&self) -> [&str; 5] {
        let (role, tier) = match self {
            CardChange::Remove { role, tier, .. } | CardChange::Add { role, tier, .. } => (role, tier),
        };
        ["roles", role.as_str(), "tiers", tier.as_str(), "kpis"]
    }
}

/// How far a line is indented, in characters.
fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The lines from `first` (0-based) that make up the entry whose key stands at
/// `column` (1-based): the key's own line and every deeper-indented line after it.
fn entry_lines(lines: &[&str], first: usize, column: usize) -> std::ops::Range<usize> {
    let mut end = first + 1;
    while end < lines.len() && !lines[end].trim().is_empty() && indent(lines[end]) >= column {
        end += 1;
    }
    first..end
}

/// `files` with each of `changes` made, one after the other, as whole lines: a KPI's
/// entry taken out of its tier, or a line `kpi: { weight: W, target: T }` added after
/// the tier's last KPI with the same indentation. Every change that cannot be made is
/// refused, each saying why, and then none is made.
pub fn change_cards(files: &BTreeMap<String, String>, changes: &[CardChange]) -> Result<Applied, Vec<String>> {
    let mut result = files.clone();
    let mut changed = Vec::new();
    let mut problems = Vec::new();
    for change in changes {
        let tier = change.tier_path();
        let holder = result.iter().find_map(|(name, text)| {
            let map = SourceMap::index(text);
            map.exact_key(&tier).map(|at| (name.clone(), map, at))
        });
        let Some((file, map, tier_key)) = holder else {
            problems.push(format!("{}: no file holds this tier's KPIs", tier.join("/")));
            continue;
        };
        let text = &result[&file];
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        match change {
            CardChange::Remove { kpi, .. } => {
                let path = [&tier[..], &[kpi.as_str()]].concat();
                let Some(at) = map.exact_key(&path) else {
                    problems.push(format!("{}: not on this tier", path.join("/")));
                    continue;
                };
                let range = entry_lines(&lines, at.line - 1, at.column);
                let mut kept = lines.clone();
                kept.drain(range);
                result.insert(file.clone(), kept.concat());
                changed.push(format!("{file}: {} taken off", path.join("/")));
            }
            CardChange::Add {
                kpi, weight, target, ..
            } => {
                for (what, value) in [("weight", weight), ("target", target)] {
                    if !value.trim().parse::<f64>().is_ok_and(f64::is_finite) {
                        problems.push(format!(
                            "{}/{kpi}: the {what} `{value}` is not a number",
                            tier.join("/")
                        ));
                    }
                }
                if !problems.is_empty() {
                    continue;
                }
                let path = [&tier[..], &[kpi.as_str()]].concat();
                if map.exact_key(&path).is_some() {
                    problems.push(format!("{}: already on this tier", path.join("/")));
                    continue;
                }
                let last = map.children(&tier).last().map(|(_, at)| *at);
                let Some(last) = last.filter(|at| at.line != tier_key.line) else {
                    problems.push(format!(
                        "{}: this tier's KPIs are not one per line; add {kpi} in the YAML",
                        tier.join("/")
                    ));
                    continue;
                };
                let end = entry_lines(&lines, last.line - 1, last.column).end;
                let line = format!(
                    "{}{kpi}: {{ weight: {}, target: {} }}\n",
                    " ".repeat(last.column - 1),
                    weight.trim(),
                    target.trim()
                );
                let mut grown: Vec<&str> = lines.clone();
                if end == lines.len() && !text.ends_with('\n') {
                    grown.push("\n");
                }
                grown.insert(end.min(grown.len()), &line);
                result.insert(file.clone(), grown.concat());
                changed.push(format!(
                    "{file}: {} put on with weight {}",
                    path.join("/"),
                    weight.trim()
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(Applied { files: result, changed })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = "\
roles:
  rep:
    tiers:
      result:
        weight: 65   # most of the card
        kpis:
          cac: { weight: 15, target: 1500 }
          nps: { weight: 85, target: { threshold: 20, target: 40, stretch: 60 } }
";
    const KPIS: &str = "kpis:\n  cac:\n    formula: spend / new_customers\n";

    fn files() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("role.yaml".to_owned(), ROLE.to_owned()),
            ("kpis.yaml".to_owned(), KPIS.to_owned()),
        ])
    }

    fn edit(path: &str, value: &str, kind: ValueKind) -> Edit {
        Edit {
            path: path.into(),
            value: value.into(),
            kind,
        }
    }

    #[test]
    fn values_change_in_place_and_nothing_else_does() {
        let edits = [
            edit("roles/rep/tiers/result/kpis/cac/weight", "20", ValueKind::Number),
            edit("roles/rep/tiers/result/kpis/nps/weight", "80", ValueKind::Number),
            edit(
                "roles/rep/tiers/result/kpis/nps/target/stretch",
                "65.5",
                ValueKind::Number,
            ),
            edit("roles/rep/tiers/result/weight", "65", ValueKind::Number),
            edit("kpis/cac/formula", "spend / max(new_customers, 1)", ValueKind::Text),
        ];
        let Applied { files: after, changed } = apply(&files(), &edits).expect("applied");
        assert_eq!(
            after["role.yaml"],
            ROLE.replace("weight: 15", "weight: 20")
                .replace("weight: 85", "weight: 80")
                .replace("stretch: 60", "stretch: 65.5")
        );
        assert_eq!(
            after["kpis.yaml"],
            "kpis:\n  cac:\n    formula: spend / max(new_customers, 1)\n"
        );
        assert_eq!(
            changed.len(),
            4,
            "the unchanged tier weight is not counted: {changed:?}"
        );
        assert!(changed.contains(&"role.yaml: roles/rep/tiers/result/kpis/cac/weight 15 → 20".to_owned()));
    }

    fn card(role_change: &str, kpi: &str) -> CardChange {
        match role_change {
            "remove" => CardChange::Remove {
                role: "rep".into(),
                tier: "result".into(),
                kpi: kpi.into(),
            },
            _ => CardChange::Add {
                role: "rep".into(),
                tier: "result".into(),
                kpi: kpi.into(),
                weight: "10".into(),
                target: "75".into(),
            },
        }
    }

    #[test]
    fn a_kpi_is_taken_off_a_tier_or_put_on_it_as_a_line_of_its_own() {
        let Applied { files: after, changed } =
            change_cards(&files(), &[card("remove", "cac"), card("add", "retention")]).expect("changed");
        assert_eq!(
            after["role.yaml"],
            "\
roles:
  rep:
    tiers:
      result:
        weight: 65   # most of the card
        kpis:
          nps: { weight: 85, target: { threshold: 20, target: 40, stretch: 60 } }
          retention: { weight: 10, target: 75 }
"
        );
        assert_eq!(changed.len(), 2, "{changed:?}");
        let problems = change_cards(&files(), &[card("add", "nps"), card("remove", "gone")]).expect_err("refused");
        assert_eq!(
            problems,
            [
                "roles/rep/tiers/result/kpis/nps: already on this tier",
                "roles/rep/tiers/result/kpis/gone: not on this tier",
            ]
        );
    }

    #[test]
    fn a_kpi_written_over_several_lines_goes_whole() {
        let text = "roles:\n  rep:\n    tiers:\n      base:\n        kpis:\n          a:\n            weight: 50\n            target: 1\n          b: { weight: 50, target: 2 }\n";
        let files = BTreeMap::from([("r.yaml".to_owned(), text.to_owned())]);
        let remove = CardChange::Remove {
            role: "rep".into(),
            tier: "base".into(),
            kpi: "a".into(),
        };
        let after = change_cards(&files, &[remove]).expect("changed").files;
        assert_eq!(
            after["r.yaml"],
            "roles:\n  rep:\n    tiers:\n      base:\n        kpis:\n          b: { weight: 50, target: 2 }\n"
        );
    }

    #[test]
    fn a_new_kpi_goes_into_a_file_of_its_own_and_reads_back() {
        let kpi = NewKpi {
            id: "visit_rate".into(),
            name_en: "Visits: per lead".into(),
            name_zh: "".into(),
            tier: "process".into(),
            unit: "ratio".into(),
            direction: "higher".into(),
            formula: "visits_made / leads".into(),
            floor: "0".into(),
            cap: "150".into(),
        };
        let after = add_kpi(&files(), &kpi).expect("added").files;
        let text = &after[NEW_KPIS_FILE];
        let located = Located::new(&after);
        assert_eq!(
            located.value("kpis/visit_rate/formula").as_deref(),
            Some("visits_made / leads")
        );
        assert_eq!(
            located.value("kpis/visit_rate/name/en").as_deref(),
            Some("Visits: per lead"),
            "{text}"
        );
        assert_eq!(
            located.value("kpis/visit_rate/scoring/linear/cap").as_deref(),
            Some("150")
        );
        let again = add_kpi(
            &after,
            &NewKpi {
                id: "second".into(),
                ..kpi.clone()
            },
        )
        .expect("added")
        .files;
        assert_eq!(
            again[NEW_KPIS_FILE].matches("kpis:").count(),
            1,
            "appended under the same mapping"
        );
        let bad = NewKpi {
            id: "=bad".into(),
            tier: "top".into(),
            cap: "x".into(),
            ..kpi
        };
        let problems = add_kpi(&files(), &bad).expect_err("refused");
        assert_eq!(problems.len(), 3, "{problems:?}");
    }

    #[test]
    fn a_value_yaml_would_misread_is_quoted_and_read_back_the_same() {
        let after = apply(&files(), &[edit("kpis/cac/formula", "a: b # c", ValueKind::Text)])
            .expect("applied")
            .files;
        assert_eq!(after["kpis.yaml"], "kpis:\n  cac:\n    formula: \"a: b # c\"\n");
        assert_eq!(
            Located::new(&after).value("kpis/cac/formula").as_deref(),
            Some("a: b # c")
        );
    }

    #[test]
    fn an_edit_that_cannot_be_made_says_why_and_nothing_is_made() {
        let problems = apply(
            &files(),
            &[
                edit("roles/rep/tiers/result/kpis/cac/weight", "twenty", ValueKind::Number),
                edit("roles/rep/tiers/base/weight", "10", ValueKind::Number),
                edit("kpis/cac/formula", " ", ValueKind::Text),
            ],
        )
        .expect_err("refused");
        assert_eq!(
            problems,
            [
                "roles/rep/tiers/result/kpis/cac/weight: `twenty` is not a number",
                "roles/rep/tiers/base/weight: no file sets this value; change it in the YAML",
                "kpis/cac/formula: a formula cannot be empty",
            ]
        );
    }
}
