//! The few helpers the server's HTML pages share: escaping and the page frame.
//!
//! Pages are plain `format!` strings: there are three small pages, and a template crate (maud, askama)
//! would add a proc macro and a build step for little gain. The rule that keeps this safe is that every
//! value from outside (the database, GitHub, the request) goes through [`escape`] before it is put in a
//! page; literal markup is written in the handlers.

use std::fmt::Write as _;

/// Escapes text for use in HTML element content and in double- or single-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page: `title` is escaped here, `body` is markup the caller built (with values escaped).
pub fn page(title: &str, body: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>\n\
         body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }}\n\
         table {{ border-collapse: collapse; }} th, td {{ text-align: left; padding: .2rem .8rem .2rem 0; }}\n\
         .muted {{ color: #666; }}\n</style>\n</head>\n<body>\n<h1>{title}</h1>\n{body}</body>\n</html>\n",
        title = escape(title),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(escape("plain text"), "plain text");
    }
}
