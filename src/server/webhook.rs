//! `POST /webhook`: raw bytes → verify → headers → parse → persist → 202.
//!
//! The order is the security boundary: the body (at most 25 MB, 413 beyond, never buffered past the
//! cap) is checked against `X-Hub-Signature-256` before anything reads it (401), then the delivery's
//! headers are checked (400), then the JSON is read (415 when it is not JSON, 400 when it is not the
//! event it claims to be). Only then does the store see it: the delivery and its jobs in one
//! transaction, so a 202 means both are on disk. A delivery id seen before is answered 202 and changes
//! nothing (GitHub's redeliveries reuse the id); events drydock does not handle are counted and
//! answered 202. The handler does no GitHub work: GitHub wants an answer within 10 seconds.
//!
//! Logs name the delivery, event, action and outcome; never a header value other than those, never
//! the payload.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::github::events::{self, Event, EventError};
use crate::github::webhook::{
    DELIVERY_HEADER, DeliveryId, EVENT_HEADER, EventName, HeaderError, SIGNATURE_HEADER, SignatureError, verify,
};
use crate::jobs::new_job;
use crate::store::{NewDelivery, Recorded, StoreError, Timestamp};

/// Why a delivery was refused; each maps to one status.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// 401: missing or wrong signature.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// 400: a delivery header is missing.
    #[error("missing {0} header; only GitHub webhook deliveries are accepted here")]
    MissingHeader(&'static str),
    /// 400: a delivery header is malformed.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// 415 (not JSON) or 400 (not the event it claims to be).
    #[error(transparent)]
    Event(#[from] EventError),
    /// 500: the store failed; GitHub shows the delivery as failed and the reconciler redelivers it.
    #[error("cannot store the delivery")]
    Store(#[from] StoreError),
    /// 500: a job did not serialise (a bug).
    #[error("cannot encode the delivery's job")]
    Encode(#[from] serde_json::Error),
}

impl WebhookError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Signature(_) => StatusCode::UNAUTHORIZED,
            Self::MissingHeader(_) | Self::Header(_) | Self::Event(EventError::Malformed(_)) => StatusCode::BAD_REQUEST,
            Self::Event(EventError::NotJson) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Store(_) | Self::Encode(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for WebhookError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = ?self, "webhook delivery failed");
            return (status, "internal error\n").into_response();
        }
        tracing::info!(status = status.as_u16(), reason = %self, "webhook delivery refused");
        (status, format!("{self}\n")).into_response()
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &'static str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The `POST /webhook` handler: [`ingest`], counted in `drydock_webhook_deliveries_total`.
pub async fn receive(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<StatusCode, WebhookError> {
    match ingest(&app, &headers, &body).await {
        Ok((event, outcome)) => {
            metrics::counter!("drydock_webhook_deliveries_total", "event" => event, "outcome" => outcome).increment(1);
            Ok(StatusCode::ACCEPTED)
        }
        Err(e) => {
            let outcome = match &e {
                WebhookError::Signature(_) => {
                    metrics::counter!("drydock_webhook_signature_failures_total").increment(1);
                    "unauthorized"
                }
                e if e.status().is_server_error() => "error",
                _ => "rejected",
            };
            // Before the signature is checked the event header is the sender's word: never a label.
            let event = if matches!(e, WebhookError::Signature(_)) { "unverified" } else { "unknown" };
            metrics::counter!("drydock_webhook_deliveries_total", "event" => event, "outcome" => outcome).increment(1);
            Err(e)
        }
    }
}

/// Verifies, parses and stores one delivery; returns its event and outcome (`accepted`, `duplicate`,
/// `ignored`) for the metrics.
async fn ingest(app: &AppState, headers: &HeaderMap, body: &Bytes) -> Result<(String, &'static str), WebhookError> {
    verify(&app.secrets, header(headers, SIGNATURE_HEADER), body)?;
    let event_name =
        EventName::parse(header(headers, EVENT_HEADER).ok_or(WebhookError::MissingHeader("X-GitHub-Event"))?)?;
    let delivery_id =
        DeliveryId::parse(header(headers, DELIVERY_HEADER).ok_or(WebhookError::MissingHeader("X-GitHub-Delivery"))?)?;
    let (envelope, event) = events::parse_with_envelope(&event_name, body)?;
    let now = Timestamp::now();
    if let Event::Ignored { event, action } = &event {
        app.store.count_ignored(event, action.as_deref(), now).await?;
        tracing::info!(delivery = %delivery_id, event = %event, action = action.as_deref().unwrap_or(""), "event ignored");
        return Ok((event_name.as_str().to_owned(), "ignored"));
    }
    // Valid JSON is valid UTF-8; the check costs one pass and keeps the store's TEXT column honest.
    let payload = String::from_utf8(body.to_vec()).map_err(|_| EventError::NotJson)?;
    let jobs = event.jobs().iter().map(new_job).collect::<Result<Vec<_>, _>>()?;
    let delivery = NewDelivery {
        delivery_id: delivery_id.as_str().to_owned(),
        event: event_name.as_str().to_owned(),
        action: envelope.action.clone(),
        installation_id: envelope.installation_id.and_then(|id| i64::try_from(id).ok()),
        repository: envelope.repository.clone(),
        payload,
    };
    let outcome = match app.store.record_delivery(&delivery, &jobs, now).await? {
        Recorded::New { jobs } => {
            if !jobs.is_empty() {
                app.wake.notify_waiters();
            }
            tracing::info!(delivery = %delivery_id, event = %event_name, action = envelope.action.as_deref().unwrap_or(""),
                jobs = jobs.len(), "delivery accepted");
            "accepted"
        }
        Recorded::Duplicate => {
            tracing::info!(delivery = %delivery_id, event = %event_name, "duplicate delivery; nothing enqueued");
            "duplicate"
        }
    };
    Ok((event_name.as_str().to_owned(), outcome))
}
