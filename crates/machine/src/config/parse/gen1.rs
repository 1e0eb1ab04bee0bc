//! The `awsconfiguration.json` shape (AWSMobileClient, and Amplify v1 under
//! `auth.plugins.awsCognitoAuthPlugin`): structure and types. Value rules live in `check`.

use crate::config::{AuthFlow, Config, IdentityPoolConfig, OAuthConfig, Tuning, UserPoolConfig};
use crate::secret::Secret;

use super::json::Obj;
use super::ConfigError;

/// The `authenticationFlowType` values and what each means here.
///
/// `CUSTOM_AUTH` is the older name, from before the SRP variant existed. Amplify Android runs it
/// exactly like `CUSTOM_AUTH_WITHOUT_SRP` (InitiateAuth with the username only; the challenges
/// come from the Lambda triggers), so it maps to [`AuthFlow::CustomAuthWithoutSrp`]. Apps that
/// want an SRP round first say `CUSTOM_AUTH_WITH_SRP`.
const FLOWS: [(&str, AuthFlow); 6] = [
    ("USER_SRP_AUTH", AuthFlow::UserSrpAuth),
    ("USER_PASSWORD_AUTH", AuthFlow::UserPasswordAuth),
    ("CUSTOM_AUTH", AuthFlow::CustomAuthWithoutSrp),
    ("CUSTOM_AUTH_WITH_SRP", AuthFlow::CustomAuthWithSrp),
    ("CUSTOM_AUTH_WITHOUT_SRP", AuthFlow::CustomAuthWithoutSrp),
    ("USER_AUTH", AuthFlow::UserAuth),
];

/// Reads the document whose top level is `root` (the file itself, or the Amplify v1 plugin
/// section).
pub(super) fn parse(root: &Obj<'_>) -> Result<Config, ConfigError> {
    let auth = match root.opt_obj("Auth")? {
        Some(auth) => auth.opt_obj("Default")?,
        None => None,
    };
    // Read even without a user pool, so that a typo is reported rather than ignored.
    let auth_flow = match &auth {
        Some(auth) => parse_flow(auth)?,
        None => None,
    };

    let user_pool = match root.opt_obj("CognitoUserPool")? {
        Some(section) => {
            let pool = section.req_obj("Default")?;
            Some(UserPoolConfig {
                pool_id: pool.req_str("PoolId")?.to_owned(),
                app_client_id: pool.req_str("AppClientId")?.to_owned(),
                app_client_secret: pool.opt_str("AppClientSecret")?.map(Secret::from),
                region: pool.req_str("Region")?.to_owned(),
                auth_flow: auth_flow.unwrap_or_default(),
            })
        }
        None => None,
    };

    let identity_pool = match root.opt_obj("CredentialsProvider")? {
        Some(provider) => {
            let pool = provider.req_obj("CognitoIdentity")?.req_obj("Default")?;
            Some(IdentityPoolConfig {
                pool_id: pool.req_str("PoolId")?.to_owned(),
                region: pool.req_str("Region")?.to_owned(),
                // The format has no flag; the pool's own setting decides in the end.
                allow_guest: true,
            })
        }
        None => None,
    };

    let oauth = match &auth {
        Some(auth) => auth
            .opt_obj("OAuth")?
            .map(|o| parse_oauth(&o))
            .transpose()?,
        None => None,
    };

    Ok(Config {
        user_pool,
        identity_pool,
        oauth,
        tuning: Tuning::default(),
    })
}

fn parse_flow(auth: &Obj<'_>) -> Result<Option<AuthFlow>, ConfigError> {
    let Some(name) = auth.opt_str("authenticationFlowType")? else {
        return Ok(None);
    };
    match FLOWS.iter().find(|(known, _)| *known == name) {
        Some((_, flow)) => Ok(Some(*flow)),
        None => {
            let known: Vec<&str> = FLOWS.iter().map(|(known, _)| *known).collect();
            Err(ConfigError::InvalidValue {
                path: auth.path_of("authenticationFlowType"),
                reason: format!(
                    "unknown authentication flow {name:?}; expected one of {}",
                    known.join(", ")
                ),
            })
        }
    }
}

fn parse_oauth(oauth: &Obj<'_>) -> Result<OAuthConfig, ConfigError> {
    let sign_out_uri = oauth.opt_str("SignOutURI")?.map(str::to_owned);
    // A custom provider's logout endpoint (SignOutURI) carries its own return address in its
    // query parameters, so the Auth0 example in the AWSMobileClient guide has no
    // SignOutRedirectURI; Cognito's /logout needs one.
    let sign_out_redirect_uri = match oauth.opt_str("SignOutRedirectURI")? {
        Some(list) => Some(first_of_list(list)),
        None if sign_out_uri.is_some() => None,
        None => return Err(oauth.missing("SignOutRedirectURI")),
    };
    Ok(OAuthConfig {
        web_domain: oauth.req_str("WebDomain")?.to_owned(),
        app_client_id: oauth.req_str("AppClientId")?.to_owned(),
        app_client_secret: oauth.opt_str("AppClientSecret")?.map(Secret::from),
        sign_in_redirect_uri: first_of_list(oauth.req_str("SignInRedirectURI")?),
        sign_out_redirect_uri,
        scopes: oauth.req_str_array("Scopes")?,
        token_uri: oauth.opt_str("TokenURI")?.map(str::to_owned),
        sign_in_uri: oauth.opt_str("SignInURI")?.map(str::to_owned),
        sign_out_uri,
        sign_out_uri_query_parameters: oauth
            .opt_str_map("SignOutURIQueryParameters")?
            .unwrap_or_default(),
        sign_in_uri_query_parameters: oauth
            .opt_str_map("SignInURIQueryParameters")?
            .unwrap_or_default(),
        token_uri_query_parameters: oauth
            .opt_str_map("TokenURIQueryParameters")?
            .unwrap_or_default(),
    })
}

/// The first URI of a comma-separated list (the Amplify CLI joins several redirect URIs with
/// commas). An empty first entry stays empty so that the value rules report it.
fn first_of_list(list: &str) -> String {
    list.split(',').next().unwrap_or(list).trim().to_owned()
}
