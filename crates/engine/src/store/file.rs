//! The default store: one JSON file, written atomically, readable only by its owner.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cognito_auth_machine::PersistedSession;

use super::{envelope, SessionStore, StoreError, StoreFuture};

/// How many quarantine names (`<name>.corrupt-<n>`) are tried before giving up.
const MAX_QUARANTINE_SLOTS: u32 = 1000;

/// Stores the session as JSON in one file.
///
/// * Writes go to a temporary file in the same directory (mode 0600 on unix), which is synced,
///   renamed over the target, and the directory is synced: a crash leaves the old or the new
///   session, never a torn one.
/// * A file that cannot be read as a session is reported as [`StoreError::Corrupt`] and moved
///   aside to `<name>.corrupt-<n>` (never deleted), so the next save starts afresh and the bad
///   file can still be inspected.
#[derive(Debug, Clone)]
pub struct FileStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    /// Serialises operations: two saves must not interleave their temp-file dance.
    lock: tokio::sync::Mutex<()>,
    temp_counter: AtomicU64,
}

impl FileStore {
    /// A store for the file at `path` (created on first save, with its parent directory).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            inner: Arc::new(Inner {
                path: path.into(),
                lock: tokio::sync::Mutex::new(()),
                temp_counter: AtomicU64::new(0),
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
        tokio::task::spawn_blocking(move || f(&inner))
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
        let bytes = envelope::encode(session);
        Box::pin(async move {
            let bytes = bytes.map_err(StoreError::Encode)?;
            self.blocking(move |inner| inner.save(&bytes)).await
        })
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

    fn load(&self) -> Result<Option<PersistedSession>, StoreError> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io("read", &self.path)(e)),
        };
        match envelope::decode(&bytes) {
            Ok(session) => Ok(Some(session)),
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

    fn save(&self, bytes: &[u8]) -> Result<(), StoreError> {
        let dir = parent_dir(&self.path);
        if !dir.as_os_str().is_empty() {
            create_private_dir(dir).map_err(self.io("create directory", dir))?;
        }
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "session".to_owned());
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let temp = self
            .path
            .with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()));
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
            Ok(()) => sync_dir(&self.path).map_err(self.io("sync directory", &self.path)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io("remove", &self.path)(e)),
        }
    }
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
        // No temp files left behind.
        let names: Vec<_> = fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(names.is_empty(), "{names:?}");
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
}
