//! The SQL expressions of Graphic Walker's computed fields (`expr` with a
//! `sql` parameter), parsed into Quiver's expression tree
//! ([`crate::query::expr::Expr`]).
//!
//! The subset is what Graphic Walker's own evaluator runs: field references
//! (unquoted names are case-folded to lower case as in PostgreSQL, `"quoted"`
//! names kept), numbers, `'text'`, `true` / `false` / `null`, unary `+ - NOT`,
//! `* / %`, `+ -`, `~ ~* !~ !~*` (JavaScript regular expressions, computed
//! by the walker: [`Match`]), comparisons
//! `= != <> < <= > >=`, `AND`, `OR`, `CASE WHEN … THEN … [ELSE …] END`, and
//! the aggregate calls `sum mean avg median stdev variance max min count
//! distinctCount` (over the whole data in a transform, over each group in an
//! aggregate measure). Besides those, `IS [NOT] NULL`, `||` and the numeric
//! functions of Quiver's expressions (`abs`, `sqrt`, `round` …) work too.
//! Operators follow SQL on nulls: a null operand gives null.

use serde_json::Value;

use crate::error::{QuiverError, Result};
use crate::query::expr::{Expr, When};

/// A parsed SQL expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Sql {
    Ref(String),
    Number(f64),
    Text(String),
    Bool(bool),
    Null,
    Unary { op: &'static str, operand: Box<Sql> },
    Binary { op: &'static str, left: Box<Sql>, right: Box<Sql> },
    IsNull { operand: Box<Sql>, negated: bool },
    Case { whens: Vec<(Sql, Sql)>, otherwise: Option<Box<Sql>> },
    Call { name: String, args: Vec<Sql> },
}

/// Aggregate functions a SQL expression may call.
pub const AGGREGATES: [&str; 10] =
    ["sum", "mean", "avg", "median", "stdev", "variance", "max", "min", "count", "distinctcount"];

fn error(sql: &str, message: impl std::fmt::Display) -> QuiverError {
    QuiverError::InvalidQuery(format!("in the expression `{sql}`: {message}"))
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Ident(String),
    Quoted(String),
    Number(f64),
    Text(String),
    Op(&'static str),
}

fn tokenize(sql: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    const OPS: [&str; 19] = ["!~*", "<>", "!=", "<=", ">=", "~*", "!~", "||", "+", "-", "*", "/", "%", "=", "<", ">", "~", "(", ")"];
    'next: while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == ',' {
            tokens.push(Token::Op(","));
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
                i += 1;
            }
            tokens.push(Token::Ident(chars[start..i].iter().collect()));
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let text: String = chars[start..i].iter().collect();
            let number = text.parse::<f64>().map_err(|_| error(sql, format!("`{text}` is not a number")))?;
            tokens.push(Token::Number(number));
            continue;
        }
        if c == '\'' || c == '"' {
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(error(sql, format!("a {c} is never closed"))),
                    Some(&d) if d == c => {
                        if chars.get(i + 1) == Some(&c) {
                            text.push(c);
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    }
                    Some(&d) => {
                        text.push(d);
                        i += 1;
                    }
                }
            }
            tokens.push(if c == '\'' { Token::Text(text) } else { Token::Quoted(text) });
            continue;
        }
        for op in OPS {
            if chars[i..].iter().take(op.len()).copied().eq(op.chars()) {
                tokens.push(Token::Op(op));
                i += op.len();
                continue 'next;
            }
        }
        return Err(error(sql, format!("unexpected `{c}`")));
    }
    Ok(tokens)
}

struct Parser<'a> {
    sql: &'a str,
    tokens: Vec<Token>,
    at: usize,
}

/// Parses one SQL expression.
pub fn parse(sql: &str) -> Result<Sql> {
    let mut parser = Parser { sql, tokens: tokenize(sql)?, at: 0 };
    if parser.tokens.is_empty() {
        return Err(error(sql, "it is empty"));
    }
    let expr = parser.or()?;
    match parser.tokens.get(parser.at) {
        None => Ok(expr),
        Some(t) => Err(error(sql, format!("unexpected {} after a complete expression", describe(t)))),
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Ident(s) => format!("`{s}`"),
        Token::Quoted(s) => format!("\"{s}\""),
        Token::Number(n) => format!("`{n}`"),
        Token::Text(s) => format!("'{s}'"),
        Token::Op(o) => format!("`{o}`"),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Ident(s)) if s.eq_ignore_ascii_case(word))
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        let hit = self.keyword(word);
        if hit {
            self.at += 1;
        }
        hit
    }

    fn expect_keyword(&mut self, word: &str) -> Result<()> {
        if self.eat_keyword(word) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{}`", word.to_uppercase())))
        }
    }

    fn eat_op(&mut self, ops: &[&'static str]) -> Option<&'static str> {
        match self.peek() {
            Some(Token::Op(o)) if ops.contains(o) => {
                let o = *o;
                self.at += 1;
                Some(o)
            }
            _ => None,
        }
    }

    fn unexpected(&self, wanted: &str) -> QuiverError {
        match self.peek() {
            Some(t) => error(self.sql, format!("expected {wanted}, found {}", describe(t))),
            None => error(self.sql, format!("expected {wanted}, but the expression ends")),
        }
    }

    fn or(&mut self) -> Result<Sql> {
        let mut left = self.and()?;
        while self.eat_keyword("or") {
            left = Sql::Binary { op: "or", left: Box::new(left), right: Box::new(self.and()?) };
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Sql> {
        let mut left = self.not()?;
        while self.eat_keyword("and") {
            left = Sql::Binary { op: "and", left: Box::new(left), right: Box::new(self.not()?) };
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Sql> {
        if self.eat_keyword("not") {
            return Ok(Sql::Unary { op: "not", operand: Box::new(self.not()?) });
        }
        self.is()
    }

    fn is(&mut self) -> Result<Sql> {
        let operand = self.comparison()?;
        if self.eat_keyword("is") {
            let negated = self.eat_keyword("not");
            self.expect_keyword("null")?;
            return Ok(Sql::IsNull { operand: Box::new(operand), negated });
        }
        Ok(operand)
    }

    fn comparison(&mut self) -> Result<Sql> {
        let left = self.other()?;
        if let Some(op) = self.eat_op(&["=", "!=", "<>", "<", "<=", ">", ">="]) {
            let op = if op == "<>" { "!=" } else { op };
            return Ok(Sql::Binary { op, left: Box::new(left), right: Box::new(self.other()?) });
        }
        Ok(left)
    }

    fn other(&mut self) -> Result<Sql> {
        let mut left = self.additive()?;
        while let Some(op) = self.eat_op(&["~", "~*", "!~", "!~*", "||"]) {
            left = Sql::Binary { op, left: Box::new(left), right: Box::new(self.additive()?) };
        }
        Ok(left)
    }

    fn additive(&mut self) -> Result<Sql> {
        let mut left = self.multiplicative()?;
        while let Some(op) = self.eat_op(&["+", "-"]) {
            left = Sql::Binary { op, left: Box::new(left), right: Box::new(self.multiplicative()?) };
        }
        Ok(left)
    }

    fn multiplicative(&mut self) -> Result<Sql> {
        let mut left = self.unary()?;
        while let Some(op) = self.eat_op(&["*", "/", "%"]) {
            left = Sql::Binary { op, left: Box::new(left), right: Box::new(self.unary()?) };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Sql> {
        if let Some(op) = self.eat_op(&["-", "+"]) {
            let operand = self.unary()?;
            return Ok(match (op, operand) {
                ("-", Sql::Number(n)) => Sql::Number(-n),
                (_, Sql::Number(n)) => Sql::Number(n),
                (op, operand) => Sql::Unary { op: if op == "-" { "neg" } else { "plus" }, operand: Box::new(operand) },
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Sql> {
        let Some(token) = self.peek().cloned() else { return Err(self.unexpected("a value")) };
        self.at += 1;
        Ok(match token {
            Token::Number(n) => Sql::Number(n),
            Token::Text(s) => Sql::Text(s),
            Token::Quoted(name) => Sql::Ref(name),
            Token::Op("(") => {
                let inner = self.or()?;
                if self.eat_op(&[")"]).is_none() {
                    return Err(self.unexpected("`)`"));
                }
                inner
            }
            Token::Ident(word) => match word.to_ascii_lowercase().as_str() {
                "true" => Sql::Bool(true),
                "false" => Sql::Bool(false),
                "null" => Sql::Null,
                "case" => self.case()?,
                lower => {
                    if self.eat_op(&["("]).is_some() {
                        let mut args = Vec::new();
                        if self.eat_op(&[")"]).is_none() {
                            loop {
                                if self.eat_op(&["*"]).is_some() {
                                    args.push(Sql::Ref("*".into()));
                                } else {
                                    args.push(self.or()?);
                                }
                                if self.eat_op(&[")"]).is_some() {
                                    break;
                                }
                                if self.eat_op(&[","]).is_none() {
                                    return Err(self.unexpected("`,` or `)`"));
                                }
                            }
                        }
                        Sql::Call { name: lower.to_string(), args }
                    } else {
                        Sql::Ref(lower.to_string())
                    }
                }
            },
            other => return Err(error(self.sql, format!("unexpected {}", describe(&other)))),
        })
    }

    fn case(&mut self) -> Result<Sql> {
        let mut whens = Vec::new();
        while self.eat_keyword("when") {
            let condition = self.or()?;
            self.expect_keyword("then")?;
            whens.push((condition, self.or()?));
        }
        if whens.is_empty() {
            return Err(self.unexpected("`WHEN`"));
        }
        let otherwise = if self.eat_keyword("else") { Some(Box::new(self.or()?)) } else { None };
        self.expect_keyword("end")?;
        Ok(Sql::Case { whens, otherwise })
    }
}

/// Every field name `sql` refers to.
pub fn references(sql: &Sql, out: &mut Vec<String>) {
    match sql {
        Sql::Ref(name) => out.push(name.clone()),
        Sql::Number(_) | Sql::Text(_) | Sql::Bool(_) | Sql::Null => {}
        Sql::Unary { operand, .. } | Sql::IsNull { operand, .. } => references(operand, out),
        Sql::Binary { left, right, .. } => {
            references(left, out);
            references(right, out);
        }
        Sql::Case { whens, otherwise } => {
            for (w, t) in whens {
                references(w, out);
                references(t, out);
            }
            if let Some(o) = otherwise {
                references(o, out);
            }
        }
        Sql::Call { args, .. } => args.iter().for_each(|a| references(a, out)),
    }
}

/// A regular-expression match (`~`, `~*`, `!~`, `!~*`): JavaScript's
/// `new RegExp(pattern[, 'i']).test(text)`, which Quiver's expressions do not
/// compute; the walker does ([`super::transform::match_column`]) and the tree reads the result
/// as a column.
#[derive(Clone, Debug)]
pub struct Match {
    pub text: Expr,
    pub pattern: Expr,
    pub ignore_case: bool,
    pub negated: bool,
    /// Inside an aggregate call's argument: computed on the rows (before
    /// aggregating), else on the rows the whole expression is evaluated on.
    pub in_aggregate: bool,
}

/// What [`to_expr`] hands back to its caller: aggregate calls and matches.
pub struct Hooks<'a> {
    /// An aggregate call (function, argument) → the expression reading its result.
    pub aggregate: &'a mut dyn FnMut(&str, Expr) -> Result<Expr>,
    /// A match → the expression reading its result.
    pub matches: &'a mut dyn FnMut(Match) -> Result<Expr>,
}

/// Converts to Quiver's expression tree. `resolve` maps a field name to a
/// column (names are matched exactly, then ignoring case); `hooks` turn
/// aggregate calls and regular-expression matches into expressions.
pub fn to_expr(sql: &Sql, text: &str, resolve: &dyn Fn(&str) -> Option<String>, hooks: &mut Hooks) -> Result<Expr> {
    convert(sql, text, resolve, hooks, false)
}

fn convert(sql: &Sql, text: &str, resolve: &dyn Fn(&str) -> Option<String>, hooks: &mut Hooks, in_aggregate: bool) -> Result<Expr> {
    let call = |op: &str, args: Vec<Expr>| Expr::Call { op: op.to_string(), args };
    let convert = |s: &Sql, hooks: &mut Hooks| convert(s, text, resolve, hooks, in_aggregate);
    Ok(match sql {
        Sql::Ref(name) if name == "*" => return Err(error(text, "`*` only works inside count(*)")),
        Sql::Ref(name) => match resolve(name) {
            Some(column) => Expr::Column { column },
            None => return Err(error(text, format!("there is no field named \"{name}\""))),
        },
        Sql::Number(n) => Expr::Literal { value: serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number) },
        Sql::Text(s) => Expr::Literal { value: Value::String(s.clone()) },
        Sql::Bool(b) => Expr::Literal { value: Value::Bool(*b) },
        Sql::Null => Expr::Literal { value: Value::Null },
        Sql::Unary { op: "plus", operand } => convert(operand, hooks)?,
        Sql::Unary { op, operand } => call(op, vec![convert(operand, hooks)?]),
        Sql::Binary { op: op @ ("~" | "~*" | "!~" | "!~*"), left, right } => {
            let m = Match {
                text: convert(left, hooks)?,
                pattern: convert(right, hooks)?,
                ignore_case: op.ends_with('*'),
                negated: op.starts_with('!'),
                in_aggregate,
            };
            (hooks.matches)(m)?
        }
        Sql::Binary { op, left, right } => call(op, vec![convert(left, hooks)?, convert(right, hooks)?]),
        Sql::IsNull { operand, negated } => {
            let test = call("isNull", vec![convert(operand, hooks)?]);
            if *negated {
                call("not", vec![test])
            } else {
                test
            }
        }
        Sql::Case { whens, otherwise } => Expr::Case {
            case: whens
                .iter()
                .map(|(w, t)| Ok(When { when: convert(w, hooks)?, then: convert(t, hooks)? }))
                .collect::<Result<_>>()?,
            otherwise: otherwise.as_ref().map(|o| convert(o, hooks).map(Box::new)).transpose()?,
        },
        Sql::Call { name, args } if AGGREGATES.contains(&name.as_str()) => {
            let [arg] = args.as_slice() else {
                return Err(error(text, format!("{name}() takes one argument")));
            };
            let arg = match arg {
                Sql::Ref(star) if star == "*" => Expr::Literal { value: Value::from(1) },
                other => {
                    let mut nested = |_: &str, _: Expr| Err(error(text, "an aggregate cannot contain another aggregate"));
                    let mut inner = Hooks { aggregate: &mut nested, matches: &mut *hooks.matches };
                    self::convert(other, text, resolve, &mut inner, true)?
                }
            };
            (hooks.aggregate)(name, arg)?
        }
        Sql::Call { name, args } => {
            let args = args.iter().map(|a| convert(a, hooks)).collect::<Result<Vec<_>>>()?;
            call(name, args)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(sql: &str) -> Sql {
        parse(sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    #[test]
    fn precedence_and_literals() {
        let b = |op, l, r| Sql::Binary { op, left: Box::new(l), right: Box::new(r) };
        let r = |n: &str| Sql::Ref(n.into());
        assert_eq!(ok("a + b * 2"), b("+", r("a"), b("*", r("b"), Sql::Number(2.0))));
        assert_eq!(ok("(a + b) * -2.5e1"), b("*", b("+", r("a"), r("b")), Sql::Number(-25.0)));
        assert_eq!(ok("Price > 1 AND NOT \"Flag\" OR x = 'it''s'"), b(
            "or",
            b("and", b(">", r("price"), Sql::Number(1.0)), Sql::Unary { op: "not", operand: Box::new(r("Flag")) }),
            b("=", r("x"), Sql::Text("it's".into()))
        ));
        assert_eq!(ok("a <> b"), b("!=", r("a"), r("b")));
        assert_eq!(ok("name ~* '^n'"), b("~*", r("name"), Sql::Text("^n".into())));
        assert_eq!(
            ok("case when a > 1 then 'big' else 'small' end"),
            Sql::Case {
                whens: vec![(b(">", r("a"), Sql::Number(1.0)), Sql::Text("big".into()))],
                otherwise: Some(Box::new(Sql::Text("small".into())))
            }
        );
        assert_eq!(ok("SUM(x) / count(*)"), b(
            "/",
            Sql::Call { name: "sum".into(), args: vec![r("x")] },
            Sql::Call { name: "count".into(), args: vec![r("*")] }
        ));
        assert_eq!(ok("x is not null"), Sql::IsNull { operand: Box::new(r("x")), negated: true });
    }

    #[test]
    fn mistakes_are_named() {
        let bad = |sql: &str| parse(sql).unwrap_err().to_string();
        assert!(bad("a +").contains("expected a value, but the expression ends"), "{}", bad("a +"));
        assert!(bad("(a").contains("expected `)`"));
        assert!(bad("'open").contains("never closed"));
        assert!(bad("a b").contains("unexpected `b` after a complete expression"));
        assert!(bad("case a end").contains("expected `WHEN`"));
        assert!(bad("a # b").contains("unexpected `#`"));
    }
}
