use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds downloads over plain `http://`: `ADD http://…`, and `http://`
    /// URLs given to a downloader in a RUN (`curl`, `wget`, `aria2c`, `git`,
    /// `pip`, `npm`/`yarn`/`pnpm`, `gem`, `go`), including index options such
    /// as `pip --index-url http://…` and `npm --registry http://…`. Loopback
    /// hosts (`localhost`, `127.0.0.1`, `[::1]`) are fine. URLs written into
    /// apt sources are not reported: apt checks signatures itself.
    ///
    /// ## Why is this bad?
    /// Plain HTTP can be read and rewritten by anything on the network path,
    /// so what the build downloads and bakes into the image is whatever an
    /// attacker chose. Unlike a package manager with signatures, a bare
    /// download has nothing else protecting it.
    ///
    /// ## Example
    /// ```dockerfile
    /// ADD http://example.com/tool.tar.gz /opt/
    /// RUN curl -fsSL http://example.com/install.sh -o /tmp/install.sh
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ADD --checksum=sha256:… https://example.com/tool.tar.gz /opt/
    /// RUN curl -fsSL https://example.com/install.sh -o /tmp/install.sh
    /// ```
    pub struct PlainHttpDownload { code: "DD352", name: "plain-http-download", tag: Some(Tag::DeterministicDeps), severity: Warning, fix: None }
}

/// Programs whose `http://` arguments are downloads.
const DOWNLOADERS: &[&str] = &["curl", "wget", "aria2c", "git", "npm", "yarn", "pnpm", "gem", "go", "fetch"];

/// The `http://` URL inside `text`, if it starts one (also after `--opt=`)
/// and its host is not loopback.
fn plain_url(text: &str) -> Option<&str> {
    // One searcher for every word (`str::find` builds one per call).
    static HTTP: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("http://"));
    let t = text.trim_matches(['"', '\'']);
    let at = HTTP.find(t.as_bytes())?;
    let before = t.get(..at).unwrap_or_default();
    if !(before.is_empty() || before.ends_with('=') || before.starts_with("git+")) {
        return None;
    }
    let url = t.get(at..)?;
    let authority = url.trim_start_matches("http://").split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or(authority).to_ascii_lowercase();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default().to_owned(),
        None => authority.split(':').next().unwrap_or_default().to_owned(),
    };
    let loopback = host == "localhost" || host.starts_with("127.") || host == "::1";
    (!loopback && !host.is_empty()).then_some(url)
}

impl Rule for PlainHttpDownload {
    fn check_file(&self, cx: &mut Context<'_>) {
        let help = "use `https://`; if the server has no TLS, pin the download with a checksum (`ADD --checksum=…`, `sha256sum -c`)";
        for inst in &cx.file.instructions {
            if inst.keyword != Keyword::Add {
                continue;
            }
            for src in super::dd050_whole_context_copy::sources(inst) {
                if let Some(url) = plain_url(&src.value).filter(|_| src.value.trim_matches('"').starts_with("http://"))
                {
                    cx.report(self, src.range, format!("`ADD {url}` downloads over plain HTTP")).help(help);
                }
            }
        }
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                let name = c.name();
                let args = if DOWNLOADERS.contains(&name) { Some(c.args()) } else { c.pip_args() };
                let Some(args) = args else { continue };
                if let Some((w, url)) = args.iter().find_map(|w| plain_url(&w.text).map(|u| (w, u))) {
                    let tool = if DOWNLOADERS.contains(&name) { name } else { "pip" };
                    cx.report(self, c.word_range(w), format!("`{tool}` downloads `{url}` over plain HTTP")).help(help);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::plain_url;

    #[test]
    fn urls_and_loopback() {
        assert_eq!(plain_url("http://example.com/x"), Some("http://example.com/x"));
        assert_eq!(plain_url("--index-url=http://u:p@idx.example/s"), Some("http://u:p@idx.example/s"));
        assert_eq!(plain_url("git+http://example.com/r.git"), Some("http://example.com/r.git"));
        assert_eq!(plain_url("http://[2001:db8::1]/x"), Some("http://[2001:db8::1]/x"));
        for quiet in ["http://localhost:8080/", "http://127.0.0.1/", "http://[::1]:80/", "https://x", "see http://x"] {
            assert_eq!(plain_url(quiet), None, "{quiet}");
        }
    }
}
