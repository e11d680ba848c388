//! The status page, `GET /` once the App is configured: installations, recent deliveries and what
//! became of them, the queue, and recent digest pull requests.
//!
//! [`render`] is pure (data in, HTML out) so a snapshot test pins it with fixed data. Every value from
//! the store goes through [`escape`]; the page reads nothing secret (no key, token or webhook secret is
//! in the data it gets), and a test renders it after setup and searches it for the secrets.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::html::{escape, page as frame};
use crate::store::{DeliveryOutcome, DigestPrSummary, Installation, QueueStats, StoreError, Timestamp};

/// How many deliveries and digest PRs the page lists.
const RECENT: u32 = 20;

/// What the status page shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusData {
    /// The App's slug and web host when setup mode registered it (for the install link).
    pub app: Option<(String, String)>,
    /// Installations.
    pub installations: Vec<Installation>,
    /// Recent deliveries, newest first.
    pub deliveries: Vec<DeliveryOutcome>,
    /// The queue.
    pub queue: QueueStats,
    /// Recent digest pull requests, newest first.
    pub digest_prs: Vec<DigestPrSummary>,
    /// When the page was made.
    pub now: Timestamp,
}

impl StatusData {
    /// Reads everything the page shows.
    pub async fn load(store: &crate::store::Store, now: Timestamp) -> Result<Self, StoreError> {
        Ok(Self {
            app: store.app_credentials().await?.map(|c| (c.slug, c.github_url)),
            installations: store.installations().await?,
            deliveries: store.recent_delivery_outcomes(RECENT).await?,
            queue: store.queue_stats(now).await?,
            digest_prs: store.recent_digest_prs(RECENT).await?,
            now,
        })
    }
}

/// `GET /`.
pub async fn page(State(app): State<AppState>) -> Response {
    match StatusData::load(&app.store, Timestamp::now()).await {
        Ok(data) => Html(render(&data)).into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "status page: store failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
        }
    }
}

/// A time as UTC `YYYY-MM-DD HH:MM:SS`.
fn utc(t: Timestamp) -> String {
    chrono::DateTime::from_timestamp_millis(t.unix_millis())
        .map_or_else(|| "–".to_owned(), |d| d.format("%Y-%m-%d %H:%M:%S").to_string())
}

fn or_dash(value: Option<&str>) -> String {
    value.map_or_else(|| "–".to_owned(), escape)
}

/// The page for `data`.
pub fn render(data: &StatusData) -> String {
    let mut b = String::new();
    if let Some((slug, github)) = &data.app {
        let install = format!("{}/apps/{slug}/installations/new", github.trim_end_matches('/'));
        let _ = writeln!(
            b,
            "<p>GitHub App <strong>{}</strong>: <a href=\"{}\">install it on more repositories</a>.</p>",
            escape(slug),
            escape(&install)
        );
    }

    let q = &data.queue;
    let _ = writeln!(b, "<h2>Queue</h2>\n<table id=\"queue\">");
    for (name, n) in [("queued", q.queued), ("delayed", q.delayed), ("running", q.running), ("dead", q.dead)] {
        let _ = writeln!(b, "<tr><th>{name}</th><td>{n}</td></tr>");
    }
    if let Some(age) = q.oldest_queued_age {
        let _ = writeln!(b, "<tr><th>oldest due job waits</th><td>{} s</td></tr>", age.as_secs());
    }
    b.push_str("</table>\n");

    let _ = writeln!(b, "<h2>Installations</h2>");
    if data.installations.is_empty() {
        b.push_str("<p class=\"muted\">No installations yet.</p>\n");
    } else {
        b.push_str(
            "<table id=\"installations\">\n<tr><th>account</th><th>type</th><th>repositories</th><th>state</th></tr>\n",
        );
        for i in &data.installations {
            let state = if i.suspended_at.is_some() { "suspended" } else { "active" };
            let _ = writeln!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{state}</td></tr>",
                escape(&i.account),
                escape(&i.account_type),
                i.repositories
            );
        }
        b.push_str("</table>\n");
    }

    let _ = writeln!(b, "<h2>Recent deliveries</h2>");
    if data.deliveries.is_empty() {
        b.push_str("<p class=\"muted\">No deliveries yet.</p>\n");
    } else {
        b.push_str(
            "<table id=\"deliveries\">\n<tr><th>received (UTC)</th><th>event</th><th>action</th><th>repository</th>\
             <th>jobs</th><th>job state</th></tr>\n",
        );
        for d in &data.deliveries {
            let state = match (d.job_state, &d.last_error) {
                (None, _) => "–".to_owned(),
                (Some(s), Some(err)) => format!("{} ({})", s.as_str(), escape(err)),
                (Some(s), None) => s.as_str().to_owned(),
            };
            let _ = writeln!(
                b,
                "<tr title=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{state}</td></tr>",
                escape(&d.delivery_id),
                utc(d.received_at),
                escape(&d.event),
                or_dash(d.action.as_deref()),
                or_dash(d.repository.as_deref()),
                d.jobs
            );
        }
        b.push_str("</table>\n");
    }

    let _ = writeln!(b, "<h2>Digest pull requests</h2>");
    if data.digest_prs.is_empty() {
        b.push_str("<p class=\"muted\">No digest pull requests yet.</p>\n");
    } else {
        b.push_str("<table id=\"digest-prs\">\n<tr><th>updated (UTC)</th><th>repository</th><th>pull request</th><th>state</th></tr>\n");
        for p in &data.digest_prs {
            let _ = writeln!(
                b,
                "<tr><td>{}</td><td>{}</td><td>#{} {}</td><td>{}</td></tr>",
                utc(p.updated_at),
                escape(&p.repository),
                p.number,
                escape(&p.title),
                escape(&p.state)
            );
        }
        b.push_str("</table>\n");
    }
    let _ = writeln!(b, "<p class=\"muted\">As of {} UTC.</p>", utc(data.now));
    frame("drydock status", &b)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::store::JobState;

    fn t(ms: i64) -> Timestamp {
        Timestamp::from_unix_millis(ms)
    }

    #[test]
    fn utc_formats_civil_time() {
        assert_eq!(utc(t(0)), "1970-01-01 00:00:00");
        assert_eq!(utc(t(1_795_000_000_000)), "2026-11-18 11:06:40");
        assert_eq!(utc(t(951_782_400_000)), "2000-02-29 00:00:00");
    }

    fn fixed() -> StatusData {
        let now = t(1_795_000_000_000);
        StatusData {
            app: Some(("drydock-acme".to_owned(), "https://github.com".to_owned())),
            installations: vec![
                Installation {
                    id: 7,
                    account: "acme".to_owned(),
                    account_type: "Organization".to_owned(),
                    suspended_at: None,
                    repositories: 12,
                    created_at: now,
                    updated_at: now,
                },
                Installation {
                    id: 9,
                    account: "<script>alert(1)</script>".to_owned(),
                    account_type: "User".to_owned(),
                    suspended_at: Some(now),
                    repositories: 1,
                    created_at: now,
                    updated_at: now,
                },
            ],
            deliveries: vec![
                DeliveryOutcome {
                    delivery_id: "d-2".to_owned(),
                    event: "pull_request".to_owned(),
                    action: Some("synchronize".to_owned()),
                    repository: Some("acme/api".to_owned()),
                    received_at: t(1_794_999_990_000),
                    jobs: 1,
                    job_state: Some(JobState::Dead),
                    last_error: Some("github answered 403 & \"gave up\"".to_owned()),
                },
                DeliveryOutcome {
                    delivery_id: "d-1".to_owned(),
                    event: "installation".to_owned(),
                    action: Some("created".to_owned()),
                    repository: None,
                    received_at: t(1_794_999_900_000),
                    jobs: 1,
                    job_state: Some(JobState::Done),
                    last_error: None,
                },
            ],
            queue: QueueStats {
                queued: 3,
                delayed: 1,
                running: 2,
                dead: 1,
                oldest_queued_age: Some(Duration::from_secs(42)),
            },
            digest_prs: vec![DigestPrSummary {
                repository: "acme/api".to_owned(),
                number: 17,
                title: "Update node to <22.11>".to_owned(),
                state: "open".to_owned(),
                updated_at: now,
            }],
            now,
        }
    }

    #[test]
    fn status_page_snapshot() {
        insta::assert_snapshot!(render(&fixed()));
    }

    #[test]
    fn every_stored_value_is_escaped() {
        let html = render(&fixed());
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("Update node to &lt;22.11&gt;"));
        let empty = StatusData { app: None, installations: vec![], deliveries: vec![], digest_prs: vec![], ..fixed() };
        let html = render(&empty);
        assert!(html.contains("No installations yet.") && html.contains("No digest pull requests yet."));
    }
}
