//! The member list's own reader: a second, read-only connection on its own thread. At
//! 100,000 members reading the list and building its search index takes a few hundred
//! milliseconds; on the store thread that would hold up every key the operator presses
//! meanwhile (a tick, a tab's load, a save). Here it runs beside them.
//!
//! The list is read in one read transaction together with the `members` change version
//! of that snapshot, and handed back to the store thread (not to the screen): the store
//! thread forwards it and, if members changed after the snapshot, patches the rows that
//! changed right behind it, so the screen never keeps a row older than what it was told.

use std::sync::mpsc as std_mpsc;

use chrono::NaiveDate;

use crate::app::Loaded;
use crate::domain::rules::PointRules;
use crate::store::Store;
use crate::store::changes::Versions;

/// A finished read: the list (or why not) and the `members` version it is as of.
pub struct Read {
    pub loaded: Result<Loaded, String>,
    pub members_version: i64,
    pub ms: f64,
}

/// Start the reader on `store` (its own connection); it reads whenever asked for a day,
/// hands each read to `deliver` (false: nobody listens any more) and ends when the
/// store thread drops its sender.
pub fn spawn(
    mut store: Store,
    points: PointRules,
    mut deliver: impl FnMut(Read) -> bool + Send + 'static,
) -> std::io::Result<std_mpsc::Sender<NaiveDate>> {
    let (tx, rx) = std_mpsc::channel::<NaiveDate>();
    std::thread::Builder::new()
        .name("members".into())
        .spawn(move || {
            while let Ok(mut day) = rx.recv() {
                // asked again meanwhile: one read for the latest day
                while let Ok(d) = rx.try_recv() {
                    day = d;
                }
                let read = read(&mut store, day, &points);
                if !deliver(read) {
                    return;
                }
            }
        })?;
    Ok(tx)
}

fn read(store: &mut Store, day: NaiveDate, points: &PointRules) -> Read {
    let started = std::time::Instant::now();
    let snapshot = (|| {
        // one snapshot for the rows and the version they are as of
        store.conn().execute_batch("BEGIN")?;
        let out = Versions::read_in_transaction(store.conn()).and_then(|v| {
            crate::store::views::members(store.conn(), day, points).map(|rows| (v, rows))
        });
        store.conn().execute_batch("COMMIT")?;
        out
    })();
    let ms = |s: std::time::Instant| s.elapsed().as_secs_f64() * 1000.0;
    match snapshot {
        Ok((v, rows)) => {
            let read_ms = ms(started);
            let index = crate::search::SearchIndex::build(
                rows.iter()
                    .map(crate::store::views::MemberRow::search_texts),
            );
            tracing::debug!(
                rows = rows.len(),
                read_ms,
                index_ms = ms(started) - read_ms,
                "members loaded"
            );
            Read {
                loaded: Ok(Loaded::Members(rows, Some(std::sync::Arc::new(index)))),
                members_version: v.members(),
                ms: ms(started),
            }
        }
        Err(e) => {
            tracing::warn!("reading the member list: {e}");
            Read {
                loaded: Err(e.to_string()),
                members_version: 0,
                ms: ms(started),
            }
        }
    }
}
