//! Falco's condition language parsed to a syntax tree: `and`, `or`, `not`,
//! parentheses, field checks with their operators, and names (macros).
//! Names inside `( ... )` lists stay as written here; the compiler expands
//! those that name a list.

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=` or `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `contains`.
    Contains,
    /// `icontains` (ASCII case-insensitive).
    IContains,
    /// `bcontains` (hex bytes).
    BContains,
    /// `startswith`.
    StartsWith,
    /// `bstartswith` (hex bytes).
    BStartsWith,
    /// `endswith`.
    EndsWith,
    /// `glob` (shell wildcards).
    Glob,
    /// `iglob` (shell wildcards, case-insensitive).
    IGlob,
    /// `regex` (whole-value match).
    Regex,
    /// `pmatch (paths)`: the value is one of the paths or under one.
    Pmatch,
    /// `in (values)`.
    In,
    /// `intersects (values)`.
    Intersects,
    /// `exists`.
    Exists,
}

impl Op {
    /// Whether the operator takes a `( ... )` list.
    #[must_use]
    pub fn takes_list(self) -> bool {
        matches!(self, Op::In | Op::Intersects | Op::Pmatch)
    }

    /// The operator named `word`, if any.
    #[must_use]
    pub fn from_word(word: &str) -> Option<Op> {
        Some(match word {
            "=" | "==" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "contains" => Op::Contains,
            "icontains" => Op::IContains,
            "bcontains" => Op::BContains,
            "startswith" => Op::StartsWith,
            "bstartswith" => Op::BStartsWith,
            "endswith" => Op::EndsWith,
            "glob" => Op::Glob,
            "iglob" => Op::IGlob,
            "regex" => Op::Regex,
            "pmatch" => Op::Pmatch,
            "in" => Op::In,
            "intersects" => Op::Intersects,
            "exists" => Op::Exists,
            _ => return None,
        })
    }
}

/// One item of a `( ... )` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A quoted string: always a literal.
    Quoted(String),
    /// A bare word: a list's name, or else a literal.
    Bare(String),
}

/// What a check compares with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// Nothing (`exists`).
    None,
    /// One value.
    Value(String),
    /// A `( ... )` list.
    List(Vec<Item>),
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ast {
    /// All must hold.
    And(Vec<Ast>),
    /// One must hold.
    Or(Vec<Ast>),
    /// Negation.
    Not(Box<Ast>),
    /// A macro by name; the byte offset where it is written.
    Name(String, usize),
    /// A field check.
    Check {
        /// The field name.
        field: String,
        /// Its `[argument]`, if written.
        arg: Option<String>,
        /// The operator.
        op: Op,
        /// The operand.
        operand: Operand,
        /// Byte offset of the field in the condition.
        at: usize,
    },
}

/// A syntax error at a byte offset of the condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset.
    pub at: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses a condition.
pub fn parse(text: &str) -> Result<Ast, SyntaxError> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
    };
    let ast = p.or()?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err(format!("unexpected {:?}", p.rest_word())));
    }
    Ok(ast)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

/// Characters of a field or macro name.
fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')
}

/// Characters that end a bare value.
fn ends_bare(c: u8) -> bool {
    c.is_ascii_whitespace()
        || matches!(
            c,
            b'(' | b')' | b',' | b'"' | b'\'' | b'=' | b'<' | b'>' | b'!'
        )
}

impl<'a> Parser<'a> {
    fn err(&self, message: String) -> SyntaxError {
        SyntaxError {
            at: self.i,
            message,
        }
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn rest_word(&self) -> &'a str {
        let end = (self.i..self.s.len())
            .find(|&j| self.s[j].is_ascii_whitespace())
            .unwrap_or(self.s.len());
        &self.text[self.i..end]
    }

    /// The keyword `kw` as a whole word at the cursor, consumed if there.
    fn keyword(&mut self, kw: &str) -> bool {
        self.ws();
        let end = self.i + kw.len();
        if self.s.len() >= end
            && self.s[self.i..end].eq_ignore_ascii_case(kw.as_bytes())
            && self.s.get(end).is_none_or(|&c| !is_name_char(c))
        {
            self.i = end;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Ast, SyntaxError> {
        let mut items = vec![self.and()?];
        while self.keyword("or") {
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Ast::Or(items)
        })
    }

    fn and(&mut self) -> Result<Ast, SyntaxError> {
        let mut items = vec![self.not()?];
        while self.keyword("and") {
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Ast::And(items)
        })
    }

    fn not(&mut self) -> Result<Ast, SyntaxError> {
        if self.keyword("not") {
            return Ok(Ast::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Ast, SyntaxError> {
        self.ws();
        match self.s.get(self.i) {
            None => Err(self.err("condition ends where a check or macro was expected".into())),
            Some(b'(') => {
                self.i += 1;
                let inner = self.or()?;
                self.ws();
                if self.s.get(self.i) != Some(&b')') {
                    return Err(self.err("expected ')'".into()));
                }
                self.i += 1;
                Ok(inner)
            }
            Some(&c) if is_name_char(c) => self.check_or_name(),
            Some(_) => Err(self.err(format!("unexpected {:?}", self.rest_word()))),
        }
    }

    fn check_or_name(&mut self) -> Result<Ast, SyntaxError> {
        let at = self.i;
        while self.i < self.s.len() && is_name_char(self.s[self.i]) {
            self.i += 1;
        }
        let name = self.text[at..self.i].to_owned();
        let mut arg = None;
        if self.s.get(self.i) == Some(&b'[') {
            let close = (self.i..self.s.len())
                .find(|&j| self.s[j] == b']')
                .ok_or_else(|| self.err("unclosed '[' in field argument".into()))?;
            arg = Some(self.text[self.i + 1..close].to_owned());
            self.i = close + 1;
        }
        let before_op = self.i;
        let Some(op) = self.operator() else {
            self.i = before_op;
            if arg.is_some() || name.contains('.') {
                return Err(SyntaxError {
                    at: self.i,
                    message: format!("field {name} needs an operator"),
                });
            }
            return Ok(Ast::Name(name, at));
        };
        let operand = if op == Op::Exists {
            Operand::None
        } else if op.takes_list() {
            Operand::List(self.list()?)
        } else {
            Operand::Value(self.value()?)
        };
        Ok(Ast::Check {
            field: name,
            arg,
            op,
            operand,
            at,
        })
    }

    /// An operator at the cursor, consumed if there.
    fn operator(&mut self) -> Option<Op> {
        self.ws();
        let rest = &self.s[self.i..];
        for sym in ["==", "!=", "<=", ">=", "=", "<", ">"] {
            if rest.starts_with(sym.as_bytes()) {
                self.i += sym.len();
                return Op::from_word(sym);
            }
        }
        let end = rest
            .iter()
            .position(|&c| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let op = Op::from_word(&self.text[self.i..self.i + end])?;
        if rest.get(end).is_some_and(|&c| is_name_char(c)) {
            return None;
        }
        self.i += end;
        Some(op)
    }

    fn value(&mut self) -> Result<String, SyntaxError> {
        self.ws();
        match self.s.get(self.i) {
            Some(b'"' | b'\'') => self.quoted(),
            Some(&c) if !ends_bare(c) => Ok(self.bare()),
            _ => Err(self.err("expected a value".into())),
        }
    }

    fn bare(&mut self) -> String {
        let start = self.i;
        while self.i < self.s.len() && !ends_bare(self.s[self.i]) {
            self.i += 1;
        }
        self.text[start..self.i].to_owned()
    }

    fn quoted(&mut self) -> Result<String, SyntaxError> {
        let quote = self.s[self.i];
        let start = self.i;
        self.i += 1;
        let mut out = String::new();
        while let Some(&c) = self.s.get(self.i) {
            if c == quote {
                self.i += 1;
                return Ok(out);
            }
            if c == b'\\'
                && let Some(&next) = self.s.get(self.i + 1)
            {
                match next {
                    b'\\' | b'"' | b'\'' => {
                        out.push(char::from(next));
                        self.i += 2;
                        continue;
                    }
                    _ => {}
                }
            }
            let ch = self.text[self.i..].chars().next().unwrap_or('\u{fffd}');
            out.push(ch);
            self.i += ch.len_utf8();
        }
        Err(SyntaxError {
            at: start,
            message: "unclosed quoted string".into(),
        })
    }

    fn list(&mut self) -> Result<Vec<Item>, SyntaxError> {
        self.ws();
        if self.s.get(self.i) != Some(&b'(') {
            return Err(self.err("expected '(' and a list of values".into()));
        }
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.ws();
            match self.s.get(self.i) {
                Some(b')') if items.is_empty() => {
                    self.i += 1;
                    return Ok(items);
                }
                Some(b'"' | b'\'') => items.push(Item::Quoted(self.quoted()?)),
                Some(&c) if !ends_bare(c) => items.push(Item::Bare(self.bare_item())),
                _ => return Err(self.err("expected a list value".into())),
            }
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b')') => {
                    self.i += 1;
                    return Ok(items);
                }
                _ => return Err(self.err("expected ',' or ')' in list".into())),
            }
        }
    }

    /// A bare list item: anything up to a comma, a parenthesis or a blank.
    fn bare_item(&mut self) -> String {
        let start = self.i;
        while self.i < self.s.len()
            && !matches!(self.s[self.i], b',' | b')' | b'(')
            && !self.s[self.i].is_ascii_whitespace()
        {
            self.i += 1;
        }
        self.text[start..self.i].to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(field: &str, op: Op, operand: Operand, at: usize) -> Ast {
        Ast::Check {
            field: field.into(),
            arg: None,
            op,
            operand,
            at,
        }
    }

    #[test]
    fn precedence_and_names() {
        let ast = parse("kevt and not a.b=x or (c.d exists)").unwrap();
        assert_eq!(
            ast,
            Ast::Or(vec![
                Ast::And(vec![
                    Ast::Name("kevt".into(), 0),
                    Ast::Not(Box::new(check(
                        "a.b",
                        Op::Eq,
                        Operand::Value("x".into()),
                        13
                    ))),
                ]),
                check("c.d", Op::Exists, Operand::None, 23),
            ])
        );
    }

    #[test]
    fn values_lists_and_arguments() {
        let ast = parse(r#"jevt.value[/stage] in (k8s_audit_stages, "a b", 'c\'d') and ka.uri startswith /healthz?"#).unwrap();
        let Ast::And(items) = ast else { panic!() };
        assert_eq!(
            items[0],
            Ast::Check {
                field: "jevt.value".into(),
                arg: Some("/stage".into()),
                op: Op::In,
                operand: Operand::List(vec![
                    Item::Bare("k8s_audit_stages".into()),
                    Item::Quoted("a b".into()),
                    Item::Quoted("c'd".into())
                ]),
                at: 0
            }
        );
        assert_eq!(
            items[1],
            check(
                "ka.uri",
                Op::StartsWith,
                Operand::Value("/healthz?".into()),
                60
            )
        );
        assert!(parse("ka.target.name in (system:coredns, a-b)").is_ok());
        assert!(parse("x in ()").is_ok());
        assert!(parse("ka.verb=get").is_ok());
        assert!(
            parse("indexes").is_ok(),
            "a name starting like an operator is a macro"
        );
    }

    #[test]
    fn errors_are_located() {
        assert_eq!(parse("a and (b").unwrap_err().at, 8);
        assert_eq!(parse("ka.verb in get").unwrap_err().at, 11);
        assert!(parse("ka.verb").is_err());
        assert!(parse("a b").is_err());
        assert!(parse("x = 'open").is_err());
    }
}
