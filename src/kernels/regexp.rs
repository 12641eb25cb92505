//! JavaScript regular expressions (the [`super::predicate::Dialect::JavaScript`]
//! of text matches), as Graphic Walker runs them: the
//! `regexp` filter rule is `new RegExp(pattern, caseSensitive ? '' : 'i')`
//! and SQL `~` / `~*` is `new RegExp(pattern[, 'i']).test(text)`, so the
//! patterns are ECMAScript's without the `u` flag (with Annex B's web
//! syntax), over UTF-16 code units.
//!
//! A pattern is translated into the `regex` crate's syntax, which runs in
//! time linear in the text (a pattern such as `(a+)+$` takes seconds in a
//! backtracking engine, JavaScript's included, and would hang the worker):
//!
//! - parsing follows the ECMAScript grammar with Annex B: `a{` and `]` are
//!   literals, `[^]` matches anything and `[]` nothing, `\8` is `8`, `\12`
//!   is an octal escape unless there are twelve groups, `\c` without a
//!   letter is a backslash, `\u{41}` is `u` 41 times, `(?i)` is an error,
//!   the ES2025 modifiers `(?i:…)`, `(?s:…)` work;
//! - classes are written out as explicit sets of code units: `\w` `\d` `\b`
//!   are ASCII, `\s` is JavaScript's white space and line terminators, `.`
//!   excludes the four line terminators;
//! - case-insensitive matching is JavaScript's non-Unicode `Canonicalize`
//!   (a code unit's `toUpperCase`, kept when that is not one code unit or
//!   would map non-ASCII to ASCII: `ſ` does not match `s`, nor `K` (Kelvin)
//!   `k`, nor `ß` `ẞ`), applied here to every literal and class;
//! - text is matched by UTF-16 code units: a character beyond U+FFFF (an
//!   emoji) is two units to `.` and to classes, as in JavaScript. Each half
//!   is written as a private-use code point (U+10F800 + unit − 0xD800), in
//!   the pattern and, when it has such characters, in the text.
//!
//! A pattern JavaScript rejects is [`RegexError::Invalid`] (Graphic Walker's
//! filter then keeps no rows); a valid one this translation cannot express
//! is [`RegexError::Unsupported`]: look-ahead and look-behind, back
//! references, `^`/`$` inside `(?m:…)`, and repetitions beyond the `regex`
//! crate's size limit.
//!
//! Maintainer note: the grammar functions mirror the specification's
//! productions (`Disjunction`, `Alternative`, `Term`, `Atom`, `AtomEscape`,
//! `ClassContents`, `ClassEscape`, Annex B's `ExtendedAtom` …); a change to
//! what a construct matches must keep `CodeUnits` (the set form every
//! class and literal takes) and the text's unit mapping ([`units_text`]) in
//! step. `tests/walker.rs` holds cases checked against V8, and
//! `tests/e2e/walker.test.mjs` compares generated patterns with Chromium's.

use std::fmt::Write;
use std::sync::OnceLock;

/// Why a pattern cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegexError {
    /// Not a JavaScript regular expression (`new RegExp` throws).
    Invalid(String),
    /// Valid JavaScript this engine does not run.
    Unsupported(String),
}

impl std::fmt::Display for RegexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegexError::Invalid(why) => write!(f, "not a valid JavaScript regular expression: {why}"),
            RegexError::Unsupported(what) => write!(f, "{what} is not supported by this engine"),
        }
    }
}

/// A compiled JavaScript pattern.
#[derive(Clone, Debug)]
pub struct JsRegex {
    regex: regex::Regex,
}

impl JsRegex {
    /// `new RegExp(pattern, ignore_case ? 'i' : '')`.
    pub fn new(pattern: &str, ignore_case: bool) -> Result<JsRegex, RegexError> {
        let translated = translate(pattern, ignore_case)?;
        let regex = regex::RegexBuilder::new(&translated).build().map_err(|e| {
            RegexError::Unsupported(format!("/{pattern}/ ({})", e.to_string().lines().last().unwrap_or("").trim()))
        })?;
        Ok(JsRegex { regex })
    }

    /// `regexp.test(text)`: a match anywhere.
    pub fn test(&self, text: &str) -> bool {
        // Only characters beyond U+FFFF (4-byte UTF-8, lead byte ≥ 0xF0) differ
        // between code points and UTF-16 code units.
        if text.bytes().any(|b| b >= 0xF0) {
            self.regex.is_match(&units_text(text))
        } else {
            self.regex.is_match(text)
        }
    }
}

/// Where the halves of a surrogate pair are written (U+D800..=U+DFFF →
/// U+10F800..=U+10FFFF, the end of plane 16's private use area): as
/// characters beyond U+FFFF, real ones in the text are themselves split.
const SURROGATE_HOME: u32 = 0x10F800;

/// `text` with each character beyond U+FFFF written as its two UTF-16 code
/// units, each at `SURROGATE_HOME`.
pub fn units_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut pair = [0u16; 2];
    for c in text.chars() {
        if (c as u32) <= 0xFFFF {
            out.push(c);
        } else {
            for unit in c.encode_utf16(&mut pair).iter() {
                out.push(unit_char(*unit as u32));
            }
        }
    }
    out
}

/// The character a code unit is matched as.
fn unit_char(unit: u32) -> char {
    let point = if (0xD800..=0xDFFF).contains(&unit) { SURROGATE_HOME + (unit - 0xD800) } else { unit };
    char::from_u32(point).expect("a code unit outside the surrogates is a character")
}

/// The `regex` crate's pattern for a JavaScript one.
pub fn translate(pattern: &str, ignore_case: bool) -> Result<String, RegexError> {
    let units: Vec<u16> = pattern.encode_utf16().collect();
    let (groups, names) = count_groups(&units);
    let mut parser = Parser {
        units: &units,
        at: 0,
        groups,
        named: !names.is_empty(),
        names,
        seen_names: Vec::new(),
        flags: Flags { ignore_case, dot_all: false, multiline: false },
        out: String::with_capacity(pattern.len() * 8),
        unsupported: None,
    };
    parser.disjunction()?;
    if parser.at < units.len() {
        // Only an unmatched `)` stops a disjunction early.
        return Err(RegexError::Invalid("unmatched ')'".into()));
    }
    match parser.unsupported {
        Some(what) => Err(RegexError::Unsupported(format!("{what} (in /{pattern}/)"))),
        None => Ok(parser.out),
    }
}

/// The capturing groups of a pattern, and its group names: whether `\2` is
/// a back reference and `\k` a named one depends on the whole pattern.
fn count_groups(units: &[u16]) -> (usize, Vec<Vec<u16>>) {
    let (mut groups, mut names) = (0, Vec::new());
    let mut i = 0;
    let mut in_class = false;
    while i < units.len() {
        match units[i] {
            BACKSLASH => i += 1,
            OPEN_BRACKET if !in_class => in_class = true,
            CLOSE_BRACKET if in_class => in_class = false,
            OPEN_PAREN if !in_class => {
                if units.get(i + 1) != Some(&QUESTION) {
                    groups += 1;
                } else if units.get(i + 2) == Some(&LESS) && !matches!(units.get(i + 3), Some(&EQUALS) | Some(&BANG)) {
                    groups += 1;
                    let end = units[i + 3..].iter().position(|&u| u == GREATER).map_or(units.len(), |p| i + 3 + p);
                    names.push(units[i + 3..end].to_vec());
                }
            }
            _ => {}
        }
        i += 1;
    }
    (groups, names)
}

const BACKSLASH: u16 = b'\\' as u16;
const OPEN_BRACKET: u16 = b'[' as u16;
const CLOSE_BRACKET: u16 = b']' as u16;
const OPEN_PAREN: u16 = b'(' as u16;
const CLOSE_PAREN: u16 = b')' as u16;
const QUESTION: u16 = b'?' as u16;
const LESS: u16 = b'<' as u16;
const GREATER: u16 = b'>' as u16;
const EQUALS: u16 = b'=' as u16;
const BANG: u16 = b'!' as u16;

fn unit(c: u8) -> u16 {
    c as u16
}

/// The flags in force at a point of the pattern (modifiers change them in a group).
#[derive(Clone, Copy, Debug)]
struct Flags {
    ignore_case: bool,
    dot_all: bool,
    multiline: bool,
}

struct Parser<'a> {
    units: &'a [u16],
    at: usize,
    groups: usize,
    named: bool,
    names: Vec<Vec<u16>>,
    seen_names: Vec<Vec<u16>>,
    flags: Flags,
    out: String,
    /// The first valid construct this engine cannot run (reported once the
    /// whole pattern is known to be valid).
    unsupported: Option<&'static str>,
}

/// What a term was, for whether a quantifier may follow.
enum Term {
    /// An atom (or a look-ahead, which Annex B lets be quantified).
    Quantifiable,
    /// `^`, `$`, `\b`, `\B`, a look-behind.
    Assertion,
}

fn invalid(why: &str) -> RegexError {
    RegexError::Invalid(why.to_string())
}

impl Parser<'_> {
    fn peek(&self) -> Option<u16> {
        self.units.get(self.at).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u16> {
        self.units.get(self.at + ahead).copied()
    }

    fn eat(&mut self, u: u8) -> bool {
        let hit = self.peek() == Some(unit(u));
        if hit {
            self.at += 1;
        }
        hit
    }

    fn unsupported(&mut self, what: &'static str) {
        self.unsupported.get_or_insert(what);
    }

    fn disjunction(&mut self) -> Result<(), RegexError> {
        self.alternative()?;
        while self.eat(b'|') {
            self.out.push('|');
            self.alternative()?;
        }
        Ok(())
    }

    fn alternative(&mut self) -> Result<(), RegexError> {
        while let Some(u) = self.peek() {
            if u == unit(b'|') || u == CLOSE_PAREN {
                break;
            }
            let start = self.out.len();
            match self.term()? {
                Term::Assertion => {
                    if self.quantifier_ahead() {
                        return Err(invalid("nothing to repeat"));
                    }
                }
                Term::Quantifiable => {
                    if let Some(quantifier) = self.quantifier()? {
                        // Wrap the atom so the quantifier applies to all of it.
                        self.out.insert_str(start, "(?:");
                        self.out.push(')');
                        self.out.push_str(&quantifier);
                        if self.quantifier_ahead() {
                            return Err(invalid("nothing to repeat"));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether a quantifier starts here (`*`, `+`, `?` or a well-formed `{…}`).
    fn quantifier_ahead(&self) -> bool {
        match self.peek() {
            Some(u) if u == unit(b'*') || u == unit(b'+') || u == unit(b'?') => true,
            Some(u) if u == unit(b'{') => self.braced(self.at).is_some(),
            _ => false,
        }
    }

    /// A well-formed `{n}`, `{n,}` or `{n,m}` at `at`: (min, max, end).
    fn braced(&self, at: usize) -> Option<(u64, Option<u64>, usize)> {
        let digits = |mut i: usize| -> Option<(u64, usize)> {
            let start = i;
            let mut n: u64 = 0;
            while let Some(d) = self.units.get(i).filter(|u| (unit(b'0')..=unit(b'9')).contains(u)) {
                n = n.saturating_mul(10).saturating_add((d - unit(b'0')) as u64);
                i += 1;
            }
            (i > start).then_some((n, i))
        };
        if self.units.get(at) != Some(&unit(b'{')) {
            return None;
        }
        let (min, mut i) = digits(at + 1)?;
        let mut max = Some(min);
        if self.units.get(i) == Some(&unit(b',')) {
            i += 1;
            max = match digits(i) {
                Some((m, end)) => {
                    i = end;
                    Some(m)
                }
                None => None,
            };
        }
        (self.units.get(i) == Some(&unit(b'}'))).then_some((min, max, i + 1))
    }

    /// The quantifier here, as the `regex` crate writes it.
    fn quantifier(&mut self) -> Result<Option<String>, RegexError> {
        let mut q = match self.peek() {
            Some(u) if u == unit(b'*') || u == unit(b'+') || u == unit(b'?') => {
                self.at += 1;
                char::from(u as u8).to_string()
            }
            Some(u) if u == unit(b'{') => match self.braced(self.at) {
                Some((min, max, end)) => {
                    self.at = end;
                    if max.is_some_and(|m| m < min) {
                        return Err(invalid("numbers out of order in {} quantifier"));
                    }
                    // Beyond u32 the `regex` crate refuses it (as too large).
                    let n = |v: u64| v.min(u32::MAX as u64 + 1);
                    match max {
                        Some(m) if m == min => format!("{{{}}}", n(min)),
                        Some(m) => format!("{{{},{}}}", n(min), n(m)),
                        None => format!("{{{},}}", n(min)),
                    }
                }
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        if self.eat(b'?') {
            q.push('?');
        }
        Ok(Some(q))
    }

    fn term(&mut self) -> Result<Term, RegexError> {
        let u = self.peek().expect("a term starts at a unit");
        self.at += 1;
        match u {
            u if u == unit(b'^') || u == unit(b'$') => {
                if self.flags.multiline {
                    self.unsupported("`^` or `$` in a multi-line `(?m:…)` group");
                }
                self.out.push(if u == unit(b'^') { '^' } else { '$' });
                Ok(Term::Assertion)
            }
            BACKSLASH if self.peek() == Some(unit(b'b')) || self.peek() == Some(unit(b'B')) => {
                let negated = self.peek() == Some(unit(b'B'));
                self.at += 1;
                self.out.push_str(if negated { r"(?-u:\B)" } else { r"(?-u:\b)" });
                Ok(Term::Assertion)
            }
            BACKSLASH => {
                self.atom_escape()?;
                Ok(Term::Quantifiable)
            }
            OPEN_PAREN => self.group(),
            OPEN_BRACKET => {
                let set = self.class()?;
                self.out.push_str(&set.pattern());
                Ok(Term::Quantifiable)
            }
            u if u == unit(b'.') => {
                let set = if self.flags.dot_all { CodeUnits::all() } else { CodeUnits::all().minus(&CodeUnits::line_terminators()) };
                self.out.push_str(&set.pattern());
                Ok(Term::Quantifiable)
            }
            u if u == unit(b'*') || u == unit(b'+') || u == unit(b'?') => Err(invalid("nothing to repeat")),
            u if u == unit(b'{') && self.braced(self.at - 1).is_some() => Err(invalid("nothing to repeat")),
            u => {
                // Annex B: `{`, `}` and `]` stand for themselves.
                self.literal(u as u32);
                Ok(Term::Quantifiable)
            }
        }
    }

    /// One code unit (case-folded when ignoring case).
    fn literal(&mut self, u: u32) {
        let set = CodeUnits::single(u);
        let set = if self.flags.ignore_case { set.case_folded() } else { set };
        self.out.push_str(&set.pattern());
    }

    fn group(&mut self) -> Result<Term, RegexError> {
        let saved = self.flags;
        let mut term = Term::Quantifiable;
        if self.eat(b'?') {
            if self.eat(b':') {
                self.out.push_str("(?:");
            } else if self.eat(b'=') || self.eat(b'!') {
                self.unsupported("look-ahead (`(?=…)`, `(?!…)`)");
                self.out.push_str("(?:");
            } else if self.peek() == Some(LESS) && matches!(self.peek_at(1), Some(u) if u == EQUALS || u == BANG) {
                self.at += 2;
                self.unsupported("look-behind (`(?<=…)`, `(?<!…)`)");
                self.out.push_str("(?:");
                term = Term::Assertion;
            } else if self.eat(b'<') {
                self.group_name()?;
                self.out.push_str("(?:");
            } else {
                self.modifiers()?;
                self.out.push_str("(?:");
            }
        } else {
            self.out.push_str("(?:");
        }
        self.disjunction()?;
        if !self.eat(b')') {
            return Err(invalid("unterminated group"));
        }
        self.out.push(')');
        self.flags = saved;
        Ok(term)
    }

    /// `(?<name>`: a name that is an identifier, once in the pattern.
    fn group_name(&mut self) -> Result<(), RegexError> {
        let start = self.at;
        while self.peek().is_some_and(|u| u != GREATER) {
            self.at += 1;
        }
        let name = self.units[start..self.at].to_vec();
        if !self.eat(b'>') || !is_identifier(&name) {
            return Err(invalid("invalid capture group name"));
        }
        if self.seen_names.contains(&name) {
            return Err(invalid("duplicate capture group name"));
        }
        self.seen_names.push(name);
        Ok(())
    }

    /// ES2025 modifiers: `(?ims-ims:`; anything else after `(?` is invalid.
    fn modifiers(&mut self) -> Result<(), RegexError> {
        let read = |parser: &mut Parser| {
            let mut flags = Vec::new();
            while let Some(u) = parser.peek().filter(|u| [b'i', b's', b'm'].map(unit).contains(u)) {
                if flags.contains(&u) {
                    return Err(invalid("invalid group (repeated flag)"));
                }
                flags.push(u);
                parser.at += 1;
            }
            Ok(flags)
        };
        let add = read(self)?;
        let remove = if self.eat(b'-') { Some(read(self)?) } else { None };
        let both_empty = add.is_empty() && remove.as_ref().is_some_and(Vec::is_empty);
        let clash = remove.as_ref().is_some_and(|r| r.iter().any(|u| add.contains(u)));
        if (add.is_empty() && remove.is_none()) || both_empty || clash || !self.eat(b':') {
            return Err(invalid("invalid group"));
        }
        for (flags, on) in [(add, true), (remove.unwrap_or_default(), false)] {
            for u in flags {
                match u as u8 {
                    b'i' => self.flags.ignore_case = on,
                    b's' => self.flags.dot_all = on,
                    _ => self.flags.multiline = on,
                }
            }
        }
        Ok(())
    }

    /// After `\` outside a class.
    fn atom_escape(&mut self) -> Result<(), RegexError> {
        let Some(u) = self.peek() else { return Err(invalid("\\ at end of pattern")) };
        if (unit(b'1')..=unit(b'9')).contains(&u) {
            let start = self.at;
            let mut n: usize = 0;
            while let Some(d) = self.peek().filter(|d| (unit(b'0')..=unit(b'9')).contains(d)) {
                n = n.saturating_mul(10).saturating_add((d - unit(b'0')) as usize);
                self.at += 1;
            }
            if n <= self.groups {
                self.unsupported("a back reference (`\\1`)");
                self.out.push_str("(?:)");
                return Ok(());
            }
            // Annex B: not a group, so an octal escape, or `8` / `9` themselves.
            self.at = start;
        }
        if u == unit(b'k') && self.named {
            self.at += 1;
            if !self.eat(b'<') {
                return Err(invalid("invalid named reference"));
            }
            let start = self.at;
            while self.peek().is_some_and(|u| u != GREATER) {
                self.at += 1;
            }
            let name = self.units[start..self.at].to_vec();
            if !self.eat(b'>') || !self.names.contains(&name) {
                return Err(invalid("invalid named capture referenced"));
            }
            self.unsupported("a back reference (`\\k<name>`)");
            self.out.push_str("(?:)");
            return Ok(());
        }
        if u == unit(b'c') && !self.peek_at(1).is_some_and(is_ascii_letter) {
            // Annex B: `\c` not followed by a letter is a backslash (the `c` follows).
            self.literal(BACKSLASH as u32);
            return Ok(());
        }
        match self.character_escape(false)? {
            Escaped::Unit(u) => self.literal(u),
            Escaped::Set(set) => {
                let set = if self.flags.ignore_case { set.case_folded() } else { set };
                self.out.push_str(&set.pattern());
            }
        }
        Ok(())
    }

    /// After `\` (at a unit): a character or a class escape. `in_class` for
    /// the differences inside `[…]` (`\b` is a backspace, `\c_` a control).
    fn character_escape(&mut self, in_class: bool) -> Result<Escaped, RegexError> {
        let u = self.peek().ok_or_else(|| invalid("\\ at end of pattern"))?;
        self.at += 1;
        let hex = |parser: &mut Parser, digits: usize| -> Option<u32> {
            let text: Option<Vec<u32>> =
                (0..digits).map(|i| parser.units.get(parser.at + i).and_then(|&d| char::from_u32(d as u32)?.to_digit(16))).collect();
            let value = text?.into_iter().fold(0, |n, d| n * 16 + d);
            parser.at += digits;
            Some(value)
        };
        let c = char::from_u32(u as u32).unwrap_or('\u{FFFD}');
        Ok(match c {
            'd' => Escaped::Set(CodeUnits::digits()),
            'D' => Escaped::Set(CodeUnits::all().minus(&CodeUnits::digits())),
            's' => Escaped::Set(CodeUnits::white_space()),
            'S' => Escaped::Set(CodeUnits::all().minus(&CodeUnits::white_space())),
            'w' => Escaped::Set(CodeUnits::word()),
            'W' => Escaped::Set(CodeUnits::all().minus(&CodeUnits::word())),
            'f' => Escaped::Unit(0x0C),
            'n' => Escaped::Unit(0x0A),
            'r' => Escaped::Unit(0x0D),
            't' => Escaped::Unit(0x09),
            'v' => Escaped::Unit(0x0B),
            'b' if in_class => Escaped::Unit(0x08),
            'c' => match self.peek() {
                Some(l) if is_ascii_letter(l) || (in_class && (l == unit(b'_') || (unit(b'0')..=unit(b'9')).contains(&l))) => {
                    self.at += 1;
                    Escaped::Unit(l as u32 % 32)
                }
                // Annex B: a backslash; the `c` is read next.
                _ => {
                    self.at -= 1;
                    Escaped::Unit(BACKSLASH as u32)
                }
            },
            'x' => Escaped::Unit(hex(self, 2).unwrap_or('x' as u32)),
            'u' => Escaped::Unit(hex(self, 4).unwrap_or('u' as u32)),
            '0'..='7' => {
                // Annex B's legacy octal escapes: up to \377.
                let mut value = c as u32 - '0' as u32;
                let most = if value <= 3 { 2 } else { 1 };
                for _ in 0..most {
                    match self.peek().filter(|d| (unit(b'0')..=unit(b'7')).contains(d)) {
                        Some(d) => {
                            value = value * 8 + (d - unit(b'0')) as u32;
                            self.at += 1;
                        }
                        None => break,
                    }
                }
                Escaped::Unit(value)
            }
            'k' if self.named => return Err(invalid("invalid escape")),
            // Annex B identity escapes: any other unit stands for itself.
            _ => Escaped::Unit(u as u32),
        })
    }

    /// After `[`: the set it matches (folded and negated as flagged).
    fn class(&mut self) -> Result<CodeUnits, RegexError> {
        let negated = self.eat(b'^');
        let mut set = CodeUnits::empty();
        loop {
            match self.peek() {
                None => return Err(invalid("unterminated character class")),
                Some(CLOSE_BRACKET) => {
                    self.at += 1;
                    break;
                }
                Some(_) => {}
            }
            let from = self.class_atom()?;
            let dash_range = self.peek() == Some(unit(b'-')) && self.peek_at(1).is_some_and(|u| u != CLOSE_BRACKET);
            if !dash_range {
                set.add_escaped(&from);
                continue;
            }
            self.at += 1;
            let to = self.class_atom()?;
            match (&from, &to) {
                (Escaped::Unit(a), Escaped::Unit(b)) => {
                    if a > b {
                        return Err(invalid("range out of order in character class"));
                    }
                    set.add(*a, *b);
                }
                // Annex B: a range with a class escape at either end is the
                // two ends and a `-`.
                _ => {
                    set.add_escaped(&from);
                    set.add('-' as u32, '-' as u32);
                    set.add_escaped(&to);
                }
            }
        }
        let set = if self.flags.ignore_case { set.case_folded() } else { set };
        Ok(if negated { CodeUnits::all().minus(&set) } else { set })
    }

    fn class_atom(&mut self) -> Result<Escaped, RegexError> {
        let u = self.peek().ok_or_else(|| invalid("unterminated character class"))?;
        self.at += 1;
        if u != BACKSLASH {
            return Ok(Escaped::Unit(u as u32));
        }
        if self.peek() == Some(unit(b'c')) && !self.peek_at(1).is_some_and(|l| is_ascii_letter(l) || l == unit(b'_') || (unit(b'0')..=unit(b'9')).contains(&l)) {
            return Ok(Escaped::Unit(BACKSLASH as u32));
        }
        self.character_escape(true)
    }
}

enum Escaped {
    Unit(u32),
    Set(CodeUnits),
}

fn is_ascii_letter(u: u16) -> bool {
    (unit(b'a')..=unit(b'z')).contains(&u) || (unit(b'A')..=unit(b'Z')).contains(&u)
}

/// A group name: an identifier (letters, `$`, `_`, then also digits).
fn is_identifier(name: &[u16]) -> bool {
    let text = String::from_utf16_lossy(name);
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '$' || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '$' || c == '_' || c == '\u{200C}' || c == '\u{200D}')
}

/// A set of UTF-16 code units (0..=0xFFFF) as sorted, disjoint, inclusive
/// ranges: what every class, class escape and (case-folded) literal is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct CodeUnits {
    ranges: Vec<(u32, u32)>,
}

impl CodeUnits {
    fn empty() -> Self {
        CodeUnits::default()
    }

    fn all() -> Self {
        CodeUnits { ranges: vec![(0, 0xFFFF)] }
    }

    fn single(u: u32) -> Self {
        CodeUnits { ranges: vec![(u, u)] }
    }

    fn of(ranges: &[(u32, u32)]) -> Self {
        let mut set = CodeUnits::empty();
        ranges.iter().for_each(|&(a, b)| set.add(a, b));
        set
    }

    fn digits() -> Self {
        CodeUnits::of(&[(0x30, 0x39)])
    }

    fn word() -> Self {
        CodeUnits::of(&[(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)])
    }

    fn line_terminators() -> Self {
        CodeUnits::of(&[(0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029)])
    }

    /// JavaScript's `\s`: WhiteSpace (incl. category Zs) and LineTerminator.
    fn white_space() -> Self {
        CodeUnits::of(&[
            (0x09, 0x0D),
            (0x20, 0x20),
            (0xA0, 0xA0),
            (0x1680, 0x1680),
            (0x2000, 0x200A),
            (0x2028, 0x2029),
            (0x202F, 0x202F),
            (0x205F, 0x205F),
            (0x3000, 0x3000),
            (0xFEFF, 0xFEFF),
        ])
    }

    fn add(&mut self, from: u32, to: u32) {
        self.ranges.push((from, to));
        self.ranges.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(self.ranges.len());
        for &(a, b) in &self.ranges {
            match merged.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        self.ranges = merged;
    }

    fn add_escaped(&mut self, escaped: &Escaped) {
        match escaped {
            Escaped::Unit(u) => self.add(*u, *u),
            Escaped::Set(set) => set.ranges.iter().for_each(|&(a, b)| self.add(a, b)),
        }
    }

    #[cfg(test)]
    fn contains(&self, u: u32) -> bool {
        self.ranges.iter().any(|&(a, b)| a <= u && u <= b)
    }

    fn minus(&self, other: &CodeUnits) -> CodeUnits {
        let mut out = Vec::new();
        for &(a, b) in &self.ranges {
            let mut start = a;
            for &(c, d) in &other.ranges {
                if d < start || c > b {
                    continue;
                }
                if c > start {
                    out.push((start, c - 1));
                }
                start = d + 1;
                if start > b {
                    break;
                }
            }
            if start <= b {
                out.push((start, b));
            }
        }
        CodeUnits { ranges: out }
    }

    /// Every unit whose JavaScript `Canonicalize` equals that of a member:
    /// what the set matches when ignoring case.
    fn case_folded(&self) -> CodeUnits {
        if self.ranges.last().is_some_and(|r| r.1 < 128) {
            // ASCII folds within ASCII (Canonicalize never maps non-ASCII to
            // ASCII): each letter and its other case.
            let mut set = self.clone();
            for &(a, b) in &self.ranges {
                for u in a..=b {
                    if let Some(c) = char::from_u32(u).filter(char::is_ascii_alphabetic) {
                        let other = if c.is_ascii_lowercase() { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() };
                        set.add(other as u32, other as u32);
                    }
                }
            }
            return set;
        }
        let canon = canonical_units();
        let mut wanted = vec![false; 0x10000];
        for &(a, b) in &self.ranges {
            for u in a..=b {
                wanted[canon[u as usize] as usize] = true;
            }
        }
        let mut set = CodeUnits::empty();
        let mut run: Option<(u32, u32)> = None;
        for u in 0..=0xFFFFu32 {
            if wanted[canon[u as usize] as usize] {
                run = Some(match run {
                    Some((a, b)) if b + 1 == u => (a, u),
                    Some(done) => {
                        set.ranges.push(done);
                        (u, u)
                    }
                    None => (u, u),
                });
            }
        }
        set.ranges.extend(run);
        set
    }

    /// The `regex` crate's pattern for the set (surrogates at their home).
    fn pattern(&self) -> String {
        if let [(a, b)] = self.ranges.as_slice() {
            if a == b {
                return format!("\\x{{{:X}}}", unit_char(*a) as u32);
            }
        }
        if self.ranges.is_empty() {
            return r"[^\x{0}-\x{10FFFF}]".to_string();
        }
        let mut out = String::from("[");
        for &(a, b) in &self.ranges {
            // Split at the surrogates, which live elsewhere.
            for (lo, hi) in [(a, b.min(0xD7FF)), (a.max(0xD800), b.min(0xDFFF)), (a.max(0xE000), b)] {
                if lo <= hi {
                    let _ = write!(out, "\\x{{{:X}}}-\\x{{{:X}}}", unit_char(lo) as u32, unit_char(hi) as u32);
                }
            }
        }
        out.push(']');
        out
    }
}

/// JavaScript's non-Unicode `Canonicalize` of every code unit: its
/// `toUpperCase` when that is one code unit and does not map a non-ASCII
/// unit to ASCII, else the unit itself.
fn canonical_units() -> &'static [u16] {
    static CANON: OnceLock<Vec<u16>> = OnceLock::new();
    CANON.get_or_init(|| {
        (0..=0xFFFFu32)
            .map(|u| {
                let Some(c) = char::from_u32(u) else { return u as u16 };
                let mut upper = c.to_uppercase();
                match (upper.next(), upper.next()) {
                    (Some(up), None) if (up as u32) <= 0xFFFF && !(u >= 128 && (up as u32) < 128) => up as u16,
                    _ => u as u16,
                }
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets() {
        let w = CodeUnits::word();
        assert!(w.contains('_' as u32) && !w.contains('-' as u32));
        let not_w = CodeUnits::all().minus(&w);
        assert!(!not_w.contains('a' as u32) && not_w.contains(0xFFFF) && not_w.contains(0));
        assert_eq!(CodeUnits::of(&[(5, 9), (1, 3), (4, 4)]).ranges, [(1, 9)]);
        let folded = CodeUnits::single('k' as u32).case_folded();
        assert_eq!(folded.ranges, [(0x4B, 0x4B), (0x6B, 0x6B)]);
        assert_eq!(CodeUnits::single(0x3C3).case_folded().ranges, [(0x3A3, 0x3A3), (0x3C2, 0x3C3)]); // Σ ς σ
    }

    /// (pattern, ignore case, [(text, whether V8 matches)]), each answer
    /// from Node 20's `new RegExp(pattern, flags).test(text)`.
    /// (text, whether V8 matches).
    type Answers = &'static [(&'static str, bool)];

    const CHECKED_IN_V8: &[(&str, bool, Answers)] = &[
        (r"^\w+$", false, &[("Äpfel", false), ("apple", true), ("中文", false)]),
        (r"\bpf", false, &[("Äpfel", true), ("a pf", true), ("apf", false)]),
        (r"l\b", false, &[("Äpfel", true), ("applé", true)]),
        (r"\Bp", false, &[("Äpfel", false), ("apple", true)]),
        (r"\d", false, &[("٣", false), ("3", true), ("３", false)]),
        (r"\s", false, &[("\u{a0}", true), ("\u{feff}", true), ("\u{200b}", false), ("a", false), ("\u{3000}", true)]),
        (r"a{", false, &[("a{", true), ("a", false)]),
        (r"a{1,", false, &[("a{1,", true), ("a", false)]),
        (r"a{,2}", false, &[("a{,2}", true), ("aa", false)]),
        (r"^a{2,3}$", false, &[("aa", true), ("aaaa", false)]),
        (r"[^]", false, &[("x", true), ("\n", true), ("", false)]),
        (r"[]", false, &[("x", false), ("", false)]),
        (r"]", false, &[("]", true)]),
        (r"}", false, &[("}", true)]),
        (r"\8", false, &[("8", true)]),
        (r"\12", false, &[("\n", true), ("12", false)]),
        (r"\0", false, &[("\0", true)]),
        (r"\c", false, &[("\\c", true)]),
        (r"\cJ", false, &[("\n", true)]),
        (r"[\c_]", false, &[("\u{1f}", true), ("c", false)]),
        (r"[\c!]", false, &[("\\", true), ("c", true), ("!", true)]),
        (r"\x4", false, &[("x4", true)]),
        (r"\x41", false, &[("A", true)]),
        (r"\u{41}", false, &[("A", false), ("uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu", true)]),
        (r"\p{L}", false, &[("p{L}", true), ("a", false)]),
        (r"[\d-z]", false, &[("-", true), ("5", true), ("y", false)]),
        (r"[\b]", false, &[("\u{8}", true), ("b", false)]),
        (r"\a\-\é", false, &[("a-é", true)]),
        (r"\k", false, &[("k", true)]),
        (r".", false, &[("\n", false), ("\r", false), ("\u{2028}", false), ("\u{2029}", false), ("\u{85}", true)]),
        (r"[\s\S]", false, &[("\n", true)]),
        (r"x*?y", false, &[("y", true)]),
        (r"^\$", false, &[("$", true)]),
        (r"(?:er)+", false, &[("Bergen", true), ("Bgen", false)]),
        (r"ſ", true, &[("s", false), ("S", false), ("ſ", true)]),
        (r"s", true, &[("ſ", false)]),
        (r"k", true, &[("\u{212a}", false)]),
        (r"\u212a", true, &[("k", false), ("K", false)]),
        (r"ß", true, &[("SS", false), ("ẞ", false), ("ß", true)]),
        (r"[a-z]", true, &[("ſ", false), ("\u{212a}", false), ("Q", true)]),
        (r"é", true, &[("É", true)]),
        (r"σ", true, &[("ς", true), ("Σ", true)]),
        (r"\w", true, &[("ſ", false), ("\u{212a}", false)]),
        (r"\W", true, &[("s", false), ("k", false), ("ſ", true)]),
        (r"^[^a]$", true, &[("A", false), ("b", true)]),
        (r"^.$", false, &[("😀", false), ("a", true)]),
        (r"^..$", false, &[("😀", true)]),
        (r"^[😀]$", false, &[("😀", false)]),
        (r"^[😀]{2}$", false, &[("😀", true)]),
        (r"\uD83D", false, &[("😀", true), ("a", false)]),
        (r"😀", false, &[("x😀y", true), ("😁", false)]),
        (r"^\W\W$", false, &[("😀", true)]),
    ];

    #[test]
    fn answers_as_v8_does() {
        for (pattern, ignore_case, cases) in CHECKED_IN_V8 {
            let re = JsRegex::new(pattern, *ignore_case).unwrap_or_else(|e| panic!("/{pattern}/: {e}"));
            for (text, expected) in *cases {
                assert_eq!(re.test(text), *expected, "/{pattern}/{} on {text:?}", if *ignore_case { "i" } else { "" });
            }
        }
    }

    #[test]
    fn what_v8_rejects_is_invalid() {
        // Each throws a SyntaxError in Node 20 (message after the pattern).
        for pattern in [
            "(",              // Unterminated group
            ")",              // Unmatched ')'
            "a**",            // Nothing to repeat
            "*a",             // Nothing to repeat
            "a{2,1}",         // numbers out of order in {} quantifier
            "[z-a]",          // Range out of order in character class
            "[abc",           // Unterminated character class
            "\\",           // \ at end of pattern
            "(?i)a",          // Invalid group
            "(?x)",           // Invalid group
            "^*",             // Nothing to repeat
            "a{2}{3}",        // Nothing to repeat
            "(?<=a)*b",       // Invalid quantifier
            "\\b+",         // Nothing to repeat
            "{1}",            // Nothing to repeat
            "(?<n>a)(?<n>b)", // Duplicate capture group name
            "(?<n>a)\\k",   // Invalid named reference
            "(?<n>a)[\\k]", // Invalid escape
            "x{1,}?+",        // Nothing to repeat
            "(?-:a)",         // Invalid group (ES2025 modifiers: both empty)
            "(?ii:a)",        // Invalid group (a repeated modifier)
            "(?i-i:a)",       // Invalid group (added and removed)
        ] {
            assert!(matches!(translate(pattern, false), Err(RegexError::Invalid(_))), "/{pattern}/: {:?}", translate(pattern, false));
        }
    }

    #[test]
    fn valid_patterns_this_engine_cannot_run_say_so() {
        for (pattern, what) in [
            ("(?=a)a", "look-ahead"),
            ("(?=a)*b", "look-ahead"),
            ("(?<!a)b", "look-behind"),
            ("(a)\\1", "back reference"),
            ("\\1(a)", "back reference"),
            ("(?<n>a)\\k<n>", "back reference"),
            ("(?m:^a)", "multi-line"),
        ] {
            match translate(pattern, false) {
                Err(RegexError::Unsupported(why)) => assert!(why.contains(what), "/{pattern}/: {why}"),
                other => panic!("/{pattern}/: {other:?}"),
            }
        }
        // `(?m:…)` without `^` or `$` changes nothing; `(?i:…)` and `(?s:…)` work.
        assert!(JsRegex::new("(?m:a)", false).unwrap().test("a"));
        let re = JsRegex::new("^(?i:a)b$", false).unwrap();
        assert!(re.test("Ab") && !re.test("AB"));
        let re = JsRegex::new("^(?-i:a)b$", true).unwrap();
        assert!(re.test("aB") && !re.test("AB"));
        assert!(JsRegex::new("(?s:.)", false).unwrap().test("\n") && !JsRegex::new(".", false).unwrap().test("\n"));
        // Large repetitions work, up to the `regex` crate's size limit.
        assert!(JsRegex::new("^a{100000}$", false).unwrap().test(&"a".repeat(100_000)));
        assert!(matches!(JsRegex::new("a{4294967295}", false), Err(RegexError::Unsupported(_))));
    }

    #[test]
    fn nested_quantifiers_run_in_linear_time() {
        // Seconds in a backtracking engine (V8: 0.9 s at 26 `a`s, doubling with each).
        let re = JsRegex::new("(a+)+$", false).unwrap();
        let text = format!("{}b", "a".repeat(10_000));
        let started = std::time::Instant::now();
        assert!(!re.test(&text));
        let took = started.elapsed();
        println!("(a+)+$ on 10,000 a's and a b: {took:?}");
        assert!(took.as_secs_f64() < 2.0, "{took:?}");
    }

    #[test]
    fn surrogates_live_in_plane_16() {
        assert_eq!(units_text("a😀"), "a\u{10F83D}\u{10FE00}");
        assert_eq!(CodeUnits::single(0xD83D).pattern(), r"\x{10F83D}");
        assert_eq!(CodeUnits::of(&[(0xD7FF, 0xE000)]).pattern(), r"[\x{D7FF}-\x{D7FF}\x{10F800}-\x{10FFFF}\x{E000}-\x{E000}]");
    }
}
