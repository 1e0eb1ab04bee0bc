//! The app's behaviour: random sequences of the public API calls, and the world's mischief
//! (waiting, crashes, clock jumps, offline spells, a sign-out from another device).

use cognito_auth::machine::account::{GetUser, ListDevices};
use cognito_auth::machine::{ApiCall, Secret, SignOutOptions, UserState};
use cognito_auth_emulator::{UnixMillis, USER_POOL_PREFIX};
use serde_json::json;

use super::setup::{PASSWORD, USERNAME};
use super::world::World;

/// The app signs in with the pool's user.
pub(super) fn sign_in(world: &mut World) {
    world.command(ApiCall::SignIn {
        username: USERNAME.to_owned(),
        password: Some(Secret::new(PASSWORD.to_owned())),
        flow: None,
        preferred_challenge: None,
        client_metadata: Default::default(),
    });
}

/// What the app or the world does next, by weight.
const WEIGHTS: [u64; 14] = [
    20, // 0 wait up to 5 s
    14, // 1 wait up to 10 min
    6,  // 2 wait up to 3 h
    16, // 3 concurrent token requests
    6,  // 4 credential requests (without an identity pool answered with an error)
    4,  // 5 user attributes (GetUser with the access token)
    3,  // 6 sign in
    2,  // 7 sign out, sometimes global
    2,  // 8 crash and restore
    2,  // 9 local clock jump, hours either way
    3,  // 10 offline spell
    3,  // 11 user state, identity id
    1,  // 12 the user signs out everywhere from another device
    2,  // 13 devices
];

/// One action.
pub(super) fn step(world: &mut World, budget: super::Budget) {
    match world.rng.weighted(&WEIGHTS) {
        0 => {
            let ms = world.rng.range(1, 5_000);
            world.advance(ms);
        }
        1 => {
            let ms = world.rng.range(5_000, 600_000);
            world.advance(ms);
        }
        2 => {
            let ms = world.rng.range(600_000, 3 * 3_600_000);
            world.advance(ms);
        }
        3 => {
            for _ in 0..world.rng.range(1, 3) {
                let force_refresh = world.rng.chance(120);
                world.command(ApiCall::FetchTokens { force_refresh });
            }
        }
        4 => {
            let force_refresh = world.rng.chance(200);
            world.command(ApiCall::FetchCredentials { force_refresh });
            world.command(ApiCall::FetchTokens {
                force_refresh: false,
            });
        }
        5 => {
            world.command(ApiCall::account(GetUser {}));
        }
        6 => {
            let signed_in = world.machine.user_state() == UserState::SignedIn;
            if !signed_in || world.rng.chance(200) {
                sign_in(world);
            }
        }
        7 => {
            let global = world.rng.chance(300);
            let revoke = world.rng.chance(700);
            world.command(ApiCall::SignOut(SignOutOptions {
                global,
                revoke,
                hosted_ui: false,
            }));
        }
        8 => {
            let now = world.mono_ms;
            world.check.note(now, "crash and restore".into());
            world.crash_and_restore();
        }
        9 => clock_jump(world, budget.backward_jumps),
        10 => {
            let ms = world.rng.range(1_000, 30 * 60_000);
            world.faults.offline_until_mono = world.mono_ms + ms;
            let now = world.mono_ms;
            world.check.note(now, format!("offline for {ms} ms"));
            if world.rng.chance(500) {
                world.connectivity(false);
            }
        }
        11 => {
            world.command(ApiCall::GetUserState);
            world.command(ApiCall::FetchIdentityId);
        }
        12 => sign_out_elsewhere(world),
        _ => {
            world.command(ApiCall::account(ListDevices {
                limit: Some(10),
                pagination_token: None,
            }));
        }
    }
    // Back online: sometimes the engine hears of it.
    if world.faults.offline_until_mono != 0 && world.mono_ms >= world.faults.offline_until_mono {
        world.faults.offline_until_mono = 0;
        if world.rng.chance(500) {
            world.connectivity(true);
        }
    }
}

fn clock_jump(world: &mut World, backward: bool) {
    let ms = world.rng.range(60_000, 6 * 3_600_000) as i64;
    let jump = if world.rng.chance(500) || !backward {
        ms
    } else {
        -ms
    };
    world.offset_ms += jump;
    if jump < 0 {
        let at = world.true_ms;
        world.back_jumps.push((at, jump.unsigned_abs()));
    }
    let now = world.mono_ms;
    world
        .check
        .note(now, format!("device clock jumps {jump} ms"));
    world.check.on_clock_jump(now);
}

/// `AdminUserGlobalSignOut`: the refresh token is revoked behind the machine's back, a
/// definitive rejection the machine must turn into signedOutUserPoolsTokenInvalid.
fn sign_out_elsewhere(world: &mut World) {
    let now = world.mono_ms;
    world
        .check
        .note(now, "the user signs out everywhere elsewhere".into());
    let body = json!({ "UserPoolId": world.pool_id, "Username": USERNAME });
    let target = format!("{USER_POOL_PREFIX}AdminUserGlobalSignOut");
    if let Err(e) = world.emu.handle(&target, &body, UnixMillis(world.true_ms)) {
        world
            .check
            .fail(format!("AdminUserGlobalSignOut failed: {e}"));
    }
}
