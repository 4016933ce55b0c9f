//! The compiled form of a formula: a flat program over a small stack of `f64`,
//! with jumps so that `&&`, `||` and `if` only evaluate the side they need.

use super::{Binary, EvalError, Expr, FormulaError, MAX_STACK, Unary};

/// One instruction of the compiled form, run on a small stack of `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Op {
    Const(f64),
    Load(u32),
    Unary(Unary),
    Binary(Binary),
    /// Folds the top `n` values into their minimum or maximum.
    Min(u32),
    Max(u32),
    /// `&&`: if the top is false, leave it and jump; otherwise drop it.
    AndJump(u32),
    /// `||`: if the top is true, leave 1.0 and jump; otherwise drop it.
    OrJump(u32),
    /// Pops a condition; jumps when it is false.
    JumpIfFalse(u32),
    Jump(u32),
}

/// A formula compiled to slots: cheap to clone, `Send + Sync`, evaluated without allocating.
#[derive(Debug, Clone)]
pub struct CompiledFormula {
    pub(super) code: Box<[Op]>,
    slots: Box<[usize]>,
    /// No jumps (`&&`, `||`, `if`): every instruction runs for every subject.
    pub(super) straight: bool,
    /// Only arithmetic: a NaN read anywhere makes the result NaN by itself, where
    /// `min`, `max`, a comparison or `^` (`NaN ^ 0` is 1) can let a value through.
    pub(super) carries_nan: bool,
}

/// Emits a program while tracking how deep its stack grows.
#[derive(Default)]
pub(super) struct Compiler {
    code: Vec<Op>,
    depth: usize,
    max_depth: usize,
}

impl Compiler {
    /// The finished program, if its stack fits.
    pub(super) fn finish(self) -> Result<CompiledFormula, FormulaError> {
        if self.max_depth > MAX_STACK {
            return Err(FormulaError::TooDeep {
                depth: self.max_depth,
                max: MAX_STACK,
                at: None,
            });
        }
        let mut slots = Vec::new();
        for op in &self.code {
            if let Op::Load(slot) = op
                && !slots.contains(&(*slot as usize))
            {
                slots.push(*slot as usize);
            }
        }
        let straight = !self
            .code
            .iter()
            .any(|op| matches!(op, Op::AndJump(_) | Op::OrJump(_) | Op::JumpIfFalse(_) | Op::Jump(_)));
        let carries_nan = self.code.iter().all(|op| match op {
            Op::Const(_) | Op::Load(_) => true,
            Op::Unary(op) => !matches!(op, Unary::Not),
            Op::Binary(op) => matches!(op, Binary::Add | Binary::Sub | Binary::Mul | Binary::Div | Binary::Rem),
            _ => false,
        });
        Ok(CompiledFormula {
            straight,
            carries_nan,
            code: self.code.into_boxed_slice(),
            slots: slots.into_boxed_slice(),
        })
    }

    fn push(&mut self, op: Op, depth_change: isize) {
        self.code.push(op);
        self.depth = self.depth.saturating_add_signed(depth_change);
        self.max_depth = self.max_depth.max(self.depth);
    }

    pub(super) fn emit(
        &mut self,
        expr: &Expr,
        slot_of: &dyn Fn(&str) -> Result<usize, FormulaError>,
    ) -> Result<(), FormulaError> {
        match expr {
            Expr::Const(v) => self.push(Op::Const(*v), 1),
            Expr::Var(name) => self.push(Op::Load(slot_of(name)? as u32), 1),
            Expr::Unary(op, a) => {
                self.emit(a, slot_of)?;
                self.push(Op::Unary(*op), 0);
            }
            Expr::Binary(op, a, b) => {
                // Constant folding: an expression of constants only is computed once here.
                if let (Expr::Const(x), Expr::Const(y)) = (a.as_ref(), b.as_ref())
                    && let Ok(v) = binary(*op, *x, *y)
                {
                    self.push(Op::Const(v), 1);
                    return Ok(());
                }
                self.emit(a, slot_of)?;
                self.emit(b, slot_of)?;
                self.push(Op::Binary(*op), -1);
            }
            Expr::And(a, b) | Expr::Or(a, b) => {
                self.emit(a, slot_of)?;
                let jump = self.code.len();
                self.push(
                    if matches!(expr, Expr::And(..)) {
                        Op::AndJump(0)
                    } else {
                        Op::OrJump(0)
                    },
                    -1,
                );
                self.emit(b, slot_of)?;
                let end = self.code.len() as u32;
                self.code[jump] = if matches!(expr, Expr::And(..)) {
                    Op::AndJump(end)
                } else {
                    Op::OrJump(end)
                };
            }
            Expr::If(test, then, otherwise) => {
                self.emit(test, slot_of)?;
                let branch = self.code.len();
                self.push(Op::JumpIfFalse(0), -1);
                self.emit(then, slot_of)?;
                let skip = self.code.len();
                self.push(Op::Jump(0), -1);
                let else_at = self.code.len() as u32;
                self.emit(otherwise, slot_of)?;
                let end = self.code.len() as u32;
                self.code[branch] = Op::JumpIfFalse(else_at);
                self.code[skip] = Op::Jump(end);
            }
            Expr::Min(items) | Expr::Max(items) => {
                for item in items {
                    self.emit(item, slot_of)?;
                }
                let n = items.len() as u32;
                self.push(
                    if matches!(expr, Expr::Min(_)) {
                        Op::Min(n)
                    } else {
                        Op::Max(n)
                    },
                    1 - items.len() as isize,
                );
            }
        }
        Ok(())
    }
}

fn binary(op: Binary, a: f64, b: f64) -> Result<f64, EvalError> {
    let truth = |t: bool| f64::from(u8::from(t));
    Ok(match op {
        Binary::Add => a + b,
        Binary::Sub => a - b,
        Binary::Mul => a * b,
        Binary::Div if b == 0.0 => return Err(EvalError::DivisionByZero),
        Binary::Div => a / b,
        Binary::Rem if b == 0.0 => return Err(EvalError::DivisionByZero),
        Binary::Rem => a % b,
        Binary::Pow => a.powf(b),
        Binary::Eq => truth(a == b),
        Binary::Ne => truth(a != b),
        Binary::Lt => truth(a < b),
        Binary::Le => truth(a <= b),
        Binary::Gt => truth(a > b),
        Binary::Ge => truth(a >= b),
    })
}

impl CompiledFormula {
    /// Evaluates over `slots`, indexed by the slot numbers given to `compile`. Numbers
    /// are `f64` throughout; conditions give 1.0 or 0.0. `&&`, `||` and `if` only
    /// evaluate the side they need, so `tickets > 0 && resolved / tickets < 0.8` is
    /// simply false when there are no tickets.
    pub fn evaluate(&self, slots: &[f64]) -> Result<f64, EvalError> {
        let mut stack = [0.0f64; MAX_STACK];
        let mut top = 0usize;
        let mut pc = 0usize;
        while let Some(op) = self.code.get(pc) {
            pc += 1;
            match *op {
                Op::Const(v) => {
                    stack[top] = v;
                    top += 1;
                }
                Op::Load(slot) => {
                    stack[top] = slots[slot as usize];
                    top += 1;
                }
                Op::Unary(op) => {
                    let v = stack[top - 1];
                    stack[top - 1] = match op {
                        Unary::Neg => -v,
                        Unary::Not => f64::from(u8::from(v == 0.0)),
                        Unary::Floor => v.floor(),
                        Unary::Round => v.round(),
                        Unary::Ceil => v.ceil(),
                        Unary::Abs => v.abs(),
                        Unary::Sqrt => v.sqrt(),
                    };
                }
                Op::Binary(op) => {
                    top -= 1;
                    stack[top - 1] = binary(op, stack[top - 1], stack[top])?;
                }
                Op::Min(n) | Op::Max(n) => {
                    let from = top - n as usize;
                    let values = &stack[from..top];
                    let folded = if matches!(op, Op::Min(_)) {
                        values.iter().copied().fold(f64::INFINITY, f64::min)
                    } else {
                        values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                    };
                    stack[from] = folded;
                    top = from + 1;
                }
                Op::AndJump(to) => {
                    if stack[top - 1] == 0.0 {
                        pc = to as usize;
                    } else {
                        top -= 1;
                    }
                }
                Op::OrJump(to) => {
                    if stack[top - 1] != 0.0 {
                        stack[top - 1] = 1.0;
                        pc = to as usize;
                    } else {
                        top -= 1;
                    }
                }
                Op::JumpIfFalse(to) => {
                    top -= 1;
                    if stack[top] == 0.0 {
                        pc = to as usize;
                    }
                }
                Op::Jump(to) => pc = to as usize,
            }
        }
        let result = stack[0];
        if result.is_finite() {
            Ok(result)
        } else {
            Err(EvalError::NotFinite)
        }
    }

    /// The distinct slots read, in order of first appearance.
    pub fn slots(&self) -> &[usize] {
        &self.slots
    }
}
