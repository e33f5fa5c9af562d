//! The password reset message: the single-use link, how long it works, and what to do when the
//! reader did not ask for it.

use super::{Lang, Rendered, button, escape, page};

/// The reset link message for `name`; `url` is `{public_url}/reset-password?token=…`.
pub fn password_reset(lang: Lang, name: &str, url: &str, minutes: i64) -> Rendered {
    let subject = lang
        .pick(
            "Réinitialiser votre mot de passe OC Pizza",
            "Reset your OC Pizza password",
        )
        .to_owned();
    let name = name.trim();
    let greeting = match (lang, name.is_empty()) {
        (Lang::Fr, true) => "Bonjour,".to_owned(),
        (Lang::Fr, false) => format!("Bonjour {name},"),
        (Lang::En, true) => "Hello,".to_owned(),
        (Lang::En, false) => format!("Hello {name},"),
    };
    let ask = lang.pick(
        "Quelqu'un (vous, sans doute) a demandé à changer le mot de passe de votre compte \
         OC Pizza. Choisissez-en un nouveau avec ce lien :",
        "Someone (you, most likely) asked to change the password of your OC Pizza account. \
         Choose a new one with this link:",
    );
    let validity = match lang {
        Lang::Fr => format!(
            "Ce lien fonctionne une seule fois, pendant {minutes} minutes. Une fois le mot \
             de passe changé, vos autres sessions sont fermées."
        ),
        Lang::En => format!(
            "This link works once, for {minutes} minutes. Once the password is changed, your \
             other sessions are logged out."
        ),
    };
    let not_you = lang.pick(
        "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe reste le même.",
        "If you did not ask for this, ignore this message: your password stays as it is.",
    );
    let text = format!("{greeting}\n\n{ask}\n{url}\n\n{validity}\n\n{not_you}\n");
    let body = format!(
        "<p>{}</p>\n<p>{}</p>\n{}\n<p>{}</p>\n<p>{}</p>",
        escape(&greeting),
        escape(ask),
        button(
            url,
            lang.pick("Choisir un nouveau mot de passe", "Choose a new password")
        ),
        escape(&validity),
        escape(not_you),
    );
    let footer = lang.pick(
        "Message envoyé à la demande de réinitialisation du mot de passe de ce compte.",
        "Sent because a password reset was asked for this account.",
    );
    Rendered {
        html: page(lang, &subject, &body, footer),
        subject,
        text,
    }
}
