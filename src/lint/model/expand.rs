//! BuildKit's word lexer (`shell/lex.go`): quotes, escapes and `$VAR` expansion
//! (placeholder).

/// The result of expanding a word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expanded {
    /// The word with quotes removed and variables substituted.
    pub value: String,
    /// Names of variables the word used that had no value.
    pub unset: Vec<String>,
}

/// Expands one word (placeholder).
pub fn expand(word: &str, _escape: char, _lookup: &dyn Fn(&str) -> Option<String>) -> Expanded {
    Expanded { value: word.to_string(), unset: Vec::new() }
}

/// Removes quotes and escapes from one word without expanding variables (placeholder).
pub fn unquote(word: &str, _escape: char) -> String {
    word.trim_matches('"').to_string()
}
