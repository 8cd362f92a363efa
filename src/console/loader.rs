//! The member list's own reader: a second, read-only connection on its own thread. At
//! 100,000 members reading the list and building its search index takes a few hundred
//! milliseconds; on the store thread that would hold up every key the operator presses
//! meanwhile (a tick, a tab's load, a save). Here it runs beside them.
//!
//! The list is read in one read transaction together with the `members` change version
//! of that snapshot, and handed back to the store thread (not to the screen): the store
//! thread forwards it and, if members changed after the snapshot, patches the rows that
//! changed right behind it, so the screen never keeps a row older than what it was told.
//!
//! The Risk tab's word preview (a dry run over every message: ~2 s at 1,000,000) is read
//! here too, for the same reason, on the same connection: a guarded install opens its
//! connections before dropping the group, so a thread cannot open one of its own later.

use std::sync::mpsc as std_mpsc;

use chrono::NaiveDate;

use crate::app::Loaded;
use crate::domain::keywords::Category;
use crate::domain::keywords::dryrun::Report;
use crate::domain::rules::PointRules;
use crate::store::Store;
use crate::store::changes::Versions;

/// What the reader is asked to read.
pub enum Job {
    /// The member list as of a day.
    Members(NaiveDate),
    /// What one word would have flagged in the history (the Risk tab's preview).
    Preview(Category, String),
}

/// What the reader hands back.
pub enum Done {
    Members(Read),
    Preview(Category, String, crate::store::Result<Report>),
}

/// A finished read: the list (or why not) and the `members` version it is as of.
pub struct Read {
    pub loaded: Result<Loaded, String>,
    pub members_version: i64,
    pub ms: f64,
}

/// Start the reader on `store` (its own connection); it reads whenever asked, hands
/// each read to `deliver` (false: nobody listens any more) and ends when the store
/// thread drops its sender.
pub fn spawn(
    mut store: Store,
    points: PointRules,
    mut deliver: impl FnMut(Done) -> bool + Send + 'static,
) -> std::io::Result<std_mpsc::Sender<Job>> {
    let (tx, rx) = std_mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("members".into())
        .spawn(move || {
            while let Ok(job) = rx.recv() {
                // asked again meanwhile: one member read for the latest day, and every
                // preview asked for, in order
                let (mut day, mut previews) = (None, Vec::new());
                for job in std::iter::once(job).chain(rx.try_iter()) {
                    match job {
                        Job::Members(d) => day = Some(d),
                        Job::Preview(c, w) => previews.push((c, w)),
                    }
                }
                let members = day.map(|d| Done::Members(read(&mut store, d, &points)));
                let previews = previews.into_iter().map(|(c, w)| {
                    let report = super::handlers::risk::preview_report(&store, c, &w);
                    Done::Preview(c, w, report)
                });
                for done in members.into_iter().chain(previews) {
                    if !deliver(done) {
                        return;
                    }
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
