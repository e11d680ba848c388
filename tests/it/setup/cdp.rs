//! A minimal Chrome `DevTools` Protocol client: enough to open a page in headless Chromium, evaluate
//! JavaScript in it and wait for a condition. `chromium --headless=new --remote-debugging-port=0`
//! prints its browser websocket URL on stderr; commands are JSON over that websocket, and a page is
//! driven through a flat session (`Target.attachToTarget` with `flatten: true`).
//!
//! A full client (chromiumoxide, fantoccini + chromedriver) would bring a large dependency tree for
//! the three commands used here.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// `$CHROMIUM`, else `chromium` or `chromium-browser` on `PATH`.
pub fn chromium_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A headless Chromium, killed when dropped.
pub struct Browser {
    child: Child,
    socket: tokio::sync::Mutex<Socket>,
    _profile: tempfile::TempDir,
}

/// A page (tab) of a [`Browser`].
pub struct Page<'b> {
    browser: &'b Browser,
    session: String,
    next_id: u64,
}

impl Browser {
    /// Starts Chromium with a throwaway profile and connects to it.
    pub async fn launch(binary: &Path) -> Self {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(binary)
            .args(["--headless=new", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1"])
            // Root in a container has no user namespace for the sandbox.
            .args(["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
            .args(["--no-default-browser-check", "--disable-extensions", "--disable-background-networking"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let ws_url = tokio::time::timeout(Duration::from_secs(30), async {
            let mut seen = Vec::new();
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    return url.trim().to_owned();
                }
                seen.push(line);
            }
            // Chromium reserves far more address space than it uses; under `ulimit -v` it dies silently.
            let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
            let address_space = limits.lines().find(|l| l.starts_with("Max address space")).unwrap_or("");
            panic!(
                "chromium exited without a DevTools URL (an address-space limit such as `ulimit -v` stops it; \
                 here: {address_space:?}):\n{}",
                seen.join("\n")
            );
        })
        .await
        .expect("chromium printed no DevTools URL within 30 s");
        // Keep draining stderr so Chromium never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let (socket, _) = tokio_tungstenite::connect_async(ws_url.as_str()).await.unwrap();
        Self { child, socket: tokio::sync::Mutex::new(socket), _profile: profile }
    }

    /// Sends one command (in `session`, or to the browser) and waits for its result, skipping events.
    async fn call(&self, id: u64, session: Option<&str>, method: &str, params: Value) -> Value {
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            message["sessionId"] = s.into();
        }
        let mut socket = self.socket.lock().await;
        socket.send(Message::text(message.to_string())).await.unwrap();
        let reply = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                let Some(frame) = socket.next().await else { panic!("chromium closed the DevTools socket") };
                let Message::Text(text) = frame.unwrap() else { continue };
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["id"] == id && value["sessionId"].as_str() == session {
                    return value;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no answer to {method} within 30 s"));
        assert!(reply.get("error").is_none(), "{method} failed: {reply}");
        reply["result"].clone()
    }

    /// Opens `url` in a new tab.
    pub async fn open(&self, url: &str) -> Page<'_> {
        let target = self.call(1, None, "Target.createTarget", json!({ "url": url })).await;
        let target_id = target["targetId"].as_str().unwrap().to_owned();
        let attached =
            self.call(2, None, "Target.attachToTarget", json!({ "targetId": target_id, "flatten": true })).await;
        Page { browser: self, session: attached["sessionId"].as_str().unwrap().to_owned(), next_id: 10 }
    }

    /// Closes the browser.
    pub async fn close(mut self) {
        let _ = self.call(3, None, "Browser.close", json!({})).await;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
        let _ = self.child.kill().await;
    }
}

impl Page<'_> {
    /// Evaluates `expression` in the page and returns its value; a thrown exception (e.g. during a
    /// navigation) is `Value::Null`.
    pub async fn eval(&mut self, expression: &str) -> Value {
        self.next_id += 1;
        let result = self
            .browser
            .call(
                self.next_id,
                Some(&self.session),
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true }),
            )
            .await;
        if result.get("exceptionDetails").is_some() { Value::Null } else { result["result"]["value"].clone() }
    }

    /// Polls `condition` until it is `true` (20 s at most), through navigations.
    pub async fn wait_for(&mut self, condition: &str) {
        let start = Instant::now();
        loop {
            if self.eval(&format!("document.readyState === 'complete' && ({condition})")).await == Value::Bool(true) {
                return;
            }
            let url = self.eval("location.href").await;
            assert!(start.elapsed() < Duration::from_secs(20), "`{condition}` never held; the page is at {url}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
