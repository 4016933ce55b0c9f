//! Definitions files -> a validated, compiled [`Rulebook`], or every problem at once.

mod review;
mod roles;
mod scales;

use roles::RoleContext;
pub use roles::check_target;

use super::nearest;
use super::problem::{DefinitionError, DefinitionErrors, Problem};
use super::*;
use crate::kpi::definition::{
    Currency, DefinitionFile, GradeScaleDef, KpiDef, LowerAchievement, RatingLevelDef, ReviewDef, RoleDef,
};
use crate::kpi::formula::{FormulaError, FormulaKind};
use crate::kpi::scoring::AchievementRule;
use crate::kpi::source_map::{Position, SourceMap};

struct File<'a> {
    name: &'a str,
    map: SourceMap,
    def: DefinitionFile,
}

/// Where a definition stands: a file and a path of keys within it.
#[derive(Clone, Copy)]
struct At<'a> {
    file: usize,
    section: &'static str,
    key: &'a str,
}

struct Compiler<'a> {
    files: Vec<File<'a>>,
    errors: Vec<DefinitionError>,
    /// False when a file could not be read: references into it would be reported
    /// as unknown, which would only bury the real error.
    all_files_read: bool,
}

pub(super) fn compile(sources: &[SourceFile]) -> Result<Rulebook, DefinitionErrors> {
    let mut compiler = Compiler {
        files: Vec::new(),
        errors: Vec::new(),
        all_files_read: true,
    };
    if sources.is_empty() {
        compiler.errors.push(DefinitionError {
            file: "(definitions)".into(),
            line: 1,
            column: 1,
            problem: Problem::NoFiles,
        });
    }
    let size: usize = sources.iter().map(|s| s.text.len()).sum();
    if size > MAX_DEFINITIONS_BYTES {
        compiler.errors.push(DefinitionError {
            file: "(definitions)".into(),
            line: 1,
            column: 1,
            problem: Problem::TooMuchText {
                size,
                limit: MAX_DEFINITIONS_BYTES,
            },
        });
        return Err(DefinitionErrors(compiler.errors));
    }
    for source in sources {
        compiler.read(source);
    }
    let rulebook = compiler.build();
    if compiler.errors.is_empty() {
        Ok(rulebook)
    } else {
        let mut errors = compiler.errors;
        errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        errors.dedup();
        Err(DefinitionErrors(errors))
    }
}

/// Why a file is refused before the YAML parser sees it: too large, or nested too
/// deep (the parser's time grows with the square of the depth).
fn unreadable(text: &str) -> Option<(Position, Problem)> {
    let top = Position { line: 1, column: 1 };
    if text.len() > MAX_FILE_BYTES {
        let problem = Problem::FileTooLarge {
            size: text.len(),
            limit: MAX_FILE_BYTES,
        };
        return Some((top, problem));
    }
    crate::kpi::source_map::too_deep(text, MAX_NESTING).map(|at| (at, Problem::TooDeep { limit: MAX_NESTING }))
}

impl<'a> Compiler<'a> {
    fn read(&mut self, source: &'a SourceFile) {
        if let Some((position, problem)) = unreadable(&source.text) {
            self.all_files_read = false;
            self.errors.push(DefinitionError {
                file: source.name.clone(),
                line: position.line,
                column: position.column,
                problem,
            });
            return;
        }
        match serde_yaml::from_str::<Option<DefinitionFile>>(&source.text) {
            Ok(def) => self.files.push(File {
                name: &source.name,
                map: SourceMap::index(&source.text),
                def: def.unwrap_or_default(),
            }),
            Err(error) => {
                self.all_files_read = false;
                let (line, column) = error.location().map_or((1, 1), |l| (l.line(), l.column()));
                let message = error.to_string();
                // serde_yaml appends the position; ours is already at the front.
                let message = match message.rfind(" at line ") {
                    Some(at) => message[..at].to_owned(),
                    None => message,
                };
                self.errors.push(DefinitionError {
                    file: source.name.clone(),
                    line,
                    column,
                    problem: Problem::Yaml(message),
                });
            }
        }
    }

    fn report(&mut self, file: usize, position: Position, problem: Problem) {
        self.errors.push(DefinitionError {
            file: self.files[file].name.to_owned(),
            line: position.line,
            column: position.column,
            problem,
        });
    }

    /// Reports a key that is not an id; a metric or KPI id must also be a formula variable.
    fn check_id(&mut self, at: At, variable: bool) {
        let checked = if variable {
            crate::kpi::id::check_variable(at.key)
        } else {
            crate::kpi::id::check(at.key)
        };
        if let Err(error) = checked {
            let position = self.key_at(at, &[]);
            let what = match at.section {
                "metrics" => "metric",
                "kpis" => "KPI",
                "roles" => "role",
                "rating_scales" => "rating scale",
                _ => "grade scale",
            };
            self.report(at.file, position, Problem::BadId { what, error });
        }
    }

    fn value_at(&self, at: At, rest: &[&str]) -> Position {
        let path: Vec<&str> = [at.section, at.key].into_iter().chain(rest.iter().copied()).collect();
        self.files[at.file].map.value(&path)
    }

    fn key_at(&self, at: At, rest: &[&str]) -> Position {
        let path: Vec<&str> = [at.section, at.key].into_iter().chain(rest.iter().copied()).collect();
        self.files[at.file].map.key(&path)
    }

    fn build(&mut self) -> Rulebook {
        // Work on owned definitions so that `self` stays free for reporting.
        let files: Vec<DefinitionFile> = self.files.iter_mut().map(|f| std::mem::take(&mut f.def)).collect();

        let mut seen: HashMap<String, (usize, &'static str)> = HashMap::new();
        let mut metrics = Vec::new();
        let mut kpi_defs: Vec<(At, &KpiDef)> = Vec::new();
        let mut role_defs: Vec<(At, &RoleDef)> = Vec::new();
        let mut scale_defs: HashMap<&str, (At, &GradeScaleDef)> = HashMap::new();
        let mut roles_seen: HashMap<&str, usize> = HashMap::new();
        let mut currency: Option<(usize, Currency)> = None;
        let mut review: Option<(usize, ReviewDef)> = None;
        let mut rating_scale_defs: Vec<(At, &[RatingLevelDef])> = Vec::new();

        for (file, def) in files.iter().enumerate() {
            if let Some(set) = &def.currency {
                let position = self.files[file].map.key(&["currency"]);
                if let Some((first, _)) = &currency {
                    let first_line = self.files[*first].map.key(&["currency"]).line;
                    let first = format!("{}:{first_line}", self.files[*first].name);
                    self.report(file, position, Problem::CurrencyTwice { first });
                } else {
                    if let Some(detail) = currency_problem(set) {
                        self.report(file, position, Problem::BadCurrency { detail });
                    }
                    currency = Some((file, set.clone()));
                }
            }
            if let Some(set) = &def.review {
                let position = self.files[file].map.key(&["review"]);
                if let Some((first, _)) = &review {
                    let first_line = self.files[*first].map.key(&["review"]).line;
                    let first = format!("{}:{first_line}", self.files[*first].name);
                    self.report(file, position, Problem::ReviewTwice { first });
                } else {
                    review = Some((file, set.clone()));
                }
            }
            for (key, levels) in &def.rating_scales {
                let at = At {
                    file,
                    section: "rating_scales",
                    key,
                };
                self.check_id(at, false);
                match rating_scale_defs.iter().find(|(first, _)| first.key == key.as_str()) {
                    Some((first, _)) => self.duplicate(at, first.file, "rating_scales"),
                    None => rating_scale_defs.push((at, levels)),
                }
            }
            for (key, metric) in &def.metrics {
                let at = At {
                    file,
                    section: "metrics",
                    key,
                };
                self.check_id(at, true);
                if self.unique(&mut seen, at) {
                    metrics.push(Metric {
                        key: key.clone(),
                        name: metric.name.clone(),
                        unit: metric.unit,
                        over_time: metric.over_time,
                        across_team: metric.across_team,
                    });
                }
            }
            for (key, kpi) in &def.kpis {
                let at = At {
                    file,
                    section: "kpis",
                    key,
                };
                self.check_id(at, true);
                if self.unique(&mut seen, at) {
                    kpi_defs.push((at, kpi));
                }
            }
            for (key, role) in &def.roles {
                let at = At {
                    file,
                    section: "roles",
                    key,
                };
                self.check_id(at, false);
                if let Some(&first) = roles_seen.get(key.as_str()) {
                    self.duplicate(at, first, "roles");
                } else {
                    roles_seen.insert(key, file);
                    role_defs.push((at, role));
                }
            }
            for (key, scale) in &def.grade_scales {
                let at = At {
                    file,
                    section: "grade_scales",
                    key,
                };
                self.check_id(at, false);
                if let Some((first, _)) = scale_defs.get(key.as_str()) {
                    self.duplicate(at, first.file, "grade_scales");
                } else {
                    scale_defs.insert(key, (at, scale));
                }
            }
        }

        let metric_index: HashMap<&str, usize> = metrics.iter().enumerate().map(|(i, m)| (m.key.as_str(), i)).collect();
        let kpi_index: HashMap<&str, usize> = kpi_defs.iter().enumerate().map(|(i, (at, _))| (at.key, i)).collect();
        let known: Vec<&str> = metric_index.keys().chain(kpi_index.keys()).copied().collect();

        // Parse every KPI formula and check the names it reads.
        let mut parsed: Vec<Option<ParsedFormula>> = Vec::new();
        for (at, kpi) in &kpi_defs {
            self.check_kpi_scoring(*at, kpi);
            let context = format!("formula of KPI `{}`", at.key);
            let formula = self.parse_formula(*at, &["formula"], &kpi.formula, FormulaKind::Number, &context, &known);
            parsed.push(formula);
        }

        let order = self.dependency_order(&kpi_defs, &parsed, &kpi_index);
        let slot_of_kpi: HashMap<&str, usize> = order
            .iter()
            .enumerate()
            .map(|(slot, &k)| (kpi_defs[k].0.key, metrics.len() + slot))
            .collect();
        let slot_of = |name: &str| {
            metric_index
                .get(name)
                .copied()
                .or_else(|| slot_of_kpi.get(name).copied())
        };

        let mut kpis = Vec::new();
        for &k in &order {
            let (at, def) = kpi_defs[k];
            let achievement = self.achievement_rule(at, def);
            let min_coverage = self.percent(at, "min_coverage", def.min_coverage, DEFAULT_MIN_COVERAGE);
            let Some(formula) = parsed[k].take() else { continue };
            match formula.compile(slot_of) {
                Ok(compiled) => kpis.push(Kpi {
                    key: at.key.to_owned(),
                    name: def.name.clone(),
                    description: def.description.clone(),
                    tier: def.tier,
                    unit: def.unit,
                    direction: def.direction,
                    achievement,
                    reads: Reads::of(&compiled, metrics.len(), &kpis),
                    formula,
                    compiled,
                    scoring: def.scoring.clone(),
                    min_coverage,
                }),
                Err(error) => {
                    let context = format!("formula of KPI `{}`", at.key);
                    self.formula_error(at, &["formula"], context, error);
                }
            }
        }

        let mut by_key: HashMap<String, Slot> = metrics
            .iter()
            .enumerate()
            .map(|(i, m)| (m.key.clone(), Slot::Metric(MetricId(i as u32))))
            .collect();
        by_key.extend(
            kpis.iter()
                .enumerate()
                .map(|(i, k)| (k.key.clone(), Slot::Kpi(KpiId(i as u32)))),
        );

        let mut scales: HashMap<&str, GradeScale> = HashMap::new();
        for (key, (at, def)) in &scale_defs {
            let scale = self.grade_scale(*at, def);
            scales.insert(key, scale);
        }
        let scale_keys: Vec<&str> = scale_defs.keys().copied().collect();
        let mut rating_scales = HashMap::new();
        for (at, levels) in &rating_scale_defs {
            let scale = self.rating_scale(*at, levels);
            rating_scales.insert(at.key, scale);
        }

        let mut context = RoleContext {
            kpis: &kpis,
            kpi_defs: kpi_defs.iter().map(|(at, def)| (at.key, *def)).collect(),
            by_key: &by_key,
            known: &known,
            metric_count: metrics.len(),
            scales: &scales,
            scale_keys: &scale_keys,
            rating_scales: &rating_scales,
        };
        let mut known_grades: Vec<&str> = Vec::new();
        for grade in scales.values().flat_map(|s| &s.grades) {
            if !known_grades.contains(&grade.grade.as_str()) {
                known_grades.push(&grade.grade);
            }
        }
        let mut roles = Vec::new();
        let mut team_role: Option<(RoleId, &str)> = None;
        for (at, def) in &role_defs {
            if def.team_scorecard {
                if let Some((_, first)) = team_role {
                    let position = self.value_at(*at, &["team_scorecard"]);
                    let problem = Problem::TwoTeamScorecards {
                        first: first.to_owned(),
                        second: at.key.to_owned(),
                    };
                    self.report(at.file, position, problem);
                } else {
                    team_role = Some((RoleId(roles.len() as u32), at.key));
                }
            }
            if let Some(role) = self.role(*at, def, &mut context) {
                roles.push(role);
            }
        }

        let role_by_key = roles
            .iter()
            .enumerate()
            .map(|(i, r)| (r.key.clone(), RoleId(i as u32)))
            .collect();
        Rulebook {
            metrics,
            kpis,
            roles,
            team_role: team_role.map(|(id, _)| id),
            by_key,
            role_by_key,
            currency: currency.map(|(_, c)| c),
            review: review
                .map(|(file, def)| self.review_policy(file, &def, &known_grades))
                .unwrap_or_default(),
        }
    }

    /// A KPI's achievement rule: `achievement` only with `direction: lower`, and
    /// `at_zero` exactly when it is `ratio`.
    fn achievement_rule(&mut self, at: At, def: &KpiDef) -> AchievementRule {
        let invalid = |detail: &str| Problem::Invalid {
            what: format!("achievement of KPI `{}`", at.key),
            detail: detail.to_owned(),
        };
        let mut problems = Vec::new();
        let rule = match (def.direction, def.achievement) {
            (Direction::Higher, None) => AchievementRule::Higher,
            (Direction::Closest, None) => AchievementRule::Closest,
            (Direction::Lower, None | Some(LowerAchievement::Mirror)) => AchievementRule::LowerMirror,
            (Direction::Lower, Some(LowerAchievement::Ratio)) => match def.at_zero {
                Some(at_zero) if at_zero.is_finite() && at_zero >= 0.0 => AchievementRule::LowerRatio { at_zero },
                Some(_) => {
                    problems.push(("at_zero", invalid("`at_zero` must be a number of percent, 0 or more")));
                    AchievementRule::LowerRatio { at_zero: 0.0 }
                }
                None => {
                    problems.push((
                        "achievement",
                        invalid("`achievement: ratio` needs `at_zero`, the achievement (percent) of a value of 0"),
                    ));
                    AchievementRule::LowerRatio { at_zero: 0.0 }
                }
            },
            (direction, Some(_)) => {
                let direction = if direction == Direction::Higher {
                    "higher"
                } else {
                    "closest"
                };
                problems.push((
                    "achievement",
                    invalid(&format!(
                        "`achievement` chooses between the forms of lower is better; this KPI's direction is {direction}"
                    )),
                ));
                AchievementRule::Higher
            }
        };
        if def.at_zero.is_some() && def.achievement != Some(LowerAchievement::Ratio) {
            problems.push(("at_zero", invalid("`at_zero` only applies with `achievement: ratio`")));
        }
        for (key, problem) in problems {
            let position = self.value_at(at, &[key]);
            self.report(at.file, position, problem);
        }
        rule
    }

    /// A percentage setting, `default` when absent; reported unless 0 to 100.
    fn percent(&mut self, at: At, key: &str, value: Option<f64>, default: f64) -> f64 {
        match value {
            None => default,
            Some(v) if (0.0..=100.0).contains(&v) => v,
            Some(v) => {
                let position = self.value_at(at, &[key]);
                self.report(
                    at.file,
                    position,
                    Problem::Invalid {
                        what: format!("`{key}` of {} `{}`", at.section.trim_end_matches('s'), at.key),
                        detail: format!("{v} is not a percentage from 0 to 100"),
                    },
                );
                default
            }
        }
    }

    /// Records the id's first definition, or reports the duplicate.
    fn unique(&mut self, seen: &mut HashMap<String, (usize, &'static str)>, at: At) -> bool {
        match seen.get(at.key) {
            Some(&(file, section)) => {
                self.duplicate(at, file, section);
                false
            }
            None => {
                seen.insert(at.key.to_owned(), (at.file, at.section));
                true
            }
        }
    }

    fn duplicate(&mut self, at: At, first_file: usize, first_section: &'static str) {
        let first = At {
            file: first_file,
            section: first_section,
            key: at.key,
        };
        let first_position = self.key_at(first, &[]);
        let first = format!("{}:{}", self.files[first_file].name, first_position.line);
        let position = self.key_at(at, &[]);
        self.report(
            at.file,
            position,
            Problem::DuplicateId {
                id: at.key.to_owned(),
                first,
            },
        );
    }

    /// Parses a formula and checks that it reads only known names.
    fn parse_formula(
        &mut self,
        at: At,
        path: &[&str],
        source: &str,
        kind: FormulaKind,
        context: &str,
        known: &[&str],
    ) -> Option<ParsedFormula> {
        let formula = match ParsedFormula::parse(source, kind) {
            Ok(formula) => formula,
            Err(error) => {
                self.formula_error(at, path, context.to_owned(), error);
                return None;
            }
        };
        let mut ok = true;
        for name in formula.variables() {
            if !known.contains(&name.as_str()) {
                ok = false;
                if self.all_files_read {
                    let offset = source.find(name.as_str()).unwrap_or(0);
                    let position = self.within(at, path, offset);
                    let suggestion = nearest(name, known.iter().copied());
                    let problem = Problem::UnknownVariable {
                        context: context.to_owned(),
                        name: name.clone(),
                        suggestion,
                    };
                    self.report(at.file, position, problem);
                }
            }
        }
        ok.then_some(formula)
    }

    fn within(&self, at: At, rest: &[&str], offset: usize) -> Position {
        let path: Vec<&str> = [at.section, at.key].into_iter().chain(rest.iter().copied()).collect();
        self.files[at.file].map.within(&path, offset)
    }

    fn formula_error(&mut self, at: At, path: &[&str], context: String, error: FormulaError) {
        let position = match error.column() {
            Some(offset) => self.within(at, path, offset),
            None => self.value_at(at, path),
        };
        self.report(at.file, position, Problem::Formula { context, error });
    }

    /// KPIs in an order where each comes after the KPIs its formula reads; reports cycles.
    fn dependency_order(
        &mut self,
        kpis: &[(At, &KpiDef)],
        parsed: &[Option<ParsedFormula>],
        index: &HashMap<&str, usize>,
    ) -> Vec<usize> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Visiting,
            Done,
        }
        let reads = |k: usize| -> Vec<usize> {
            parsed[k]
                .iter()
                .flat_map(|f| f.variables())
                .filter_map(|name| index.get(name.as_str()).copied())
                .collect()
        };
        let mut marks = vec![Mark::New; kpis.len()];
        let mut order = Vec::with_capacity(kpis.len());
        for start in 0..kpis.len() {
            if marks[start] != Mark::New {
                continue;
            }
            // Iterative depth-first search: definitions are admin input, so no recursion depth is trusted.
            let mut stack: Vec<(usize, Vec<usize>)> = vec![(start, reads(start))];
            marks[start] = Mark::Visiting;
            while let Some((node, pending)) = stack.last_mut() {
                let node = *node;
                match pending.pop() {
                    Some(next) if marks[next] == Mark::New => {
                        marks[next] = Mark::Visiting;
                        stack.push((next, reads(next)));
                    }
                    Some(next) if marks[next] == Mark::Visiting => {
                        let from = stack.iter().position(|(n, _)| *n == next).unwrap_or(0);
                        let mut path: Vec<String> =
                            stack[from..].iter().map(|(n, _)| kpis[*n].0.key.to_owned()).collect();
                        path.push(kpis[next].0.key.to_owned());
                        let at = kpis[next].0;
                        let position = self.value_at(at, &["formula"]);
                        self.report(
                            at.file,
                            position,
                            Problem::Cycle {
                                kpi: at.key.to_owned(),
                                path,
                            },
                        );
                    }
                    Some(_) => {}
                    None => {
                        marks[node] = Mark::Done;
                        order.push(node);
                        stack.pop();
                    }
                }
            }
        }
        order
    }
}

/// What is wrong with a currency, if anything: a code of three capital letters, a
/// short symbol a reader can see.
fn currency_problem(currency: &Currency) -> Option<String> {
    let code = &currency.code;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Some(format!(
            "code `{}` is not three capital letters (ISO 4217, e.g. CNY)",
            crate::kpi::id::shown(code)
        ));
    }
    let symbol = &currency.symbol;
    if symbol.trim().is_empty() || symbol.chars().count() > 4 || symbol.chars().any(crate::kpi::id::hidden) {
        return Some(format!(
            "symbol `{}` must be 1 to 4 visible characters (e.g. ¥)",
            crate::kpi::id::shown(symbol)
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::kpi::rulebook::nearest;

    #[test]
    fn a_typo_suggests_the_nearest_name() {
        let known = ["new_customers", "marketing_spend", "visits_made"];
        assert_eq!(
            nearest("new_customer", known.into_iter()).as_deref(),
            Some("new_customers")
        );
        assert_eq!(
            nearest("markting_spend", known.into_iter()).as_deref(),
            Some("marketing_spend")
        );
        assert_eq!(nearest("revenue", known.into_iter()), None);
    }
}
