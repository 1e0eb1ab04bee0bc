//! The default store: one JSON file, written atomically, readable only by its owner, shared
//! safely by several processes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cognito_auth_machine::PersistedSession;

use super::{
    envelope, next_generation, KnownGeneration, SessionStore, StoreError, StoreFuture, Stored,
};

/// How many quarantine names (`<name>.corrupt-<n>`) are tried before giving up.
const MAX_QUARANTINE_SLOTS: u32 = 1000;

/// Temp-file names are unique in the process (not per store): two stores on one path in one
/// process must not write the same temp file.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Stores the session as JSON in one file.
///
/// * Writes go to a temporary file in the same directory (mode 0600 on unix, named with the
///   pid and a process-wide counter), which is synced, renamed over the target, and the
///   directory is synced: a crash leaves the old or the new session, never a torn one.
/// * Every operation holds an advisory lock (`flock` on unix, `LockFileEx` on Windows, through
///   `std::fs::File::lock`) on `<name>.lock` beside the session file, so processes sharing the
///   file take turns; the lock file is never deleted (deleting it would let two processes hold
///   "the" lock on different inodes).
/// * **Merge rule.** The file carries a generation, bumped by every write. A save re-reads the
///   file under the lock first; if another process wrote since this store last read or wrote
///   it (a newer generation) *and* what it wrote is signed out (no user-pool tokens, no
///   federated login) while this save holds a user, the save is refused with
///   [`StoreError::SignedOutElsewhere`]: a sign-out elsewhere is never undone by a stale
///   refresh here. Any other newer content is replaced (last writer wins: both are live
///   sessions). The refusal stands until this store loads again or saves a signed-out
///   session; the engine answers it by signing out locally.
/// * A file that cannot be read as a session is reported as [`StoreError::Corrupt`] and moved
///   aside to `<name>.corrupt-<n>` (never deleted), so the next save starts afresh and the bad
///   file can still be inspected. A save that finds the file unreadable (an I/O error) or
///   corrupt and cannot move it aside fails instead of writing over it.
#[derive(Debug, Clone)]
pub struct FileStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    lock_path: PathBuf,
    /// Serialises this process's operations; the file lock serialises processes.
    lock: tokio::sync::Mutex<()>,
    /// The generation this store last read or wrote (0: none seen).
    known_generation: KnownGeneration,
}

impl FileStore {
    /// A store for the file at `path` (created on first save, with its parent directory).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let lock_path = path.with_file_name(format!("{}.lock", file_name(&path)));
        Self {
            inner: Arc::new(Inner {
                path,
                lock_path,
                lock: tokio::sync::Mutex::new(()),
                known_generation: KnownGeneration::default(),
            }),
        }
    }

    /// The session file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let _guard = self.inner.lock.lock().await;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let _file_lock = inner.lock_file()?;
            f(&inner)
        })
        .await
        .map_err(|e| StoreError::Io {
            operation: "run store task",
            path: self.inner.path.clone(),
            source: io::Error::other(e.to_string()),
        })?
    }
}

impl SessionStore for FileStore {
    fn load(&self) -> StoreFuture<'_, Option<PersistedSession>> {
        Box::pin(self.blocking(Inner::load))
    }

    fn save<'a>(&'a self, session: &'a PersistedSession) -> StoreFuture<'a, ()> {
        let session = session.clone();
        Box::pin(self.blocking(move |inner| inner.save(&session)))
    }

    fn clear(&self) -> StoreFuture<'_, ()> {
        Box::pin(self.blocking(Inner::clear))
    }
}

impl Inner {
    fn io(&self, operation: &'static str, path: &Path) -> impl FnOnce(io::Error) -> StoreError {
        let path = path.to_path_buf();
        move |source| StoreError::Io {
            operation,
            path,
            source,
        }
    }

    /// Takes the cross-process lock; it is released when the returned file is dropped.
    fn lock_file(&self) -> Result<File, StoreError> {
        let dir = parent_dir(&self.path);
        if !dir.as_os_str().is_empty() {
            create_private_dir(dir).map_err(self.io("create directory", dir))?;
        }
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let file = options
            .open(&self.lock_path)
            .map_err(self.io("open lock file", &self.lock_path))?;
        file.lock().map_err(self.io("lock", &self.lock_path))?;
        Ok(file)
    }

    /// Reads the file; a corrupt one is moved aside (and reported) so nothing is lost.
    fn read(&self) -> Result<Stored, StoreError> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Stored::Missing),
            Err(e) => return Err(self.io("read", &self.path)(e)),
        };
        match envelope::decode_generation(&bytes) {
            Ok((session, generation)) => Ok(Stored::Session(Box::new(session), generation)),
            Err(reason) => {
                let quarantined_to = self.quarantine();
                if let Some(to) = &quarantined_to {
                    tracing::warn!(from = %self.path.display(), to = %to.display(), %reason,
                        "corrupt session file moved aside");
                }
                Err(StoreError::Corrupt {
                    path: self.path.clone(),
                    quarantined_to,
                    reason,
                })
            }
        }
    }

    fn load(&self) -> Result<Option<PersistedSession>, StoreError> {
        match self.read() {
            Ok(Stored::Missing) => {
                self.known_generation.set(0);
                Ok(None)
            }
            Ok(Stored::Session(session, generation)) => {
                self.known_generation.set(generation);
                Ok(Some(*session))
            }
            Err(e) => {
                if let StoreError::Corrupt {
                    quarantined_to: Some(_),
                    ..
                } = &e
                {
                    self.known_generation.set(0);
                }
                Err(e)
            }
        }
    }

    /// Moves the session file to the first free `<name>.corrupt-<n>`.
    fn quarantine(&self) -> Option<PathBuf> {
        let name = self.path.file_name()?.to_string_lossy().into_owned();
        for n in 1..=MAX_QUARANTINE_SLOTS {
            let to = self.path.with_file_name(format!("{name}.corrupt-{n}"));
            if to.exists() {
                continue;
            }
            return match fs::rename(&self.path, &to) {
                Ok(()) => {
                    let _ = sync_dir(&self.path);
                    Some(to)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not move the corrupt session file aside");
                    None
                }
            };
        }
        None
    }

    /// Re-reads under the lock, applies the merge rule, then writes the next generation.
    fn save(&self, session: &PersistedSession) -> Result<(), StoreError> {
        let generation =
            next_generation(self.known_generation.get(), self.read(), session, || {
                self.path.clone()
            })?;
        let bytes = envelope::encode_generation(session, generation).map_err(StoreError::Encode)?;
        self.write(&bytes)?;
        self.known_generation.set(generation);
        Ok(())
    }

    /// The temp-file name prefix for this session file.
    fn temp_prefix(&self) -> String {
        format!(".{}.tmp-", file_name(&self.path))
    }

    /// Removes temp files left by a writer that died mid-save. Writes happen only under the
    /// lock, so while it is held every temp file for this path is stale.
    fn sweep_stale_temps(&self) {
        let dir = parent_dir(&self.path);
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let prefix = self.temp_prefix();
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    fn write(&self, bytes: &[u8]) -> Result<(), StoreError> {
        self.sweep_stale_temps();
        let dir = parent_dir(&self.path);
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp =
            self.path
                .with_file_name(format!("{}{}-{n}", self.temp_prefix(), std::process::id()));
        let result = write_synced(&temp, bytes)
            .map_err(self.io("write", &temp))
            .and_then(|()| fs::rename(&temp, &self.path).map_err(self.io("rename", &self.path)))
            .and_then(|()| sync_dir(&self.path).map_err(self.io("sync directory", dir)));
        if result.is_err() {
            // Leave no stray copy of the secrets behind.
            let _ = fs::remove_file(&temp);
        }
        result
    }

    fn clear(&self) -> Result<(), StoreError> {
        match fs::remove_file(&self.path) {
            Ok(()) => {
                self.known_generation.set(0);
                sync_dir(&self.path).map_err(self.io("sync directory", &self.path))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io("remove", &self.path)(e)),
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "session".to_owned())
}

fn parent_dir(path: &Path) -> &Path {
    path.parent().unwrap_or_else(|| Path::new(""))
}

/// Creates a new file readable only by its owner, writes and syncs it.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Syncs the directory holding `path`, so a rename or removal survives a crash.
fn sync_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let dir = parent_dir(path);
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::session;

    fn store_in(dir: &tempfile::TempDir) -> FileStore {
        FileStore::new(dir.path().join("sub").join("session.json"))
    }

    #[tokio::test]
    async fn nothing_stored_loads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(store_in(&dir).load().await.unwrap(), None);
    }

    #[tokio::test]
    async fn save_then_load_round_trips_and_clear_removes() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        store.save(&session("a")).await.unwrap();
        store.save(&session("b")).await.unwrap();
        assert_eq!(store.load().await.unwrap(), Some(session("b")));
        store.clear().await.unwrap();
        assert_eq!(store.load().await.unwrap(), None);
        store.clear().await.unwrap();
        // No temp files left behind; the lock file stays (see `FileStore`).
        let names: Vec<_> = fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["session.json.lock"]);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn files_are_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        store.save(&session("a")).await.unwrap();
        let mode = fs::metadata(store.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = fs::metadata(store.path().parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }

    #[tokio::test]
    async fn corrupt_file_is_reported_quarantined_and_next_save_works() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        store.save(&session("a")).await.unwrap();
        let good = fs::read(store.path()).unwrap();
        // Truncate mid-token: the error must not quote the token.
        fs::write(store.path(), &good[..good.len() / 2]).unwrap();
        let torn = fs::read(store.path()).unwrap();

        let err = store.load().await.unwrap_err();
        let StoreError::Corrupt {
            quarantined_to: Some(moved),
            ..
        } = &err
        else {
            panic!("expected a quarantined corrupt file, got {err:?}");
        };
        assert!(moved.ends_with("session.json.corrupt-1"), "{moved:?}");
        assert_eq!(fs::read(moved).unwrap(), torn, "quarantine keeps the bytes");
        assert!(!err.to_string().contains("access-a"));
        assert_eq!(store.load().await.unwrap(), None);

        store.save(&session("b")).await.unwrap();
        assert_eq!(store.load().await.unwrap(), Some(session("b")));

        // A second corrupt file gets the next free slot.
        fs::write(store.path(), b"{\"format\": 7}").unwrap();
        let err = store.load().await.unwrap_err();
        assert!(
            matches!(&err, StoreError::Corrupt { quarantined_to: Some(p), .. }
                if p.ends_with("session.json.corrupt-2")),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn another_format_or_version_is_quarantined_not_misread() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        fs::write(
            store.path(),
            br#"{"format":"cognito-auth-session","version":99,"session":{}}"#,
        )
        .unwrap();
        let err = store.load().await.unwrap_err();
        assert!(err.to_string().contains("version 99"), "{err}");
        fs::write(store.path(), br#"{"format":"other","version":1}"#).unwrap();
        let err = store.load().await.unwrap_err();
        assert!(err.to_string().contains("not a cognito-auth"), "{err}");
    }

    #[tokio::test]
    async fn unreadable_location_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be.
        let store = FileStore::new(dir.path());
        assert!(matches!(
            store.load().await.unwrap_err(),
            StoreError::Io { .. }
        ));
    }

    fn signed_out() -> PersistedSession {
        PersistedSession {
            version: PersistedSession::VERSION,
            ..PersistedSession::default()
        }
    }

    #[tokio::test]
    async fn a_sign_out_by_another_store_is_never_overwritten_by_a_stale_session() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (store_in(&dir), store_in(&dir));
        a.save(&session("1")).await.unwrap();
        assert_eq!(b.load().await.unwrap(), Some(session("1")));
        // A signs out; B, which last saw the signed-in session, refreshes.
        a.load().await.unwrap();
        a.save(&signed_out()).await.unwrap();
        let err = b.save(&session("1-refreshed")).await.unwrap_err();
        assert!(
            matches!(err, StoreError::SignedOutElsewhere { .. }),
            "{err:?}"
        );
        assert!(err.is_permanent());
        // The refusal stands for every later stale save.
        let err = b.save(&session("1-refreshed-again")).await.unwrap_err();
        assert!(matches!(err, StoreError::SignedOutElsewhere { .. }));
        assert_eq!(a.load().await.unwrap(), Some(signed_out()));
        // Once B has seen the sign-out (it signs out locally), a new sign-in is written.
        b.save(&signed_out()).await.unwrap();
        b.save(&session("2")).await.unwrap();
        assert_eq!(a.load().await.unwrap(), Some(session("2")));
    }

    #[tokio::test]
    async fn a_newer_live_session_from_elsewhere_is_replaced_last_writer_wins() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (store_in(&dir), store_in(&dir));
        a.save(&session("a")).await.unwrap();
        b.load().await.unwrap();
        a.save(&session("a2")).await.unwrap();
        b.save(&session("b")).await.unwrap();
        assert_eq!(a.load().await.unwrap(), Some(session("b")));
        // A store that had seen nothing, saving a signed-out state, is never refused.
        let c = store_in(&dir);
        c.save(&signed_out()).await.unwrap();
        assert_eq!(c.load().await.unwrap(), Some(signed_out()));
    }

    #[tokio::test]
    async fn generations_increase_across_stores() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (store_in(&dir), store_in(&dir));
        let mut last = 0;
        for i in 0..6 {
            let store = if i % 2 == 0 { &a } else { &b };
            store.save(&session(&i.to_string())).await.unwrap();
            let bytes = fs::read(a.path()).unwrap();
            let (_, generation) = envelope::decode_generation(&bytes).unwrap();
            assert!(generation > last, "{generation} after {last}");
            last = generation;
        }
    }

    #[tokio::test]
    async fn two_stores_on_one_path_in_one_process_never_collide() {
        let dir = tempfile::tempdir().unwrap();
        let stores: Vec<_> = (0..4).map(|_| store_in(&dir)).collect();
        let mut tasks = tokio::task::JoinSet::new();
        for (i, store) in stores.into_iter().enumerate() {
            tasks.spawn(async move {
                for k in 0..10 {
                    store.save(&session(&format!("{i}-{k}"))).await.unwrap();
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
        let loaded = store_in(&dir).load().await.unwrap().unwrap();
        assert!(&*loaded.tokens.unwrap().username == "alice");
        let names: Vec<_> = fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.contains(".tmp-")), "{names:?}");
    }

    #[tokio::test]
    async fn a_save_over_a_corrupt_file_moves_it_aside_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        store.save(&session("a")).await.unwrap();
        fs::write(store.path(), b"{ torn").unwrap();
        store.save(&session("b")).await.unwrap();
        let kept = store.path().with_file_name("session.json.corrupt-1");
        assert_eq!(fs::read(kept).unwrap(), b"{ torn");
        assert_eq!(store.load().await.unwrap(), Some(session("b")));
    }

    #[tokio::test]
    async fn a_save_never_writes_over_a_file_it_cannot_read() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the session file should be: reading fails with an I/O error.
        let path = dir.path().join("session.json");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), b"keep").unwrap();
        let store = FileStore::new(&path);
        let err = store.save(&session("a")).await.unwrap_err();
        assert!(
            matches!(
                &err,
                StoreError::Io {
                    operation: "read",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(fs::read(path.join("inside")).unwrap(), b"keep");
    }
}
