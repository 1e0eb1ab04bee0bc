//! The hosted UI's pages: plain HTML forms that work without JavaScript.

use super::WebResponse;

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page around `body` (already HTML).
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title></head><body>\n<main>\n<h1>{}</h1>\n{body}\n</main>\n</body></html>\n",
        escape(title),
        escape(title)
    )
}

/// The sign-in form. `action` is the `/login` URL with the authorize parameters in its query;
/// `error` is shown above the form after a failed attempt.
pub(crate) fn login_form(
    action: &str,
    csrf: &str,
    client_name: &str,
    username: &str,
    error: Option<&str>,
) -> String {
    let error = error.map_or_else(String::new, |e| {
        format!(
            "<p id=\"loginErrorMessage\" class=\"errorMessage\" role=\"alert\">{}</p>\n",
            escape(e)
        )
    });
    page(
        "Sign in",
        &format!(
            "<p>Sign in to {client}</p>\n{error}\
             <form name=\"cognitoSignInForm\" method=\"post\" action=\"{action}\">\n\
             <input type=\"hidden\" name=\"_csrf\" value=\"{csrf}\">\n\
             <label for=\"signInFormUsername\">Username</label>\n\
             <input id=\"signInFormUsername\" name=\"username\" type=\"text\" autocomplete=\"username\" value=\"{username}\" required>\n\
             <label for=\"signInFormPassword\">Password</label>\n\
             <input id=\"signInFormPassword\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\n\
             <button id=\"signInSubmitButton\" name=\"signInSubmitButton\" type=\"submit\">Sign in</button>\n\
             </form>",
            client = escape(client_name),
            action = escape(action),
            csrf = escape(csrf),
            username = escape(username),
        ),
    )
}

/// The page for errors that must not be redirected (unknown client, unregistered redirect URI).
pub(crate) fn error_page(error: &str, description: &str) -> WebResponse {
    WebResponse::html(
        400,
        page(
            "An error was encountered with the requested page.",
            &format!(
                "<p id=\"errorCode\">{}</p>\n<p id=\"errorDescription\">{}</p>",
                escape(error),
                escape(description)
            ),
        ),
    )
}
