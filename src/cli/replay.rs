//! `drydock replay DELIVERY_ID`: runs a stored webhook delivery again, for debugging.
//!
//! Two ways, both from what the store kept of the delivery (its event, id and raw payload):
//! - by default its jobs are enqueued again in the same database, so a running `drydock serve`
//!   (or the next one started) runs them; the delivery row itself is left as it was;
//! - with `--to URL` the delivery is sent (HTTP POST) to another drydock (a local one under a debugger) with
//!   the headers GitHub sent (`X-GitHub-Event`, `X-GitHub-Delivery`) and a signature made with the
//!   webhook secret that server expects.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use secrecy::{ExposeSecret as _, SecretString};

use crate::github::events;
use crate::github::webhook::{DeliveryId, EventName, WebhookSecrets, sign};
use crate::store::{Store, Timestamp};

#[allow(clippy::unnecessary_wraps)] // clap's value_parser wants a Result
fn secret(s: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(s))
}

/// `drydock replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The `X-GitHub-Delivery` id of a stored delivery (the status page and logs show them).
    pub delivery_id: String,
    /// The database `drydock serve` stores deliveries in.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://drydock.db", hide_env_values = true, value_parser = secret)]
    pub database_url: SecretString,
    /// File holding the database URL; wins over `DATABASE_URL`.
    #[arg(long, env = "DATABASE_URL_FILE")]
    pub database_url_file: Option<PathBuf>,
    /// POST the delivery to this webhook URL (e.g. `http://127.0.0.1:3000/webhook`) instead of
    /// enqueueing its jobs.
    #[arg(long)]
    pub to: Option<String>,
    /// The secret the receiving server verifies (with `--to`); the first of a comma-separated list signs.
    #[arg(long, env = "DRYDOCK_WEBHOOK_SECRET", hide_env_values = true, value_parser = secret)]
    pub webhook_secret: Option<SecretString>,
    /// File holding the webhook secret (with `--to`).
    #[arg(long, env = "DRYDOCK_WEBHOOK_SECRET_FILE", conflicts_with = "webhook_secret")]
    pub webhook_secret_file: Option<PathBuf>,
}

/// Runs `drydock replay`; returns the exit code (0 replayed, 1 the receiver refused it).
pub fn run(args: &ReplayArgs) -> anyhow::Result<u8> {
    let id = DeliveryId::parse(&args.delivery_id)
        .map_err(|_| anyhow::anyhow!("`{}` is not a delivery id (letters, digits and `-`)", args.delivery_id))?;
    let database_url = match &args.database_url_file {
        Some(path) => super::serve::read_secret_file(path)
            .with_context(|| format!("cannot read the database URL file {}", path.display()))?,
        None => args.database_url.clone(),
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let store = Store::connect(database_url.expose_secret()).await.context("cannot open the store")?;
        let result = replay(&store, &id, args).await;
        store.close().await;
        result
    })
}

async fn replay(store: &Store, id: &DeliveryId, args: &ReplayArgs) -> anyhow::Result<u8> {
    let Some((delivery, payload)) = store.stored_delivery(id.as_str()).await? else {
        bail!("no delivery `{}` in the store; check the id and --database-url", id.as_str());
    };
    let event = EventName::parse(&delivery.event)
        .map_err(|_| anyhow::anyhow!("the stored event name `{}` does not read", delivery.event))?;
    if let Some(url) = &args.to {
        return post(url, &event, id, payload, args).await;
    }
    let (_, parsed) = events::parse_with_envelope(&event, payload.as_bytes())
        .with_context(|| format!("the stored payload of `{}` does not read as a `{}` event", id.as_str(), event))?;
    let jobs = parsed.jobs();
    if jobs.is_empty() {
        println!("delivery {} ({event}) causes no jobs; nothing enqueued", id.as_str());
        return Ok(0);
    }
    for spec in &jobs {
        let job = crate::jobs::new_job(spec).context("cannot encode the job")?;
        let job_id = store.enqueue(&job, Timestamp::now()).await?;
        println!("enqueued job {job_id} ({})", spec.kind());
    }
    Ok(0)
}

async fn post(url: &str, event: &EventName, id: &DeliveryId, payload: String, args: &ReplayArgs) -> anyhow::Result<u8> {
    let secrets = match (&args.webhook_secret, &args.webhook_secret_file) {
        (Some(s), _) => s.clone(),
        (None, Some(path)) => super::serve::read_secret_file(path)
            .with_context(|| format!("cannot read the webhook secret file {}", path.display()))?,
        (None, None) => bail!(
            "--to needs the receiving server's webhook secret: --webhook-secret, DRYDOCK_WEBHOOK_SECRET or \
             DRYDOCK_WEBHOOK_SECRET_FILE"
        ),
    };
    let secrets = WebhookSecrets::parse(secrets.expose_secret())?;
    let signature = sign(secrets.signing_secret().expose_secret(), payload.as_bytes());
    crate::github::app::install_crypto_provider();
    let client =
        reqwest::Client::builder().timeout(Duration::from_secs(30)).build().context("cannot build the HTTP client")?;
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-github-event", event.as_str())
        .header("x-github-delivery", id.as_str())
        .header("x-hub-signature-256", signature)
        .body(payload)
        .send()
        .await
        .with_context(|| format!("cannot POST to {url}; is the server running?"))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    println!(
        "{url} answered {status}{}",
        if text.trim().is_empty() { String::new() } else { format!(": {}", text.trim()) }
    );
    Ok(u8::from(!status.is_success()))
}
