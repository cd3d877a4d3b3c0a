//! The walk's threads: `ignore`'s parallel walker when every thread it wants can be started, and
//! under a process limit a walk on the calling thread that hands files to the threads that could be
//! started (or reads them itself). `ignore` panics, or waits forever, when one of its worker
//! threads cannot be created.

use std::path::Path;
use std::sync::Arc;

use ignore::{WalkBuilder, WalkState};

use super::{error_path, is_lock_file, max_threads, read, Visit, KEPT_BUFFER};
use crate::problem::Problem;

/// Walks with `builder` on `threads` threads (0: one per core, at most 12, as `ignore` picks),
/// reading each file into the thread's buffer. The walker's threads are counted first: under a
/// process limit it runs on as many as can be started, and on the calling thread alone when
/// none can (`ignore` panics, or waits forever, when a worker thread cannot be created).
pub(super) fn run<F>(builder: &mut WalkBuilder, threads: usize, max: u64, visit: &F)
where
    F: Fn(&Path, Visit<'_>) + Sync,
{
    let wanted = match threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get().min(12)),
        n => n.min(max_threads()),
    };
    let threads = startable_threads(wanted);
    if threads < wanted {
        return walk_limited(builder, threads, max, visit);
    }
    builder.threads(threads);
    builder.build_parallel().run(|| {
        let mut buffer = Vec::new();
        Box::new(move |entry| {
            visit_entry(entry, max, &mut buffer, visit);
            WalkState::Continue
        })
    });
}

/// The walk under a thread limit: the directories are walked on the calling thread, and files
/// are read and visited on up to `threads` threads, each started only if it can be (a thread
/// that cannot leaves its work to the others, the last one to the calling thread). Slower than
/// the parallel walk, but no thread it asks for is needed.
fn walk_limited<F>(builder: &WalkBuilder, threads: usize, max: u64, visit: &F)
where
    F: Fn(&Path, Visit<'_>) + Sync,
{
    type Entry = Result<ignore::DirEntry, ignore::Error>;
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Entry>(256);
    let receiver = std::sync::Mutex::new(receiver);
    std::thread::scope(|scope| {
        let mut readers = 0;
        for _ in 0..threads {
            let receiver = &receiver;
            let read = move || {
                let mut buffer = Vec::new();
                loop {
                    let next = match receiver.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    match next {
                        Ok(entry) => visit_entry(entry, max, &mut buffer, visit),
                        Err(_) => return,
                    }
                }
            };
            let spawned = std::thread::Builder::new()
                .name("reimage-read".to_owned())
                .spawn_scoped(scope, read);
            if spawned.is_err() {
                break;
            }
            readers += 1;
        }
        let mut buffer = Vec::new();
        for entry in builder.build() {
            let entry = match readers {
                0 => entry,
                _ => match sender.send(entry) {
                    Ok(()) => continue,
                    Err(std::sync::mpsc::SendError(entry)) => entry,
                },
            };
            visit_entry(entry, max, &mut buffer, visit);
        }
        drop(sender);
    });
}

/// Reads one entry of the walk (a file into `buffer`) and hands it to `visit`.
fn visit_entry<F>(
    entry: Result<ignore::DirEntry, ignore::Error>,
    max: u64,
    buffer: &mut Vec<u8>,
    visit: &F,
) where
    F: Fn(&Path, Visit<'_>) + Sync,
{
    match entry {
        // Lock files list packages, not images; read only when named.
        Ok(entry) if entry.depth() > 0 && is_lock_file(entry.file_name()) => {}
        Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
            // A path the user named is opened as given; below it, symlinks are not followed.
            let follow = entry.depth() == 0;
            match read(entry.path(), follow, max, buffer) {
                Ok(len) => visit(entry.path(), Visit::Bytes(&buffer[..len])),
                Err(problem) => visit(entry.path(), Visit::Problem(problem)),
            }
            if buffer.len() > KEPT_BUFFER {
                *buffer = Vec::new();
            }
        }
        Ok(_) => {}
        Err(err) => {
            let path = error_path(&err).unwrap_or_default();
            visit(&path, Visit::Problem(Problem::Walk(Arc::new(err))));
        }
    }
}

/// How many of `wanted` threads can be started now: each is started and held until all are
/// counted, then let go. A process limit shared with other processes may change between the
/// count and the walk; the count keeps the walk from asking for threads the limit never allowed.
fn startable_threads(wanted: usize) -> usize {
    let gate = std::sync::RwLock::new(());
    let hold = gate
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let started = std::thread::scope(|scope| {
        let mut started = 0;
        for _ in 0..wanted {
            let spawned = std::thread::Builder::new()
                .name("reimage-probe".to_owned())
                .spawn_scoped(scope, || drop(gate.read()));
            if spawned.is_err() {
                break;
            }
            started += 1;
        }
        drop(hold);
        started
    });
    if let Some(forced) = test_thread_limit() {
        return started.min(forced);
    }
    started
}

/// `REIMAGE_TEST_MAX_THREADS=N`: tests of the single-threaded walk where no process limit can
/// be set.
fn test_thread_limit() -> Option<usize> {
    std::env::var("REIMAGE_TEST_MAX_THREADS").ok()?.parse().ok()
}
