//! The texts of the mails Plaza sends, in Catalan, Spanish and English.
//!
//! Each function renders one mail for one locale (falling back to English) and returns an
//! [`OutgoingMail`]. Links point at the frontend (`PLAZA_PUBLIC_URL`), which reads the token from
//! the URL and calls the API; the API itself never puts tokens in its own URLs.

use super::OutgoingMail;

fn pick<'a>(locale: &str, ca: &'a str, es: &'a str, en: &'a str) -> &'a str {
    match locale {
        "ca" => ca,
        "es" => es,
        _ => en,
    }
}

/// "Confirm your email address", sent after registration.
pub fn confirm_email(to: &str, locale: &str, organization: &str, link: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: format!(
            "{} – {organization}",
            pick(
                locale,
                "Confirma la teva adreça electrònica",
                "Confirma tu dirección de correo",
                "Confirm your email address"
            )
        ),
        text: format!(
            "{}\n\n{link}\n\n{}\n",
            pick(
                locale,
                &format!(
                    "Gràcies per registrar-te a {organization}. Obre aquest enllaç per confirmar la teva adreça:"
                ),
                &format!(
                    "Gracias por registrarte en {organization}. Abre este enlace para confirmar tu dirección:"
                ),
                &format!(
                    "Thank you for signing up to {organization}. Open this link to confirm your address:"
                ),
            ),
            pick(
                locale,
                "L'enllaç caduca en 7 dies. Si no t'has registrat, ignora aquest missatge.",
                "El enlace caduca en 7 días. Si no te has registrado, ignora este mensaje.",
                "The link expires in 7 days. If you did not sign up, ignore this message."
            ),
        ),
    }
}

/// Sent when someone tries to register an address that already has an account: the person who
/// owns the address learns of it, and whoever tried learns nothing from the API's answer.
pub fn already_registered(
    to: &str,
    locale: &str,
    organization: &str,
    reset_link: &str,
) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: format!(
            "{} – {organization}",
            pick(
                locale,
                "Ja tens un compte",
                "Ya tienes una cuenta",
                "You already have an account"
            )
        ),
        text: format!(
            "{}\n\n{reset_link}\n\n{}\n",
            pick(
                locale,
                &format!(
                    "Algú ha intentat registrar-se a {organization} amb aquesta adreça, però ja tens un compte. Si has oblidat la contrasenya, pots canviar-la aquí:"
                ),
                &format!(
                    "Alguien ha intentado registrarse en {organization} con esta dirección, pero ya tienes una cuenta. Si has olvidado la contraseña, puedes cambiarla aquí:"
                ),
                &format!(
                    "Someone tried to sign up to {organization} with this address, but you already have an account. If you forgot your password, you can reset it here:"
                ),
            ),
            pick(
                locale,
                "Si no has estat tu, ignora aquest missatge.",
                "Si no has sido tú, ignora este mensaje.",
                "If this was not you, ignore this message."
            ),
        ),
    }
}

/// "Reset your password".
pub fn reset_password(to: &str, locale: &str, organization: &str, link: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: format!(
            "{} – {organization}",
            pick(
                locale,
                "Canvia la contrasenya",
                "Cambia tu contraseña",
                "Reset your password"
            )
        ),
        text: format!(
            "{}\n\n{link}\n\n{}\n",
            pick(
                locale,
                "Has demanat canviar la contrasenya. Obre aquest enllaç per triar-ne una de nova:",
                "Has pedido cambiar tu contraseña. Abre este enlace para elegir una nueva:",
                "You asked to reset your password. Open this link to choose a new one:",
            ),
            pick(
                locale,
                "L'enllaç caduca en 6 hores i només es pot fer servir una vegada. Si no ho has demanat, ignora aquest missatge.",
                "El enlace caduca en 6 horas y solo se puede usar una vez. Si no lo has pedido, ignora este mensaje.",
                "The link expires in 6 hours and works once. If you did not ask for it, ignore this message."
            ),
        ),
    }
}

/// Sent after a password change or reset, to the account's address (ASVS 2.5.5).
pub fn password_changed(to: &str, locale: &str, organization: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: format!(
            "{} – {organization}",
            pick(
                locale,
                "La teva contrasenya ha canviat",
                "Tu contraseña ha cambiado",
                "Your password was changed"
            )
        ),
        text: format!(
            "{}\n",
            pick(
                locale,
                "La contrasenya del teu compte ha canviat i s'han tancat totes les sessions. Si no has estat tu, demana un canvi de contrasenya ara mateix.",
                "La contraseña de tu cuenta ha cambiado y se han cerrado todas las sesiones. Si no has sido tú, pide un cambio de contraseña ahora mismo.",
                "The password of your account was changed and every session was signed out. If this was not you, reset your password now.",
            )
        ),
    }
}

/// What a ballot receipt mail prints.
pub struct ReceiptLines<'a> {
    pub ballot_id: &'a str,
    pub cast_at: &'a str,
    pub key_id: &'a str,
    pub seal: &'a str,
    /// The frontend page of the ballot, where the voter has the server check the receipt.
    pub check_link: &'a str,
}

/// "Your vote was cast", with the ballot's receipt, after a checkout.
pub fn ballot_receipt(
    to: &str,
    locale: &str,
    organization: &str,
    receipt: &ReceiptLines<'_>,
) -> OutgoingMail {
    let ReceiptLines {
        ballot_id,
        cast_at,
        key_id,
        seal,
        check_link,
    } = receipt;
    OutgoingMail {
        to: to.to_string(),
        subject: format!(
            "{} – {organization}",
            pick(
                locale,
                "El teu vot s'ha registrat",
                "Tu voto se ha registrado",
                "Your vote was cast"
            )
        ),
        text: format!(
            "{}\n\n{}: {ballot_id}\n{}: {cast_at}\n{}: {seal} ({key_id})\n\n{}\n{check_link}\n",
            pick(
                locale,
                "Hem registrat el teu vot. Guarda aquest rebut: demostra que el teu vot compta, sense revelar-ne el contingut a ningú que el llegeixi.",
                "Hemos registrado tu voto. Guarda este recibo: demuestra que tu voto cuenta, sin revelar su contenido a quien lo lea.",
                "Your vote was cast. Keep this receipt: it proves your vote counts, without revealing what you chose to anyone who reads it.",
            ),
            pick(locale, "Papereta", "Papeleta", "Ballot"),
            pick(locale, "Emès", "Emitido", "Cast at"),
            pick(locale, "Segell", "Sello", "Seal"),
            pick(
                locale,
                "Mentre la votació estigui oberta, pots comprovar-lo, anul·lar el vot i tornar a votar a:",
                "Mientras la votación esté abierta, puedes comprobarlo, anular el voto y volver a votar en:",
                "While voting is open you can check it, cancel your vote and vote again at:",
            ),
        ),
    }
}
