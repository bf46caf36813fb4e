//! Progress on standard error for long runs (thousands of files, Helm
//! charts rendering): a line rewritten in place a few times a second, only
//! when standard error is a terminal, erased when the run ends. Never part
//! of the report, never in pipes or CI logs.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a run goes before progress appears, and how often it updates.
const TICK: Duration = Duration::from_millis(250);

/// A running progress line; [`Progress::finish`] erases it.
pub struct Progress {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Shows `checked` out of `total` inputs while the run lasts, when
    /// standard error is a terminal.
    pub fn start(total: usize, checked: Arc<AtomicUsize>) -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        let thread = (total > 0 && std::io::stderr().is_terminal()).then(|| {
            let done = Arc::clone(&done);
            std::thread::spawn(move || {
                let mut shown = false;
                loop {
                    std::thread::sleep(TICK);
                    if done.load(Ordering::Relaxed) {
                        break;
                    }
                    let n = checked.load(Ordering::Relaxed).min(total);
                    let mut err = std::io::stderr().lock();
                    let _ = write!(
                        err,
                        "\r\x1b[2Kkubeguard: {n}/{total} inputs loaded and checked"
                    );
                    let _ = err.flush();
                    shown = true;
                }
                if shown {
                    let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
                }
            })
        });
        Progress { done, thread }
    }

    /// Stops and erases the line.
    pub fn finish(mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
