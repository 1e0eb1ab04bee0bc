//! The signed-in user's device and TOTP calls that do more than pass a response through: this
//! device's key is filled in, the remembered status and the TOTP verification status are
//! read, and forgetting this device drops its local secret (another device's does not).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cognito_auth_machine::cognito::{
    Device, DeviceRememberedStatus, UserPoolRequest, UserPoolResponse,
};
use cognito_auth_machine::session::DeviceSecrets;
use cognito_auth_machine::*;
use common::*;

const THIS_DEVICE: &str = "us-east-1_this";

/// Signed in as `ann` on a device the pool tracks.
fn on_tracked_device() -> Harness {
    let h = Harness::signed_in(config_user_pool(), "ann");
    let mut stored = h
        .persisted
        .clone()
        .expect("the signed-in session was saved");
    stored.devices.insert(
        "ann".into(),
        DeviceSecrets {
            device_key: THIS_DEVICE.into(),
            device_group_key: "group".into(),
            device_password: Secret::new("device-password".into()),
        },
    );
    let h = Harness::new(config_user_pool(), Some(stored));
    assert_eq!(h.m.user_state(), UserState::SignedIn);
    h
}

fn ok(response: UserPoolResponse) -> EffectResult {
    EffectResult::UserPool(Ok(response))
}

#[test]
fn a_devices_status_is_sent_as_asked_and_defaults_to_this_device() {
    let mut h = on_tracked_device();
    for (key, status, remembered) in [
        (None, DeviceRememberedStatus::Remembered, true),
        (
            Some("us-east-1_other"),
            DeviceRememberedStatus::NotRemembered,
            false,
        ),
    ] {
        let op = h.call(ApiCall::UpdateDeviceStatus {
            device_key: key.map(str::to_owned),
            status,
        });
        let (id, req) = h.take_user_pool("UpdateDeviceStatus");
        let UserPoolRequest::UpdateDeviceStatus {
            device_key,
            remembered: sent,
            ..
        } = req
        else {
            panic!("{req:?}")
        };
        assert_eq!(device_key, key.unwrap_or(THIS_DEVICE));
        assert_eq!(sent, remembered, "{status:?}");
        h.complete(id, ok(UserPoolResponse::Empty));
        assert_eq!(h.reply(op), Some(&Ok(Answer::Done)));
    }
}

#[test]
fn this_device_is_described_from_get_device() {
    let mut h = on_tracked_device();
    let op = h.call(ApiCall::FetchDevice);
    let (id, req) = h.take_user_pool("GetDevice");
    assert!(
        matches!(&req, UserPoolRequest::GetDevice { device_key, .. } if device_key == THIS_DEVICE)
    );
    let device = Device {
        device_key: THIS_DEVICE.into(),
        attributes: vec![],
        create_date_s: Some(1_700_000_000),
        last_authenticated_s: None,
    };
    h.complete(
        id,
        ok(UserPoolResponse::Device {
            device: device.clone(),
        }),
    );
    assert_eq!(h.reply(op), Some(&Ok(Answer::Device(device))));
}

#[test]
fn totp_setup_hands_out_the_secret_and_a_refused_code_is_a_mismatch() {
    let mut h = on_tracked_device();
    let op = h.call(ApiCall::SetUpTotp);
    let (id, _) = h.take_user_pool("AssociateSoftwareToken");
    h.complete(
        id,
        ok(UserPoolResponse::AssociateSoftwareToken {
            secret_code: Secret::new("JBSWY3DPEHPK3PXP".into()),
            session: None,
        }),
    );
    let Some(Ok(Answer::TotpSetup { shared_secret })) = h.reply(op) else {
        panic!("{:?}", h.reply(op))
    };
    assert_eq!(shared_secret.expose(), "JBSWY3DPEHPK3PXP");

    for (status, expected) in [
        ("ERROR", Err(AuthError::CodeMismatch)),
        ("SUCCESS", Ok(Answer::Done)),
    ] {
        let op = h.call(ApiCall::VerifyTotpSetup {
            code: Secret::new("123456".into()),
            friendly_device_name: None,
        });
        let (id, _) = h.take_user_pool("VerifySoftwareToken");
        h.complete(
            id,
            ok(UserPoolResponse::VerifySoftwareToken {
                status: status.into(),
                session: None,
            }),
        );
        assert_eq!(h.reply(op), Some(&expected), "{status}");
    }
}

#[test]
fn forgetting_this_device_drops_its_secret_and_forgetting_another_keeps_it() {
    let mut h = on_tracked_device();
    let op = h.call(ApiCall::ForgetDevice {
        device_key: Some("us-east-1_other".into()),
    });
    let (id, _) = h.take_user_pool("ForgetDevice");
    h.complete(id, ok(UserPoolResponse::Empty));
    assert_eq!(h.reply(op), Some(&Ok(Answer::Done)));
    let op = h.call(ApiCall::FetchDevice);
    assert!(h.reply(op).is_none(), "this device is still tracked");
    let (id, _) = h.take_user_pool("GetDevice");
    h.complete(id, network_error());

    let op = h.call(ApiCall::ForgetDevice { device_key: None });
    let (id, req) = h.take_user_pool("ForgetDevice");
    assert!(
        matches!(&req, UserPoolRequest::ForgetDevice { device_key, .. } if device_key == THIS_DEVICE)
    );
    h.complete(id, ok(UserPoolResponse::Empty));
    assert_eq!(h.reply(op), Some(&Ok(Answer::Done)));
    assert!(h.persisted.as_ref().unwrap().devices.is_empty());
    let op = h.call(ApiCall::FetchDevice);
    assert!(
        matches!(h.reply(op), Some(Err(AuthError::InvalidState { .. }))),
        "{:?}",
        h.reply(op)
    );
}
