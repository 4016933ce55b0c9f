//! Numbers worked out by hand, every refusal, and a differential test against
//! evalexpr's own interpreter over random formulas and inputs.

use super::*;
use proptest::prelude::*;

const NAMES: [&str; 4] = ["a", "b", "c", "d"];

fn slot_of(name: &str) -> Option<usize> {
    NAMES.iter().position(|n| *n == name)
}

fn number(source: &str, values: [f64; 4]) -> Result<f64, EvalError> {
    let formula = ParsedFormula::parse(source, FormulaKind::Number).unwrap_or_else(|e| panic!("{source}: {e}"));
    formula.compile(slot_of).expect("compiles").evaluate(&values)
}

fn condition(source: &str, values: [f64; 4]) -> bool {
    let formula = ParsedFormula::parse(source, FormulaKind::Condition).unwrap_or_else(|e| panic!("{source}: {e}"));
    formula
        .compile(slot_of)
        .expect("compiles")
        .evaluate(&values)
        .expect("evaluates")
        == 1.0
}

fn refused(source: &str, kind: FormulaKind) -> FormulaError {
    match ParsedFormula::parse(source, kind) {
        Ok(_) => panic!("{source:?} should be refused"),
        Err(e) => e,
    }
}

#[test]
fn integer_division_does_not_truncate() {
    assert_eq!(number("5 / 2", [0.0; 4]), Ok(2.5));
    let reference = ParsedFormula::parse("5 / 2", FormulaKind::Number).expect("parses");
    assert_eq!(
        reference.evaluate_with_evalexpr(|_| 0.0),
        Ok(2.5),
        "the reference sees floats too"
    );
}

#[test]
fn arithmetic_worked_by_hand() {
    assert_eq!(number("(a + b) / c", [3.0, 5.0, 4.0, 0.0]), Ok(2.0));
    // ^ binds tighter than *, which binds tighter than +: 2 + 3 * 16.
    assert_eq!(number("2 + 3 * 4 ^ 2", [0.0; 4]), Ok(50.0));
    assert_eq!(number("-a + 10", [4.0, 0.0, 0.0, 0.0]), Ok(6.0));
    assert_eq!(number("a % 3", [10.0, 0.0, 0.0, 0.0]), Ok(1.0));
    assert_eq!(
        number(
            "(customers_end - new) / start * 100"
                .replace("customers_end", "a")
                .replace("new", "b")
                .replace("start", "c")
                .as_str(),
            [105.0, 10.0, 100.0, 0.0]
        ),
        Ok(95.0)
    );
}

#[test]
fn functions_worked_by_hand() {
    assert_eq!(number("min(a, b, c)", [3.0, -1.0, 2.0, 0.0]), Ok(-1.0));
    assert_eq!(number("max(a, 10)", [3.0, 0.0, 0.0, 0.0]), Ok(10.0));
    assert_eq!(
        number("round(a)", [2.5, 0.0, 0.0, 0.0]),
        Ok(3.0),
        "half away from zero, as evalexpr"
    );
    assert_eq!(number("floor(a) + ceil(b)", [2.7, 2.1, 0.0, 0.0]), Ok(5.0));
    assert_eq!(number("math::abs(a - b)", [1.0, 4.0, 0.0, 0.0]), Ok(3.0));
    assert_eq!(number("math::sqrt(a)", [16.0, 0.0, 0.0, 0.0]), Ok(4.0));
    assert_eq!(
        number("if(a > 0, b / a, 0)", [0.0, 5.0, 0.0, 0.0]),
        Ok(0.0),
        "the branch not taken is not evaluated"
    );
    assert_eq!(number("if(a > 0, b / a, 0)", [2.0, 5.0, 0.0, 0.0]), Ok(2.5));
}

#[test]
fn conditions_worked_by_hand() {
    assert!(condition("a > 5 && b <= 2", [6.0, 2.0, 0.0, 0.0]));
    assert!(!condition("a > 5 && b <= 2", [6.0, 3.0, 0.0, 0.0]));
    assert!(condition("a == 1 || !(b < 0)", [0.0, 1.0, 0.0, 0.0]));
    assert!(
        !condition("a > 0 && b / a < 1", [0.0, 1.0, 0.0, 0.0]),
        "&& stops at a false left side"
    );
    assert!(condition("true", [0.0; 4]));
}

#[test]
fn a_zero_divisor_and_a_non_finite_result_have_no_value() {
    assert_eq!(number("a / b", [1.0, 0.0, 0.0, 0.0]), Err(EvalError::DivisionByZero));
    assert_eq!(number("a % b", [1.0, 0.0, 0.0, 0.0]), Err(EvalError::DivisionByZero));
    assert_eq!(
        number("math::sqrt(a)", [-1.0, 0.0, 0.0, 0.0]),
        Err(EvalError::NotFinite)
    );
    assert_eq!(number("a ^ b", [10.0, 400.0, 0.0, 0.0]), Err(EvalError::NotFinite));
}

#[test]
fn variables_and_slots_are_listed_once_in_order() {
    let formula = ParsedFormula::parse("b / a + b * c", FormulaKind::Number).expect("parses");
    assert_eq!(formula.variables(), ["b", "a", "c"]);
    assert_eq!(formula.compile(slot_of).expect("compiles").slots(), [1, 0, 2]);
    let error = formula.compile(|n| (n != "c").then_some(0)).expect_err("c has no slot");
    assert_eq!(
        error,
        FormulaError::UnknownVariable {
            name: "c".into(),
            at: Some(12)
        }
    );
}

#[test]
fn broken_and_forbidden_formulas_are_refused_at_load() {
    use FormulaKind::{Condition, Number};
    assert_eq!(refused("", Number), FormulaError::Empty);
    assert_eq!(refused("   ", Number), FormulaError::Empty);
    for source in ["a + * b", "1 +", "a b", "* a", "(a", "a)"] {
        let error = refused(source, Number);
        assert!(matches!(error, FormulaError::Syntax { .. }), "{source}: {error:?}");
    }
    for source in ["a = 1", "a += 1", "a; b"] {
        assert_eq!(refused(source, Number), FormulaError::Assignment, "{source}");
    }
    assert!(matches!(refused("(a, b)", Number), FormulaError::Unsupported { .. }));
    assert!(matches!(refused("\"text\"", Number), FormulaError::Unsupported { .. }));
    assert!(matches!(
        refused("foo(a)", Number),
        FormulaError::UnknownFunction { .. }
    ));
    assert!(matches!(
        refused("math::sin(a)", Number),
        FormulaError::UnknownFunction { .. }
    ));
    assert!(matches!(
        refused("min(a)", Number),
        FormulaError::WrongArity { found: 1, .. }
    ));
    assert!(matches!(
        refused("if(a, b, c)", Number),
        FormulaError::ExpectedCondition
    ));
    assert_eq!(refused("a > b", Number), FormulaError::ExpectedNumber);
    assert_eq!(refused("(a > b) + 1", Number), FormulaError::ExpectedNumber);
    assert_eq!(refused("a + b", Condition), FormulaError::ExpectedCondition);
    assert_eq!(refused("a && b", Condition), FormulaError::ExpectedCondition);
}

#[test]
fn hostile_sizes_are_refused_before_the_parser_sees_them() {
    let deep = format!("{}a{}", "(".repeat(40), ")".repeat(40));
    assert!(matches!(
        refused(&deep, FormulaKind::Number),
        FormulaError::TooDeep { at: Some(32), .. }
    ));
    // Thousands of parentheses would overflow evalexpr's stack: refused, never parsed.
    let very_deep = format!("{}a{}", "(".repeat(5000), ")".repeat(5000));
    assert!(matches!(
        refused(&very_deep, FormulaKind::Number),
        FormulaError::TooLong { .. } | FormulaError::TooDeep { .. }
    ));
    let deep_but_short = "(".repeat(500);
    assert!(matches!(
        refused(&deep_but_short, FormulaKind::Number),
        FormulaError::TooDeep { .. }
    ));
    let long = vec!["a"; 1001].join("+");
    assert!(matches!(
        refused(&long, FormulaKind::Number),
        FormulaError::TooLong { .. }
    ));
    let minus = format!("{}a", "-".repeat(900));
    assert!(matches!(
        refused(&minus, FormulaKind::Number),
        FormulaError::TooDeep { .. }
    ));
    let too_wide = format!("min({})", vec!["a"; 100].join(", "));
    let formula = ParsedFormula::parse(&too_wide, FormulaKind::Number).expect("parses");
    assert!(matches!(formula.compile(slot_of), Err(FormulaError::TooDeep { .. })));
}

#[test]
fn error_columns_point_into_the_formula() {
    assert_eq!(refused("a + foo(b)", FormulaKind::Number).column(), Some(4));
}

/// A random formula: its source, fully parenthesised, and whether it is a condition.
fn number_formula() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        prop::sample::select(NAMES.to_vec()).prop_map(str::to_owned),
        (0u32..20).prop_map(|n| n.to_string()),
        (0.0..100.0f64).prop_map(|x| format!("{x:.3}")),
    ];
    leaf.prop_recursive(5, 40, 3, |inner| {
        let condition = (
            inner.clone(),
            prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!="]),
            inner.clone(),
        )
            .prop_map(|(a, op, b)| format!("({a} {op} {b})"));
        let condition = prop_oneof![
            condition.clone(),
            (
                condition.clone(),
                prop::sample::select(vec!["&&", "||"]),
                condition.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            condition.prop_map(|c| format!("!{c}")),
        ];
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec!["+", "-", "*", "/", "%"]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("(-{a})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("min({a}, {b})")),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(a, b, c)| format!("max({a}, {b}, {c})")),
            (
                prop::sample::select(vec!["floor", "round", "ceil", "math::abs"]),
                inner.clone()
            )
                .prop_map(|(f, a)| format!("{f}({a})")),
            (condition, inner.clone(), inner).prop_map(|(c, a, b)| format!("if({c}, {a}, {b})")),
        ]
    })
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn the_compiled_form_agrees_with_evalexpr(
        source in number_formula(),
        values in prop::array::uniform4(prop_oneof![Just(0.0), Just(1.0), Just(-2.0), -1000.0..1000.0f64]),
    ) {
        let formula = ParsedFormula::parse(&source, FormulaKind::Number);
        prop_assert!(formula.is_ok(), "{} was refused: {:?}", source, formula.err());
        let formula = formula.expect("checked above");
        let compiled = formula.compile(slot_of).expect("every name has a slot");
        if let Ok(ours) = compiled.evaluate(&values) {
            let theirs = formula.evaluate_with_evalexpr(|name| values[slot_of(name).expect("a known name")]);
            prop_assert!(theirs.is_ok_and(|t| close(ours, t)), "{}: compiled {} but evalexpr {:?} for {:?}", source, ours, theirs, values);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Formulas broken by one edit: whatever is accepted must be one evalexpr can
    /// evaluate to the same kind of value, and agree with the compiled form.
    #[test]
    fn an_accepted_formula_never_fails_in_evalexpr(
        source in number_formula(),
        at in any::<prop::sample::Index>(),
        edit in prop::sample::select(vec!["", "+", "*", "(", ")", ",", "a", "2", "!", "&&", " ", "min", "-"]),
        remove in any::<bool>(),
    ) {
        let chars: Vec<char> = source.chars().collect();
        let i = at.index(chars.len() + 1);
        let mut broken: String = chars[..i.min(chars.len())].iter().collect();
        broken.push_str(edit);
        let rest = if remove { i + 1 } else { i };
        broken.extend(chars.iter().skip(rest));
        for kind in [FormulaKind::Number, FormulaKind::Condition] {
            let Ok(formula) = ParsedFormula::parse(&broken, kind) else { continue };
            // An edit may coin new names: every name gets a slot and a value of its own.
            let names = formula.variables().to_vec();
            let values: Vec<f64> = (0..names.len()).map(|i| [3.0, -1.5, 0.25, 7.0][i % 4] + i as f64).collect();
            let slot = |name: &str| names.iter().position(|n| n == name);
            let value_of = |name: &str| slot(name).map_or(f64::NAN, |i| values[i]);
            let mut context = HashMapContext::new();
            for name in &names {
                context.set_value(name.clone(), Value::Float(value_of(name))).expect("a float variable");
            }
            let raw = formula.tree.eval_with_context(&context);
            let typed = matches!(
                (kind, &raw),
                (FormulaKind::Number, Ok(Value::Float(_))) | (FormulaKind::Condition, Ok(Value::Boolean(_)))
            );
            prop_assert!(typed, "{:?} was accepted as {:?} but evalexpr gives {:?}", broken, kind, raw);
            if let Ok(ours) = formula.compile(slot).expect("every name has a slot").evaluate(&values) {
                let theirs = formula.evaluate_with_evalexpr(value_of);
                prop_assert!(theirs.is_ok_and(|t| close(ours, t)), "{}: compiled {} but evalexpr {:?}", broken, ours, theirs);
            }
        }
    }
}

#[test]
fn the_divisors_of_a_ratio_are_the_names_below_its_division() {
    let formula = ParsedFormula::parse("(a - b) / (c + d) * 100", FormulaKind::Number).expect("parses");
    assert_eq!(formula.divisors(), ["c", "d"]);
    let plain = ParsedFormula::parse("a * 100 + b", FormulaKind::Number).expect("parses");
    assert!(plain.divisors().is_empty());
}

/// What `evaluate_lanes` gives for `lanes[i]` (a value per name), lane by lane.
fn over_lanes(source: &str, kind: FormulaKind, lanes: &[[f64; 4]]) -> (Vec<f64>, Vec<f64>) {
    let compiled = ParsedFormula::parse(source, kind)
        .unwrap_or_else(|e| panic!("{source}: {e}"))
        .compile(slot_of)
        .expect("compiles");
    let columns: Vec<Vec<f64>> = (0..NAMES.len()).map(|s| lanes.iter().map(|l| l[s]).collect()).collect();
    let columns: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
    let mut together = vec![0.0; lanes.len()];
    compiled.evaluate_lanes(columns.as_slice(), &mut together, &mut Lanes::default());
    let one_by_one = lanes
        .iter()
        .map(|values| {
            if compiled.slots().iter().any(|&s| values[s].is_nan()) {
                f64::NAN
            } else {
                compiled.evaluate(values).unwrap_or(f64::NAN)
            }
        })
        .collect();
    (together, one_by_one)
}

/// The same number to the bit, or no value in both.
fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

#[test]
fn a_column_at_a_time_fails_only_the_lanes_that_divide_by_zero() {
    let lanes = [
        [6.0, 3.0, 0.0, 0.0],
        [6.0, 0.0, 0.0, 0.0],
        [f64::NAN, 2.0, 0.0, 0.0],
        [1.0, 4.0, 0.0, 0.0],
    ];
    let (together, one_by_one) = over_lanes("min(a / b, 5) + b ^ 2", FormulaKind::Number, &lanes);
    assert!(same(&together, &one_by_one), "{together:?} vs {one_by_one:?}");
    // 6/3 = 2, + 9 | divided by zero: no value, though min() would hide the infinity | no a | 0.25 + 16.
    assert_eq!(together[0], 11.0);
    assert!(together[1].is_nan() && together[2].is_nan());
    assert_eq!(together[3], 16.25);
    let (together, one_by_one) = over_lanes("a / b > 1", FormulaKind::Condition, &lanes);
    assert!(same(&together, &one_by_one), "{together:?} vs {one_by_one:?}");
    assert_eq!((together[0], together[3]), (1.0, 0.0));
    assert!(together[1].is_nan(), "no infinity > 1 where b is zero");
    // A side not taken is not evaluated: no division by zero in lane 2.
    let (together, one_by_one) = over_lanes("if(b > 0, a / b, 0)", FormulaKind::Number, &lanes[..2]);
    assert!(same(&together, &one_by_one));
    assert_eq!(together, [2.0, 0.0]);
    let (together, _) = over_lanes("a > b && c == 0", FormulaKind::Condition, &lanes[..2]);
    assert_eq!(together, [1.0, 1.0]);
}

#[test]
fn constants_and_columns_are_read_where_they_are_to_the_same_bits() {
    let lanes = [[6.0, 3.0, -0.0, 0.0], [-2.5, 0.0, 1.0, f64::NAN], [0.0, -0.0, 7.0, 2.0]];
    for source in [
        "100 * a / b",
        "a / b * 100",
        "-(3) + a",
        "min(a, 0, b)",
        "max(-0, a)",
        "min(2, 3) * a",
        "a",
        "4",
        "math::abs(-2) ^ b",
        "(a - b) % 2",
        "a + b + c * d / a",
        "2 - (a - (b - (c - d)))",
        // A NaN read goes through `^ 0`, `min`, `max` and `if`: no value all the same.
        "d ^ 0",
        "min(d, 1) + a",
        "max(1, d)",
        "if(d > 1, 2, 3)",
        "d * 0 + 1",
    ] {
        let (together, one_by_one) = over_lanes(source, FormulaKind::Number, &lanes);
        assert!(same(&together, &one_by_one), "{source}: {together:?} vs {one_by_one:?}");
    }
    // A constant divisor of zero fails every lane; a constant of its own is every lane's value.
    let (together, _) = over_lanes("a / (2 - 2)", FormulaKind::Number, &lanes);
    assert!(together.iter().all(|v| v.is_nan()), "{together:?}");
    let (together, _) = over_lanes("4", FormulaKind::Number, &lanes);
    assert_eq!(together, [4.0, 4.0, 4.0]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// A column at a time gives each lane, to the bit, what one subject at a time gives.
    #[test]
    fn a_column_at_a_time_is_one_subject_at_a_time(
        source in number_formula(),
        lanes in prop::collection::vec(
            prop::array::uniform4(prop_oneof![Just(0.0), Just(1.0), Just(-2.0), Just(f64::NAN), -1000.0..1000.0f64]),
            1..=LANES,
        ),
    ) {
        let (together, one_by_one) = over_lanes(&source, FormulaKind::Number, &lanes);
        prop_assert!(same(&together, &one_by_one), "{}: {:?} vs {:?}", source, together, one_by_one);
    }
}
