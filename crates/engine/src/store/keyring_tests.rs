//! The keyring store's semantics against `keyring_core`'s in-memory mock store (two
//! `KeyringStore` values on one mock store share the entry, as two processes share the kernel
//! keyring), and one round trip through the real kernel keyring.

use super::*;
use crate::store::test_support::session;

fn mock_store() -> Arc<CredentialStore> {
    keyring_core::mock::Store::new().unwrap()
}

fn on(store: &Arc<CredentialStore>) -> KeyringStore {
    KeyringStore::with_credential_store(Arc::clone(store), "app", "session").unwrap()
}

fn raw(store: &Arc<CredentialStore>, user: &str) -> Result<Vec<u8>, KeyringError> {
    store.build("app", user, None).unwrap().get_secret()
}

fn put_raw(store: &Arc<CredentialStore>, user: &str, bytes: &[u8]) {
    store
        .build("app", user, None)
        .unwrap()
        .set_secret(bytes)
        .unwrap();
}

fn signed_out() -> PersistedSession {
    PersistedSession {
        version: PersistedSession::VERSION,
        ..PersistedSession::default()
    }
}

fn generation(store: &Arc<CredentialStore>) -> u64 {
    envelope::decode_generation(&raw(store, "session").unwrap())
        .unwrap()
        .1
}

#[tokio::test]
async fn mock_round_trip_and_clear() {
    let backend = mock_store();
    let store = on(&backend);
    assert_eq!(store.load().await.unwrap(), None);
    store.save(&session("a")).await.unwrap();
    store.save(&session("b")).await.unwrap();
    assert_eq!(store.load().await.unwrap(), Some(session("b")));
    store.clear().await.unwrap();
    assert_eq!(store.load().await.unwrap(), None);
    store.clear().await.unwrap();
}

#[tokio::test]
async fn mock_a_corrupt_entry_is_kept_under_another_name_and_never_overwritten() {
    let backend = mock_store();
    let store = on(&backend);
    store.save(&session("a")).await.unwrap();
    let good = raw(&backend, "session").unwrap();
    let torn = good[..good.len() / 2].to_vec();
    put_raw(&backend, "session", &torn);

    let err = store.load().await.unwrap_err();
    let StoreError::Corrupt {
        quarantined_to: Some(moved),
        ..
    } = &err
    else {
        panic!("expected a quarantined corrupt entry, got {err:?}");
    };
    assert_eq!(moved, &PathBuf::from("keyring:app@session.corrupt-1"));
    assert_eq!(raw(&backend, "session.corrupt-1").unwrap(), torn);
    assert!(!err.to_string().contains("access-a"), "{err}");
    assert_eq!(
        store.load().await.unwrap(),
        None,
        "moved, not left in place"
    );

    // A save that meets a corrupt entry moves it aside first, to the next free name.
    put_raw(&backend, "session", b"{ torn");
    store.save(&session("b")).await.unwrap();
    assert_eq!(raw(&backend, "session.corrupt-2").unwrap(), b"{ torn");
    assert_eq!(raw(&backend, "session.corrupt-1").unwrap(), torn);
    assert_eq!(store.load().await.unwrap(), Some(session("b")));
}

#[tokio::test]
async fn mock_a_save_never_writes_over_an_entry_it_cannot_read_or_move() {
    let backend = mock_store();
    let store = on(&backend);
    put_raw(&backend, "session", b"{ torn");
    // Reading fails outright: the save fails and the entry stays.
    let entry = backend.build("app", "session", None).unwrap();
    let mock: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
    mock.set_error(KeyringError::PlatformFailure("transient".into()));
    let err = store.save(&session("a")).await.unwrap_err();
    assert!(matches!(err, StoreError::Keyring(_)), "{err:?}");
    assert_eq!(raw(&backend, "session").unwrap(), b"{ torn");

    // Corrupt, and the copy aside cannot be written: reported, and nothing is overwritten.
    let aside = backend.build("app", "session.corrupt-1", None).unwrap();
    let aside_mock: &keyring_core::mock::Cred = aside.as_any().downcast_ref().unwrap();
    aside_mock.set_error(KeyringError::PlatformFailure("full".into()));
    let err = store.save(&session("a")).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Corrupt {
                quarantined_to: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(raw(&backend, "session").unwrap(), b"{ torn");
}

#[tokio::test]
async fn mock_a_sign_out_elsewhere_is_never_overwritten_by_a_stale_session() {
    let backend = mock_store();
    let (a, b) = (on(&backend), on(&backend));
    a.save(&session("1")).await.unwrap();
    assert_eq!(b.load().await.unwrap(), Some(session("1")));
    // A signs out; B, which last saw the signed-in session, refreshes.
    a.save(&signed_out()).await.unwrap();
    let err = b.save(&session("1-refreshed")).await.unwrap_err();
    assert!(
        matches!(err, StoreError::SignedOutElsewhere { .. }),
        "{err:?}"
    );
    assert!(err.is_permanent());
    assert!(err.to_string().contains("keyring:app@session"), "{err}");
    let err = b.save(&session("1-refreshed-again")).await.unwrap_err();
    assert!(matches!(err, StoreError::SignedOutElsewhere { .. }));
    assert_eq!(a.load().await.unwrap(), Some(signed_out()));
    // Once B has written the sign-out itself, a new sign-in is saved.
    b.save(&signed_out()).await.unwrap();
    b.save(&session("2")).await.unwrap();
    assert_eq!(a.load().await.unwrap(), Some(session("2")));
}

#[tokio::test]
async fn mock_a_newer_live_session_is_replaced_and_generations_increase() {
    let backend = mock_store();
    let (a, b) = (on(&backend), on(&backend));
    a.save(&session("a")).await.unwrap();
    b.load().await.unwrap();
    a.save(&session("a2")).await.unwrap();
    b.save(&session("b")).await.unwrap();
    assert_eq!(a.load().await.unwrap(), Some(session("b")));
    let mut last = generation(&backend);
    for i in 0..6 {
        let store = if i % 2 == 0 { &a } else { &b };
        store.save(&session(&i.to_string())).await.unwrap();
        let now = generation(&backend);
        assert!(now > last, "{now} after {last}");
        last = now;
    }
    // A store that has seen nothing, saving a signed-out state, is never refused.
    let c = on(&backend);
    c.save(&signed_out()).await.unwrap();
    assert_eq!(c.load().await.unwrap(), Some(signed_out()));
}

#[tokio::test]
async fn round_trips_through_the_kernel_keyring() {
    let name = format!("cognito-auth-test-{}", std::process::id());
    let store = KeyringStore::new(&name, "session").unwrap_or_else(|e| {
        panic!(
            "{e}: run the keyring tests in a fresh session keyring, e.g. \
             `keyctl session - cargo test -p cognito-auth --features keyring`"
        )
    });
    store.clear().await.unwrap();
    assert_eq!(store.load().await.unwrap(), None);
    store.save(&session("k")).await.unwrap();
    assert_eq!(store.load().await.unwrap(), Some(session("k")));
    store.inner.entry.set_secret(b"{ torn").unwrap();
    let err = store.load().await.unwrap_err();
    let StoreError::Corrupt {
        quarantined_to: Some(moved),
        ..
    } = &err
    else {
        panic!("expected a quarantined corrupt entry, got {err:?}");
    };
    assert!(
        moved.to_string_lossy().ends_with("@session.corrupt-1"),
        "{moved:?}"
    );
    store.save(&session("k2")).await.unwrap();
    assert_eq!(store.load().await.unwrap(), Some(session("k2")));
    store.clear().await.unwrap();
    assert_eq!(store.load().await.unwrap(), None);
    let aside = KeyringStore::new(&name, "session.corrupt-1").unwrap();
    aside.inner.entry.delete_credential().unwrap();
}
