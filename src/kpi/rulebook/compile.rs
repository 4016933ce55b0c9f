//! Definitions files -> a validated, compiled [`Rulebook`], or every problem at once.

use super::problem::{DefinitionError, DefinitionErrors, Problem};
use super::*;
use crate::kpi::definition::{BandBasis, DefinitionFile, GradeScaleDef, KpiDef, RoleDef, TargetDef};
use crate::kpi::formula::{FormulaError, FormulaKind};
use crate::kpi::source_map::{Position, SourceMap};
use std::collections::{BTreeSet, HashSet};

/// Weights are percentages typed by people; allow for float rounding only.
const WEIGHT_TOLERANCE: f64 = 1e-6;

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

impl<'a> Compiler<'a> {
    fn read(&mut self, source: &'a SourceFile) {
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

        for (file, def) in files.iter().enumerate() {
            for (key, metric) in &def.metrics {
                let at = At {
                    file,
                    section: "metrics",
                    key,
                };
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
            let Some(formula) = parsed[k].take() else { continue };
            match formula.compile(slot_of) {
                Ok(compiled) => kpis.push(Kpi {
                    key: at.key.to_owned(),
                    name: def.name.clone(),
                    description: def.description.clone(),
                    tier: def.tier,
                    unit: def.unit,
                    direction: def.direction,
                    formula,
                    compiled,
                    scoring: def.scoring.clone(),
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

        let mut context = RoleContext {
            kpis: &kpis,
            kpi_defs: kpi_defs.iter().map(|(at, def)| (at.key, *def)).collect(),
            by_key: &by_key,
            known: &known,
            metric_count: metrics.len(),
            scales: &scales,
            scale_keys: &scale_keys,
        };
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

    fn check_kpi_scoring(&mut self, at: At, kpi: &KpiDef) {
        let mut problems: Vec<(Vec<&str>, Problem)> = Vec::new();
        let mut steps_out_of_order = Vec::new();
        let invalid = |detail: &str| Problem::Invalid {
            what: format!("scoring of KPI `{}`", at.key),
            detail: detail.to_owned(),
        };
        match &kpi.scoring {
            ScoringDef::Linear { floor, cap } => {
                if !(cap.is_finite() && *cap > 0.0) {
                    problems.push((
                        vec!["scoring", "linear", "cap"],
                        invalid("`cap` must be a positive number of points"),
                    ));
                }
                if !(floor.is_finite() && *floor >= 0.0 && floor <= cap) {
                    problems.push((
                        vec!["scoring", "linear", "floor"],
                        invalid("`floor` must lie between 0 and `cap`"),
                    ));
                }
            }
            ScoringDef::Levels {
                threshold_points,
                stretch_points,
            } => {
                if kpi.direction == Direction::Closest {
                    problems.push((
                        vec!["scoring"],
                        invalid("`levels` needs a KPI whose direction is higher or lower"),
                    ));
                }
                if !(0.0..=100.0).contains(threshold_points) {
                    problems.push((
                        vec!["scoring", "levels", "threshold_points"],
                        invalid("`threshold_points` must lie between 0 and 100"),
                    ));
                }
                if !(stretch_points.is_finite() && *stretch_points >= 100.0) {
                    problems.push((
                        vec!["scoring", "levels", "stretch_points"],
                        invalid("`stretch_points` must be at least 100"),
                    ));
                }
            }
            ScoringDef::Bands { steps, .. } => {
                if steps.is_empty() {
                    problems.push((
                        vec!["scoring", "bands", "steps"],
                        Problem::Empty {
                            what: format!("the band list of KPI `{}`", at.key),
                        },
                    ));
                }
                for (i, pair) in steps.windows(2).enumerate() {
                    if pair[0].from >= pair[1].from || pair[1].from.is_nan() {
                        let detail = format!(
                            "`from: {}` follows `from: {}`; list bands from the lowest `from` up",
                            pair[1].from, pair[0].from
                        );
                        let what = format!("the bands of KPI `{}`", at.key);
                        steps_out_of_order.push((i + 1, Problem::OutOfOrder { what, detail }));
                    }
                }
                if steps
                    .iter()
                    .any(|s| !(s.from.is_finite() && s.points.is_finite() && s.points >= 0.0))
                {
                    problems.push((
                        vec!["scoring", "bands", "steps"],
                        invalid("every band needs a finite `from` and points of at least 0"),
                    ));
                }
            }
            ScoringDef::PassFail { points } => {
                if !(points.is_finite() && *points >= 0.0) {
                    problems.push((
                        vec!["scoring", "pass_fail", "points"],
                        invalid("`points` must be at least 0"),
                    ));
                }
            }
        }
        for (path, problem) in problems {
            let position = self.value_at(at, &path);
            self.report(at.file, position, problem);
        }
        for (step, problem) in steps_out_of_order {
            let position = self.value_at(at, &["scoring", "bands", "steps", &step.to_string(), "from"]);
            self.report(at.file, position, problem);
        }
    }

    fn grade_scale(&mut self, at: At, def: &GradeScaleDef) -> GradeScale {
        let what = format!("grade scale `{}`", at.key);
        if def.grades.is_empty() {
            let position = self.value_at(at, &["grades"]);
            self.report(
                at.file,
                position,
                Problem::Empty {
                    what: format!("the grade list of {what}"),
                },
            );
        }
        if !(def.total.min.is_finite() && def.total.max.is_finite() && def.total.min < def.total.max) {
            let position = self.value_at(at, &["total"]);
            let detail = format!("`min` ({}) must be below `max` ({})", def.total.min, def.total.max);
            self.report(
                at.file,
                position,
                Problem::Invalid {
                    what: format!("total bounds of {what}"),
                    detail,
                },
            );
        }
        for (i, pair) in def.grades.windows(2).enumerate() {
            if pair[0].min <= pair[1].min || pair[1].min.is_nan() {
                let position = self.value_at(at, &["grades", &(i + 1).to_string(), "min"]);
                let detail = format!(
                    "grade {} (min {}) follows grade {} (min {}); list grades from the best down",
                    pair[1].grade, pair[1].min, pair[0].grade, pair[0].min
                );
                self.report(
                    at.file,
                    position,
                    Problem::OutOfOrder {
                        what: format!("the grades of {what}"),
                        detail,
                    },
                );
            }
        }
        let mut names = HashSet::new();
        for (i, grade) in def.grades.iter().enumerate() {
            let index = i.to_string();
            if !names.insert(grade.grade.as_str()) {
                let position = self.value_at(at, &["grades", &index, "grade"]);
                self.report(
                    at.file,
                    position,
                    Problem::DuplicateId {
                        id: grade.grade.clone(),
                        first: what.clone(),
                    },
                );
            }
            if !(grade.bonus_coefficient.is_finite() && grade.bonus_coefficient >= 0.0) {
                let position = self.value_at(at, &["grades", &index, "bonus_coefficient"]);
                self.report(
                    at.file,
                    position,
                    Problem::Negative {
                        what: format!("the bonus coefficient of grade {}", grade.grade),
                        value: grade.bonus_coefficient,
                    },
                );
            }
        }
        if let Some(lowest) = def.grades.last() {
            if lowest.min > def.total.min {
                let position = self.value_at(at, &["grades", &(def.grades.len() - 1).to_string(), "min"]);
                let detail = format!(
                    "the lowest grade {} starts at {}, so totals from {} up to it would have no grade; let it start at {} or lower",
                    lowest.grade, lowest.min, def.total.min, def.total.min
                );
                self.report(at.file, position, Problem::Invalid { what, detail });
            }
        }
        // Returned even when flawed, so that roles naming it are still checked against it;
        // the problems already recorded keep the rulebook from loading.
        GradeScale {
            key: at.key.to_owned(),
            total_min: def.total.min,
            total_max: def.total.max,
            grades: def
                .grades
                .iter()
                .map(|g| Grade {
                    grade: g.grade.clone(),
                    min: g.min,
                    bonus_coefficient: g.bonus_coefficient,
                })
                .collect(),
        }
    }
}

/// What checking a role needs to know of the rest of the rulebook.
struct RoleContext<'r> {
    kpis: &'r [Kpi],
    kpi_defs: HashMap<&'r str, &'r KpiDef>,
    by_key: &'r HashMap<String, Slot>,
    known: &'r [&'r str],
    metric_count: usize,
    scales: &'r HashMap<&'r str, GradeScale>,
    scale_keys: &'r [&'r str],
}

impl<'a> Compiler<'a> {
    fn role(&mut self, at: At, def: &RoleDef, cx: &mut RoleContext) -> Option<Role> {
        let before = self.errors.len();
        let role_key = at.key.to_owned();
        let scale = cx.scales.get(def.grade_scale.as_str()).cloned();
        if scale.is_none() && !cx.scale_keys.contains(&def.grade_scale.as_str()) {
            let position = self.value_at(at, &["grade_scale"]);
            let suggestion = nearest(&def.grade_scale, cx.scale_keys.iter().copied());
            self.report(
                at.file,
                position,
                Problem::UnknownGradeScale {
                    role: role_key.clone(),
                    scale: def.grade_scale.clone(),
                    suggestion,
                },
            );
        }
        if def.tiers.is_empty() {
            let position = self.value_at(at, &["tiers"]);
            self.report(at.file, position, Problem::EmptyCard { role: role_key.clone() });
        }
        let tier_sum: f64 = def.tiers.values().map(|t| t.weight).sum();
        if !def.tiers.is_empty() && (tier_sum - 100.0).abs() > WEIGHT_TOLERANCE {
            let position = self.value_at(at, &["tiers"]);
            self.report(
                at.file,
                position,
                Problem::WeightsNot100 {
                    what: format!("the tier weights of role `{role_key}`"),
                    sum: tier_sum,
                },
            );
        }

        let mut tiers = Vec::new();
        let mut on_card = HashSet::new();
        for (tier, tier_def) in &def.tiers {
            let tier_name = tier.as_str();
            if !(tier_def.weight.is_finite() && tier_def.weight >= 0.0) {
                let position = self.value_at(at, &["tiers", tier_name, "weight"]);
                self.report(
                    at.file,
                    position,
                    Problem::Negative {
                        what: format!("the weight of the {tier_name} tier of role `{role_key}`"),
                        value: tier_def.weight,
                    },
                );
            }
            if tier_def.kpis.is_empty() {
                let position = self.value_at(at, &["tiers", tier_name, "kpis"]);
                self.report(
                    at.file,
                    position,
                    Problem::Empty {
                        what: format!("the {tier_name} tier of role `{role_key}`"),
                    },
                );
                continue;
            }
            let kpi_sum: f64 = tier_def.kpis.values().map(|k| k.weight).sum();
            if (kpi_sum - 100.0).abs() > WEIGHT_TOLERANCE {
                let position = self.value_at(at, &["tiers", tier_name, "kpis"]);
                self.report(
                    at.file,
                    position,
                    Problem::WeightsNot100 {
                        what: format!("the KPI weights of the {tier_name} tier of role `{role_key}`"),
                        sum: kpi_sum,
                    },
                );
            }
            let mut role_kpis = Vec::new();
            for (kpi_key, entry) in &tier_def.kpis {
                let path = ["tiers", tier_name, "kpis", kpi_key.as_str()];
                let Some(kpi_def) = cx.kpi_defs.get(kpi_key.as_str()).copied() else {
                    if self.all_files_read {
                        let position = self.key_at(at, &path);
                        let suggestion = nearest(kpi_key, cx.kpi_defs.keys().copied());
                        self.report(
                            at.file,
                            position,
                            Problem::UnknownKpi {
                                role: role_key.clone(),
                                kpi: kpi_key.clone(),
                                suggestion,
                            },
                        );
                    }
                    continue;
                };
                if !on_card.insert(kpi_key.as_str()) {
                    let position = self.key_at(at, &path);
                    self.report(
                        at.file,
                        position,
                        Problem::KpiTwiceOnCard {
                            role: role_key.clone(),
                            kpi: kpi_key.clone(),
                        },
                    );
                }
                if kpi_def.tier != *tier {
                    let position = self.key_at(at, &path);
                    self.report(
                        at.file,
                        position,
                        Problem::WrongTier {
                            role: role_key.clone(),
                            kpi: kpi_key.clone(),
                            actual: kpi_def.tier.as_str(),
                            placed: tier_name,
                        },
                    );
                }
                if !(entry.weight.is_finite() && entry.weight >= 0.0) {
                    let position = self.value_at(at, &[&path[..], &["weight"]].concat());
                    self.report(
                        at.file,
                        position,
                        Problem::Negative {
                            what: format!("the weight of KPI `{kpi_key}` in role `{role_key}`"),
                            value: entry.weight,
                        },
                    );
                }
                let target = target_of(entry.target);
                let what = format!("the target of KPI `{kpi_key}` in role `{role_key}`");
                if let Err(detail) = check_target(kpi_def.direction, &kpi_def.scoring, &target) {
                    let position = self.value_at(at, &[&path[..], &["target"]].concat());
                    self.report(at.file, position, Problem::Invalid { what, detail });
                }
                if let Some(Slot::Kpi(kpi)) = cx.by_key.get(kpi_key.as_str()) {
                    role_kpis.push(RoleKpi {
                        kpi: *kpi,
                        weight: entry.weight,
                        target,
                    });
                }
            }
            tiers.push(RoleTier {
                tier: *tier,
                weight: tier_def.weight,
                kpis: role_kpis,
            });
        }

        let slot_of = |name: &str| {
            cx.by_key.get(name).map(|slot| match slot {
                Slot::Metric(m) => m.index(),
                Slot::Kpi(k) => cx.metric_count + k.index(),
            })
        };
        let mut adjustments = Vec::new();
        let mut adjustment_ids = HashSet::new();
        for (i, adjustment) in def.adjustments.iter().enumerate() {
            let index = i.to_string();
            let what = format!("adjustment `{}` of role `{role_key}`", adjustment.id);
            if !adjustment_ids.insert(adjustment.id.as_str()) {
                let position = self.value_at(at, &["adjustments", &index, "id"]);
                self.report(
                    at.file,
                    position,
                    Problem::DuplicateId {
                        id: adjustment.id.clone(),
                        first: format!("role `{role_key}`"),
                    },
                );
            }
            for (field, value) in [
                ("points_each", adjustment.points_each),
                ("max_points", adjustment.max_points),
            ] {
                if !(value.is_finite() && value >= 0.0) {
                    let position = self.value_at(at, &["adjustments", &index, field]);
                    self.report(
                        at.file,
                        position,
                        Problem::Negative {
                            what: format!("`{field}` of {what}"),
                            value,
                        },
                    );
                }
            }
            let Some(per) = self.parse_formula(
                at,
                &["adjustments", &index, "per"],
                &adjustment.per,
                FormulaKind::Number,
                &format!("`per` of {what}"),
                cx.known,
            ) else {
                continue;
            };
            if let Ok(compiled) = per.compile(slot_of) {
                adjustments.push(Adjustment {
                    key: adjustment.id.clone(),
                    name: adjustment.name.clone(),
                    kind: adjustment.kind,
                    per,
                    compiled,
                    points_each: adjustment.points_each,
                    max_points: adjustment.max_points,
                });
            }
        }

        let mut gates = Vec::new();
        for (i, gate) in def.gates.iter().enumerate() {
            let index = i.to_string();
            let what = format!("condition of gate `{}` in role `{role_key}`", gate.id);
            let effect = match &gate.then {
                GateAction::ZeroTotal => Some(GateEffect::ZeroTotal),
                GateAction::ZeroTier(tier) => {
                    if !def.tiers.contains_key(tier) {
                        let position = self.value_at(at, &["gates", &index, "then"]);
                        self.report(
                            at.file,
                            position,
                            Problem::TierNotOnCard {
                                role: role_key.clone(),
                                gate: gate.id.clone(),
                                tier: tier.as_str(),
                            },
                        );
                    }
                    Some(GateEffect::ZeroTier(*tier))
                }
                GateAction::CapGrade(grade) => match &scale {
                    Some(scale) => match scale.rank_of(grade) {
                        Some(rank) => Some(GateEffect::CapGrade(rank)),
                        None => {
                            let position = self.value_at(at, &["gates", &index, "then"]);
                            let known = scale
                                .grades
                                .iter()
                                .map(|g| g.grade.as_str())
                                .collect::<Vec<_>>()
                                .join(", ");
                            self.report(
                                at.file,
                                position,
                                Problem::UnknownGrade {
                                    gate: gate.id.clone(),
                                    grade: grade.clone(),
                                    scale: scale.key.clone(),
                                    known,
                                },
                            );
                            None
                        }
                    },
                    None => None,
                },
            };
            let when = self.parse_formula(
                at,
                &["gates", &index, "when"],
                &gate.when,
                FormulaKind::Condition,
                &what,
                cx.known,
            );
            if let (Some(when), Some(effect)) = (when, effect) {
                if let Ok(compiled) = when.compile(slot_of) {
                    gates.push(Gate {
                        key: gate.id.clone(),
                        name: gate.name.clone(),
                        when,
                        compiled,
                        action: effect,
                    });
                }
            }
        }

        let scale = scale?;
        if self.errors.len() != before {
            return None;
        }
        let kpis_to_evaluate = evaluation_closure(cx, &tiers, &adjustments, &gates);
        Some(Role {
            key: role_key,
            name: def.name.clone(),
            description: def.description.clone(),
            scored_on: def.scored_on,
            grade_scale: scale,
            tiers,
            adjustments,
            gates,
            kpis_to_evaluate,
        })
    }
}

/// The card's KPIs and every KPI they, the adjustments and the gates read, in dependency order.
fn evaluation_closure(cx: &RoleContext, tiers: &[RoleTier], adjustments: &[Adjustment], gates: &[Gate]) -> Vec<KpiId> {
    let kpi_of_slot = |slot: usize| slot.checked_sub(cx.metric_count).map(|k| KpiId(k as u32));
    let mut needed: BTreeSet<KpiId> = BTreeSet::new();
    let mut todo: Vec<KpiId> = tiers.iter().flat_map(|t| t.kpis.iter().map(|k| k.kpi)).collect();
    let formula_slots = adjustments
        .iter()
        .map(|a| &a.compiled)
        .chain(gates.iter().map(|g| &g.compiled));
    todo.extend(formula_slots.flat_map(|f| f.slots().iter().copied().filter_map(kpi_of_slot)));
    while let Some(kpi) = todo.pop() {
        if needed.insert(kpi) {
            todo.extend(
                cx.kpis[kpi.index()]
                    .compiled
                    .slots()
                    .iter()
                    .copied()
                    .filter_map(kpi_of_slot),
            );
        }
    }
    // KPIs are stored in dependency order, so ascending ids are an evaluation order.
    needed.into_iter().collect()
}

fn target_of(def: TargetDef) -> Target {
    match def {
        TargetDef::Value(target) => Target {
            target,
            threshold: None,
            stretch: None,
        },
        TargetDef::Levels(l) => Target {
            target: l.target,
            threshold: Some(l.threshold),
            stretch: Some(l.stretch),
        },
    }
}

/// Whether a target suits a KPI's direction and scoring rule; the reason if not.
/// Role defaults are checked here at load time, and targets files with the same rule.
pub fn check_target(direction: Direction, scoring: &ScoringDef, target: &Target) -> Result<(), String> {
    let numbers = [Some(target.target), target.threshold, target.stretch];
    if numbers.iter().flatten().any(|n| !n.is_finite()) {
        return Err("targets must be finite numbers".into());
    }
    let uses_achievement = matches!(
        scoring,
        ScoringDef::Linear { .. }
            | ScoringDef::Bands {
                of: BandBasis::Achievement,
                ..
            }
    );
    if uses_achievement && target.target == 0.0 {
        return Err(
            "a target of 0 leaves achievement undefined; score this KPI with bands on its value or pass/fail".into(),
        );
    }
    if let ScoringDef::Levels { .. } = scoring {
        let (Some(threshold), Some(stretch)) = (target.threshold, target.stretch) else {
            return Err("the `levels` rule needs `{ threshold, target, stretch }`".into());
        };
        let ordered = match direction {
            Direction::Lower => threshold > target.target && target.target > stretch,
            _ => threshold < target.target && target.target < stretch,
        };
        if !ordered {
            let order = if direction == Direction::Lower {
                "threshold > target > stretch (lower is better)"
            } else {
                "threshold < target < stretch"
            };
            return Err(format!(
                "levels {threshold} / {} / {stretch} must run {order}",
                target.target
            ));
        }
    }
    Ok(())
}

/// The known name closest to `name`, if it is close enough to be a likely typo.
fn nearest<'k>(name: &str, known: impl Iterator<Item = &'k str>) -> Option<String> {
    known
        .map(|k| (strsim::damerau_levenshtein(name, k), k))
        .filter(|(distance, k)| *distance <= (name.len().max(k.len()) / 3).max(2))
        .min()
        .map(|(_, k)| k.to_owned())
}

#[cfg(test)]
mod tests {
    use super::nearest;

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
