//! Per-installation write slots: at most one mutating GitHub request per installation in flight, and
//! consecutive ones at least `min_gap` apart, across every worker and process sharing the database.
//!
//! GitHub's guidance on secondary rate limits asks integrations to make mutating requests (POST, PATCH,
//! PUT, DELETE) for one installation serially and at least one second apart. Each installation has one row
//! in `write_slots`; taking the slot is a single `UPDATE … WHERE` whose guard (slot free or its hold
//! expired, and `last_write_at + min_gap` passed) the database evaluates atomically, so two processes on
//! one PostgreSQL cannot both win. The hold expires on its own, so a crashed holder blocks the
//! installation for at most `hold`. Releasing stamps `last_write_at`, measuring the gap from the end of
//! the previous request.

use std::time::Duration;

use super::{Store, StoreError, Timestamp, duration_millis};

/// Proof that the holder may send one mutating request for the installation; give it back with
/// [`Store::release_write_slot`] when the response has arrived.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "release the write slot when the request is done, or the installation waits for the hold to expire"]
pub struct WriteSlot {
    /// The installation.
    pub installation_id: i64,
    /// Who holds it.
    pub holder: String,
    /// The hold expires here even if never released.
    pub held_until: Timestamp,
}

/// The answer of [`Store::acquire_write_slot`].
#[derive(Debug, PartialEq, Eq)]
pub enum SlotAttempt {
    /// The slot is ours.
    Acquired(WriteSlot),
    /// Someone else holds it, or the gap since the last write has not passed: try again after this long.
    /// While the slot is held the hint is at most `min_gap`, since the holder may release early.
    Wait(Duration),
}

impl Store {
    /// Takes the write slot of `installation_id` for `holder` until `now + hold`, if it is free and the
    /// last write ended at least `min_gap` ago; otherwise says how long to wait.
    pub async fn acquire_write_slot(
        &self,
        installation_id: i64,
        holder: &str,
        now: Timestamp,
        hold: Duration,
        min_gap: Duration,
    ) -> Result<SlotAttempt, StoreError> {
        let held_until = now + hold;
        let gap_ms = duration_millis(min_gap);
        let taken = on_backend!(self, pool => {
            sqlx::query(
                "INSERT INTO write_slots (installation_id, holder, held_until, last_write_at) \
                 VALUES ($1, NULL, NULL, 0) ON CONFLICT (installation_id) DO NOTHING",
            )
            .bind(installation_id)
            .execute(pool)
            .await?;
            sqlx::query(
                "UPDATE write_slots SET holder = $2, held_until = $3 \
                 WHERE installation_id = $1 AND (holder IS NULL OR held_until <= $4) AND last_write_at <= $5",
            )
            .bind(installation_id)
            .bind(holder)
            .bind(held_until.unix_millis())
            .bind(now.unix_millis())
            .bind(now.unix_millis().saturating_sub(gap_ms))
            .execute(pool)
            .await?
            .rows_affected()
        });
        if taken > 0 {
            return Ok(SlotAttempt::Acquired(WriteSlot { installation_id, holder: holder.to_owned(), held_until }));
        }
        let row: Option<(Option<String>, Option<i64>, i64)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT holder, held_until, last_write_at FROM write_slots WHERE installation_id = $1",
        )
        .bind(installation_id)
        .fetch_optional(pool)
        .await?);
        // The row can vanish when the installation is deleted concurrently; waiting one gap is harmless.
        let Some((held_by, held_until, last_write_at)) = row else { return Ok(SlotAttempt::Wait(min_gap)) };
        Ok(SlotAttempt::Wait(wait_hint(
            now,
            held_by.is_some(),
            held_until.map(Timestamp),
            Timestamp(last_write_at),
            min_gap,
        )))
    }

    /// Gives the slot back and stamps the end of the write, starting the `min_gap` before the next one.
    /// Fails with [`StoreError::NotSlotHolder`] if the hold expired and someone else took the slot.
    pub async fn release_write_slot(&self, slot: WriteSlot, now: Timestamp) -> Result<(), StoreError> {
        let changed = on_backend!(self, pool => sqlx::query(
            "UPDATE write_slots SET holder = NULL, held_until = NULL, last_write_at = $3 \
             WHERE installation_id = $1 AND holder = $2",
        )
        .bind(slot.installation_id)
        .bind(&slot.holder)
        .bind(now.unix_millis())
        .execute(pool)
        .await?
        .rows_affected());
        if changed == 0 {
            return Err(StoreError::NotSlotHolder { installation_id: slot.installation_id, holder: slot.holder });
        }
        Ok(())
    }
}

/// How long to wait before trying a slot again (at least 1 ms, so callers never spin).
fn wait_hint(
    now: Timestamp,
    held: bool,
    held_until: Option<Timestamp>,
    last_write_at: Timestamp,
    min_gap: Duration,
) -> Duration {
    let live_hold = held_until.filter(|until| held && *until > now);
    let wait = match live_hold {
        Some(until) => until.since(now).min(min_gap),
        None => (last_write_at + min_gap).since(now),
    };
    wait.max(Duration::from_millis(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GAP: Duration = Duration::from_secs(1);

    #[test]
    fn wait_hint_covers_the_remaining_gap() {
        let now = Timestamp::from_unix_millis(10_000);
        let last = Timestamp::from_unix_millis(9_700);
        assert_eq!(wait_hint(now, false, None, last, GAP), Duration::from_millis(700));
    }

    #[test]
    fn wait_hint_while_held_is_at_most_the_gap() {
        let now = Timestamp::from_unix_millis(10_000);
        let last = Timestamp::from_unix_millis(0);
        let far = Some(Timestamp::from_unix_millis(40_000));
        assert_eq!(wait_hint(now, true, far, last, GAP), GAP);
        let near = Some(Timestamp::from_unix_millis(10_250));
        assert_eq!(wait_hint(now, true, near, last, GAP), Duration::from_millis(250));
    }

    #[test]
    fn wait_hint_is_never_zero() {
        let now = Timestamp::from_unix_millis(10_000);
        let expired = Some(Timestamp::from_unix_millis(9_000));
        assert_eq!(wait_hint(now, true, expired, Timestamp::from_unix_millis(9_999), GAP), Duration::from_millis(999));
        assert_eq!(wait_hint(now, false, None, Timestamp::from_unix_millis(0), GAP), Duration::from_millis(1));
    }
}
