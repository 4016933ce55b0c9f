//! KPI formulas: evalexpr is the language (its parser, operators and functions are
//! the reference semantics), and each formula is lowered once into a compact program
//! of our own: variables resolved to slots, every number an `f64`, no allocation or
//! name look-up per evaluation. This is the only module that uses evalexpr.
//!
//! evalexpr is pinned to 11.3.1, its last MIT release. Its parser is guarded here: it
//! overflows the stack on a few thousand nested parentheses, parses long runs of `-`
//! in quadratic time, and accepts some broken formulas (`a + * b`, `1 +`) that only
//! fail when evaluated; all of these are refused when a rulebook loads.

use evalexpr::{ContextWithMutableVariables, HashMapContext, Node, Operator, Value};

/// The longest formula accepted, in characters.
pub const MAX_FORMULA_LENGTH: usize = 1000;
/// The deepest nesting of parentheses, function calls and unary operators accepted.
pub const MAX_NESTING_DEPTH: usize = 32;
/// The most values a formula may hold at once while it is evaluated.
const MAX_STACK: usize = 64;
/// The functions a KPI may use, as an admin writes them.
pub const FUNCTIONS: &[&str] = &["min", "max", "floor", "round", "ceil", "if", "math::abs", "math::sqrt"];

/// What a formula must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormulaKind {
    /// A KPI value or an adjustment's quantity.
    Number,
    /// A gate's condition.
    Condition,
}

/// Why a formula is refused, in an admin's words. `at` is a character offset into the
/// formula where one is known.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FormulaError {
    #[error("the formula is empty")]
    Empty,
    #[error("the formula is {length} characters long; at most {max} are allowed")]
    TooLong { length: usize, max: usize },
    #[error("the formula is nested {depth} levels deep; at most {max} are allowed")]
    TooDeep {
        depth: usize,
        max: usize,
        at: Option<usize>,
    },
    #[error("syntax error: {message}")]
    Syntax { message: String },
    #[error("assignments (`=`, `+=`, ...) and `;` are not allowed in a formula")]
    Assignment,
    #[error("unknown function `{name}`; allowed: {}", FUNCTIONS.join(", "))]
    UnknownFunction { name: String, at: Option<usize> },
    #[error("`{function}` takes {expected}, not {found}")]
    WrongArity {
        function: String,
        expected: &'static str,
        found: usize,
    },
    #[error("{what} cannot be used in a formula; only numbers, names, operators and functions")]
    Unsupported { what: String },
    #[error("a number is expected here, but this is a condition (a comparison or `&&`/`||`/`!`)")]
    ExpectedNumber,
    #[error("a condition is expected here (such as `complaint_rate > 5`), but this is a number")]
    ExpectedCondition,
    #[error("unknown metric or KPI `{name}`")]
    UnknownVariable { name: String, at: Option<usize> },
}

impl FormulaError {
    /// The character offset in the formula where the problem is, if known.
    pub fn column(&self) -> Option<usize> {
        match self {
            FormulaError::TooDeep { at, .. }
            | FormulaError::UnknownFunction { at, .. }
            | FormulaError::UnknownVariable { at, .. } => *at,
            _ => None,
        }
    }
}

/// Why an evaluation has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("division by zero")]
    DivisionByZero,
    #[error("the result is not a finite number")]
    NotFinite,
}

/// A formula parsed and checked, not yet bound to slots.
#[derive(Debug, Clone)]
pub struct ParsedFormula {
    source: String,
    kind: FormulaKind,
    /// evalexpr's tree, integer constants turned to floats: the reference evaluation.
    tree: Node,
    /// Our typed tree, lowered from `tree`.
    expr: Expr,
    variables: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Number,
    Condition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binary {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unary {
    Neg,
    Not,
    Floor,
    Round,
    Ceil,
    Abs,
    Sqrt,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Const(f64),
    Var(String),
    Unary(Unary, Box<Expr>),
    Binary(Binary, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Min(Vec<Expr>),
    Max(Vec<Expr>),
}

impl ParsedFormula {
    /// Parses and checks a formula. Everything that could fail at evaluation other
    /// than arithmetic (a zero divisor) fails here.
    pub fn parse(source: &str, kind: FormulaKind) -> Result<ParsedFormula, FormulaError> {
        prescan(source)?;
        let mut tree =
            evalexpr::build_operator_tree(source).map_err(|e| FormulaError::Syntax { message: e.to_string() })?;
        floats_only(&mut tree);
        let (expr, ty) = lower(&tree, source, 0)?;
        match (kind, ty) {
            (FormulaKind::Number, Type::Condition) => return Err(FormulaError::ExpectedNumber),
            (FormulaKind::Condition, Type::Number) => return Err(FormulaError::ExpectedCondition),
            _ => {}
        }
        let mut variables = Vec::new();
        expr.collect_variables(&mut variables);
        Ok(ParsedFormula {
            source: source.to_owned(),
            kind,
            tree,
            expr,
            variables,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn kind(&self) -> FormulaKind {
        self.kind
    }

    /// Distinct names the formula reads, in order of first appearance.
    pub fn variables(&self) -> &[String] {
        &self.variables
    }

    /// The names read in a divisor (`a / (b + c)` gives `b`, `c`): what makes a ratio
    /// from few cases noisy, for the review's data checks.
    pub fn divisors(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.expr.collect_divisors(&mut out);
        out
    }

    /// Lowers to the compiled form, each name to the slot `slot_of` gives it.
    pub fn compile(&self, slot_of: impl Fn(&str) -> Option<usize>) -> Result<CompiledFormula, FormulaError> {
        let mut compiler = Compiler::default();
        compiler.emit(&self.expr, &|name| {
            slot_of(name).ok_or_else(|| FormulaError::UnknownVariable {
                name: name.to_owned(),
                at: self.source.find(name),
            })
        })?;
        compiler.finish()
    }

    /// Evaluates with evalexpr's own interpreter, every variable fed as a float;
    /// conditions give 1.0 or 0.0. The reference the compiled form is tested against.
    pub fn evaluate_with_evalexpr(&self, value_of: impl Fn(&str) -> f64) -> Result<f64, EvalError> {
        let mut context = ReferenceContext::default();
        for name in &self.variables {
            context.set(name, value_of(name));
        }
        context.evaluate(self)
    }
}

/// An evalexpr context filled once and reused for several formulas, for measuring
/// the interpreter fairly.
#[derive(Debug, Default)]
pub struct ReferenceContext {
    context: HashMapContext,
}

impl ReferenceContext {
    pub fn set(&mut self, name: &str, value: f64) {
        // Setting a float over a float never fails: a variable is only ever given floats here.
        let _ = self.context.set_value(name.to_owned(), Value::Float(value));
    }

    pub fn evaluate(&self, formula: &ParsedFormula) -> Result<f64, EvalError> {
        let value = formula
            .tree
            .eval_with_context(&self.context)
            .map_err(|_| EvalError::NotFinite)?;
        let number = match value {
            Value::Float(f) => f,
            Value::Int(i) => i as f64,
            Value::Boolean(b) => f64::from(u8::from(b)),
            _ => return Err(EvalError::NotFinite),
        };
        if number.is_finite() {
            Ok(number)
        } else {
            Err(EvalError::NotFinite)
        }
    }
}

/// Refuses what evalexpr's parser handles badly before it sees it.
fn prescan(source: &str) -> Result<(), FormulaError> {
    if source.trim().is_empty() {
        return Err(FormulaError::Empty);
    }
    let length = source.chars().count();
    if length > MAX_FORMULA_LENGTH {
        return Err(FormulaError::TooLong {
            length,
            max: MAX_FORMULA_LENGTH,
        });
    }
    let (mut depth, mut unary_run) = (0usize, 0usize);
    for (at, c) in source.chars().enumerate() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_NESTING_DEPTH {
            return Err(FormulaError::TooDeep {
                depth,
                max: MAX_NESTING_DEPTH,
                at: Some(at),
            });
        }
        unary_run = match c {
            '-' | '!' => unary_run + 1,
            c if c.is_whitespace() => unary_run,
            _ => 0,
        };
        if unary_run > 8 {
            return Err(FormulaError::TooDeep {
                depth: unary_run,
                max: 8,
                at: Some(at),
            });
        }
    }
    Ok(())
}

/// Turns every integer constant into the equal float, so that `5 / 2` is 2.5 in the
/// reference evaluation too.
fn floats_only(node: &mut Node) {
    if let Operator::Const { value: Value::Int(i) } = node.operator() {
        let value = Value::Float(*i as f64);
        *node.operator_mut() = Operator::Const { value };
    }
    for child in node.children_mut() {
        floats_only(child);
    }
}

/// evalexpr wraps every parenthesised group in a root node of one child.
fn unwrap_groups(mut node: &Node) -> &Node {
    while matches!(node.operator(), Operator::RootNode) && node.children().len() == 1 {
        node = &node.children()[0];
    }
    node
}

fn lower(node: &Node, source: &str, depth: usize) -> Result<(Expr, Type), FormulaError> {
    if depth > 2 * MAX_NESTING_DEPTH + 8 {
        return Err(FormulaError::TooDeep {
            depth,
            max: MAX_NESTING_DEPTH,
            at: None,
        });
    }
    let children = node.children();
    let arity = |n: usize| -> Result<(), FormulaError> {
        if children.len() == n {
            Ok(())
        } else {
            Err(FormulaError::Syntax {
                message: format!(
                    "`{}` needs {n} operand{}",
                    node.operator(),
                    if n == 1 { "" } else { "s" }
                ),
            })
        }
    };
    let number = |child: &Node| -> Result<Expr, FormulaError> {
        match lower(child, source, depth + 1)? {
            (e, Type::Number) => Ok(e),
            (_, Type::Condition) => Err(FormulaError::ExpectedNumber),
        }
    };
    let condition = |child: &Node| -> Result<Expr, FormulaError> {
        match lower(child, source, depth + 1)? {
            (e, Type::Condition) => Ok(e),
            (_, Type::Number) => Err(FormulaError::ExpectedCondition),
        }
    };
    let binary = |op: Binary, ty: Type| -> Result<(Expr, Type), FormulaError> {
        arity(2)?;
        Ok((
            Expr::Binary(op, Box::new(number(&children[0])?), Box::new(number(&children[1])?)),
            ty,
        ))
    };
    use Operator as O;
    match node.operator() {
        O::RootNode => match children.len() {
            0 => Err(FormulaError::Empty),
            1 => lower(&children[0], source, depth + 1),
            _ => Err(FormulaError::Syntax {
                message: "two expressions side by side; is an operator missing?".into(),
            }),
        },
        O::Add => binary(Binary::Add, Type::Number),
        O::Sub => binary(Binary::Sub, Type::Number),
        O::Mul => binary(Binary::Mul, Type::Number),
        O::Div => binary(Binary::Div, Type::Number),
        O::Mod => binary(Binary::Rem, Type::Number),
        O::Exp => binary(Binary::Pow, Type::Number),
        O::Eq => binary(Binary::Eq, Type::Condition),
        O::Neq => binary(Binary::Ne, Type::Condition),
        O::Lt => binary(Binary::Lt, Type::Condition),
        O::Leq => binary(Binary::Le, Type::Condition),
        O::Gt => binary(Binary::Gt, Type::Condition),
        O::Geq => binary(Binary::Ge, Type::Condition),
        O::And | O::Or => {
            arity(2)?;
            let (a, b) = (Box::new(condition(&children[0])?), Box::new(condition(&children[1])?));
            Ok((
                if matches!(node.operator(), O::And) {
                    Expr::And(a, b)
                } else {
                    Expr::Or(a, b)
                },
                Type::Condition,
            ))
        }
        O::Neg => {
            arity(1)?;
            Ok((Expr::Unary(Unary::Neg, Box::new(number(&children[0])?)), Type::Number))
        }
        O::Not => {
            arity(1)?;
            Ok((
                Expr::Unary(Unary::Not, Box::new(condition(&children[0])?)),
                Type::Condition,
            ))
        }
        O::Const { value } => match value {
            Value::Float(f) => Ok((Expr::Const(*f), Type::Number)),
            Value::Int(i) => Ok((Expr::Const(*i as f64), Type::Number)),
            Value::Boolean(b) => Ok((Expr::Const(f64::from(u8::from(*b))), Type::Condition)),
            Value::String(_) => Err(FormulaError::Unsupported {
                what: "text in quotes".into(),
            }),
            Value::Tuple(_) => Err(FormulaError::Unsupported {
                what: "a list of values".into(),
            }),
            Value::Empty => Err(FormulaError::Unsupported { what: "`()`".into() }),
        },
        O::VariableIdentifierRead { identifier } => Ok((Expr::Var(identifier.clone()), Type::Number)),
        O::FunctionIdentifier { identifier } => {
            arity(1)?;
            let argument = unwrap_groups(&children[0]);
            let args: Vec<&Node> = match argument.operator() {
                O::Tuple => argument.children().iter().collect(),
                O::Const { value: Value::Empty } => Vec::new(),
                _ => vec![argument],
            };
            function(identifier, &args, source, &number, &condition)
        }
        O::Tuple => Err(FormulaError::Unsupported {
            what: "a list of values outside a function's parentheses".into(),
        }),
        O::VariableIdentifierWrite { .. }
        | O::Assign
        | O::AddAssign
        | O::SubAssign
        | O::MulAssign
        | O::DivAssign
        | O::ModAssign
        | O::ExpAssign
        | O::AndAssign
        | O::OrAssign
        | O::Chain => Err(FormulaError::Assignment),
    }
}

type Lowering<'a> = dyn Fn(&Node) -> Result<Expr, FormulaError> + 'a;

fn function(
    name: &str,
    args: &[&Node],
    source: &str,
    number: &Lowering,
    condition: &Lowering,
) -> Result<(Expr, Type), FormulaError> {
    // evalexpr reads `a b` as the call `a(b)`; an admin meant two names with an operator between.
    let called = source
        .match_indices(name)
        .any(|(at, _)| source[at + name.len()..].trim_start().starts_with('('));
    if !called {
        return Err(FormulaError::Syntax {
            message: format!("`{name}` is followed by a value with no operator between them"),
        });
    }
    let exactly = |n: usize, expected: &'static str| {
        if args.len() == n {
            Ok(())
        } else {
            Err(FormulaError::WrongArity {
                function: name.to_owned(),
                expected,
                found: args.len(),
            })
        }
    };
    let unary = |op: Unary| -> Result<(Expr, Type), FormulaError> {
        exactly(1, "one argument")?;
        Ok((Expr::Unary(op, Box::new(number(args[0])?)), Type::Number))
    };
    match name {
        "min" | "max" => {
            if args.len() < 2 {
                return Err(FormulaError::WrongArity {
                    function: name.to_owned(),
                    expected: "two or more arguments",
                    found: args.len(),
                });
            }
            let values = args.iter().map(|a| number(a)).collect::<Result<Vec<_>, _>>()?;
            Ok((
                if name == "min" {
                    Expr::Min(values)
                } else {
                    Expr::Max(values)
                },
                Type::Number,
            ))
        }
        "floor" => unary(Unary::Floor),
        "round" => unary(Unary::Round),
        "ceil" => unary(Unary::Ceil),
        "math::abs" => unary(Unary::Abs),
        "math::sqrt" => unary(Unary::Sqrt),
        "if" => {
            exactly(
                3,
                "three arguments: a condition, its value when true, its value when false",
            )?;
            let test = condition(args[0])?;
            Ok((
                Expr::If(Box::new(test), Box::new(number(args[1])?), Box::new(number(args[2])?)),
                Type::Number,
            ))
        }
        _ => Err(FormulaError::UnknownFunction {
            name: name.to_owned(),
            at: source.find(name),
        }),
    }
}

impl Expr {
    fn collect_divisors(&self, out: &mut Vec<String>) {
        match self {
            Expr::Binary(Binary::Div, a, b) => {
                a.collect_divisors(out);
                b.collect_variables(out);
            }
            Expr::Const(_) | Expr::Var(_) => {}
            Expr::Unary(_, a) => a.collect_divisors(out),
            Expr::Binary(_, a, b) | Expr::And(a, b) | Expr::Or(a, b) => {
                a.collect_divisors(out);
                b.collect_divisors(out);
            }
            Expr::If(a, b, c) => {
                a.collect_divisors(out);
                b.collect_divisors(out);
                c.collect_divisors(out);
            }
            Expr::Min(items) | Expr::Max(items) => items.iter().for_each(|e| e.collect_divisors(out)),
        }
    }

    fn collect_variables(&self, out: &mut Vec<String>) {
        match self {
            Expr::Const(_) => {}
            Expr::Var(name) => {
                if !out.contains(name) {
                    out.push(name.clone());
                }
            }
            Expr::Unary(_, a) => a.collect_variables(out),
            Expr::Binary(_, a, b) | Expr::And(a, b) | Expr::Or(a, b) => {
                a.collect_variables(out);
                b.collect_variables(out);
            }
            Expr::If(a, b, c) => {
                a.collect_variables(out);
                b.collect_variables(out);
                c.collect_variables(out);
            }
            Expr::Min(items) | Expr::Max(items) => items.iter().for_each(|e| e.collect_variables(out)),
        }
    }
}

mod lanes;
mod program;
#[cfg(test)]
mod tests;

pub use lanes::{LANES, Lanes, SlotLanes};
pub use program::CompiledFormula;
use program::Compiler;
