//! A compiled formula run over a column of subjects at a time. Each instruction works
//! on a whole lane of values, in loops the compiler turns into vector code, so a
//! formula costs a few cycles per subject instead of a trip through the interpreter.
//! Every lane's result is exactly what [`CompiledFormula::evaluate`] gives for that
//! lane's values, or NaN where it gives no value.

use super::program::Op;
use super::{Binary, CompiledFormula, MAX_STACK, Unary};

/// How many subjects one pass of a program covers.
pub const LANES: usize = 256;

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
    /// Evaluates `out.len()` lanes (at most [`LANES`]) at once. `columns[slot]` holds
    /// the lanes' values of every slot the formula reads (slots it does not read may
    /// be empty). `out[i]` is what `evaluate` gives for lane `i`, NaN where a slot it
    /// reads is NaN or it fails, as for one subject at a time.
    pub fn evaluate_lanes(&self, columns: &[&[f64]], out: &mut [f64], lanes: &mut Lanes) {
        let n = out.len();
        assert!(n <= LANES, "at most {LANES} lanes at once");
        if !self.straight {
            // `&&`, `||` and `if` evaluate only the side a lane needs, and a division
            // by zero fails only on a side that is taken: one lane at a time.
            lanes.row.clear();
            lanes.row.resize(columns.len(), f64::NAN);
            for (i, out) in out.iter_mut().enumerate() {
                for &s in self.slots() {
                    lanes.row[s] = columns[s][i];
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
        let failed = &mut failed[..n];
        failed.fill(false);
        let mut top = 0;
        for op in &self.code {
            match *op {
                Op::Const(v) => {
                    stack[top][..n].fill(v);
                    top += 1;
                }
                Op::Load(slot) => {
                    stack[top][..n].copy_from_slice(&columns[slot as usize][..n]);
                    top += 1;
                }
                Op::Unary(op) => unary(op, &mut stack[top - 1][..n]),
                Op::Binary(op) => {
                    top -= 1;
                    let (below, above) = stack.split_at_mut(top);
                    let (a, b) = (&mut below[top - 1][..n], &above[0][..n]);
                    if matches!(op, Binary::Div | Binary::Rem) {
                        for (failed, &b) in failed.iter_mut().zip(b) {
                            *failed |= b == 0.0;
                        }
                    }
                    lanewise(op, a, b);
                }
                Op::Min(count) | Op::Max(count) => {
                    let from = top - count as usize;
                    let (folded, values) = stack[from..top].split_at_mut(1);
                    let folded = &mut folded[0][..n];
                    // As `evaluate` folds: from infinity, in argument order.
                    let min = matches!(op, Op::Min(_));
                    for f in folded.iter_mut() {
                        *f = if min {
                            f64::INFINITY.min(*f)
                        } else {
                            f64::NEG_INFINITY.max(*f)
                        };
                    }
                    for value in values.iter() {
                        for (f, v) in folded.iter_mut().zip(&value[..n]) {
                            *f = if min { f.min(*v) } else { f.max(*v) };
                        }
                    }
                    top = from + 1;
                }
                Op::AndJump(_) | Op::OrJump(_) | Op::JumpIfFalse(_) | Op::Jump(_) => {
                    unreachable!("a straight program has no jumps")
                }
            }
        }
        for ((out, &value), &failed) in out.iter_mut().zip(&stack[0][..n]).zip(failed.iter()) {
            *out = if failed || !value.is_finite() { f64::NAN } else { value };
        }
        for &s in self.slots() {
            for (out, v) in out.iter_mut().zip(&columns[s][..n]) {
                if v.is_nan() {
                    *out = f64::NAN;
                }
            }
        }
    }
}

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

/// `a[i] = a[i] op b[i]`, one loop per operator so each is vectorised on its own.
/// A division by zero gives whatever IEEE gives; the caller marks the lane failed.
fn lanewise(op: Binary, a: &mut [f64], b: &[f64]) {
    #[inline(always)]
    fn each(a: &mut [f64], b: &[f64], f: impl Fn(f64, f64) -> f64) {
        for (a, &b) in a.iter_mut().zip(b) {
            *a = f(*a, b);
        }
    }
    let truth = |t: bool| f64::from(u8::from(t));
    match op {
        Binary::Add => each(a, b, |x, y| x + y),
        Binary::Sub => each(a, b, |x, y| x - y),
        Binary::Mul => each(a, b, |x, y| x * y),
        Binary::Div => each(a, b, |x, y| x / y),
        Binary::Rem => each(a, b, |x, y| x % y),
        Binary::Eq => each(a, b, |x, y| truth(x == y)),
        Binary::Ne => each(a, b, |x, y| truth(x != y)),
        Binary::Lt => each(a, b, |x, y| truth(x < y)),
        Binary::Le => each(a, b, |x, y| truth(x <= y)),
        Binary::Gt => each(a, b, |x, y| truth(x > y)),
        Binary::Ge => each(a, b, |x, y| truth(x >= y)),
        Binary::Pow => each(a, b, f64::powf),
    }
}
