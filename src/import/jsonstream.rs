//! Streaming a JSON document whose records sit in an array (ChatLab's `messages`,
//! chatlog's top-level array) without holding them: `serde_json` drives a
//! `DeserializeSeed` on a worker thread that hands records over in small batches
//! through a bounded channel; the caller pulls them as an iterator. Memory stays at
//! a few batches whatever the file size.

use std::cell::Cell;
use std::io::Read;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use super::{ImportError, Reason, Record};

type Item = Result<Record, ImportError>;

const BATCH: usize = 256;
const BATCHES_IN_FLIGHT: usize = 4;

/// The reader has been dropped: stop parsing.
#[derive(Debug)]
pub(crate) struct Cancelled;

/// The worker's side: collects records and sends them in batches.
pub(crate) struct Emitter {
    tx: SyncSender<Vec<Item>>,
    buf: Vec<Item>,
}

impl Emitter {
    pub(crate) fn emit(&mut self, item: Item) -> Result<(), Cancelled> {
        self.buf.push(item);
        if self.buf.len() >= BATCH {
            self.flush()
        } else {
            Ok(())
        }
    }

    fn flush(&mut self) -> Result<(), Cancelled> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.buf, Vec::with_capacity(BATCH));
        self.tx.send(batch).map_err(|_| Cancelled)
    }
}

/// The caller's side: an iterator over what the worker emits.
pub(crate) struct Stream {
    rx: Receiver<Vec<Item>>,
    current: std::vec::IntoIter<Item>,
    worker: Option<JoinHandle<()>>,
}

impl Iterator for Stream {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(item) = self.current.next() {
                return Some(item);
            }
            match self.rx.recv() {
                Ok(batch) => self.current = batch.into_iter(),
                Err(_) => {
                    // The worker is done (or died): report a panic once.
                    let worker = self.worker.take()?;
                    return match worker.join() {
                        Ok(()) => None,
                        Err(_) => Some(Err(ImportError {
                            line: 0,
                            reason: Reason::ReaderFailed,
                        })),
                    };
                }
            }
        }
    }
}

/// Runs `work` on a worker thread with an emitter; what it emits comes out of the
/// returned iterator in order.
pub(crate) fn spawn<F>(work: F) -> Result<Stream, ImportError>
where
    F: FnOnce(&mut Emitter) + Send + 'static,
{
    let (tx, rx) = sync_channel(BATCHES_IN_FLIGHT);
    let worker = std::thread::Builder::new()
        .name("shequn-import".into())
        .spawn(move || {
            let mut emitter = Emitter {
                tx,
                buf: Vec::with_capacity(BATCH),
            };
            work(&mut emitter);
            let _ = emitter.flush();
        })
        .map_err(|e| ImportError {
            line: 0,
            reason: Reason::ReaderThread {
                detail: e.to_string(),
            },
        })?;
    Ok(Stream {
        rx,
        current: Vec::new().into_iter(),
        worker: Some(worker),
    })
}

/// A buffered reader that counts the newlines it has handed out, so a seed can tell
/// the line a value starts on. `serde_json` reads one byte at a time and has already
/// taken the value's first byte when a seed is called: the value starts on
/// `newlines + 1`. It owns its buffer (rather than wrapping a `BufReader`) to keep
/// that one-byte read cheap.
pub(crate) struct LineCounter<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    newlines: Rc<Cell<u64>>,
}

impl<R: Read> LineCounter<R> {
    pub(crate) fn new(inner: R) -> (Self, Rc<Cell<u64>>) {
        let newlines = Rc::new(Cell::new(0));
        let buf = vec![0u8; 64 * 1024].into_boxed_slice();
        (
            Self {
                inner,
                buf,
                pos: 0,
                len: 0,
                newlines: Rc::clone(&newlines),
            },
            newlines,
        )
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.len {
            self.len = self.inner.read(&mut self.buf)?;
            self.pos = 0;
            if self.len == 0 {
                return Ok(0);
            }
        }
        if let [one] = out {
            let b = self.buf[self.pos];
            self.pos += 1;
            *one = b;
            if b == b'\n' {
                self.newlines.set(self.newlines.get() + 1);
            }
            return Ok(1);
        }
        let n = out.len().min(self.len - self.pos);
        let chunk = &self.buf[self.pos..self.pos + n];
        out[..n].copy_from_slice(chunk);
        let count = chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        self.newlines.set(self.newlines.get() + count);
        self.pos += n;
        Ok(n)
    }
}
