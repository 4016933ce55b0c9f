//! Where each value of a definitions file stands, so that an error found after
//! deserializing (an unknown metric in a formula, weights off 100) can still name
//! the line and column an admin has to fix.
//!
//! serde_yaml reports positions only for errors it raises itself, so the file is
//! read a second time with saphyr-parser, whose events carry spans, and every node
//! is indexed by its path of keys and sequence indices.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;

/// A 1-based line and column in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, Copy)]
struct Node {
    key: Option<Position>,
    value: Position,
    /// Plain scalars start where their text starts; quoted ones one character later.
    text_offset: usize,
    /// A scalar's characters in the file (quotes included), from and to.
    chars: Option<(usize, usize)>,
}

/// Positions of the nodes of one YAML file, addressed by path (`["kpis", "cac", "formula"]`).
#[derive(Debug, Default)]
pub struct SourceMap {
    nodes: HashMap<String, Node>,
}

impl SourceMap {
    /// Indexes `text`. A file the indexer cannot read yields an empty map, and every
    /// look-up then falls back to the top of the file.
    pub fn index(text: &str) -> SourceMap {
        let mut builder = Builder::default();
        for event in Parser::new_from_str(text) {
            match event {
                Ok((event, span)) => builder.event(event, span),
                Err(_) => return SourceMap::default(),
            }
        }
        SourceMap { nodes: builder.nodes }
    }

    /// Where the value at `path` starts, or its nearest indexed ancestor's.
    pub fn value(&self, path: &[&str]) -> Position {
        self.find(path, |node| node.value)
    }

    /// Where the key naming the value at exactly `path` stands, if there is one.
    pub fn exact_key(&self, path: &[&str]) -> Option<Position> {
        self.nodes.get(&join(path)).and_then(|node| node.key)
    }

    /// The keys directly under the mapping at `path`, in the order the file writes them.
    pub fn children(&self, path: &[&str]) -> Vec<(String, Position)> {
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{}\u{1f}", join(path))
        };
        let mut children: Vec<(String, Position)> = self
            .nodes
            .iter()
            .filter_map(|(at, node)| {
                let rest = at.strip_prefix(&prefix)?;
                (!rest.is_empty() && !rest.contains('\u{1f}')).then_some((rest.to_owned(), node.key?))
            })
            .collect();
        children.sort_by_key(|(_, at)| (at.line, at.column));
        children
    }

    /// Where the key naming the value at `path` stands (for "unknown id" errors).
    pub fn key(&self, path: &[&str]) -> Position {
        self.find(path, |node| node.key.unwrap_or(node.value))
    }

    /// Where character `offset` of the scalar at `path` stands, for errors inside a formula.
    /// Falls back to the scalar's start for block scalars spread over several lines.
    pub fn within(&self, path: &[&str], offset: usize) -> Position {
        match self.nodes.get(&join(path)) {
            Some(node) if node.text_offset != usize::MAX => Position {
                line: node.value.line,
                column: node.value.column + node.text_offset + offset,
            },
            _ => self.value(path),
        }
    }

    /// The bytes of `text` (the file indexed) that hold the scalar at `path`, quotes
    /// included: what an edit replaces to change one value and nothing around it.
    pub fn scalar_bytes(&self, text: &str, path: &[&str]) -> Option<std::ops::Range<usize>> {
        let (from, to) = self.nodes.get(&join(path))?.chars?;
        let byte = |char_index: usize| text.char_indices().nth(char_index).map_or(text.len(), |(b, _)| b);
        Some(byte(from)..byte(to))
    }

    fn find(&self, path: &[&str], pick: impl Fn(&Node) -> Position) -> Position {
        (0..=path.len())
            .rev()
            .find_map(|len| self.nodes.get(&join(&path[..len])).map(&pick))
            .unwrap_or(Position { line: 1, column: 1 })
    }
}

fn join(path: &[&str]) -> String {
    path.join("\u{1f}")
}

/// Where `text` first nests deeper than `limit` mappings and sequences, if it does.
/// The events are read lazily, so a file nested a hundred thousand levels deep is
/// refused after its first `limit` levels: the YAML scanner behind serde_yaml takes
/// time quadratic in the depth, so this runs before it.
pub fn too_deep(text: &str, limit: usize) -> Option<Position> {
    let mut depth = 0usize;
    for event in Parser::new_from_str(text) {
        match event {
            Ok((Event::MappingStart(..) | Event::SequenceStart(..), span)) => {
                depth += 1;
                if depth > limit {
                    return Some(position(&span));
                }
            }
            Ok((Event::MappingEnd | Event::SequenceEnd, _)) => depth = depth.saturating_sub(1),
            Ok(_) => {}
            // The scanner has a flow-nesting limit of its own, met while it reads ahead.
            Err(error) if error.info().contains("recursion limit") => {
                return Some(Position {
                    line: error.marker().line(),
                    column: error.marker().col() + 1,
                });
            }
            // serde_yaml reports a broken file better, with its own position.
            Err(_) => return None,
        }
    }
    None
}

fn position(span: &Span) -> Position {
    Position {
        line: span.start.line(),
        column: span.start.col() + 1,
    }
}

enum Frame {
    Mapping { pending_key: Option<(String, Position)> },
    Sequence { next: usize },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    path: Vec<String>,
    nodes: HashMap<String, Node>,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: Span) {
        match event {
            Event::Scalar(text, style, ..) => {
                // A scalar inside a mapping with no pending key is itself a key.
                if let Some(Frame::Mapping { pending_key }) = self.stack.last_mut()
                    && pending_key.is_none()
                {
                    *pending_key = Some((text.into_owned(), position(&span)));
                    return;
                }
                let text_offset = match style {
                    ScalarStyle::Plain => 0,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => 1,
                    _ => usize::MAX,
                };
                let chars = (span.start.index(), span.end.index());
                self.node(position(&span), text_offset, false, Some(chars));
            }
            Event::Alias(_) => self.node(position(&span), usize::MAX, false, None),
            Event::MappingStart(..) => {
                self.node(position(&span), usize::MAX, true, None);
                self.stack.push(Frame::Mapping { pending_key: None });
            }
            Event::SequenceStart(..) => {
                self.node(position(&span), usize::MAX, true, None);
                self.stack.push(Frame::Sequence { next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.path.pop();
            }
            _ => {}
        }
    }

    /// Records a value node at the current path. Containers keep their path segment
    /// pushed until their end event; scalars drop theirs at once.
    fn node(&mut self, value: Position, text_offset: usize, container: bool, chars: Option<(usize, usize)>) {
        let (segment, key) = match self.stack.last_mut() {
            Some(Frame::Mapping { pending_key }) => match pending_key.take() {
                Some((key, at)) => (key, Some(at)),
                None => (String::new(), None),
            },
            Some(Frame::Sequence { next }) => {
                *next += 1;
                ((*next - 1).to_string(), None)
            }
            None => {
                // The document's root: its path is empty.
                let node = Node {
                    key: None,
                    value,
                    text_offset,
                    chars,
                };
                self.nodes.insert(String::new(), node);
                self.path.push(String::new());
                return;
            }
        };
        self.path.push(segment);
        let path: Vec<&str> = self.path[1..].iter().map(String::as_str).collect();
        self.nodes.insert(
            join(&path),
            Node {
                key,
                value,
                text_offset,
                chars,
            },
        );
        if !container {
            self.path.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
kpis:
  cac:
    formula: (a + b) / c
    quoted: \"x + y\"
  nps:
    bands:
      - { from: 0, points: 0 }
      - from: 10
        points: 50
";

    #[test]
    fn nesting_past_the_limit_is_found_where_it_starts() {
        assert_eq!(too_deep(TEXT, 5), None);
        assert_eq!(too_deep(TEXT, 4), Some(Position { line: 7, column: 9 }));
        let flow = format!("a: {}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(too_deep(&flow, 64).map(|p| p.line), Some(1));
        let shallow_flow = format!("a: {}{}", "[".repeat(70), "]".repeat(70));
        // The root mapping is the first level, so the 64th bracket is the 65th.
        assert_eq!(too_deep(&shallow_flow, 64), Some(Position { line: 1, column: 67 }));
        let block = format!("a:\n  {}x\n", "- ".repeat(100_000));
        assert_eq!(too_deep(&block, 64).map(|p| p.line), Some(2));
    }

    #[test]
    fn nested_keys_and_values_have_their_positions() {
        let map = SourceMap::index(TEXT);
        assert_eq!(map.value(&["kpis", "cac", "formula"]), Position { line: 3, column: 14 });
        assert_eq!(map.key(&["kpis", "cac", "formula"]), Position { line: 3, column: 5 });
        assert_eq!(map.key(&["kpis", "nps"]), Position { line: 5, column: 3 });
    }

    #[test]
    fn sequence_items_are_addressed_by_index() {
        let map = SourceMap::index(TEXT);
        assert_eq!(map.value(&["kpis", "nps", "bands", "1", "from"]).line, 8);
        assert_eq!(map.value(&["kpis", "nps", "bands", "0", "points"]).line, 7);
    }

    #[test]
    fn an_offset_inside_a_scalar_accounts_for_quotes() {
        let map = SourceMap::index(TEXT);
        assert_eq!(
            map.within(&["kpis", "cac", "formula"], 4),
            Position { line: 3, column: 18 }
        );
        assert_eq!(
            map.within(&["kpis", "cac", "quoted"], 2),
            Position { line: 4, column: 16 }
        );
    }

    #[test]
    fn a_scalar_s_bytes_are_exactly_its_text_quotes_included() {
        let text = format!("{TEXT}  名前: {{ weight: 40, target: 95 }}\n");
        let map = SourceMap::index(&text);
        let at = |path: &[&str]| map.scalar_bytes(&text, path).map(|r| &text[r]);
        assert_eq!(at(&["kpis", "cac", "formula"]), Some("(a + b) / c"));
        assert_eq!(at(&["kpis", "cac", "quoted"]), Some("\"x + y\""));
        assert_eq!(at(&["kpis", "nps", "bands", "0", "points"]), Some("0"));
        assert_eq!(at(&["kpis", "nps", "bands", "1", "points"]), Some("50"));
        assert_eq!(
            at(&["kpis", "名前", "target"]),
            Some("95"),
            "after characters of several bytes"
        );
        assert_eq!(at(&["kpis", "nps"]), None, "a mapping is not a scalar");
    }

    #[test]
    fn an_unknown_path_falls_back_to_its_nearest_ancestor() {
        let map = SourceMap::index(TEXT);
        assert_eq!(map.value(&["kpis", "cac", "missing"]), map.value(&["kpis", "cac"]));
        assert_eq!(
            SourceMap::index("kpis:\n  cac: [unclosed\n").value(&["kpis", "cac"]),
            Position { line: 1, column: 1 }
        );
    }
}
