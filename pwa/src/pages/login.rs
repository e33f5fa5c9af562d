//! Login for staff and customers.

use crate::app::Route;
use crate::components::{logged_in, use_session};
use crate::services::api;
use ocpizza_proto::api::auth::{LoginRequest, Me};
use web_sys::HtmlInputElement;
use yew::{Callback, Html, SubmitEvent, TargetCast, component, html, use_state};
use yew_router::prelude::{Link, use_navigator};

/// `?next=/path` of the address, resolved against this site: where to go back after logging
/// in, only when it stays on this origin.
fn next_in_address() -> Option<String> {
    let location = gloo::utils::window().location();
    let next = local_next(&location.search().ok()?)?;
    let origin = location.origin().ok()?;
    let url = web_sys::Url::new_with_base(&next, &origin).ok()?;
    (url.origin() == origin).then(|| url.href())
}

/// The `next` parameter of a query string (`?a=b&next=/kitchen`), percent-decoded, if it is a
/// path of this site: one `/` not followed by another `/` or a `\`, and no backslash or control
/// character anywhere. Browsers read `\` as `/` and drop tabs and newlines from addresses, so
/// `/\evil.example` or `/<tab>/evil.example` would otherwise lead to another site.
fn local_next(search: &str) -> Option<String> {
    let raw = search
        .strip_prefix('?')
        .unwrap_or(search)
        .split('&')
        .find_map(|kv| kv.strip_prefix("next="))?;
    let next = percent_decode(raw)?;
    let mut start = next.chars();
    let one_slash = start.next() == Some('/') && !matches!(start.next(), Some('/' | '\\'));
    let clean = !next.chars().any(|c| c == '\\' || c.is_control());
    (one_slash && clean).then_some(next)
}

/// `%XX` escapes decoded as UTF-8, like `decodeURIComponent` (which this must not need, to be
/// tested natively); a malformed escape or invalid UTF-8 gives `None`.
fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            let hex = std::str::from_utf8(&hex).ok()?;
            if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

/// The screen each account starts on: cooks the kitchen, customers the shops.
fn after_login(me: &Me) -> Route {
    let cooks = me
        .roles
        .iter()
        .any(|r| r.role == ocpizza_proto::StaffRole::Cook);
    if cooks { Route::Kitchen } else { Route::Shops }
}

/// The login form.
#[component]
pub fn Login() -> Html {
    let session = use_session();
    let t = session.lang.texts();
    let email = use_state(String::new);
    let password = use_state(String::new);
    let failed = use_state(|| false);
    let navigator = use_navigator();
    let onsubmit = {
        let (email, password, failed, session) = (
            email.clone(),
            password.clone(),
            failed.clone(),
            session.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = LoginRequest {
                email: (*email).clone(),
                password: (*password).clone(),
            };
            let (failed, session, navigator) = (failed.clone(), session.clone(), navigator.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::post::<_, Me>("/api/v1/auth/login", &request).await {
                    Ok(me) => {
                        let to = after_login(&me);
                        logged_in(&session, me);
                        match (next_in_address(), navigator) {
                            (Some(path), _) => {
                                let _ = gloo::utils::window().location().assign(&path);
                            }
                            (None, Some(nav)) => nav.push(&to),
                            (None, None) => {}
                        }
                    }
                    Err(_) => failed.set(true),
                }
            });
        })
    };
    let bind = |handle: yew::UseStateHandle<String>| {
        Callback::from(move |e: yew::InputEvent| {
            handle.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    html! {
        <section class="page narrow">
            <h1>{ t.login }</h1>
            <form {onsubmit}>
                <label for="email">{ t.email }</label>
                <input id="email" type="email" autocomplete="username" required=true
                       value={(*email).clone()} oninput={bind(email.clone())} />
                <label for="password">{ t.password }</label>
                <input id="password" type="password" autocomplete="current-password" required=true
                       value={(*password).clone()} oninput={bind(password.clone())} />
                if *failed {
                    <p role="alert" class="error">{ t.login_failed }</p>
                }
                <button type="submit" class="button">{ t.login }</button>
            </form>
            <p class="forgot-password">
                <Link<Route> to={Route::ForgotPassword}>{ session.lang.account().forgot_link }</Link<Route>>
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::local_next;

    #[test]
    fn a_path_of_this_site_is_where_the_login_leads_back() {
        for (search, expected) in [
            ("?next=/kitchen", "/kitchen"),
            ("next=/driver", "/driver"),
            ("?lang=fr&next=/recipes", "/recipes"),
            ("?next=/manage/shops/1/staff", "/manage/shops/1/staff"),
            ("?next=%2Fcounter", "/counter"),
            ("?next=/track/ab%C3%A9", "/track/abé"),
            ("?next=/", "/"),
            ("?next=/a//b", "/a//b"),
        ] {
            assert_eq!(local_next(search).as_deref(), Some(expected), "{search}");
        }
    }

    #[test]
    fn a_next_that_could_reach_another_site_is_ignored() {
        for search in [
            "",
            "?lang=fr",
            "?next=",
            "?next=//evil.example",
            "?next=%2F%2Fevil.example",
            "?next=/\\evil.example",
            "?next=/%5Cevil.example",
            "?next=/%5cevil.example",
            "?next=\\evil.example",
            "?next=%5C%5Cevil.example",
            "?next=/%09/evil.example",
            "?next=/%0A/evil.example",
            "?next=/%0D%0A/evil.example",
            "?next=%09//evil.example",
            "?next=/%00/evil.example",
            "?next=/%7F/evil.example",
            "?next=/%C2%85/evil.example",
            "?next=/ok/%5C..",
            "?next=https://evil.example",
            "?next=https:%2F%2Fevil.example",
            "?next=javascript:alert(1)",
            "?next=evil.example",
            "?next=%20/evil.example",
            "?next=/%zz",
            "?next=/%5",
            "?next=/%+5C",
            "?next=/%E2%82",
        ] {
            assert_eq!(local_next(search), None, "{search}");
        }
    }
}
