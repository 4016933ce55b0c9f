//! A compiled formula run over a column of subjects at a time. Each instruction works
//! on a whole lane of values, in loops the compiler turns into vector code, so a
//! formula costs a few cycles per subject instead of a trip through the interpreter.
//! Every lane's result is exactly what [`CompiledFormula::evaluate`] gives for that
//! lane's values, or NaN where it gives no value.

use super::program::Op;
use super::{Binary, CompiledFormula, MAX_STACK, Unary};

/// How many subjects one pass of a program covers.
pub const LANES: usize = 256;

/// Where a program running over lanes finds each slot's lanes.
pub trait SlotLanes {
    /// The lanes of `slot` (at least as many as are run); any length for a slot the
    /// program does not read.
    fn slot(&self, slot: usize) -> &[f64];

    /// Whether a lane of `slot` may be NaN; `false` spares checking every lane.
    fn may_hold_nan(&self, slot: usize) -> bool {
        let _ = slot;
        true
    }
}

impl SlotLanes for [&[f64]] {
    fn slot(&self, slot: usize) -> &[f64] {
        self[slot]
    }
}

/// Scratch space for running programs over lanes; one per thread, reused.
#[derive(Debug)]
pub struct Lanes {
    stack: Vec<[f64; LANES]>,
    /// The lanes where a division or a remainder by zero happened: no value there.
    failed: [bool; LANES],
    /// One lane's slots, for a program with jumps, which runs a lane at a time.
    row: Vec<f64>,
}

impl Default for Lanes {
    fn default() -> Lanes {
        Lanes {
            stack: vec![[0.0; LANES]; MAX_STACK],
            failed: [false; LANES],
            row: Vec::new(),
        }
    }
}

impl CompiledFormula {
    /// Evaluates `out.len()` lanes (at most [`LANES`]) at once. `columns` holds the
    /// lanes' values of every slot the formula reads. `out[i]` is what `evaluate` gives for lane `i`, NaN where a slot it
    /// reads is NaN or it fails, as for one subject at a time.
    ///
    /// Always inlined, with the loops it runs: a caller compiled for wider vectors
    /// (the month's sweep, `kpi::columns`) compiles them for those vectors too.
    #[inline(always)]
    pub fn evaluate_lanes<S: SlotLanes + ?Sized>(&self, columns: &S, out: &mut [f64], lanes: &mut Lanes) {
        let n = out.len();
        assert!(n <= LANES, "at most {LANES} lanes at once");
        if !self.straight {
            // `&&`, `||` and `if` evaluate only the side a lane needs, and a division
            // by zero fails only on a side that is taken: one lane at a time.
            lanes.row.clear();
            let width = self.slots().iter().max().map_or(0, |&s| s + 1);
            lanes.row.resize(width, f64::NAN);
            for (i, out) in out.iter_mut().enumerate() {
                for &s in self.slots() {
                    lanes.row[s] = columns.slot(s)[i];
                }
                *out = if self.slots().iter().any(|&s| lanes.row[s].is_nan()) {
                    f64::NAN
                } else {
                    self.evaluate(&lanes.row).unwrap_or(f64::NAN)
                };
            }
            return;
        }
        let Lanes { stack, failed, .. } = lanes;
        // A slot or a constant stays where it is until an operation reads it: only
        // results take the stack's lanes, so `m0 / m1 * 100` is two passes over the
        // lanes, not five copies and fills first.
        let mut operands = [Operand::Stack; MAX_STACK];
        let divides = self
            .code
            .iter()
            .any(|op| matches!(op, Op::Binary(Binary::Div | Binary::Rem)));
        let failed = &mut failed[..n];
        if divides {
            failed.fill(false);
        }
        let mut top = 0;
        for op in &self.code {
            match *op {
                Op::Const(v) => {
                    operands[top] = Operand::Const(v);
                    top += 1;
                }
                Op::Load(slot) => {
                    operands[top] = Operand::Slot(slot as usize);
                    top += 1;
                }
                Op::Unary(op) => {
                    let at = top - 1;
                    if let Operand::Const(v) = operands[at] {
                        let mut value = [v];
                        unary(op, &mut value);
                        operands[at] = Operand::Const(value[0]);
                    } else {
                        let lanes = &mut stack[at][..n];
                        if let Operand::Slot(s) = operands[at] {
                            lanes.copy_from_slice(&columns.slot(s)[..n]);
                        }
                        unary(op, lanes);
                        operands[at] = Operand::Stack;
                    }
                }
                Op::Binary(op) => {
                    top -= 1;
                    let at = top - 1;
                    let (lower, upper) = stack.split_at_mut(top);
                    let b = operands[top].lanes(&upper[0][..n], columns, n);
                    let division = matches!(op, Binary::Div | Binary::Rem);
                    if let (true, Lane::All(0.0)) = (division, b) {
                        failed.fill(true);
                    }
                    operands[at] = match (operands[at], b) {
                        (Operand::Const(a), Lane::All(b)) => {
                            let mut value = [a];
                            lanewise(op, &mut value, None, Lane::All(b));
                            Operand::Const(value[0])
                        }
                        (a, b) => {
                            let into = &mut lower[at][..n];
                            let a = match a {
                                Operand::Stack => None,
                                Operand::Slot(s) => Some(Lane::Each(&columns.slot(s)[..n])),
                                Operand::Const(a) => Some(Lane::All(a)),
                            };
                            match b {
                                Lane::Each(b) if division => divide(op, into, a, b, failed),
                                b => lanewise(op, into, a, b),
                            }
                            Operand::Stack
                        }
                    };
                }
                Op::Min(count) | Op::Max(count) => {
                    let from = top - count as usize;
                    let min = matches!(op, Op::Min(_));
                    let fold = |into: &mut [f64], value: Lane| {
                        if min {
                            lanewise_with(into, None, value, f64::min);
                        } else {
                            lanewise_with(into, None, value, f64::max);
                        }
                    };
                    let (folded, values) = stack[from..top].split_at_mut(1);
                    let folded = &mut folded[0][..n];
                    // As `evaluate` folds: from infinity, in argument order.
                    let first = operands[from];
                    let start = if min { f64::INFINITY } else { f64::NEG_INFINITY };
                    match first {
                        Operand::Stack => {
                            for f in folded.iter_mut() {
                                *f = if min { start.min(*f) } else { start.max(*f) };
                            }
                        }
                        _ => {
                            // The start and the first argument in one pass.
                            let (start, first) = (Some(Lane::All(start)), first.lanes(&[], columns, n));
                            if min {
                                lanewise_with(folded, start, first, f64::min);
                            } else {
                                lanewise_with(folded, start, first, f64::max);
                            }
                        }
                    }
                    for (value, &operand) in values.iter().zip(&operands[from + 1..top]) {
                        fold(folded, operand.lanes(&value[..n], columns, n));
                    }
                    operands[from] = Operand::Stack;
                    top = from + 1;
                }
                Op::AndJump(_) | Op::OrJump(_) | Op::JumpIfFalse(_) | Op::Jump(_) => {
                    unreachable!("a straight program has no jumps")
                }
            }
        }
        let result = |value: f64| if value.is_finite() { value } else { f64::NAN };
        match operands[0].lanes(&stack[0][..n], columns, n) {
            Lane::Each(values) if divides => {
                for ((out, &value), &failed) in out.iter_mut().zip(values).zip(failed.iter()) {
                    *out = if failed { f64::NAN } else { result(value) };
                }
            }
            Lane::Each(values) => {
                for (out, &value) in out.iter_mut().zip(values) {
                    *out = result(value);
                }
            }
            Lane::All(value) => {
                out.fill(result(value));
                if divides {
                    for (out, &failed) in out.iter_mut().zip(failed.iter()) {
                        if failed {
                            *out = f64::NAN;
                        }
                    }
                }
            }
        }
        if self.carries_nan && !matches!(operands[0], Operand::Const(_)) {
            return;
        }
        for &s in self.slots().iter().filter(|&&s| columns.may_hold_nan(s)) {
            for (out, v) in out.iter_mut().zip(&columns.slot(s)[..n]) {
                if v.is_nan() {
                    *out = f64::NAN;
                }
            }
        }
    }
}

/// Where a value of a program running over lanes is: worked out into the stack's
/// lanes, or still a slot's column or a constant, read where it is.
#[derive(Debug, Clone, Copy)]
enum Operand {
    Stack,
    Slot(usize),
    Const(f64),
}

impl Operand {
    /// Its lanes: `stacked` when it is on the stack.
    #[inline(always)]
    fn lanes<'a, S: SlotLanes + ?Sized>(self, stacked: &'a [f64], columns: &'a S, n: usize) -> Lane<'a> {
        match self {
            Operand::Stack => Lane::Each(stacked),
            Operand::Slot(s) => Lane::Each(&columns.slot(s)[..n]),
            Operand::Const(v) => Lane::All(v),
        }
    }
}

/// An operand's values: one per lane, or the same in every lane.
#[derive(Debug, Clone, Copy)]
enum Lane<'a> {
    Each(&'a [f64]),
    All(f64),
}

#[inline(always)]
fn unary(op: Unary, a: &mut [f64]) {
    let each = |f: fn(f64) -> f64, a: &mut [f64]| a.iter_mut().for_each(|v| *v = f(*v));
    match op {
        Unary::Neg => each(|v| -v, a),
        Unary::Not => each(|v| f64::from(u8::from(v == 0.0)), a),
        Unary::Floor => each(f64::floor, a),
        Unary::Round => each(f64::round, a),
        Unary::Ceil => each(f64::ceil, a),
        Unary::Abs => each(f64::abs, a),
        Unary::Sqrt => each(f64::sqrt, a),
    }
}

/// `into[i] = a[i] / b[i]` (or `%`), as [`lanewise`], marking each lane where `b[i]`
/// is zero failed in the same pass.
#[inline(always)]
fn divide(op: Binary, into: &mut [f64], a: Option<Lane>, b: &[f64], failed: &mut [bool]) {
    macro_rules! each {
        ($f:expr) => {
            divide_with(into, a, b, failed, $f)
        };
    }
    match op {
        Binary::Rem => each!(|x, y| x % y),
        _ => each!(|x, y| x / y),
    }
}

#[inline(always)]
fn divide_with(into: &mut [f64], a: Option<Lane>, b: &[f64], failed: &mut [bool], f: impl Fn(f64, f64) -> f64) {
    let lanes = b.iter().zip(failed.iter_mut());
    match a {
        None => {
            for (x, (&y, failed)) in into.iter_mut().zip(lanes) {
                *failed |= y == 0.0;
                *x = f(*x, y);
            }
        }
        Some(Lane::Each(a)) => {
            for ((into, &x), (&y, failed)) in into.iter_mut().zip(a).zip(lanes) {
                *failed |= y == 0.0;
                *into = f(x, y);
            }
        }
        Some(Lane::All(x)) => {
            for (into, (&y, failed)) in into.iter_mut().zip(lanes) {
                *failed |= y == 0.0;
                *into = f(x, y);
            }
        }
    }
}

/// `into[i] = a[i] op b[i]`, with `into` itself as `a` when `a` is `None`: one loop
/// per operator and kind of operand, so each is vectorised on its own. A division
/// by zero gives whatever IEEE gives; the caller marks the lane failed.
#[inline(always)]
fn lanewise(op: Binary, into: &mut [f64], a: Option<Lane>, b: Lane) {
    // A macro, not a closure taking `f`: each operator's loop gets its own copy.
    macro_rules! each {
        ($f:expr) => {
            lanewise_with(into, a, b, $f)
        };
    }
    let truth = |t: bool| f64::from(u8::from(t));
    match op {
        Binary::Add => each!(|x, y| x + y),
        Binary::Sub => each!(|x, y| x - y),
        Binary::Mul => each!(|x, y| x * y),
        Binary::Div => each!(|x, y| x / y),
        Binary::Rem => each!(|x, y| x % y),
        Binary::Eq => each!(|x, y| truth(x == y)),
        Binary::Ne => each!(|x, y| truth(x != y)),
        Binary::Lt => each!(|x, y| truth(x < y)),
        Binary::Le => each!(|x, y| truth(x <= y)),
        Binary::Gt => each!(|x, y| truth(x > y)),
        Binary::Ge => each!(|x, y| truth(x >= y)),
        Binary::Pow => each!(f64::powf),
    }
}

#[inline(always)]
fn lanewise_with(into: &mut [f64], a: Option<Lane>, b: Lane, f: impl Fn(f64, f64) -> f64) {
    match (a, b) {
        (None, Lane::Each(b)) => into.iter_mut().zip(b).for_each(|(x, &y)| *x = f(*x, y)),
        (None, Lane::All(y)) => into.iter_mut().for_each(|x| *x = f(*x, y)),
        (Some(Lane::Each(a)), Lane::Each(b)) => {
            for ((into, &x), &y) in into.iter_mut().zip(a).zip(b) {
                *into = f(x, y);
            }
        }
        (Some(Lane::Each(a)), Lane::All(y)) => into.iter_mut().zip(a).for_each(|(into, &x)| *into = f(x, y)),
        (Some(Lane::All(x)), Lane::Each(b)) => into.iter_mut().zip(b).for_each(|(into, &y)| *into = f(x, y)),
        (Some(Lane::All(x)), Lane::All(y)) => into.fill(f(x, y)),
    }
}
