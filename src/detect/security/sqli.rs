//! SQL injection by tokenizing, after libinjection's idea: the value is cut into SQL tokens
//! (string, number, keyword, operator, …) three times, as if the server pasted it bare, inside
//! `'…'` and inside `"…"`, and the token shapes that only injections produce are flagged:
//! a quote that closes the string followed by `OR x=y`, a comment or `ORDER BY`; `UNION
//! SELECT`; a statement stacked after `;`; time and error functions (`SLEEP(`,
//! `EXTRACTVALUE(`), system objects (`information_schema`). Words like `select` or `drop`
//! alone, apostrophes in names and quoted searches do not make these shapes.
//! No allocation: tokens live in a fixed array on the stack.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tk {
    /// String literal; `open` when the input ended inside it.
    Str {
        open: bool,
    },
    Num,
    Word,
    /// `and`, `or`, `xor`, `&&`, `||`.
    Logic,
    Union,
    Select,
    /// Statement starters that follow `;` in stacked queries.
    Stmt,
    /// `order`, `group`, `having`, `procedure`, `limit`: clauses appended after a breakout.
    Clause,
    /// Other keywords (`from`, `all`, `by`, …).
    Kw,
    /// A known function name followed by `(`.
    Func,
    Var,
    /// Comparison: `=`, `<>`, `like`, `in`, `is`, …
    Cmp,
    Arith,
    LParen,
    RParen,
    Comma,
    Semi,
    Comment,
}

const MAX_TOKENS: usize = 48;

struct Tokens {
    t: [Tk; MAX_TOKENS],
    n: usize,
    /// Something only injections use was seen (time/error function, system object).
    strong: bool,
}

impl Tokens {
    fn push(&mut self, t: Tk) {
        if self.n < MAX_TOKENS {
            self.t[self.n] = t;
            self.n += 1;
        }
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0xa0)
}

/// Classify a lowercase word; `call` when `(` follows, `method` when `.` precedes (so
/// `time.sleep(` in a code snippet is not `SLEEP(`).
fn classify(w: &[u8], call: bool, method: bool, toks: &mut Tokens) -> Tk {
    match w {
        b"and" | b"or" | b"xor" => return Tk::Logic,
        b"union" => return Tk::Union,
        b"select" => return Tk::Select,
        b"drop" | b"delete" | b"insert" | b"update" | b"exec" | b"execute" | b"shutdown"
        | b"declare" | b"create" | b"alter" | b"truncate" => return Tk::Stmt,
        b"order" | b"group" | b"having" | b"procedure" | b"limit" => return Tk::Clause,
        b"from" | b"by" | b"all" | b"distinct" | b"where" | b"into" | b"values" | b"table"
        | b"top" | b"case" | b"when" | b"then" | b"else" | b"end" | b"not" | b"as" => {
            return Tk::Kw;
        }
        b"like" | b"rlike" | b"regexp" | b"is" | b"in" | b"between" | b"sounds" | b"div"
        | b"mod" => return Tk::Cmp,
        b"true" | b"false" | b"null" => return Tk::Num,
        b"information_schema"
        | b"xp_cmdshell"
        | b"sp_executesql"
        | b"sysobjects"
        | b"syscolumns"
        | b"pg_shadow"
        | b"sqlite_master"
        | b"utl_http"
        | b"dbms_pipe"
        | b"outfile"
        | b"dumpfile"
        | b"pg_catalog"
        | b"msysaccessobjects" => {
            if !method {
                toks.strong = true;
            }
            return Tk::Kw;
        }
        _ => {}
    }
    if call && !method {
        match w {
            b"sleep" | b"benchmark" | b"pg_sleep" | b"extractvalue" | b"updatexml"
            | b"name_const" | b"load_file" | b"gtid_subset" | b"randomblob" | b"dbms_lock"
            | b"receive_message" => {
                toks.strong = true;
                return Tk::Func;
            }
            b"char" | b"chr" | b"concat" | b"concat_ws" | b"version" | b"database" | b"user"
            | b"current_user" | b"substring" | b"substr" | b"mid" | b"ascii" | b"ord" | b"hex"
            | b"unhex" | b"if" | b"ifnull" | b"count" | b"cast" | b"convert" | b"length"
            | b"group_concat" | b"md5" | b"now" | b"sysdate" | b"floor" | b"rand" | b"elt"
            | b"make_set" | b"char_length" | b"lower" | b"upper" | b"iif" | b"exists" | b"exp"
            | b"row" | b"schema" | b"db_name" | b"user_name" => {
                return Tk::Func;
            }
            _ => {}
        }
    }
    Tk::Word
}

/// Tokenize `s`. With `quote`, the input starts inside a string the application opened
/// with that quote; the string ends at the input's first unescaped quote (the breakout).
/// Returns false when there was no breakout in a quoted context (nothing to look at).
fn tokenize(s: &[u8], quote: Option<u8>, toks: &mut Tokens) -> bool {
    let mut i = 0;
    if let Some(q) = quote {
        match end_of_string(s, 0, q) {
            Some(j) => {
                toks.push(Tk::Str { open: false });
                i = j + 1;
            }
            None => return false,
        }
    }
    let mut waitfor = false;
    while i < s.len() && toks.n < MAX_TOKENS {
        let b = s[i];
        if is_space(b) {
            i += 1;
            continue;
        }
        match b {
            b'\'' | b'"' => match end_of_string(s, i + 1, b) {
                Some(j) => {
                    toks.push(Tk::Str { open: false });
                    i = j + 1;
                }
                None => {
                    toks.push(Tk::Str { open: true });
                    i = s.len();
                }
            },
            b'`' => {
                // MySQL quoted identifier: a word.
                i = memchr::memchr(b'`', &s[i + 1..]).map_or(s.len(), |j| i + j + 2);
                toks.push(Tk::Word);
            }
            b'0'..=b'9' => {
                i = number_end(s, i);
                toks.push(Tk::Num);
            }
            b'@' => {
                let at2 = s.get(i + 1) == Some(&b'@');
                let start = i + if at2 { 2 } else { 1 };
                let mut j = start;
                while j < s.len() && is_word_byte(s[j]) {
                    j += 1;
                }
                if at2 && j > start {
                    // `@@version`, `@@datadir`: server variables only injections read.
                    toks.strong = true;
                }
                toks.push(Tk::Var);
                i = j;
            }
            b'-' if s.get(i + 1) == Some(&b'-')
                && s.get(i + 2)
                    .is_none_or(|&c| is_space(c) || c == b'-' || c < 0x20) =>
            {
                toks.push(Tk::Comment);
                i = s.len();
            }
            b'#' => {
                toks.push(Tk::Comment);
                i = s.len();
            }
            b'/' if s.get(i + 1) == Some(&b'*') => {
                if s.get(i + 2) == Some(&b'!') {
                    // MySQL executable comment `/*!50000select*/`: its body is code.
                    i += 3;
                    while i < s.len() && s[i].is_ascii_digit() {
                        i += 1;
                    }
                } else {
                    toks.push(Tk::Comment);
                    i = match memchr::memmem::find(&s[i + 2..], b"*/") {
                        Some(j) => i + 2 + j + 2,
                        None => s.len(),
                    };
                }
            }
            b'*' if s.get(i + 1) == Some(&b'/') => i += 2,
            b'(' => {
                toks.push(Tk::LParen);
                i += 1;
            }
            b')' => {
                toks.push(Tk::RParen);
                i += 1;
            }
            b',' => {
                toks.push(Tk::Comma);
                i += 1;
            }
            b';' => {
                toks.push(Tk::Semi);
                i += 1;
            }
            b'|' if s.get(i + 1) == Some(&b'|') => {
                toks.push(Tk::Logic);
                i += 2;
            }
            b'&' if s.get(i + 1) == Some(&b'&') => {
                toks.push(Tk::Logic);
                i += 2;
            }
            b'=' | b'<' | b'>' => {
                i += 1;
                while i < s.len() && matches!(s[i], b'=' | b'<' | b'>') {
                    i += 1;
                }
                toks.push(Tk::Cmp);
            }
            b'!' if s.get(i + 1) == Some(&b'=') => {
                toks.push(Tk::Cmp);
                i += 2;
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'|' | b'&' | b'~' | b'!' => {
                toks.push(Tk::Arith);
                i += 1;
            }
            _ if is_word_byte(b) => {
                let start = i;
                while i < s.len() && is_word_byte(s[i]) {
                    i += 1;
                }
                let mut lw = [0u8; 24];
                let n = (i - start).min(lw.len());
                for (d, c) in lw.iter_mut().zip(&s[start..start + n]) {
                    *d = c.to_ascii_lowercase();
                }
                let w = if i - start > lw.len() {
                    &lw[..0]
                } else {
                    &lw[..n]
                };
                let mut k = i;
                while k < s.len() && is_space(s[k]) {
                    k += 1;
                }
                let call = s.get(k) == Some(&b'(');
                let method = start > 0 && s[start - 1] == b'.';
                let t = classify(w, call, method, toks);
                if waitfor && (w == b"delay" || w == b"time") {
                    toks.strong = true;
                }
                waitfor = w == b"waitfor";
                toks.push(t);
            }
            _ => i += 1,
        }
    }
    true
}

fn end_of_string(s: &[u8], from: usize, q: u8) -> Option<usize> {
    let mut j = from;
    while j < s.len() {
        if s[j] == b'\\' {
            j += 2;
            continue;
        }
        if s[j] == q {
            return Some(j);
        }
        j += 1;
    }
    None
}

fn number_end(s: &[u8], mut i: usize) -> usize {
    if s[i] == b'0' && matches!(s.get(i + 1), Some(b'x' | b'X')) {
        i += 2;
        while i < s.len() && s[i].is_ascii_hexdigit() {
            i += 1;
        }
        return i;
    }
    while i < s.len() && (s[i].is_ascii_digit() || s[i] == b'.') {
        i += 1;
    }
    if i + 1 < s.len() && matches!(s[i], b'e' | b'E') && s[i + 1].is_ascii_digit() {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
    }
    i
}

fn operand(t: Tk, literal_only: bool) -> bool {
    match t {
        Tk::Num | Tk::Str { .. } => true,
        Tk::Word | Tk::Var | Tk::Func => !literal_only,
        _ => false,
    }
}

/// After a logic operator at `i`: `x = y`, `x` then a comment or the end, or a subquery
/// or function call.
fn after_logic(t: &[Tk], i: usize, literal_only: bool) -> bool {
    let mut j = i + 1;
    while j < t.len() && t[j] == Tk::LParen {
        j += 1;
    }
    let Some(&a) = t.get(j) else { return false };
    if matches!(a, Tk::Select | Tk::Func) {
        return true;
    }
    if !operand(a, literal_only) {
        return false;
    }
    match t.get(j + 1) {
        Some(Tk::Cmp) => t
            .get(j + 2)
            .is_some_and(|&b| operand(b, literal_only) || matches!(b, Tk::LParen | Tk::Select)),
        // `' or 1--`, `' or 'x`; bare (`2 and 3`) only with a comment after it.
        Some(Tk::Comment) => matches!(a, Tk::Num | Tk::Str { .. }),
        None => !literal_only && matches!(a, Tk::Num | Tk::Str { .. }),
        _ => false,
    }
}

/// Shapes that are injections whatever the context.
fn anywhere(t: &[Tk]) -> Option<&'static str> {
    for (i, &k) in t.iter().enumerate() {
        match k {
            Tk::Union => {
                let mut j = i + 1;
                while j < t.len() && matches!(t[j], Tk::Comment | Tk::LParen | Tk::Kw) {
                    j += 1;
                }
                // `UNION SELECT` then a column list, not `union select tutorial`.
                if t.get(j) == Some(&Tk::Select)
                    && t.get(j + 1).is_some_and(|&c| {
                        !matches!(c, Tk::Word)
                            || matches!(t.get(j + 2), Some(Tk::Comma | Tk::Kw | Tk::Comment))
                    })
                {
                    return Some("sqli-union-select");
                }
            }
            Tk::Semi => {
                let before = if i == 0 { None } else { Some(t[i - 1]) };
                let next = t[i + 1..].iter().find(|&&x| x != Tk::Comment);
                if matches!(
                    before,
                    None | Some(Tk::Num | Tk::Str { .. } | Tk::RParen | Tk::Comment)
                ) && matches!(next, Some(Tk::Stmt | Tk::Select))
                {
                    return Some("sqli-stacked");
                }
            }
            _ => {}
        }
    }
    None
}

/// `ORDER BY`, `LIMIT 1`, `HAVING 1=1`, `PROCEDURE analyse()`: the clause at `i` has SQL
/// after it, not a word (`3 group discount`, `5 limit per customer`).
fn clause_args(t: &[Tk], i: usize) -> bool {
    match t.get(i + 1) {
        Some(Tk::Kw | Tk::Num | Tk::Func) => true,
        Some(Tk::Word) => t.get(i + 2) == Some(&Tk::LParen),
        _ => false,
    }
}

/// The value breaks out of a quoted string (`t[0]` is the string it closed).
fn breakout(t: &[Tk]) -> Option<&'static str> {
    let mut i = 1;
    while i < t.len() && t[i] == Tk::RParen {
        i += 1;
    }
    match t.get(i)? {
        Tk::Comment => Some("sqli-quote-comment"),
        Tk::Logic if after_logic(t, i, false) => Some("sqli-tautology"),
        Tk::Cmp if t.get(i + 1).is_some_and(|&b| operand(b, false)) => Some("sqli-tautology"),
        Tk::Clause if clause_args(t, i) => Some("sqli-quote-clause"),
        Tk::Union => Some("sqli-quote-clause"),
        _ => None,
    }
}

/// The value was pasted bare (a numeric parameter): `1 OR 1=1`, `1 ORDER BY 3`.
fn numeric(t: &[Tk]) -> Option<&'static str> {
    let mut i = 0;
    // `(1`, `-1`.
    while i < t.len() && matches!(t[i], Tk::LParen | Tk::Arith) {
        i += 1;
    }
    match t.get(i)? {
        Tk::Logic if after_logic(t, i, true) => return Some("sqli-tautology"),
        Tk::Num => {}
        _ => return None,
    }
    i += 1;
    while i < t.len() && t[i] == Tk::RParen {
        i += 1;
    }
    match t.get(i)? {
        Tk::Logic if after_logic(t, i, true) => Some("sqli-tautology"),
        Tk::Clause if clause_args(t, i) => Some("sqli-numeric-clause"),
        _ => None,
    }
}

/// Whether a value has any byte an injection needs; most values have none and skip the
/// tokenizer.
pub fn worth_checking(s: &[u8]) -> bool {
    s.iter().any(|&b| {
        matches!(
            b,
            b'\''
                | b'"'
                | b' '
                | b'('
                | b';'
                | b'#'
                | b'='
                | b'-'
                | b'/'
                | b'@'
                | b'|'
                | b'&'
                | b'\t'
                | b'\n'
                | b'\r'
                | b'`'
        )
    })
}

/// The rule id when `s` (already decoded) is an SQL injection.
pub fn detect(s: &[u8]) -> Option<&'static str> {
    if s.len() < 2 || !worth_checking(s) {
        return None;
    }
    let mut toks = Tokens {
        t: [Tk::Word; MAX_TOKENS],
        n: 0,
        strong: false,
    };
    tokenize(s, None, &mut toks);
    if toks.strong {
        return Some("sqli-function");
    }
    let t = &toks.t[..toks.n];
    // A whole statement (`select * from a union select * from b` on a dev forum) is a
    // question about SQL, not an injection into one.
    let statement = matches!(t.first(), Some(Tk::Select | Tk::Stmt));
    if let Some(r) = if statement { None } else { anywhere(t) }.or_else(|| numeric(t)) {
        return Some(r);
    }
    for q in [b'\'', b'"'] {
        if memchr::memchr(q, s).is_none() {
            continue;
        }
        toks.n = 0;
        if !tokenize(s, Some(q), &mut toks) {
            continue;
        }
        if toks.strong {
            return Some("sqli-function");
        }
        let t = &toks.t[..toks.n];
        if let Some(r) = breakout(t).or_else(|| anywhere(t)) {
            return Some(r);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let bad = [
            ("' or '1'='1", "sqli-tautology"),
            ("1 or 1=1", "sqli-tautology"),
            ("admin'--", "sqli-quote-comment"),
            ("x' order by 3-- -", "sqli-quote-clause"),
            ("-1 union /**/ all select 1,2", "sqli-union-select"),
            ("1; drop table users", "sqli-stacked"),
            ("1 and sleep(5)", "sqli-function"),
            ("\" or \"\"=\"", "sqli-tautology"),
            ("/*!50000union*/ /*!50000select*/ 1", "sqli-union-select"),
            ("1' waitfor delay '0:0:5'--", "sqli-function"),
        ];
        for (s, rule) in bad {
            assert_eq!(detect(s.as_bytes()), Some(rule), "{s}");
        }
        let good = [
            "O'Brien",
            "don't stop believing",
            "select shoes",
            "union jack; drop earrings",
            "rock 'n' roll or jazz",
            "\"exact phrase\" or other",
            "x < 5 and y > 3",
            "5 > 3 and 2 < 4",
            "import time; time.sleep(5)",
            "order by price",
            "3 or 4 bedrooms",
            "--verbose",
        ];
        for s in good {
            assert_eq!(detect(s.as_bytes()), None, "{s}");
        }
    }
}
