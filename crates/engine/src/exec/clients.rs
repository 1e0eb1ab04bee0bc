//! Building the AWS SDK clients (and the OAuth HTTP client) from the machine's [`Config`].
//!
//! Cognito's user-facing operations (`InitiateAuth`, `GetUser`, `GetId`, ...) are modelled as
//! unauthenticated (`smithy.api#noAuth`) in the SDK, so the clients carry no AWS credentials and
//! send unsigned requests. SDK retries are switched off: retrying is the machine's decision.

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::config::{
    retry::RetryConfig, timeout::TimeoutConfig, BehaviorVersion, Region, SharedHttpClient,
};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use cognito_auth_machine::Config;

use super::oauth::OAuthClient;

/// How the engine reaches the services.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// Send every call to this URL instead of the AWS endpoints (a local emulator, moto).
    pub endpoint_url: Option<String>,
    /// Overrides [`cognito_auth_machine::config::Tuning::request_timeout_ms`].
    pub request_timeout: Option<Duration>,
}

/// The HTTP clients could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The TLS configuration was rejected.
    #[error("TLS configuration: {0}")]
    Tls(String),
}

/// The clients the executor uses, one per configured service.
#[derive(Debug, Clone)]
pub struct ServiceClients {
    pub(crate) user_pool: Option<UserPoolClient>,
    pub(crate) identity: Option<aws_sdk_cognitoidentity::Client>,
    pub(crate) oauth: OAuthClient,
}

/// A user-pool client and the app client id every request names.
#[derive(Debug, Clone)]
pub(crate) struct UserPoolClient {
    pub(crate) client: aws_sdk_cognitoidentityprovider::Client,
    pub(crate) client_id: String,
}

/// The connect timeout: a share of the request timeout, so an unreachable host fails fast.
fn connect_timeout(request_timeout: Duration) -> Duration {
    request_timeout.min(Duration::from_secs(5))
}

/// The request timeout: `options.request_timeout`, else `config.tuning.request_timeout_ms`.
fn request_timeout(config: &Config, options: &ConnectOptions) -> Duration {
    options
        .request_timeout
        .unwrap_or(Duration::from_millis(config.tuning.request_timeout_ms))
        // A zero timeout would fail every call; one millisecond is the smallest honest bound.
        .max(Duration::from_millis(1))
}

/// Everything [`ServiceClients::new`] builds its clients from. Engines whose keys are equal
/// get clients that behave identically, so they share one set.
#[derive(Debug, PartialEq, Eq)]
struct ClientsKey {
    /// Connection pools belong to the runtime whose tasks drive their connections: a pooled
    /// connection used from another runtime fails once its own runtime is gone.
    runtime: tokio::runtime::Id,
    /// Region and app client id.
    user_pool: Option<(String, String)>,
    identity_region: Option<String>,
    endpoint_url: Option<String>,
    timeout: Duration,
}

/// The client sets engines use now. Weak: a set lives as long as an engine holds it.
static SHARED: Mutex<Vec<(ClientsKey, Weak<ServiceClients>)>> = Mutex::new(Vec::new());

impl ServiceClients {
    /// The clients for an engine on `runtime`: the set another live engine of this process
    /// already uses when everything they are built from is the same, else a new one. Each set
    /// holds the AWS SDK clients with their HTTP connection pool (about 20 KiB), which a
    /// process running thousands of engines for the same pools would otherwise hold thousands
    /// of times over.
    pub(crate) fn shared(
        config: &Config,
        options: &ConnectOptions,
        runtime: &tokio::runtime::Handle,
    ) -> Result<Arc<Self>, ClientError> {
        let key = ClientsKey {
            runtime: runtime.id(),
            user_pool: config
                .user_pool
                .as_ref()
                .map(|p| (p.region.clone(), p.app_client_id.clone())),
            identity_region: config.identity_pool.as_ref().map(|p| p.region.clone()),
            endpoint_url: options.endpoint_url.clone(),
            timeout: request_timeout(config, options),
        };
        let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        shared.retain(|(_, set)| set.strong_count() > 0);
        let found = shared
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, set)| set.upgrade());
        if let Some(clients) = found {
            return Ok(clients);
        }
        let clients = Arc::new(Self::new(config, options)?);
        shared.push((key, Arc::downgrade(&clients)));
        Ok(clients)
    }

    /// Clients for the pools named in `config`. Every call is bounded by the request timeout
    /// (`options.request_timeout`, else `config.tuning.request_timeout_ms`; never infinite).
    ///
    /// Fails only if the TLS configuration cannot be built.
    pub fn new(config: &Config, options: &ConnectOptions) -> Result<Self, ClientError> {
        let timeout = request_timeout(config, options);
        let http = sdk_http_client();
        let timeouts = TimeoutConfig::builder()
            .operation_timeout(timeout)
            .operation_attempt_timeout(timeout)
            .connect_timeout(connect_timeout(timeout))
            .build();

        let user_pool = config.user_pool.as_ref().map(|pool| {
            let mut builder = aws_sdk_cognitoidentityprovider::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new(pool.region.clone()))
                .http_client(http.clone())
                .timeout_config(timeouts.clone())
                .retry_config(RetryConfig::disabled());
            if let Some(url) = &options.endpoint_url {
                builder = builder.endpoint_url(url.clone());
            }
            UserPoolClient {
                client: aws_sdk_cognitoidentityprovider::Client::from_conf(builder.build()),
                client_id: pool.app_client_id.clone(),
            }
        });

        let identity = config.identity_pool.as_ref().map(|pool| {
            let mut builder = aws_sdk_cognitoidentity::Config::builder()
                .behavior_version(aws_sdk_cognitoidentity::config::BehaviorVersion::latest())
                .region(aws_sdk_cognitoidentity::config::Region::new(
                    pool.region.clone(),
                ))
                .http_client(http.clone())
                .timeout_config(timeouts.clone())
                .retry_config(RetryConfig::disabled());
            if let Some(url) = &options.endpoint_url {
                builder = builder.endpoint_url(url.clone());
            }
            aws_sdk_cognitoidentity::Client::from_conf(builder.build())
        });

        Ok(Self {
            user_pool,
            identity,
            oauth: OAuthClient::new(timeout).map_err(|e| ClientError::Tls(e.to_string()))?,
        })
    }
}

/// The SDK's hyper client with rustls on `ring` (builds without cmake or system libraries).
fn sdk_http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        serde_json::from_value(serde_json::json!({
            "user_pool": {"pool_id": "us-east-1_P", "app_client_id": "c", "app_client_secret": null,
                          "region": "us-east-1"},
            "identity_pool": {"pool_id": "us-east-1:p", "region": "us-east-1"},
            "oauth": null
        }))
        .unwrap()
    }

    fn at(endpoint: &str) -> ConnectOptions {
        ConnectOptions {
            endpoint_url: Some(endpoint.to_owned()),
            request_timeout: None,
        }
    }

    fn shared_on(
        runtime: &tokio::runtime::Runtime,
        options: &ConnectOptions,
    ) -> Arc<ServiceClients> {
        ServiceClients::shared(&config(), options, runtime.handle()).unwrap()
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn engines_reaching_the_same_pools_the_same_way_share_one_set_of_clients() {
        let rt = runtime();
        let endpoint = "http://127.0.0.1:1/same";
        let first = shared_on(&rt, &at(endpoint));
        assert!(Arc::ptr_eq(&first, &shared_on(&rt, &at(endpoint))));

        let other_endpoint = shared_on(&rt, &at("http://127.0.0.1:1/other"));
        assert!(!Arc::ptr_eq(&first, &other_endpoint));
        let other_timeout = ConnectOptions {
            request_timeout: Some(Duration::from_millis(1234)),
            ..at(endpoint)
        };
        assert!(!Arc::ptr_eq(&first, &shared_on(&rt, &other_timeout)));
        let mut other_client = config();
        if let Some(pool) = other_client.user_pool.as_mut() {
            pool.app_client_id = "another".to_owned();
        }
        let other = ServiceClients::shared(&other_client, &at(endpoint), rt.handle()).unwrap();
        assert!(!Arc::ptr_eq(&first, &other));
        assert_eq!(
            other.user_pool.as_ref().map(|p| p.client_id.as_str()),
            Some("another")
        );
    }

    #[test]
    fn clients_are_not_shared_across_runtimes() {
        let endpoint = at("http://127.0.0.1:1/runtimes");
        let (one, two) = (runtime(), runtime());
        assert!(!Arc::ptr_eq(
            &shared_on(&one, &endpoint),
            &shared_on(&two, &endpoint)
        ));
    }

    #[test]
    fn the_cache_does_not_keep_a_set_alive_once_its_engines_are_gone() {
        let rt = runtime();
        let endpoint = at("http://127.0.0.1:1/dropped");
        let weak = Arc::downgrade(&shared_on(&rt, &endpoint));
        assert!(weak.upgrade().is_none());
        let again = shared_on(&rt, &endpoint);
        assert_eq!(Arc::strong_count(&again), 1);
    }
}
